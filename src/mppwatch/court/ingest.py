"""Load an EOIR "Case Data" release (folder or zip) into `court_*` tables, streaming, with every bad row accounted for.

How: DuckDB's own CSV reader parses each table in parallel with the dialect fixed (TAB, no quote, latin-1, header)
and explicit column types, so nothing is guessed. Lines may end in LF or CRLF: `new_line` is left to DuckDB, since
DuckDB 2.x with `auto_detect=false` reads no rows from a CRLF file when `new_line` is given. Rows it cannot parse are not dropped: `store_rejects` keeps each
one with its line number, a repair pass strips NUL bytes from those lines and tries them again, and what still fails
lands in `court_rejects` (file, line, reason, raw text). NUL bytes inside text fields are removed as rows are
inserted. Zip members go through the `unzip` program (it reads Deflate64, which Python's zipfile cannot) into a
named pipe, so nothing is unpacked to disk. A release is replaced as a whole inside one transaction.

Every line is accounted for or nothing is stored: loaded + repaired + rejected must equal the lines in each file,
a table may reject at most `max_reject_share` of its lines, a file that ends mid-line is an error (truncated), and
a line over 64 KB (EOIR's rows are under 1 KB) stops the load at once, before DuckDB's parser sees it. No case row
is written outside the store: pipes and nothing else live in a private temporary folder (mode 0700) that is removed
on exit, on SIGTERM/SIGINT/SIGHUP, and by the next load if a SIGKILL left it; `unzip` children are killed with it.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import itertools
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
import zipfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
import numpy as np
import pandas as pd

from mppwatch.core.text import N_
from mppwatch.court import texts
from mppwatch.court.tables import (
    BY_STEM,
    LOOKUP_CODE_COLUMNS,
    LOOKUP_DESC_COLUMNS,
    NULL_TOKENS,
    SPECS,
    TableSpec,
)
from mppwatch.errors import InputError, MppwatchError
from mppwatch.store import Store

RELEASE_RE = re.compile(r"^\d{4}-\d{2}$")
SYNTHETIC = "SYNTHETIC"
BLOCK_BYTES = 1 << 22  # what the readers read and check at a time
Chunk = bytes | bytearray  # a block read into a reused buffer, or a line cut from one
MAX_LINE_BYTES = 1 << 16  # no field, and no line, of a release may be longer (EOIR's widest row is under 1 KB)
MAX_REJECT_SHARE = 0.01  # a table rejecting more of its lines than this (and more than one line) is not stored
TIMEOUT_FLOOR = 600.0  # seconds: the default --timeout is this, or the input read at TIMEOUT_RATE, whichever is longer
TIMEOUT_RATE = 2_000_000  # bytes a second: a fourth of what a whole load reaches on 2 shared cores (998 MB in 133 s)
TIMEOUT_GRACE = 30.0  # seconds after the limit before a load that did not stop ends its process (CLI only)
TMP_PREFIX = "mppwatch-court-"
CSV_BUFFER_BYTES: int | None = None  # DuckDB's read_csv buffer_size; None leaves DuckDB's default (tests set it)
TRAILING_TAB = "_trailing_tab"  # the name given to the empty field after a TAB that ends every line, header included

LINES_MISSING = N_(
    "{n} of {total} lines missing: loaded {loaded} + repaired {repaired} + rejected {rejected} != lines in; "
    "nothing was stored"
)
LINES_TOO_MANY = N_(
    "{n} of {total} lines too many: loaded {loaded} + repaired {repaired} + rejected {rejected} != lines in; "
    "nothing was stored"
)

DDL = """
CREATE TABLE IF NOT EXISTS court_releases (
    release VARCHAR PRIMARY KEY, synthetic BOOLEAN NOT NULL, source VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS court_rejects (
    release VARCHAR NOT NULL, file VARCHAR NOT NULL, line BIGINT, reason VARCHAR NOT NULL, raw VARCHAR
);
CREATE TABLE IF NOT EXISTS court_lookups (
    release VARCHAR NOT NULL, lookup VARCHAR NOT NULL, code VARCHAR, description VARCHAR
);
CREATE TABLE IF NOT EXISTS court_load_counts (
    release VARCHAR NOT NULL, file VARCHAR NOT NULL, "table" VARCHAR NOT NULL, load_id BIGINT,
    rows_in BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_repaired BIGINT NOT NULL, rows_rejected BIGINT NOT NULL
);
"""
COURT_TABLES = tuple(s.table for s in SPECS) + (
    "court_lookups", "court_rejects", "court_load_counts", "court_facts", "court_proceeding_status", "court_count_txt",
)  # fmt: skip


@dataclass
class TableCount:
    """Rows in and out for one release file."""

    file: str
    table: str
    rows_in: int
    rows_loaded: int
    rows_repaired: int
    rows_rejected: int


@dataclass
class LoadSummary:
    """What `court load` did: the stored release id and the counts per table."""

    release: str
    synthetic: bool
    tables: list[TableCount] = field(default_factory=list)
    lookups: int = 0
    notes: list[str] = field(default_factory=list)
    unchanged: bool = False  # the release was already loaded from these same files: nothing was done

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(t) for t in self.tables])


def ensure_schema(store: Store) -> None:
    store.con.execute(DDL)


def release_id(release: str, synthetic: bool) -> str:
    """`2026-01` -> `2026-01`, or `2026-01-SYNTHETIC` for a synthetic release."""
    if not RELEASE_RE.match(release):
        raise MppwatchError(N_("--release {value}: expected YYYY-MM"), value=repr(release))
    return f"{release}-{SYNTHETIC}" if synthetic else release


# -- finding the files --------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One file of the release: a path on disk, or a member of a zip."""

    name: str  # path inside the release, for messages and `court_rejects.file`
    path: Path | None
    zip_path: Path | None = None
    size: int = 0

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    @property
    def is_lookup(self) -> bool:
        return any(part.lower() == "lookup" for part in Path(self.name).parts[:-1])


def list_members(source: Path) -> list[Member]:
    """Every .csv/.txt file of a release folder or zip, at any depth."""
    if source.is_dir():
        return [
            Member(str(p.relative_to(source)), p, size=p.stat().st_size)
            for p in sorted(source.rglob("*"))
            if p.is_file() and p.suffix.lower() in (".csv", ".txt")
        ]
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            return [
                Member(i.filename, None, source, i.file_size)
                for i in zf.infolist()
                if not i.is_dir() and Path(i.filename).suffix.lower() in (".csv", ".txt")
            ]
    if not source.exists():
        raise InputError(str(source), None, None, N_("no such file or folder"))
    raise InputError(str(source), None, None, N_("not a folder or a zip file"))


def is_synthetic(source: Path, members: list[Member]) -> bool:
    return SYNTHETIC in source.name.upper() or any(SYNTHETIC in m.name.upper() for m in members)


def _count_byte(buf: Chunk, byte: int, end: int) -> int:
    """How often `byte` occurs in buf[:end]: numpy counts on the block itself, about 10x faster than bytes.count."""
    return int(np.count_nonzero(np.frombuffer(buf, np.uint8, count=end) == byte))


# latin-1, except that 0x80-0x9f are what Windows (cp1252) puts there: quotes, dashes, the euro sign. DuckDB's
# latin-1 reader refuses those bytes (the whole file fails), so such text goes to DuckDB as UTF-8 from this table.
_CP1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))
_C1 = bytes(range(0x80, 0xA0))


def for_pipe(data: Chunk) -> Chunk:
    """Whole lines on their way to DuckDB through a pipe: UTF-8 (`to_utf8`) and LF line ends (DuckDB counts CRLF
    lines wrongly after a buffer that ends between CR and LF, and a pipe cannot be read again to recount)."""
    return to_utf8(data).replace(b"\r\n", b"\n")


def to_utf8(data: Chunk) -> Chunk:
    """Whole lines of a release file as UTF-8: ASCII and UTF-8 as they are, anything else read as latin-1 with
    cp1252's characters at 0x80-0x9f. Decided per chunk of lines, so a stream needs no look ahead."""
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return codecs.charmap_decode(data, "strict", _CP1252)[0].encode("utf-8")


def _long_line(block: Chunk, run: int, limit: int = MAX_LINE_BYTES) -> tuple[int, int | None]:
    """Find a line longer than `limit` in `block`, given `run` bytes of the current line before it.

    Returns (bytes of the line still open at the block's end, offset of the long line's start in the block, or
    None; 0 also when the long line began in an earlier block). Costs a few `find` calls per 4 MB: every window of
    limit/2 bytes must hold a line end, or no line of `limit` bytes can fit; only a window without one is looked
    at closely."""
    first = block.find(b"\n")
    if first == -1:
        run += len(block)
        return run, (0 if run > limit else None)
    if run + first > limit:
        return run, 0
    half, n, pos = limit // 2, len(block), first + 1
    while pos + half <= n:
        if block.find(b"\n", pos, pos + half) != -1:
            pos += half
            continue
        start = block.rfind(b"\n", 0, pos) + 1
        end = block.find(b"\n", pos + half)
        if end == -1:
            break
        if end - start > limit:
            return 0, start
        pos = end + 1
    tail = n - block.rfind(b"\n") - 1
    return tail, (n - tail if tail > limit else None)


