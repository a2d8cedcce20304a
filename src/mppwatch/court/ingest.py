"""Load an EOIR "Case Data" release (folder or zip) into `court_*` tables, streaming, with every bad row accounted for.

How: DuckDB's own CSV reader parses each table in parallel with the dialect fixed (TAB, no quote, latin-1, header)
and explicit column types, so nothing is guessed. Rows it cannot parse are not dropped: `store_rejects` keeps each
one with its line number, a repair pass strips NUL bytes from those lines and tries them again, and what still fails
lands in `court_rejects` (file, line, reason, raw text). NUL bytes inside text fields are removed as rows are
inserted. Zip members go through the `unzip` program (it reads Deflate64, which Python's zipfile cannot) into a
named pipe, so nothing is unpacked to disk. A release is replaced as a whole inside one transaction.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

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
    "court_lookups", "court_rejects", "court_load_counts", "court_facts", "court_proceeding_status",
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
        raise MppwatchError(f"--release {release!r}: expected YYYY-MM")
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
        raise InputError(str(source), None, None, "no such file or folder")
    raise InputError(str(source), None, None, "not a folder or a zip file")


def is_synthetic(source: Path, members: list[Member]) -> bool:
    return SYNTHETIC in source.name.upper() or any(SYNTHETIC in m.name.upper() for m in members)


def _count_byte(buf: bytes, byte: int, end: int) -> int:
    """How often `byte` occurs in buf[:end]: numpy counts on the block itself, about 10x faster than bytes.count."""
    return int(np.count_nonzero(np.frombuffer(buf, np.uint8, count=end) == byte))


class _Reader:
    """Hash, count and check a stream as it passes, optionally copying it into a pipe for DuckDB.

    DuckDB accepts a row with one field too many when the extra field is empty or a null token (it reads it as a
    trailing delimiter), which would shift a row with a stray tab silently. So every line's TAB count is checked
    here, independently: a block whose total matches the expected count is passed at memory speed, and only a
    block that does not is split into lines (numpy) to find the rows with the wrong number of fields.
    """

    def __init__(self, ncols: int = 0, on_bytes: Callable[[int], None] | None = None) -> None:
        self.on_bytes = on_bytes
        self.sha = hashlib.sha256()
        self.newlines = 0
        self.last = b"\n"
        self.error: BaseException | None = None
        self.ncols = ncols
        self.bad: list[tuple[int, int, bytes]] = []  # (line, fields, raw line)

    def feed(self, src: IO[bytes], sink: IO[bytes] | None) -> None:
        carry = b""
        try:
            while block := src.read(1 << 22):
                if sink is not None:
                    sink.write(block)
                self.sha.update(block)
                self.last = block[-1:]
                if self.on_bytes is not None:
                    self.on_bytes(len(block))
                if self.ncols:
                    cut = block.rfind(b"\n") + 1
                    if cut == 0:  # no line ends in this block
                        carry += block
                        continue
                    # count in place (no copy of the block) unless the carried-over line start needs joining
                    n = _count_byte(block, 10, cut)
                    tabs = carry.count(b"\t") + _count_byte(block, 9, cut)
                    if tabs == (self.ncols - 1) * n:
                        self.newlines += n
                    else:
                        self._check(carry + block[:cut])
                    carry = block[cut:]
                else:
                    self.newlines += _count_byte(block, 10, len(block))
            if self.ncols and carry:  # a last line without a line break is still a row
                self._check(carry + b"\n")
        except BaseException as exc:  # reported by the caller
            self.error = exc

    def _check(self, lines: bytes) -> None:
        n = lines.count(b"\n")
        if lines.count(b"\t") != (self.ncols - 1) * n:
            arr = np.frombuffer(lines, np.uint8)
            ends = np.flatnonzero(arr == 10)
            tabs = np.searchsorted(np.flatnonzero(arr == 9), ends)
            per_line = np.diff(np.concatenate([[0], tabs]))
            starts = np.concatenate([[0], ends[:-1] + 1])
            for i in np.flatnonzero(per_line != self.ncols - 1):
                raw = lines[int(starts[i]) : int(ends[i])]
                self.bad.append((self.newlines + int(i) + 1, int(per_line[i]) + 1, raw))
        self.newlines += n

    @property
    def lines(self) -> int:
        if self.ncols:
            return self.newlines
        return self.newlines + (0 if self.last == b"\n" else 1)


@contextmanager
def opened(
    member: Member, tmp: Path, ncols: int = 0, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[str, _Reader, threading.Thread]]:
    """A path DuckDB can read for `member`, plus a thread hashing and checking it (join before reading counts)."""
    reader = _Reader(ncols, on_bytes)
    if member.path is not None:
        path = member.path

        def run_file() -> None:
            with open(path, "rb") as src:
                reader.feed(src, None)

        thread = threading.Thread(target=run_file, daemon=True)
        thread.start()
        yield str(path), reader, thread
        thread.join()
        return
    assert member.zip_path is not None
    unzip = shutil.which("unzip")
    if unzip is None:
        raise MppwatchError(f"{member.zip_path}: reading a zip needs the `unzip` program (apt-get install unzip)")
    fifo = tmp / f"pipe-{abs(hash(member.name))}.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [unzip, "-p", str(member.zip_path), member.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    def run_pipe() -> None:
        assert proc.stdout is not None
        with open(fifo, "wb") as sink:
            reader.feed(proc.stdout, sink)

    thread = threading.Thread(target=run_pipe, daemon=True)
    thread.start()
    try:
        yield str(fifo), reader, thread
    finally:
        thread.join(timeout=5)
        if thread.is_alive():  # DuckDB stopped reading (an error): unblock the writer and stop unzip
            try:
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
            proc.kill()
            thread.join(timeout=5)
        proc.wait()
        fifo.unlink(missing_ok=True)
    if proc.returncode not in (0, None):
        err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
        raise InputError(f"{member.zip_path}!{member.name}", None, None, f"unzip failed: {err[:200]}")


def read_header(member: Member) -> tuple[list[str], str]:
    """The header row (column names) and the line ending of a release file."""
    if member.path is not None:
        with open(member.path, "rb") as handle:
            first = handle.readline(1 << 16)
    else:
        assert member.zip_path is not None
        proc = subprocess.Popen(["unzip", "-p", str(member.zip_path), member.name], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        first = proc.stdout.readline(1 << 16)
        proc.kill()
        proc.wait()
    if not first.strip():
        raise InputError(member.name, 1, None, "empty file: no header row")
    newline = "\\r\\n" if first.endswith(b"\r\n") else "\\n"
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


def prescan(member: Member) -> tuple[bool, set[int] | None]:
    """(ASCII only?, the field positions holding NUL bytes) for a file on disk; None means "unknown: clean every
    text field", which is what a zip member gets (it is read once, as a stream).

    Plain ASCII reads the same as latin-1 or UTF-8, and DuckDB's UTF-8 path is the fast one. Only the text fields
    where a NUL occurs get the per-field cleaning. Both checks run at memory speed (bytes.isascii, memchr); a NUL
    costs a look back to its line start.
    """
    if member.path is None:
        return False, None
    ascii_only, nul_fields = True, set()
    carry = b""  # the start of the line the block begins in
    with open(member.path, "rb") as handle:
        while block := handle.read(1 << 22):
            ascii_only = ascii_only and block.isascii()
            pos = block.find(b"\x00")
            while pos != -1:
                start = block.rfind(b"\n", 0, pos) + 1
                before = block.count(b"\t", start, pos)
                nul_fields.add(before + (carry.count(b"\t") if start == 0 else 0))
                pos = block.find(b"\x00", pos + 1)
            cut = block.rfind(b"\n")
            carry = block[cut + 1 :] if cut != -1 else carry + block
    return ascii_only, nul_fields


def _csv_options(columns: list[str], spec: TableSpec, newline: str, rejects: str, ascii_only: bool = False) -> str:
    types = ", ".join(f"'{c}': '{spec.duck_type(c)}'" for c in columns)
    nulls = ", ".join(f"'{t}'" for t in NULL_TOKENS)
    encoding = "utf-8" if ascii_only else "latin-1"
    return (
        f"delim='\\t', quote='', escape='', header=true, auto_detect=false, new_line='{newline}', "
        f"encoding='{encoding}', nullstr=[{nulls}], columns={{{types}}}, strict_mode=true, "
        f"store_rejects=true, rejects_table='{rejects}_err', rejects_scan='{rejects}_scan'"
    )


def _ensure_table(store: Store, spec: TableSpec, columns: list[str]) -> None:
    con = store.con
    cols = ", ".join(f"{_quote(c)} {spec.duck_type(c)}" for c in spec.columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.table} (release VARCHAR NOT NULL, {cols})")
    have = {r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {spec.table})").fetchall()}
    for c in columns:  # a newer release may add columns: keep them, as text
        if c not in have:
            con.execute(f"ALTER TABLE {spec.table} ADD COLUMN {_quote(c)} {spec.duck_type(c)}")


def _select(columns: list[str], spec: TableSpec, nul_fields: set[int] | None = None) -> str:
    """The SELECT list: text fields at `nul_fields` (all when None) cleaned of NUL bytes."""
    return ", ".join(
        _clean_text(c) if spec.duck_type(c) == "VARCHAR" and (nul_fields is None or i in nul_fields) else _quote(c)
        for i, c in enumerate(columns)
    )


def _repair(
    store: Store,
    spec: TableSpec,
    columns: list[str],
    release: str,
    member: Member,
    rejects: str,
    tmp: Path,
    wrong_width: list[tuple[int, int, bytes]],
) -> tuple[int, int, int]:
    """Settle every line that is not a clean row: (repaired, rejected, rows taken back out of the table).

    - Lines with the wrong number of fields (stray tabs) are rejects, also when DuckDB took them in with the extra
      field read as a trailing delimiter: such a row is deleted again by its key.
    - Lines DuckDB could not parse and that contain NUL bytes are parsed again without them ("repaired").
    - Everything else DuckDB rejected is kept with its reason.
    """
    con = store.con
    parsed: dict[int, tuple[str | None, str]] = {
        int(line): (raw, reason)
        for line, raw, reason in con.execute(
            f"""SELECT line, any_value(csv_line), string_agg(DISTINCT error_type || ': ' || error_message, '; ')
                FROM {rejects}_err GROUP BY line"""
        ).fetchall()
    }
    width = {line: (fields, raw.decode("latin-1")) for line, fields, raw in wrong_width}
    taken_out = 0
    key_at = columns.index(spec.key)
    for line, (_fields, raw) in width.items():
        if line in parsed or line == 1:
            continue
        cells = raw.split("\t")
        key = cells[key_at].replace("\x00", "").strip() if key_at < len(cells) else ""
        if key.isdigit():
            row = con.execute(
                f"DELETE FROM {spec.table} WHERE release = ? AND {_quote(spec.key)} = ? RETURNING 1",
                [release, int(key)],
            ).fetchall()
            taken_out += len(row)
    fixable = [(line, raw) for line, (raw, _) in sorted(parsed.items()) if raw and "\x00" in raw and line not in width]
    repaired_lines: set[int] = set()
    if fixable:
        path = tmp / "repair.csv"
        with open(path, "w", encoding="latin-1", errors="replace", newline="\n") as out:
            out.write("\t".join(columns) + "\n")
            for _, raw in fixable:
                out.write(raw.replace("\x00", "").rstrip("\r\n") + "\n")
        second = rejects + "_2"
        options = _csv_options(columns, spec, "\\n", second)
        inserted = con.execute(
            f"INSERT INTO {spec.table} BY NAME SELECT '{release}' AS release, {_select(columns, spec)} "
            f"FROM read_csv('{path}', {options})"
        ).fetchone()
        failed = {int(r[0]) for r in con.execute(f"SELECT DISTINCT line FROM {second}_err").fetchall()}
        con.execute(f"DROP TABLE IF EXISTS {second}_err; DROP TABLE IF EXISTS {second}_scan")
        for i, (line, _) in enumerate(fixable, start=2):  # line 1 of the repair file is its header
            if i not in failed:
                repaired_lines.add(line)
        if inserted and int(inserted[0]) != len(repaired_lines):
            raise MppwatchError(
                f"{member.name}: repair pass inserted {inserted[0]} rows, expected {len(repaired_lines)}"
            )
    rows: list[tuple[str, str, int, str, str | None]] = []
    for line in sorted(set(parsed) | set(width)):
        if line in width:
            fields, raw = width[line]
            rows.append(
                (
                    release,
                    member.name,
                    line,
                    f"{fields} fields where the header has {len(columns)} (stray tab or broken line)",
                    raw,
                )
            )
        elif line in repaired_lines:
            rows.append((release, member.name, line, "repaired: NUL bytes removed", parsed[line][0]))
        else:
            rows.append((release, member.name, line, parsed[line][1][:500], parsed[line][0]))
    if rows:
        con.executemany("INSERT INTO court_rejects VALUES (?, ?, ?, ?, ?)", rows)
    return len(repaired_lines), len(rows) - len(repaired_lines), taken_out


def load_table(
    store: Store,
    spec: TableSpec,
    member: Member,
    release: str,
    tmp: Path,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[TableCount, str]:
    """Stream one release file into `spec.table` for `release`; returns the counts and the file's sha256."""
    columns, newline = read_header(member)
    known = {c.lower(): c for c in spec.columns}  # EOIR's spelling varies in case (IdnCase, Sex); DuckDB ignores it
    columns = [known.get(c.lower(), c) for c in columns]
    if spec.key not in columns or "IDNCASE" not in columns:
        raise InputError(member.name, 1, spec.key, f"header lacks {spec.key} or IDNCASE: is this {spec.stem}?")
    if len({c.lower() for c in columns}) != len(columns):
        raise InputError(member.name, 1, None, "duplicate column names in the header")
    _ensure_table(store, spec, columns)
    rejects = f"_rej_{spec.table}"
    con = store.con
    before = con.execute(f"SELECT count(*) FROM {spec.table} WHERE release = ?", [release]).fetchone()[0]  # type: ignore[index]
    ascii_only, nul_fields = prescan(member)
    with opened(member, tmp, len(columns), on_bytes) as (path, reader, thread):
        con.execute(
            f"INSERT INTO {spec.table} BY NAME SELECT '{release}' AS release, {_select(columns, spec, nul_fields)} "
            f"FROM read_csv('{path}', {_csv_options(columns, spec, newline, rejects, ascii_only)})"
        )
        thread.join()
    if reader.error is not None:
        raise InputError(member.name, None, None, f"read failed: {reader.error}")
    loaded = con.execute(f"SELECT count(*) FROM {spec.table} WHERE release = ?", [release]).fetchone()[0] - before  # type: ignore[index]
    repaired, rejected, taken_out = _repair(store, spec, columns, release, member, rejects, tmp, reader.bad)
    con.execute(f"DROP TABLE IF EXISTS {rejects}_err; DROP TABLE IF EXISTS {rejects}_scan")
    loaded -= taken_out
    rows_in = max(reader.lines - 1, 0)
    unaccounted = rows_in - loaded - repaired - rejected
    if unaccounted:
        con.execute(
            "INSERT INTO court_rejects VALUES (?, ?, NULL, ?, NULL)",
            [release, member.name, f"{unaccounted} lines neither loaded nor rejected by the parser (blank lines?)"],
        )
    return TableCount(member.name, spec.table, rows_in, loaded + repaired, repaired, rejected), reader.sha.hexdigest()