def _too_long(name: str, line: int, segment: Chunk, names: list[str] | None) -> InputError:
    """The error for a line over MAX_LINE_BYTES, naming the field when one field alone is over it."""
    fields = segment[: 4 * MAX_LINE_BYTES].split(b"\n", 1)[0].split(b"\t")
    longest = max(range(len(fields)), key=lambda i: len(fields[i]))
    kb = MAX_LINE_BYTES // 1024
    if len(fields[longest]) > MAX_LINE_BYTES or len(fields) == 1:
        column = names[longest] if names and longest < len(names) else f"field {longest + 1}"
        return InputError(
            name, line, column, N_("field over the {kb} KB limit (a corrupt file?); nothing was stored"), kb=kb
        )
    return InputError(
        name, line, None, N_("line over the {kb} KB limit ({tabs}+ TABs: rows run together without line ends?); "
                             "nothing was stored"), kb=kb, tabs=len(fields) - 1,
    )  # fmt: skip


class _Digest:
    """sha256 of a stream, computed in a thread of its own: hashlib releases the GIL, so the hash of one block runs
    beside the checks of the next (numpy's comparisons release it too) instead of after them."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._blocks: queue.Queue[Chunk | None] = queue.Queue(maxsize=8)  # at most 32 MB in flight
        self._thread: threading.Thread | None = None

    def update(self, block: Chunk) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        self._blocks.put(block)

    def _run(self) -> None:
        while (block := self._blocks.get()) is not None:
            self._sha.update(block)

    def finish(self) -> None:
        """Wait for the blocks given so far (a stream that stopped early leaves no thread behind)."""
        if self._thread is not None:
            self._blocks.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.finish()
        return self._sha.hexdigest()


class _Reader:
    """Hash, count and check a stream as it passes, optionally copying it into a pipe for DuckDB.

    DuckDB accepts a row with one field too many when the extra field is empty or a null token (it reads it as a
    trailing delimiter), which would shift a row with a stray tab silently. So every line's TAB count is checked
    here, independently: a block whose total matches the expected count is passed at memory speed, and only a
    block that does not is split into lines (numpy) to find the rows with the wrong number of fields. Lines may
    end in LF or CRLF (a CR before the LF is not part of the raw line kept for a reject). A line over
    MAX_LINE_BYTES stops the stream before any of it reaches the pipe; a last line without a line end and with
    too few fields is kept in `truncated`.
    """

    def __init__(
        self,
        ncols: int = 0,
        on_bytes: Callable[[int], None] | None = None,
        name: str = "",
        names: list[str] | None = None,
    ) -> None:
        self.on_bytes = on_bytes
        self.sha = _Digest()
        self.newlines = 0
        self.last: Chunk = b"\n"
        self.error: BaseException | None = None
        self.ncols = ncols
        self.name, self.names = name, names
        self.bad: list[tuple[int, int, bytes]] = []  # (line, fields, raw line)
        self.starts: list[tuple[int, int]] = [(0, 1)]  # (byte offset, number of the line starting there), per block
        self.offset = 0
        self.truncated: tuple[int, int] | None = None  # (line, fields) of a last line cut short
        self.stop = threading.Event()  # set when the consumer has failed: feed() ends at the next block
        self.transform: Callable[[Chunk], Chunk] | None = None  # applied to whole lines on their way to the pipe
        self.known = False  # `bad` was filled by `scan` already: only count the lines
        self.drop = False  # leave the lines of the wrong width out of the pipe (DuckDB never sees them)
        self.spans: list[tuple[int, int]] = []  # where the last `_check` found them, in its block
        self.inspect: Callable[[Chunk, Chunk], None] | None = None  # (carry, block) for each block: `scan`'s checks
        self._ends = self._tabs = np.empty(0, np.bool_)
        _READERS.add(self)

    def _blocks(self, src: IO[bytes]) -> Iterator[bytearray]:
        """The stream in blocks of 4 MB, read into a ring of reused buffers: a fresh 4 MB `bytes` per read costs
        its page faults, about as much as the checks. A buffer comes round again only after `_Digest` (at most 8
        blocks queued, one being hashed) is done with it."""
        ring = [bytearray(BLOCK_BYTES) for _ in range(12)]
        for i in itertools.count():
            buf = ring[i % len(ring)]
            n = src.readinto(buf)  # type: ignore[attr-defined]
            if not n:
                return
            yield buf if n == len(buf) else buf[:n]

    def feed(self, src: IO[bytes], sink: IO[bytes] | None) -> None:
        carry: Chunk = b""  # the open line: checked with the next block, held back from the pipe
        run = 0
        try:
            for block in self._blocks(src):
                if self.stop.is_set():
                    raise MppwatchError(N_("{file}: reading stopped"), file=self.name)
                run, long_at = _long_line(block, run)
                if long_at is not None:
                    line = self.newlines + block.count(b"\n", 0, long_at) + 1
                    raise _too_long(self.name, line, block[long_at:] if long_at else carry + block, self.names)
                if self.inspect is not None:
                    self.inspect(carry, block)
                self.sha.update(block)
                self.last = block[-1:]
                if self.on_bytes is not None:
                    self.on_bytes(len(block))
                cut = block.rfind(b"\n") + 1
                if cut == 0:  # no line ends in this block
                    carry += block
                    self.offset += len(block)
                    continue
                self.spans = []
                if self.ncols and not self.known:
                    self._check(carry, block, cut)
                else:
                    self.newlines += _count_byte(block, 10, cut)
                if sink is not None and self.spans and self.drop:
                    sink.write(self._kept(carry, block, cut))
                elif sink is not None and self.transform is not None:
                    sink.write(self.transform(carry + block[:cut]))
                elif sink is not None:  # only whole lines go to the pipe, so a stopped stream ends on a line end
                    sink.write(carry)
                    sink.write(memoryview(block)[:cut])
                carry = block[cut:]
                self.starts.append((self.offset + cut, self.newlines + 1))
                self.offset += len(block)
            self.spans = []
            if self.ncols and carry.rstrip(b"\r"):  # a last line without a line break is still a row
                before = len(self.bad)
                if self.known:
                    self.newlines += 1
                else:
                    self._check(b"", carry + b"\n", len(carry) + 1)
                last = self.bad[-1] if self.bad else None
                if last is not None and last[0] == self.newlines and (self.known or len(self.bad) > before):
                    if last[1] < self.ncols:
                        self.truncated = (last[0], last[1])
            if sink is not None and carry and not (self.spans and self.drop):
                sink.write(self.transform(carry) if self.transform is not None else carry)
        except BaseException as exc:  # reported by the caller
            self.error = exc
        finally:
            self.sha.finish()

    def _check(self, carry: Chunk, block: Chunk, cut: int) -> None:
        """Count the lines of carry + block[:cut] (whole lines) and keep those with the wrong number of TABs.

        In place (no copy of the block): one byte comparison each for TAB and LF gives the block's totals, and
        only a block whose totals do not match is counted per line, from the same two masks, so a reject costs
        its line, not a pass over the block per reject."""
        arr = np.frombuffer(block, np.uint8, count=cut)
        if len(self._ends) < cut:  # the masks are reused too (no page faults per block)
            self._ends, self._tabs = np.empty(cut, np.bool_), np.empty(cut, np.bool_)
        ends_mask, tabs_mask = np.equal(arr, 10, out=self._ends[:cut]), np.equal(arr, 9, out=self._tabs[:cut])
        n = int(np.count_nonzero(ends_mask))
        carried = carry.count(b"\t")
        width = self.ncols - 1
        if carried + int(np.count_nonzero(tabs_mask)) != width * n:
            ends = np.flatnonzero(ends_mask)
            starts = np.empty_like(ends)
            starts[0], starts[1:] = 0, ends[:-1] + 1
            # TABs per line, summed in one pass over the mask (a list of every TAB's position costs twice that).
            # 16 bits suffice: a count that wrapped to `width` needs 65,536 more TABs than that in one line, and
            # `_long_line` stops any line over MAX_LINE_BYTES first
            count = np.uint16 if MAX_LINE_BYTES < (1 << 16) + width else np.uint32
            per_line = np.add.reduceat(tabs_mask.view(np.uint8), starts, dtype=count).astype(np.int64)
            per_line[0] += carried
            for i in np.flatnonzero(per_line != width).tolist():
                raw = (carry if i == 0 else b"") + block[int(starts[i]) : int(ends[i])]
                self.bad.append((self.newlines + i + 1, int(per_line[i]) + 1, bytes(raw.removesuffix(b"\r"))))
                self.spans.append((int(starts[i]), int(ends[i]) + 1))
        self.newlines += n

    def _kept(self, carry: Chunk, block: Chunk, cut: int) -> Chunk:
        """carry + block[:cut] without the lines `_check` just found of the wrong width (`spans`), for the pipe."""
        pieces, pos = [b"" if self.spans[0][0] == 0 else carry], 0
        for start, end in self.spans:
            pieces.append(block[pos:start])
            pos = end
        pieces.append(block[pos:cut])
        kept = b"".join(pieces)
        return self.transform(kept) if self.transform is not None else kept

    @property
    def lines(self) -> int:
        if self.ncols:
            return self.newlines
        return self.newlines + (0 if self.last == b"\n" else 1)


# -- child processes and the private temporary folder -------------------------------------------

_CHILDREN: set[subprocess.Popen[bytes]] = set()
_READERS: weakref.WeakSet[_Reader] = weakref.WeakSet()  # the streams being read, stopped by the watchdog


def _unzip(member: Member, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`unzip -p` of one member, tracked so that no `unzip` outlives the load (see `private_tmp`)."""
    assert member.zip_path is not None
    unzip = shutil.which("unzip")
    if unzip is None:
        raise MppwatchError(
            N_("{file}: reading a zip needs the `unzip` program (apt-get install unzip)"), file=str(member.zip_path)
        )
    proc = subprocess.Popen([unzip, "-p", str(member.zip_path), member.name], stdout=subprocess.PIPE, stderr=stderr)
    _CHILDREN.add(proc)
    return proc


def _reap(proc: subprocess.Popen[bytes], kill: bool = True) -> None:
    if kill and proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=10)
    finally:
        _CHILDREN.discard(proc)
        for handle in (proc.stdout, proc.stderr):
            if handle is not None:
                handle.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_tmp(root: Path | None = None) -> list[Path]:
    """Remove the private folders of loads that were killed (SIGKILL leaves them): ours, whose process is gone.

    A folder is `mppwatch-court-<pid>-<random>`; one whose pid still runs is another load's and is left alone."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for path in root.glob(TMP_PREFIX + "*"):
        try:
            if not path.is_dir() or path.is_symlink() or path.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        pid = path.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and _pid_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def default_timeout(total_bytes: int) -> float:
    """The default --timeout: TIMEOUT_FLOOR seconds, or the input's bytes at TIMEOUT_RATE if that is longer."""
    return max(TIMEOUT_FLOOR, total_bytes / TIMEOUT_RATE)


class Watchdog:
    """The whole load's time limit. When it expires, everything the load waits on is stopped: `unzip` children are
    killed (their pipes end), every stream being read is told to stop, and DuckDB's running query is interrupted.
    The load then fails at once with `error()` (the transaction rolls back; `private_tmp` removes the folder).

    `where`/`done`/`total` say what was being read and how far the load got, for the message. If the load has not
    ended `grace` seconds after the limit (a read blocked in the kernel, on a hung network disk) and `hard_exit` is
    set (the CLI), the process exits with 124 after killing its children and removing its folder: it never hangs.
    """

    def __init__(
        self, seconds: float, con: duckdb.DuckDBPyConnection, hard_exit: bool = False, grace: float | None = None
    ) -> None:
        if not seconds > 0:
            raise MppwatchError(N_("--timeout {value}: expected a number of seconds above 0"), value=f"{seconds:g}")
        self.seconds, self.con, self.hard_exit = seconds, con, hard_exit
        self.grace = TIMEOUT_GRACE if grace is None else grace
        self.where, self.done, self.total = "the release", 0, 0
        self.tmp: Path | None = None
        self.expired = threading.Event()
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="court-load-watchdog")

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finished.set()

    def at(self, where: str, done: int, total: int) -> None:
        self.where, self.done, self.total = where, done, total

    def _watch(self) -> None:
        if self.finished.wait(self.seconds):
            return
        self.expired.set()
        for proc in list(_CHILDREN):
            if proc.poll() is None:
                proc.kill()
        for reader in list(_READERS):
            reader.stop.set()
        try:
            self.con.interrupt()
        except Exception:  # noqa: BLE001  (a closed connection has nothing to interrupt)
            pass
        if self.finished.wait(self.grace) or not self.hard_exit:
            return
        for proc in list(_CHILDREN):
            proc.kill()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        from mppwatch import i18n
        from mppwatch.output import current_lang

        lang = current_lang()
        os.write(2, f"{i18n.translator(lang)('error')}: {i18n.localise(str(self.error()), lang)}\n".encode())
        os._exit(124)

    def check(self) -> None:
        """Raise the timeout error once the limit has passed (called between steps and before the commit)."""
        if self.expired.is_set():
            raise self.error()

    def error(self) -> MppwatchError:
        from mppwatch.court.texts import timed_out

        mb = 1_000_000
        got = f"{self.done / mb:,.1f} of {self.total / mb:,.1f} MB" if self.total else "0 MB"
        share = f"{100 * self.done / self.total:.0f}" if self.total else "0"
        return MppwatchError(timed_out(self.where, f"{self.seconds:g}", got, share))