def load_lookup(store: Store, member: Member, release: str, tmp: Path) -> tuple[int, str]:
    """One Lookup/ file: keep the code and description columns it names (EOIR's names vary by table).
    Returns the codes kept and the file's sha256."""
    columns, newline = read_header(member)
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
    with opened(member, tmp) as (path, reader, thread):
        n = store.con.execute(
            f"""INSERT INTO court_lookups SELECT ?, ?, trim(replace({_quote(code)}, chr(0), '')),
                    trim(replace({_quote(desc)}, chr(0), ''))
                FROM read_csv('{path}', delim='\\t', quote='', escape='', header=true, auto_detect=false,
                    new_line='{newline}', encoding='latin-1', nullstr=[{nulls}], columns={{{types}}},
                    null_padding=true, store_rejects=true, rejects_table='{rejects}_err',
                    rejects_scan='{rejects}_scan')""",
            [release, member.stem],
        ).fetchone()
        thread.join()
    # every line the lenient read skipped is recorded, with DuckDB's reason
    store.con.execute(
        f"""INSERT INTO court_rejects SELECT ?, ?, line, 'lookup line skipped: ' || string_agg(DISTINCT error_message, '; '),
                any_value(csv_line)
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
    assert member.zip_path is not None
    unzip = shutil.which("unzip")
    if unzip is None:
        raise MppwatchError(f"{member.zip_path}: reading a zip needs the `unzip` program (apt-get install unzip)")
    proc = subprocess.Popen([unzip, "-p", str(member.zip_path), member.name], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    sha = hashlib.sha256()
    while block := proc.stdout.read(1 << 22):
        sha.update(block)
    digest = sha.hexdigest()
    if proc.wait() != 0:
        raise InputError(f"{member.zip_path}!{member.name}", None, None, "unzip failed")
    return digest


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
) -> LoadSummary:
    """Load a release folder or zip as `release` (YYYY-MM), replacing an earlier load of the same release."""
    from datetime import UTC, datetime

    from mppwatch.court.cohort import build_facts

    source = Path(source)
    members = list_members(source)
    synthetic = is_synthetic(source, members)
    rel = release_id(release, synthetic)
    tables = {s.stem.lower(): m for m in members if not m.is_lookup and (s := BY_STEM.get(m.stem.lower()))}
    found = {BY_STEM[k].stem for k in tables}
    if "B_TblProceeding" not in found:
        raise InputError(str(source), None, None, "no B_TblProceeding file found (searched at any depth)")
    summary = LoadSummary(rel, synthetic)
    for spec in SPECS:
        if spec.stem not in found:
            summary.notes.append(f"{spec.stem}: not in this release")
    read = set(tables.values())
    for m in members:
        if not m.is_lookup and m not in read and "readme" not in m.stem.lower():
            summary.notes.append(
                f"{m.name}: not read (mppwatch reads {', '.join(s.stem for s in SPECS)} and the Lookup/ files)"
            )
    lookups = [m for m in members if m.is_lookup]
    total = sum(m.size for m in tables.values()) or 1
    done = 0
    files: list[tuple[Member, TableSpec | None]] = [(m, BY_STEM[k]) for k, m in tables.items()]
    files += [(m, None) for m in lookups]
    if progress:
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
    tmp = Path(tempfile.mkdtemp(prefix="mppwatch-court-"))
    con = store.con
    con.execute("SET preserve_insertion_order = false")
    try:
        with store.transaction():  # the schema too: a load that fails leaves the file as it was
            ensure_schema(store)
            delete_release(store, rel)
            for spec in SPECS:
                member = tables.get(spec.stem.lower())
                if member is None:
                    continue
                if progress:
                    progress(member.name, done, total)
                start = done

                def advance(n: int, name: str = member.name) -> None:
                    nonlocal start
                    start += n
                    if progress:
                        progress(name, min(start, total), total)

                count, sha = load_table(store, spec, member, rel, tmp, advance)
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
                codes, sha = load_lookup(store, member, rel, tmp)
                store.begin_load(member.name, sha, _dataset(rel, member, None), codes, kind="court")
                summary.lookups += codes
            if progress:
                progress("cohort and case facts", done, total)
            build_facts(store, rel)
            con.execute(
                "INSERT INTO court_releases VALUES (?, ?, ?, ?)",
                [rel, synthetic, str(source), datetime.now(UTC).replace(tzinfo=None)],
            )
            if progress:
                progress("done", total, total)
    finally:
        con.execute("SET preserve_insertion_order = true")
        shutil.rmtree(tmp, ignore_errors=True)
    return summary