class _Stopped(BaseException):
    """Raised by the signal handler inside a load, so that every `finally` runs; turned into SystemExit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def private_tmp() -> Iterator[Path]:
    """A private (0700) folder for the load's pipes, removed on exit and on SIGTERM/SIGINT/SIGHUP; children killed.

    A signal during a DuckDB query interrupts the query; the load then rolls back and the process exits 128+signal.
    """
    sweep_stale_tmp()
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))
    os.chmod(tmp, 0o700)
    got: list[int] = []
    old: dict[signal.Signals, object] = {}

    def on_signal(signum: int, _frame: object) -> None:
        got.append(signum)
        raise _Stopped(signum)

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            old[sig] = signal.signal(sig, on_signal)
    try:
        yield tmp
    except BaseException:
        if got:
            raise SystemExit(128 + got[0]) from None
        raise
    finally:
        for proc in list(_CHILDREN):
            _reap(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        for signum, handler in old.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


@contextmanager
def _fifo(
    tmp: Path, label: str, write: Callable[[IO[bytes]], None], stop: threading.Event | None = None
) -> Iterator[tuple[str, threading.Thread]]:
    """A named pipe in `tmp` that a thread fills with `write`; DuckDB reads it as a file. Nothing lands on disk.

    When the block fails (DuckDB stopped reading, or a signal), `stop` is set and the pipe is drained until the
    writer sees it, so the writer never stays blocked."""
    fifo = tmp / f"pipe-{label}-{threading.get_ident()}.csv"
    os.mkfifo(fifo, 0o600)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with open(fifo, "wb") as sink:
                write(sink)
        except BrokenPipeError:
            pass  # the reader stopped (an error it reports)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    failed = False
    try:
        yield str(fifo), thread
    except BaseException:
        failed = True
        raise
    finally:
        if not failed:
            thread.join(timeout=5)
        if thread.is_alive():  # DuckDB stopped reading (an error), or never opened the pipe: unblock the writer
            if stop is not None:
                stop.set()
            _drain(fifo, thread)
        fifo.unlink(missing_ok=True)
    if errors:
        raise errors[0]


def _drain(fifo: Path, thread: threading.Thread, seconds: float = 10) -> None:
    """Read and drop what a blocked writer thread puts into `fifo` until it ends (it checks its stop flag)."""
    try:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return
    deadline = time.monotonic() + seconds
    try:
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                if not os.read(fd, 1 << 20):
                    thread.join(timeout=0.01)
            except BlockingIOError:
                thread.join(timeout=0.01)
    finally:
        os.close(fd)
    thread.join(timeout=1)


@contextmanager
def opened(
    member: Member,
    tmp: Path,
    ncols: int = 0,
    on_bytes: Callable[[int], None] | None = None,
    names: list[str] | None = None,
    transcode: bool = False,
    wrong_width: list[tuple[int, int, bytes]] | None = None,
    scanned: _Reader | None = None,
) -> Iterator[tuple[str, _Reader, threading.Thread]]:
    """A path DuckDB can read for `member`, plus a thread hashing and checking it (join before reading counts).

    A file on disk is read by DuckDB itself (in parallel); a zip member, or a file that must be `transcode`d to
    UTF-8 (see `to_utf8`), goes through a named pipe. `wrong_width`: the lines `scan` found with the wrong number
    of fields, so that the reader only counts lines and does not look for them again. `scanned`: `scan`'s finished
    pass over a file on disk, which DuckDB then reads alone (no thread reads it beside DuckDB's)."""
    if scanned is not None and member.path is not None and not transcode:
        done = threading.Thread(target=lambda: None, daemon=True)
        done.start()
        yield str(member.path), scanned, done
        return
    reader = _Reader(ncols, on_bytes, member.name, names)
    if wrong_width is not None:
        reader.bad, reader.known = list(wrong_width), True
    if transcode:
        reader.transform = for_pipe
    reader.drop = ncols > 0 and (transcode or member.path is None)  # a pipe leaves out lines of the wrong width
    if member.path is not None and transcode:
        local = member.path

        def write_file(sink: IO[bytes]) -> None:
            with open(local, "rb") as src:
                reader.feed(src, sink)

        with _fifo(tmp, "file", write_file, reader.stop) as (fifo, file_thread):
            yield fifo, reader, file_thread
            file_thread.join()
        return
    if member.path is not None:
        path = member.path

        def run_file() -> None:
            with open(path, "rb") as src:
                reader.feed(src, None)

        thread = threading.Thread(target=run_file, daemon=True)
        thread.start()
        try:
            yield str(path), reader, thread
        except BaseException:
            reader.stop.set()
            raise
        thread.join()
        return
    proc = _unzip(member, stderr=subprocess.PIPE)
    reader.transform = for_pipe  # a zip member is not scanned first: every chunk goes to DuckDB as UTF-8

    def write(sink: IO[bytes]) -> None:
        assert proc.stdout is not None
        reader.feed(proc.stdout, sink)

    failed, killed, err = False, False, ""
    try:
        with _fifo(tmp, "member", write, reader.stop) as (fifo, pipe_thread):
            yield fifo, reader, pipe_thread
            pipe_thread.join()
    except BaseException:
        failed = True
        raise
    finally:
        killed = failed or reader.error is not None or (proc.poll() is None and not _drained(proc))
        if not killed and proc.returncode not in (0, None) and proc.stderr is not None:
            err = proc.stderr.read().decode(errors="replace").strip()
        _reap(proc, kill=killed)
    if proc.returncode not in (0, None) and not killed:
        raise InputError(
            f"{member.zip_path}!{member.name}", None, None, N_("unzip failed: {message}"), message=err[:300]
        )


def _drained(proc: subprocess.Popen[bytes]) -> bool:
    """True when `proc` finishes within a moment (its output was read to the end)."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return False
    return True


def _read_start(member: Member, read: Callable[[IO[bytes]], bytes]) -> bytes:
    """`read` applied to the start of a release file, on disk or a zip member (unzip is reaped after)."""
    if member.path is not None:
        with open(member.path, "rb") as handle:
            return read(handle)
    proc = _unzip(member)
    assert proc.stdout is not None
    try:
        return read(proc.stdout)
    finally:
        _reap(proc)


def read_header(member: Member) -> tuple[list[str], str]:
    """The header row (column names) and the line ending of a release file ("crlf" or "lf")."""
    first = _read_start(member, lambda handle: handle.readline(MAX_LINE_BYTES + 1))
    if not first.strip():
        raise InputError(member.name, 1, None, N_("empty file: no header row"))
    if not first.endswith(b"\n") and len(first) > MAX_LINE_BYTES:
        raise InputError(member.name, 1, None, N_("header line over the {kb} KB limit"), kb=MAX_LINE_BYTES // 1024)
    newline = "crlf" if first.endswith(b"\r\n") else "lf"
    first = first.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark from a re-saved file
    names = first.rstrip(b"\r\n").replace(b"\x00", b"").decode("latin-1").split("\t")
    return [n.strip() for n in names], newline


# -- loading one table --------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _clean_text(col: str) -> str:
    """NUL bytes out of a text field; a field that was only NULs and null tokens becomes NULL."""
    q = _quote(col)
    tokens = ", ".join(f"'{t}'" for t in NULL_TOKENS)
    return (
        f"CASE WHEN contains({q}, chr(0)) THEN "
        f"(CASE WHEN replace({q}, chr(0), '') IN ({tokens}) THEN NULL ELSE replace({q}, chr(0), '') END) "
        f"ELSE {q} END AS {q}"
    )


@dataclass(frozen=True)
class Scan:
    """What one pass over a file on disk found (see `scan`)."""

    ascii_only: bool
    nul_fields: set[int] | None  # None: unknown (a zip member), clean every text field
    utf8: bool  # valid UTF-8 and not plain ASCII
    c1: bool  # bytes 0x80-0x9f outside UTF-8: cp1252 text, which DuckDB's latin-1 reader refuses
    wrong_width: list[tuple[int, int, bytes]] | None = None  # (line, fields, raw) when scanned with `ncols`
    reader: _Reader | None = None  # the finished pass (sha256, lines, block starts), when scanned with `ncols`
    stat: tuple[int, int] | None = None  # (size, mtime in ns) when the scan began: DuckDB must read the same file

    @property
    def transcode(self) -> bool:
        """Whether DuckDB must get this file through `to_utf8` (a zip member always does)."""
        return self.nul_fields is None or (self.c1 and not self.utf8)

    @property
    def encoding(self) -> str:
        return "utf-8" if self.ascii_only or self.utf8 or self.transcode else "latin-1"


def prescan(member: Member, names: list[str] | None = None) -> tuple[bool, set[int] | None]:
    """(ASCII only?, the field positions holding NUL bytes) for a file on disk; see `scan`."""
    found = scan(member, names)
    return found.ascii_only, found.nul_fields


def scan(
    member: Member, names: list[str] | None = None, ncols: int = 0, on_bytes: Callable[[int], None] | None = None
) -> Scan:
    """ASCII only?, the field positions holding NUL bytes, valid UTF-8?, cp1252 bytes? for a file on disk; a zip
    member is not scanned (it is read once, as a stream, through `to_utf8`). A line over MAX_LINE_BYTES is an
    InputError here, before DuckDB's parser (which takes minutes over such a line) reads it.

    Plain ASCII reads the same as latin-1 or UTF-8, and DuckDB's UTF-8 path is the fast one. EOIR writes latin-1;
    a file re-saved as UTF-8 is read as UTF-8 (latin-1 bytes are almost never valid UTF-8, and the check stops at
    the first that is not). Bytes 0x80-0x9f (cp1252 quotes, the euro sign) read as latin-1's control characters.
    Only the text fields where a NUL occurs get the per-field cleaning. The checks run at memory speed
    (bytes.isascii, memchr, find); a NUL costs a look back to its line start. Given `ncols`, the lines with
    another number of fields are found too (`_Reader._check`), before DuckDB reads the file, so that the rows
    DuckDB would take in from them never reach the table (see `load_table`), and the pass is the file's one read
    besides DuckDB's: its sha256 and line count come from it (`Scan.reader`), so nothing else reads the file while
    DuckDB parses it on every core.
    """
    if member.path is None:
        return Scan(False, None, False, False)
    found = _Bytes()
    reader = _Reader(ncols, on_bytes, member.name, names)
    reader.inspect = found.block
    info = os.stat(member.path)
    with open(member.path, "rb") as handle:
        reader.feed(handle, None)
    if reader.error is not None:
        raise reader.error
    utf8 = found.finish()
    return Scan(
        found.ascii_only, found.nul_fields, utf8 and not found.ascii_only, found.c1,
        reader.bad if ncols else None, reader if ncols else None, (info.st_size, info.st_mtime_ns),
    )  # fmt: skip


class _Bytes:
    """What `scan` learns from the bytes of each block: ASCII only?, UTF-8?, cp1252 bytes?, NULs in which fields?"""

    def __init__(self) -> None:
        self.ascii_only, self.utf8, self.c1 = True, True, False
        self.nul_fields: set[int] = set()
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def block(self, carry: Chunk, block: Chunk) -> None:
        """Check one block; `carry` is the start of the line the block begins in."""
        plain = block.isascii()
        self.ascii_only = self.ascii_only and plain
        if self.utf8 and not (plain and not self._decoder.getstate()[0]):
            try:
                self._decoder.decode(block)
            except UnicodeDecodeError:
                self.utf8 = False
        if not plain and not self.c1:
            self.c1 = len(block.translate(None, _C1)) != len(block)  # 1.6 GB/s; a regex search is 10x slower
        pos = block.find(b"\x00")
        while pos != -1:
            start = block.rfind(b"\n", 0, pos) + 1
            before = block.count(b"\t", start, pos)
            self.nul_fields.add(before + (carry.count(b"\t") if start == 0 else 0))
            pos = block.find(b"\x00", pos + 1)

    def finish(self) -> bool:
        """Whether the whole stream was UTF-8 (a sequence cut off at the end is not)."""
        if self.utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        return self.utf8


def _csv_options(
    columns: list[str], types: dict[str, str], rejects: str, encoding: str = "latin-1", relaxed: Collection[str] = ()
) -> str:
    """The fixed dialect, each column read as the store holds it (`relaxed` ones as text). No `new_line`: DuckDB
    then reads LF and CRLF files alike (and strips the CR), whereas `new_line='\\r\\n'` with `auto_detect=false`
    reads no rows at all from a CRLF file (DuckDB 2.0)."""
    read = ", ".join(f"'{c}': '{'VARCHAR' if c in relaxed else types.get(c, 'VARCHAR')}'" for c in columns)
    nulls = ", ".join(f"'{t}'" for t in NULL_TOKENS)
    return (
        f"delim='\\t', quote='', escape='', header=true, auto_detect=false, max_line_size={2 * MAX_LINE_BYTES}, "
        f"encoding='{encoding}', nullstr=[{nulls}], columns={{{read}}}, strict_mode=true, "
        + (f"buffer_size={CSV_BUFFER_BYTES}, " if CSV_BUFFER_BYTES else "")
        + f"store_rejects=true, rejects_table='{rejects}_err', rejects_scan='{rejects}_scan'"
    )


def _ensure_table(store: Store, spec: TableSpec, columns: list[str]) -> dict[str, str]:
    """Create `spec.table` (or add the columns a newer release brings, as text): {column: the type stored}. A
    file is read with the stored types, so a store made before a column was typed keeps it as it was."""
    con = store.con
    cols = ", ".join(f"{_quote(c)} {spec.duck_type(c)}" for c in spec.columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.table} (release VARCHAR NOT NULL, {cols})")
    have = {
        str(r[0]): str(r[1])
        for r in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {spec.table})").fetchall()
    }
    for c in columns:  # a newer release may add columns: keep them, as text
        if c not in have and c != TRAILING_TAB:
            con.execute(f"ALTER TABLE {spec.table} ADD COLUMN {_quote(c)} {spec.duck_type(c)}")
            have[c] = spec.duck_type(c)
    return have


def _select(
    columns: list[str], types: dict[str, str], nul_fields: set[int] | None = None, relaxed: Collection[str] = ()
) -> str:
    """The SELECT list: text fields at `nul_fields` (all when None) cleaned of NUL bytes; `relaxed` columns (read
    as text) cast to their stored type, empty where a value does not convert."""

    def one(i: int, c: str) -> str:
        if c in relaxed:
            return f"TRY_CAST({_quote(c)} AS {types[c]}) AS {_quote(c)}"
        if types.get(c, "VARCHAR") == "VARCHAR" and (nul_fields is None or i in nul_fields):
            return _clean_text(c)
        return _quote(c)

    return ", ".join(one(i, c) for i, c in enumerate(columns) if c != TRAILING_TAB)


def _repair(
    store: Store,
    spec: TableSpec,
    columns: list[str],
    types: dict[str, str],
    release: str,
    member: Member,
    rejects: str,
    tmp: Path,
    wrong_width: list[tuple[int, int, bytes]],
    encoding: str = "latin-1",
    direct: Path | None = None,
    starts: list[tuple[int, int]] | None = None,
    dropped: list[int] | None = None,
) -> tuple[int, int]:
    """Settle every line that is not a clean row: (repaired, rejected).

    - Lines with the wrong number of fields (stray tabs) are rejects. None reached the table: a pipe left them out
      (`dropped`: DuckDB's line numbers are then mapped back to the file's), and the INSERT from a file on disk
      kept out, by key, the rows DuckDB takes in from them (the extra field read as a trailing delimiter). A
      DELETE in the load's transaction instead would make DuckDB's COMMIT rewrite the table (0.66 s per 290K
      rows).
    - Lines DuckDB could not parse and that contain NUL bytes are parsed again without them ("repaired"), read by
      DuckDB from a named pipe: no case row is written to a file outside the store.
    - Lines whose only fault is a value that is not a date in a date no measure reads (`TableSpec.soft_dates`)
      are parsed again the same way with that value stored empty ("repaired"; the line keeps it).
    - Everything else DuckDB rejected is kept with its reason.
    The cost is one pass over the rejects, whatever their number. DuckDB 2.0's line numbers drift
    by one after a read buffer that ends between the CR and the LF of a CRLF line end (and its byte positions count
    UTF-8 bytes, not the file's latin-1 ones), so for a file DuckDB read itself (`direct`) each reject's line is
    found again by its text, at or a few lines before DuckDB's number (`_true_lines`).
    """
    con = store.con
    soft = [c for c in spec.soft_dates if types.get(c) == "TIMESTAMP"]
    found = con.execute(
        f"""SELECT line, min(line_byte_position), any_value(csv_line),
                   string_agg(DISTINCT error_type || ': ' || error_message, '; ')
            FROM {rejects}_err GROUP BY line"""
    ).fetchall()
    if direct is not None and found:
        true_line = _true_lines(direct, starts, [(int(r[0]), r[2]) for r in found], encoding, wrong_width)
    else:  # the k-th line of the pipe is the file's k-th line that was not left out
        at = [line - i for i, line in enumerate(sorted(dropped or []))]
        true_line = {int(r[0]): int(r[0]) + bisect.bisect_right(at, int(r[0])) for r in found} if at else {}
    parsed: dict[int, tuple[str | None, str]] = {
        true_line.get(int(line), int(line)): (raw.strip("\r\n") if raw is not None else None, reason)
        for line, _pos, raw, reason in found
    }
    decode = (
        (lambda b: to_utf8(b).decode("utf-8", "replace")) if encoding == "utf-8" else (lambda b: b.decode("latin-1"))
    )
    width = {line: (fields, decode(raw)) for line, fields, raw in wrong_width}
    not_dates = _not_dates(store, columns, soft, {line: raw for line, (raw, _) in parsed.items() if line not in width})
    fixable = [
        (line, raw)
        for line, (raw, _) in sorted(parsed.items())
        if raw and ("\x00" in raw or line in not_dates) and line not in width
    ]
    repaired_lines: set[int] = set()
    if fixable:
        relaxed = {c for line, _ in fixable for c in not_dates.get(line, [])}

        def write(sink: IO[bytes]) -> None:
            sink.write(("\t".join(columns) + "\n").encode(encoding, errors="replace"))
            for _, raw in fixable:
                sink.write((raw.replace("\x00", "") + "\n").encode(encoding, errors="replace"))

        second = rejects + "_2"
        with _fifo(tmp, "repair", write) as (path, thread):
            inserted = con.execute(
                f"INSERT INTO {spec.table} BY NAME SELECT '{release}' AS release, "
                f"{_select(columns, types, None, relaxed)} "
                f"FROM read_csv('{path}', {_csv_options(columns, types, second, encoding, relaxed)})"
            ).fetchone()
            thread.join()
        failed = {int(r[0]) for r in con.execute(f"SELECT DISTINCT line FROM {second}_err").fetchall()}
        con.execute(f"DROP TABLE IF EXISTS {second}_err; DROP TABLE IF EXISTS {second}_scan")
        for i, (line, _) in enumerate(fixable, start=2):  # line 1 of the repair stream is its header
            if i not in failed:
                repaired_lines.add(line)
        if inserted and int(inserted[0]) != len(repaired_lines):
            raise MppwatchError(
                N_("{file}: repair pass inserted {n} rows, expected {expected}"),
                file=member.name, n=int(inserted[0]), expected=len(repaired_lines),
            )  # fmt: skip
    lines: list[int] = []
    reasons: list[str] = []
    raws: list[str | None] = []
    for line in sorted(set(parsed) | set(width)):
        lines.append(line)
        if line in width:
            fields, raw = width[line]
            reasons.append(texts.WRONG_WIDTH.format(fields=fields, total=len(columns)))
            raws.append(raw)
        elif line in repaired_lines:
            fixes = [texts.NUL_REMOVED] if "\x00" in (parsed[line][0] or "") else []
            fixes += [texts.NOT_A_DATE.format(column=c) for c in not_dates.get(line, [])]
            reasons.append(texts.repaired_reason(fixes))
            raws.append(parsed[line][0])
        else:
            reasons.append(parsed[line][1][:500])
            raws.append(parsed[line][0])
    if lines:
        _insert_rejects(store, release, member.name, lines, reasons, raws)
    return len(repaired_lines), len(lines) - len(repaired_lines)


def _not_dates(store: Store, columns: list[str], soft: list[str], raws: dict[int, str | None]) -> dict[int, list[str]]:
    """line -> the `soft` date columns whose value in the line (NULs left out) is neither a null token nor a date
    DuckDB reads: one query over the rejected lines, whatever DuckDB said was wrong with them."""
    at = {c: columns.index(c) for c in soft if c in columns}
    lines, names, values = [], [], []
    for line, raw in raws.items():
        cells = raw.replace("\x00", "").split("\t") if raw and at else []
        for c, i in at.items():
            if i < len(cells) and cells[i] not in NULL_TOKENS:
                lines.append(line)
                names.append(c)
                values.append(cells[i])
    if not values:
        return {}
    out: dict[int, list[str]] = {}
    for line, name in store.con.execute(
        "SELECT l, c FROM (SELECT unnest(?::BIGINT[]) AS l, unnest(?::VARCHAR[]) AS c, unnest(?::VARCHAR[]) AS v) "
        "WHERE TRY_CAST(v AS TIMESTAMP) IS NULL ORDER BY l, c",
        [lines, names, values],
    ).fetchall():
        out.setdefault(int(line), []).append(str(name))
    return out


def _keys(wrong_width: list[tuple[int, int, bytes]], key_at: int) -> list[int]:
    """The keys (ASCII digits at field `key_at`, NULs dropped) of wrong-width lines other than the header."""
    keys = []
    for line, _fields, raw in wrong_width:
        cells = raw.split(b"\t")
        key = cells[key_at].replace(b"\x00", b"").strip() if key_at < len(cells) and line != 1 else b""
        if key.isdigit() and key.isascii():
            keys.append(int(key))
    return keys


def _true_lines(
    path: Path,
    starts: list[tuple[int, int]] | None,
    found: list[tuple[int, str | None]],
    encoding: str,
    wrong_width: list[tuple[int, int, bytes]],
) -> dict[int, int]:
    """DuckDB's line number -> the file's, for each (line, csv_line) DuckDB rejected: the line whose text is
    csv_line, at DuckDB's number or up to 16 lines before it (DuckDB's count only ever runs ahead).

    Most rejects are lines of the wrong width, whose text and true line the reader kept (`wrong_width`): those are
    matched in memory. Only the others (a bad date, NUL bytes) are looked up in the file, in line order, holding
    at most two read blocks (`starts`, from the reader: the line starting at each block's first line start), so
    the cost follows the rejects, not the file. A line not found keeps DuckDB's number (the accounting check then
    catches a duplicate)."""
    by_text: dict[bytes, list[int]] = {}
    for line, _fields, raw in wrong_width:
        by_text.setdefault(raw, []).append(line)
    out: dict[int, int] = {}
    rest: list[tuple[int, bytes]] = []
    for duck, text in found:
        if text is None:
            continue
        want = text.strip("\r\n").encode(encoding, errors="replace")
        lines = by_text.get(want, [])
        k = bisect.bisect_right(lines, duck) - 1  # the reader's lines are in order
        if k >= 0 and lines[k] >= duck - 16:
            out[duck] = lines[k]
        else:
            rest.append((duck, want))
    if not starts or not rest:
        return out
    lines_at = [line for _off, line in starts]
    cache: dict[int, list[bytes]] = {}
    with open(path, "rb") as handle:
        for duck, want in sorted(rest):
            for line in range(duck, max(duck - 17, 1), -1):
                k = bisect.bisect_right(lines_at, line) - 1
                if k not in cache:
                    for old in [b for b in cache if b < k - 1]:  # lines only go forward: two blocks suffice
                        del cache[old]
                    handle.seek(starts[k][0])
                    cache[k] = handle.read((1 << 22) + MAX_LINE_BYTES).split(b"\n")
                rows = cache[k]
                i = line - starts[k][1]
                if 0 <= i < len(rows) - 1 and rows[i].removesuffix(b"\r") == want:
                    out[duck] = line
                    break
    return out


def _insert_rejects(
    store: Store, release: str, file: str, lines: list[int], reasons: list[str], raws: list[str | None]
) -> None:
    """Many `court_rejects` rows in one INSERT (from an Arrow table: executemany costs a statement per row)."""
    import pyarrow as pa

    batch = pa.table(
        {
            "line": pa.array(lines, pa.int64()),
            "reason": pa.array(reasons, pa.string()),
            "raw": pa.array(raws, pa.string()),
        }
    )
    store.con.register("_rejects_batch", batch)
    try:
        store.con.execute(
            "INSERT INTO court_rejects SELECT ?, ?, line, reason, raw FROM _rejects_batch", [release, file]
        )
    finally:
        store.con.unregister("_rejects_batch")


def _parser_stopped(name: str, exc: Exception) -> InputError:
    """DuckDB's strict parser stops on a CR that is not part of a CRLF line end (or on LF and CRLF mixed)."""
    text = str(exc)
    if "invalid state" in text:
        return InputError(
            name, None, None, N_("DuckDB's CSV parser stopped: a carriage return inside a field, or LF and CRLF line "
                                 "ends mixed in one file; nothing was stored"),
        )  # fmt: skip
    return InputError(
        name, None, None, N_("DuckDB could not read the file: {message}"), message=text.splitlines()[0][:300]
    )


def _check_accounted(
    member: Member, rows_in: int, loaded: int, repaired: int, rejected: int, max_reject_share: float, first: str
) -> None:
    """Every line loaded, repaired or rejected, and no more rejects than the share allows: else an InputError."""
    missing = rows_in - loaded - repaired - rejected
    if missing:
        raise InputError(
            member.name, None, None, LINES_MISSING if missing > 0 else LINES_TOO_MANY,
            n=abs(missing), total=rows_in, loaded=loaded, repaired=repaired, rejected=rejected,
        )  # fmt: skip
    if rejected > 1 and rejected > max_reject_share * rows_in:
        raise InputError(
            member.name, None, None, N_("{n} of {total} lines rejected ({share}), more than the {allowed} allowed "
                                        "(--max-reject-share); nothing was stored. {first}"),
            n=rejected, total=rows_in, share=f"{rejected / max(rows_in, 1):.1%}", allowed=f"{max_reject_share:.1%}",
            first=first,
        )  # fmt: skip


def load_table(
    store: Store,
    spec: TableSpec,
    member: Member,
    release: str,
    tmp: Path,
    on_bytes: Callable[[int], None] | None = None,
    max_reject_share: float = MAX_REJECT_SHARE,
) -> tuple[TableCount, str]:
    """Stream one release file into `spec.table` for `release`; returns the counts and the file's sha256."""
    columns, _line_end = read_header(member)
    known = {c.lower(): c for c in spec.columns}  # EOIR's spelling varies in case (IdnCase, Sex); DuckDB ignores it
    columns = [known.get(c.lower(), c) for c in columns]
    if len(columns) > 1 and columns[-1] == "":  # every line ends in a TAB: an empty last field, not a column
        columns[-1] = TRAILING_TAB
    if "" in columns:
        raise InputError(member.name, 1, None, N_("column {n} of the header has no name"), n=columns.index("") + 1)
    if spec.key not in columns or "IDNCASE" not in columns:
        raise InputError(
            member.name, 1, spec.key, N_("header lacks {key} or IDNCASE: is this {stem}?"), key=spec.key, stem=spec.stem
        )
    if len({c.lower() for c in columns}) != len(columns):
        raise InputError(member.name, 1, None, N_("duplicate column names in the header"))
    types = _ensure_table(store, spec, columns)
    rejects = f"_rej_{spec.table}"
    con = store.con
    before = con.execute(f"SELECT count(*) FROM {spec.table} WHERE release = ?", [release]).fetchone()[0]  # type: ignore[index]
    share = _Share(on_bytes, member.size)
    found = scan(member, columns, len(columns), share.scanned)
    nul_fields, encoding = found.nul_fields, found.encoding
    # rows DuckDB would take in from lines of the wrong width are kept out by their keys (a pipe leaves them out)
    kept_out = found.wrong_width is not None and not found.transcode
    keys = _keys(found.wrong_width or [], columns.index(spec.key)) if kept_out else []
    where = f" WHERE {_quote(spec.key)} IS NULL OR {_quote(spec.key)} NOT IN (SELECT unnest(?::BIGINT[]))"
    scanned = found.wrong_width if kept_out else None
    opening = opened(member, tmp, len(columns), share.read, columns, found.transcode, scanned, found.reader)
    with opening as (path, reader, thread):
        try:
            with _duckdb_progress(con, share if reader is found.reader else None):
                con.execute(
                    f"INSERT INTO {spec.table} BY NAME SELECT '{release}' AS release, "
                    f"{_select(columns, types, nul_fields)} FROM read_csv('{path}', "
                    f"{_csv_options(columns, types, rejects, encoding)})" + (where if keys else ""),
                    [keys] if keys else [],
                )
        except duckdb.Error as exc:
            thread.join(timeout=30)
            if isinstance(reader.error, InputError):
                raise reader.error from None
            raise _parser_stopped(member.name, exc) from None
        thread.join()
    if isinstance(reader.error, InputError):
        raise reader.error
    if reader.error is not None:
        raise InputError(member.name, None, None, N_("read failed: {message}"), message=str(reader.error))
    if reader is found.reader and member.path is not None and found.stat != _stat(member.path):
        raise InputError(member.name, None, None, N_("the file changed while it was loaded; nothing was stored"))
    share.done()
    if reader.truncated is not None:
        line, fields = reader.truncated
        raise InputError(
            member.name, line, None, N_("the file ends mid-line ({fields} of {total} fields and no line end): "
                                        "truncated? nothing was stored"), fields=fields, total=len(columns),
        )  # fmt: skip
    dropped = [line for line, _fields, _raw in reader.bad] if reader.drop else None
    _settle_hidden_strays(store, spec, columns, release, member, rejects, reader, dropped)
    loaded = con.execute(f"SELECT count(*) FROM {spec.table} WHERE release = ?", [release]).fetchone()[0] - before  # type: ignore[index]
    direct = member.path if not found.transcode else None
    repaired, rejected = _repair(
        store, spec, columns, types, release, member, rejects, tmp, reader.bad, encoding, direct, reader.starts,
        dropped,
    )  # fmt: skip
    con.execute(f"DROP TABLE IF EXISTS {rejects}_err; DROP TABLE IF EXISTS {rejects}_scan")
    rows_in = max(reader.lines - 1, 0)
    first = ""
    if rejected:
        row = con.execute(
            "SELECT line, reason FROM court_rejects WHERE release = ? AND file = ? AND NOT starts_with(reason, ?) "
            "ORDER BY line LIMIT 1",
            [release, member.name, texts.REPAIRED],
        ).fetchone()
        first = f"First: line {row[0]}: {row[1]}" if row else ""
    _check_accounted(member, rows_in, loaded, repaired, rejected, max_reject_share, first)
    return TableCount(member.name, spec.table, rows_in, loaded + repaired, repaired, rejected), reader.sha.hexdigest()


def _settle_hidden_strays(
    store: Store,
    spec: TableSpec,
    columns: list[str],
    release: str,
    member: Member,
    rejects: str,
    reader: _Reader,
    dropped: list[int] | None,
) -> None:
    """Find the lines of the wrong width that a block's TAB total hid, and take their rows back out.

    `_Reader._check` looks at a block line by line only when its TAB total is off, so a line with a TAB too many
    and one with a TAB too few in the same block cancel out. DuckDB rejects the short line ("MISSING COLUMNS"); the
    long one, when its extra last field is empty, it takes in shifted. So each column-count reject that the scan
    did not list marks its block as fooled: those blocks (only those) are read again and checked line by line,
    the lines found join `reader.bad` (rejects, with their reason), and the rows DuckDB took in from them are
    deleted by key. The cost is nothing for a file without such a reject.
    """
    con = store.con
    said = [
        int(r[0])
        for r in con.execute(
            f"SELECT DISTINCT line FROM {rejects}_err WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')"
        ).fetchall()
    ]
    if not said:
        return
    if dropped:  # a pipe's k-th line is the file's k-th line that was not left out
        at = [line - i for i, line in enumerate(sorted(dropped))]
        said = [line + bisect.bisect_right(at, line) for line in said]
    known = sorted(line for line, _fields, _raw in reader.bad)
    lines_at = [line for _off, line in reader.starts]
    blocks: set[int] = set()
    for line in said:  # DuckDB's own count may run up to 16 lines ahead of the file's (see `_true_lines`)
        if bisect.bisect_right(known, line) > bisect.bisect_left(known, line - 16):
            continue  # the scan listed a line there: DuckDB's reject is that line
        for near in (line - 16, line):
            k = bisect.bisect_right(lines_at, near) - 1
            if 0 <= k < len(reader.starts) - 1:
                blocks.add(k)
    if not blocks:
        return
    width = len(columns)
    listed = set(known)
    found: list[tuple[int, int, bytes]] = []
    for k, region in zip(sorted(blocks), _read_ranges(member, [reader.starts[k][0] for k in sorted(blocks)],
                                                      [reader.starts[k + 1][0] for k in sorted(blocks)]), strict=True):  # fmt: skip
        first = reader.starts[k][1]
        for i, raw in enumerate(region.split(b"\n")[:-1]):
            fields = raw.count(b"\t") + 1
            if fields != width and first + i not in listed and first + i > 1:
                found.append((first + i, fields, raw.removesuffix(b"\r")))
    if not found:
        return
    reader.bad = sorted(reader.bad + found)
    keys = _keys([f for f in found if f[1] > width], columns.index(spec.key))
    if keys:
        con.execute(
            f"DELETE FROM {spec.table} WHERE release = ? AND {_quote(spec.key)} IN (SELECT unnest(?::BIGINT[]))",
            [release, keys],
        )


def _read_ranges(member: Member, starts: list[int], ends: list[int]) -> list[bytes]:
    """The bytes of a release file between each start and end offset (in order): a seek on disk, or one pass
    through `unzip` for a zip member (only asked in the rare case `_settle_hidden_strays` handles)."""
    if member.path is not None:
        with open(member.path, "rb") as handle:
            out = []
            for start, end in zip(starts, ends, strict=True):
                handle.seek(start)
                out.append(handle.read(end - start))
            return out
    proc = _unzip(member)
    assert proc.stdout is not None
    parts = [bytearray() for _ in starts]
    pos, todo = 0, 0  # bytes streamed so far; the first range not yet complete
    try:
        while todo < len(starts) and (block := proc.stdout.read(1 << 22)):
            end_of_block = pos + len(block)
            j = todo
            while j < len(starts) and starts[j] < end_of_block:
                lo, hi = max(starts[j], pos), min(ends[j], end_of_block)
                if lo < hi:
                    parts[j] += block[lo - pos : hi - pos]
                j += 1
            while todo < len(starts) and ends[todo] <= end_of_block:
                todo += 1
            pos = end_of_block
    finally:
        _reap(proc)
    return [bytes(p) for p in parts]


def _stat(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


class _Share:
    """A table's progress, in bytes of its file: the scan is the first SCAN_SHARE of it, DuckDB's read the rest."""

    SCAN_SHARE = 0.25  # the scan runs at memory speed, DuckDB's parse several times slower

    def __init__(self, on_bytes: Callable[[int], None] | None, size: int) -> None:
        self.on_bytes, self.size = on_bytes, max(size, 1)
        self.sent = self.scanned_bytes = self.piped_bytes = 0
        self.first = 0.0  # the share done before the read: SCAN_SHARE once the file was scanned

    def to(self, fraction: float) -> None:
        target = int(self.size * min(max(fraction, 0.0), 1.0))
        if self.on_bytes is not None and target > self.sent:
            self.on_bytes(target - self.sent)
            self.sent = target

    def scanned(self, n: int) -> None:
        self.scanned_bytes += n
        self.first = self.SCAN_SHARE
        self.to(self.SCAN_SHARE * self.scanned_bytes / self.size)

    def read(self, n: int) -> None:
        """Bytes a pipe passed to DuckDB (a zip member, a transcoded file)."""
        self.piped_bytes += n
        self.to(self.first + (1 - self.first) * self.piped_bytes / self.size)

    def duckdb(self, percent: float) -> None:
        self.to(self.first + (1 - self.first) * percent / 100)

    def done(self) -> None:
        self.to(1.0)


@contextmanager
def _duckdb_progress(con: duckdb.DuckDBPyConnection, share: _Share | None) -> Iterator[None]:
    """While DuckDB reads a file itself, report its own progress (`query_progress`) from a thread, twice a second."""
    if share is None or share.on_bytes is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.5):
            percent = con.query_progress()
            if percent >= 0:
                share.duckdb(percent)

    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        con.execute("RESET enable_progress_bar; RESET enable_progress_bar_print")


def load_lookup(store: Store, member: Member, release: str, tmp: Path) -> tuple[int, str]:
    """One Lookup/ file: keep the code and description columns it names (EOIR's names vary by table).
    Returns the codes kept and the file's sha256."""
    columns, _line_end = read_header(member)
    if len(columns) > 1 and columns[-1] == "":
        columns[-1] = TRAILING_TAB
    lower = {c.lower(): c for c in columns}
    code = next((lower[c.lower()] for c in LOOKUP_CODE_COLUMNS if c.lower() in lower), None)
    code = code or next((c for c in columns if "CODE" in c.upper()), None)
    desc = next((lower[c.lower()] for c in LOOKUP_DESC_COLUMNS if c.lower() in lower), None)
    desc = desc or next((c for c in columns if "DESC" in c.upper() or "NAME" in c.upper()), None)
    if code is None or desc is None:
        store.con.execute(
            "INSERT INTO court_rejects VALUES (?, ?, 1, ?, NULL)",
            [release, member.name, f"lookup skipped: no code/description column in {columns}"],
        )
        return 0, member_sha256(member)
    types = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
    nulls = ", ".join(f"'{t}'" for t in NULL_TOKENS)
    rejects = "_rej_lookup"
    found = scan(member, columns)  # a line over the limit stops here, before DuckDB's parser
    encoding = found.encoding
    with opened(member, tmp, 0, None, columns, found.transcode) as (path, reader, thread):
        try:
            n = store.con.execute(
                f"""INSERT INTO court_lookups SELECT ?, ?, trim(replace({_quote(code)}, chr(0), '')),
                        trim(replace({_quote(desc)}, chr(0), ''))
                    FROM read_csv('{path}', delim='\\t', quote='', escape='', header=true, auto_detect=false,
                        encoding='{encoding}', nullstr=[{nulls}], columns={{{types}}}, max_line_size={2 * MAX_LINE_BYTES},
                        null_padding=true, store_rejects=true, rejects_table='{rejects}_err',
                        rejects_scan='{rejects}_scan')""",
                [release, member.stem],
            ).fetchone()
        except duckdb.Error as exc:
            thread.join(timeout=30)
            if isinstance(reader.error, InputError):
                raise reader.error from None
            raise _parser_stopped(member.name, exc) from None
        thread.join()
    if isinstance(reader.error, InputError):
        raise reader.error
    # every line the lenient read skipped is recorded, with DuckDB's reason
    store.con.execute(
        f"""INSERT INTO court_rejects SELECT ?, ?, line, 'lookup line skipped: ' || string_agg(DISTINCT error_message, '; '),
                trim(any_value(csv_line), chr(13) || chr(10))
            FROM {rejects}_err GROUP BY line ORDER BY line""",
        [release, member.name],
    )
    store.con.execute(f"DROP TABLE IF EXISTS {rejects}_err; DROP TABLE IF EXISTS {rejects}_scan")
    loaded = int(n[0]) if n else 0
    skipped = max(reader.lines - 1, 0) - loaded
    recorded = store.con.execute(
        "SELECT count(*) FROM court_rejects WHERE release = ? AND file = ?", [release, member.name]
    ).fetchone()
    if recorded and skipped > int(recorded[0]):  # blank lines and the like: counted, not lost silently
        store.con.execute(
            "INSERT INTO court_rejects VALUES (?, ?, NULL, ?, NULL)",
            [release, member.name, f"{skipped - int(recorded[0])} lookup lines neither loaded nor parsed"],
        )
    return loaded, reader.sha.hexdigest()


def member_sha256(member: Member) -> str:
    """A release file's sha256 as its load records it (a zip member is hashed unpacked, through `unzip`)."""
    if member.path is not None:
        with open(member.path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    proc = _unzip(member, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    sha = hashlib.sha256()
    try:
        while block := proc.stdout.read(1 << 22):
            sha.update(block)
        proc.wait()
        err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    finally:
        _reap(proc)
    if proc.returncode != 0:
        raise InputError(
            f"{member.zip_path}!{member.name}", None, None, N_("unzip failed: {message}"), message=err[:300]
        )
    return sha.hexdigest()


def read_text(member: Member, limit: int = 1 << 20) -> str:
    """A small text file of the release (Count.txt), at most `limit` bytes, as latin-1."""
    data = _read_start(member, lambda handle: handle.read(limit + 1))
    if len(data) > limit:
        raise InputError(member.name, None, None, N_("over {kb} KB: not a Count.txt"), kb=limit // 1024)
    return data.decode("utf-8") if _is_utf8(data) else data.decode("latin-1")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_count_txt(store: Store, release: str, member: Member, tables: list[TableCount]) -> list[str]:
    """Compare each table's lines (loaded + rejected) with EOIR's Count.txt; store the result, return warnings."""
    from mppwatch.court.validate import COUNT_TXT_DDL, parse_count_txt

    store.con.execute(COUNT_TXT_DDL)
    figures = parse_count_txt(read_text(member))
    if not figures:
        return [f"{member.name}: no table counts found in it (expected lines like `A_TblCase 12345`)"]
    by_stem = {next(s.stem for s in SPECS if s.table == t.table): t for t in tables}
    notes = []
    for stem, figure in figures.items():
        count = by_stem.get(stem)
        rows_in = count.rows_in if count else None
        matches = rows_in == figure
        store.con.execute(
            "INSERT INTO court_count_txt VALUES (?, ?, ?, ?, ?, ?)",
            [release, member.name, stem, figure, rows_in, matches],
        )
        if count is None:
            notes.append(f"warning: {member.name} counts {figure} rows of {stem}, which is not in this release")
        elif not matches:
            assert count is not None
            notes.append(
                f"warning: {stem}: {count.rows_in} lines (loaded {count.rows_loaded} + rejected {count.rows_rejected}) "
                f"but {member.name} says {figure} ({count.rows_in - figure:+d}); see `mppwatch court validate`"
            )
    return notes


def _dataset(release: str, member: Member, spec: TableSpec | None) -> str:
    """The `loads.dataset` of a release file: court:<release>:<table stem>, or court:<release>:Lookup/<stem>."""
    return f"court:{release}:{spec.stem}" if spec is not None else f"court:{release}:Lookup/{member.stem}"


def _already_loaded(store: Store, release: str, files: list[tuple[Member, TableSpec | None]]) -> bool:
    """True when `release` is stored from files with exactly these sha256 sums, by this mppwatch version.

    Only asked when the release is in the store, so a first load reads each file once, not twice."""
    from mppwatch import __version__

    tables = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "court_releases" not in tables:
        return False
    if not store.con.execute("SELECT count(*) FROM court_releases WHERE release = ?", [release]).fetchone()[0]:  # type: ignore[index]
        return False
    stored = set(
        store.con.execute(
            "SELECT dataset, sha256 FROM loads WHERE kind = 'court' AND status = 'current' "
            "AND starts_with(dataset, ?) AND mppwatch_version = ?",
            [f"court:{release}:", __version__],
        ).fetchall()
    )
    if len(stored) != len(files):
        return False
    return stored == {(_dataset(release, m, spec), member_sha256(m)) for m, spec in files}


def delete_release(store: Store, release: str) -> None:
    con = store.con
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in COURT_TABLES:
        if table in existing:
            con.execute(f"DELETE FROM {table} WHERE release = ?", [release])
    con.execute("DELETE FROM court_releases WHERE release = ?", [release])


def load(
    store: Store,
    source: Path,
    release: str,
    progress: Callable[[str, int, int], None] | None = None,
    max_reject_share: float = MAX_REJECT_SHARE,
    timeout: float | None = None,
    hard_exit: bool = False,
) -> LoadSummary:
    """Load a release folder or zip as `release` (YYYY-MM), replacing an earlier load of the same release.

    Nothing is stored (the transaction rolls back) when a file has lines neither loaded nor rejected, when a table
    rejects more than `max_reject_share` of its lines (and more than one), or when a file is truncated, has a line
    over 64 KB, or cannot be unpacked. The whole load runs under a `Watchdog` of `timeout` seconds (default:
    `default_timeout` of the input's bytes); past it, the load fails naming the file it was reading and how far it
    got, nothing is stored and no child process is left (`hard_exit`: see Watchdog)."""
    if not 0 <= max_reject_share <= 1:
        raise MppwatchError(N_("--max-reject-share {value}: expected a share between 0 and 1"), value=max_reject_share)
    source = Path(source)
    members = list_members(source)
    limit = default_timeout(sum(m.size for m in members)) if timeout is None else timeout
    watchdog = Watchdog(limit, store.con, hard_exit)

    def report(name: str, done: int, total: int) -> None:
        watchdog.at(name, done, total)
        if progress:
            progress(name, done, total)

    try:
        with watchdog:
            summary = _load(store, source, members, release, report, max_reject_share, watchdog)
    except BaseException as exc:
        if watchdog.expired.is_set() and not isinstance(exc, SystemExit | KeyboardInterrupt):
            raise watchdog.error() from None
        raise
    return summary


def _load(
    store: Store,
    source: Path,
    members: list[Member],
    release: str,
    progress: Callable[[str, int, int], None],
    max_reject_share: float,
    watchdog: Watchdog,
) -> LoadSummary:
    """`load` under its watchdog (`progress` also tells the watchdog where the load is)."""
    from datetime import UTC, datetime

    from mppwatch.court.cohort import build_facts

    synthetic = is_synthetic(source, members)
    rel = release_id(release, synthetic)
    tables = {s.stem.lower(): m for m in members if not m.is_lookup and (s := BY_STEM.get(m.stem.lower()))}
    found = {BY_STEM[k].stem for k in tables}
    if "B_TblProceeding" not in found:
        raise InputError(str(source), None, None, N_("no B_TblProceeding file found (searched at any depth)"))
    summary = LoadSummary(rel, synthetic)
    for spec in SPECS:
        if spec.stem not in found:
            summary.notes.append(f"{spec.stem}: not in this release")
    read = set(tables.values())
    count_txt = next((m for m in members if not m.is_lookup and m.stem.lower() == "count"), None)
    for m in members:
        if not m.is_lookup and m not in read and m is not count_txt and "readme" not in m.stem.lower():
            summary.notes.append(
                f"{m.name}: not read (mppwatch reads {', '.join(s.stem for s in SPECS)} and the Lookup/ files)"
            )
    lookups = [m for m in members if m.is_lookup]
    total = sum(m.size for m in tables.values()) or 1
    done = 0
    files: list[tuple[Member, TableSpec | None]] = [(m, BY_STEM[k]) for k, m in tables.items()]
    files += [(m, None) for m in lookups]
    progress("comparing with the stored release (sha256)", 0, total)
    if _already_loaded(store, rel, files):
        summary.unchanged = True
        summary.tables = [
            TableCount(*row)
            for row in store.con.execute(
                """SELECT file, "table", rows_in, rows_loaded, rows_repaired, rows_rejected FROM court_load_counts
                   WHERE release = ? ORDER BY load_id""",
                [rel],
            ).fetchall()
        ]
        summary.lookups = int(
            store.con.execute("SELECT count(*) FROM court_lookups WHERE release = ?", [rel]).fetchone()[0]  # type: ignore[index]
        )
        summary.notes.append(f"{rel}: already loaded from these same files (sha256): nothing changed")
        return summary
    con = store.con
    con.execute("SET preserve_insertion_order = false")
    try:
        with private_tmp() as tmp, store.transaction():  # the schema too: a load that fails leaves the file as it was
            watchdog.tmp = tmp
            ensure_schema(store)
            delete_release(store, rel)
            for spec in SPECS:
                member = tables.get(spec.stem.lower())
                if member is None:
                    continue
                progress(member.name, done, total)
                start = done

                def advance(n: int, name: str = member.name) -> None:
                    nonlocal start
                    start += n
                    progress(name, min(start, total), total)

                count, sha = load_table(store, spec, member, rel, tmp, advance, max_reject_share)
                watchdog.check()
                load_id = store.begin_load(
                    member.name, sha, _dataset(rel, member, spec), count.rows_loaded, kind="court"
                )
                con.execute(
                    "INSERT INTO court_load_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        rel,
                        member.name,
                        spec.table,
                        load_id,
                        count.rows_in,
                        count.rows_loaded,
                        count.rows_repaired,
                        count.rows_rejected,
                    ],
                )
                summary.tables.append(count)
                done += member.size
            for member in lookups:
                progress(member.name, done, total)
                codes, sha = load_lookup(store, member, rel, tmp)
                watchdog.check()
                store.begin_load(member.name, sha, _dataset(rel, member, None), codes, kind="court")
                summary.lookups += codes
            if count_txt is not None:
                summary.notes += check_count_txt(store, rel, count_txt, summary.tables)
            progress("cohort and case facts", done, total)
            build_facts(store, rel)
            con.execute(
                "INSERT INTO court_releases VALUES (?, ?, ?, ?)",
                [rel, synthetic, str(source), datetime.now(UTC).replace(tzinfo=None)],
            )
            watchdog.check()  # the last moment to give up: the commit follows
            progress("done", total, total)
    finally:
        con.execute("SET preserve_insertion_order = true")
    return summary
