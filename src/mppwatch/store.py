"""The embedded DuckDB store: schema, transactions and load bookkeeping.

A `Store` is opened once and passed to every analysis function; there is no global connection.
Every observation keeps the `load_id` of the file it came from and the `source_id` that published it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mppwatch import __version__
from mppwatch.core.text import N_
from mppwatch.errors import TranslatableError

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_DB = "mppwatch.duckdb"

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS load_ids START 1;
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY,
    source_url VARCHAR,
    title VARCHAR,
    retrieved_via VARCHAR,
    note VARCHAR
);
CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    mppwatch_version VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- 'current' or 'superseded'
    superseded_by BIGINT,
    kind VARCHAR NOT NULL DEFAULT 'observations'
);
-- What a load's data package sidecar says of its dataset (title, roles, stock, hierarchy), as checked JSON.
CREATE TABLE IF NOT EXISTS dataset_meta (
    load_id BIGINT PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,       -- the sidecar, e.g. beds.datapackage.json
    meta VARCHAR NOT NULL
);
-- One published figure per row, in a long shape.
-- period: the period as printed (YYYY-MM, YYYY-MM-DD, YYYY, FY label); period_kind says which.
-- period_start/period_end: the calendar span the figure covers (a snapshot covers its as-of day).
-- dims: every other column of the publisher's CSV, by its own name.
CREATE TABLE IF NOT EXISTS observations (
    load_id BIGINT NOT NULL,
    dataset VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    source_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_kind VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    row_type VARCHAR NOT NULL,
    flag VARCHAR,
    note VARCHAR,
    dims MAP(VARCHAR, VARCHAR) NOT NULL,
    meta MAP(VARCHAR, VARCHAR) NOT NULL,  -- descriptive columns that are not part of the key (transcription)
    value DOUBLE
);
"""


class StoreError(TranslatableError):
    """A problem with the store itself (not with an input file); a template and fields, like MppwatchError."""


class StoreBusy(StoreError):
    """The database file is held by another process (a load) or connection for longer than we wait."""


NO_DATABASE = N_("{path}: no database here yet; run `mppwatch load` first")
BAD_MEMORY_LIMIT = N_("MPPWATCH_MEMORY_LIMIT={limit}: {reason}")
CANNOT_OPEN = N_("{file}: cannot be opened: {reason}")
BEING_WRITTEN = N_("the database {name} is being written by another load; try again when it has finished")
BUSY = N_("the database {name} is busy; waited {seconds} s, try again when the load or write using it has finished")
BUSY_HELD = N_(
    "the database {name} is busy (held by process {pid}); waited {seconds} s, try again when the load or write "
    "using it has finished"
)


# Readers and loads never fight (issue 13). DuckDB lets one process write a file and then nobody else open it, and a
# read-only connection keeps a writer out. So where a server reads a database (`enable_snapshots`, called by the web
# app), a writer first copies the file to `<db>.snapshot` (atomically: a copy, then os.replace) whenever the file has
# changed since the last copy, then waits (bounded) for the readers still on the main file. Readers open the snapshot
# when it is at least as new as the main file, else the main file, and the snapshot when the main file is locked.
# During a load every reader answers from the state before it; after it they read the new file. One file copy per
# write session is the price (cp speed; the snapshot doubles the disk used).
WRITER_WAIT_SECONDS = float(os.environ.get("MPPWATCH_WRITER_WAIT", "30"))
READER_WAIT_SECONDS = 5.0
_LOCK_ERRORS = (duckdb.IOException, duckdb.ConnectionException)


@dataclass
class _Anchor:
    """One DuckDB instance on a snapshot version, kept open while it is current or a request still uses it."""

    version: tuple[int, int]
    con: Any
    link: Path
    users: int = 0
    retired: bool = False

    def retire_if_unused(self) -> None:
        if self.retired and self.users == 0:
            self.con.close()  # closing it would close its cursors: only once the last request is done
            self.link.unlink(missing_ok=True)


_ANCHORS: dict[Path, _Anchor] = {}
_ANCHORS_LOCK = threading.Lock()


def _snapshot_cursor(snap: Path, config: dict[str, str | bool | int | float | list[str]]) -> tuple[Any, _Anchor]:
    """A connection to the snapshot from one DuckDB instance kept open per snapshot version (opening the file
    costs 40-120 ms, a cursor 0.1 ms). The instance is opened through a hard link named by the file's inode, so a
    refreshed snapshot (a new inode) gets a new instance, never DuckDB's cached one for the old file; the old
    instance closes when the last request using it closes its store."""
    st = snap.stat()
    version = (st.st_ino, st.st_mtime_ns)
    with _ANCHORS_LOCK:
        held = _ANCHORS.get(snap)
        if held is None or held.version != version:
            link = snap.with_name(f"{snap.name}.{st.st_ino}.{st.st_mtime_ns}")
            if not link.exists():
                os.link(snap, link)
            # a served snapshot answers many small requests at once: one thread per query, memory capped
            anchor = duckdb.connect(str(link), read_only=True, config={"memory_limit": "2GB", "threads": 1, **config})
            if held is not None:
                held.retired = True
                held.retire_if_unused()
            _ANCHORS[snap] = held = _Anchor(version, anchor, link)
        held.users += 1
        return held.con.cursor(), held


def _let_go(anchor: _Anchor) -> None:
    with _ANCHORS_LOCK:
        anchor.users -= 1
        anchor.retire_if_unused()


def snapshot_path(path: Path) -> Path:
    return path.with_name(path.name + ".snapshot")


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".readers")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text or "different configuration" in text or "already open" in text


def _exclusive(path: Path, deadline: float) -> int:
    """An exclusive advisory lock on `path` (one writer session at a time), waited for until `deadline`."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise StoreBusy(BEING_WRITTEN, name=path.name.removesuffix(".writer")) from None
            time.sleep(0.05)


def writer_active(path: str | Path) -> bool:
    """Whether a write session holds `path` now (served stores only: their writers take the `.writer` lock).

    A cache of answers must not keep one computed during a write: the reader may have read the snapshot taken
    before it while the main file already carries part of the write. The probe takes the lock for an instant
    when it is free; a writer arriving in that instant retries 50 ms later (`_exclusive`).
    """
    import fcntl

    path = Path(path)
    if not _marker(path).exists():
        return False  # not served through snapshots: writers and readers are kept apart by DuckDB's own lock
    try:
        fd = os.open(path.with_name(path.name + ".writer"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return True  # cannot tell: say busy, so nothing is cached
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing the descriptor releases a lock taken on it
    return False


def data_version(path: str | Path) -> tuple[int, ...]:
    """What identifies a store's contents for caching: size and mtime of the file and of its write-ahead log."""
    path = Path(path)
    out: list[int] = []
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            st = part.stat()
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [0, 0]
    return tuple(out)


@dataclass(frozen=True)
class DataVersion:
    """A store's data version when an answer was started, and whether a write was running then.

    A cache keys its answers by `stamp` and keeps one only when `holds()` after computing it: a reader during a
    write may read the snapshot from before the write while the files already show part of it, so an answer
    begun or finished during a write, or across a change, is served but never kept.
    """

    stamp: tuple[int, ...]
    idle: bool

    @classmethod
    def of(cls, path: str | Path) -> DataVersion:
        return cls(data_version(path), not writer_active(path))

    def holds(self, path: str | Path) -> bool:
        return self.idle and not writer_active(path) and data_version(path) == self.stamp


def enable_snapshots(path: str | Path) -> None:
    """Serve `path` to readers through snapshots from now on (the web app calls this at start)."""
    path = Path(path)
    if path.exists():
        _marker(path).touch()
        try:
            lock = _exclusive(path.with_name(path.name + ".writer"), time.monotonic())
        except StoreBusy:  # a load is running: it refreshed the snapshot when it started
            return
        try:
            try:  # a writer that started before the marker existed holds DuckDB's lock: never copy under it
                duckdb.connect(str(path), read_only=True).close()
            except _LOCK_ERRORS:
                return
            refresh_snapshot(path)
        finally:
            os.close(lock)


def refresh_snapshot(path: Path) -> None:
    """Copy the database to its snapshot when the snapshot is missing or older (never while we hold it open)."""
    snap = snapshot_path(path)
    try:
        if snap.exists() and snap.stat().st_mtime_ns >= path.stat().st_mtime_ns:
            return
        tmp = snap.with_name(f"{snap.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
        shutil.copymode(path, tmp)  # the snapshot holds the same rows: no wider access than the store itself
        wal = path.with_name(path.name + ".wal")
        if wal.exists():  # a writer that died before its checkpoint: the copy must replay it too
            shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
            os.replace(tmp.with_name(tmp.name + ".wal"), snap.with_name(snap.name + ".wal"))
        else:
            snap.with_name(snap.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, snap)
    except OSError:  # readers then wait for the main file: slower, never wrong
        return


@dataclass(frozen=True)
class LoadResult:
    """What one call to load a file did."""

    dataset: str
    file_name: str
    load_id: int | None
    rows: int
    status: str  # 'loaded', 'replaced' or 'skipped'
    message: str


def default_db_path() -> Path:
    return Path(os.environ.get("MPPWATCH_DB", DEFAULT_DB))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Store:
    """One DuckDB file holding sources, loads, observations and the analysis tables built on them."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only  # a read-only store's contents cannot change while it is open
        self._depth = 0  # open transactions: an inner one joins the outer one
        self._writer_lock: int | None = None
        self._anchor: _Anchor | None = None
        self.read_path = self.path  # the file actually opened: the main file or its snapshot
        if read_only and not self.path.exists():
            raise StoreError(NO_DATABASE, path=self.path)
        limit = os.environ.get("MPPWATCH_MEMORY_LIMIT")
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": limit} if limit else {}
        try:  # DuckDB takes up to 80% of RAM by default and spills to disk beyond its limit
            self.con = self._connect(read_only, config)
        except (duckdb.InvalidInputException, duckdb.ParserException) as exc:
            self._release()
            raise StoreError(BAD_MEMORY_LIMIT, limit=repr(limit), reason=exc) from None
        except BaseException:
            self._release()
            raise
        if not read_only:
            self.con.execute(SCHEMA)

    def _connect(self, read_only: bool, config: dict[str, str | bool | int | float | list[str]]) -> Any:
        """Readers: the snapshot when current, else the main file, else (main locked) the snapshot. Writers: the
        main file, after refreshing the snapshot for readers, waiting a bounded time for readers to leave it."""
        path, snap = self.path, snapshot_path(self.path)
        wait = READER_WAIT_SECONDS if read_only else WRITER_WAIT_SECONDS
        if not read_only and _marker(path).exists():
            self._writer_lock = _exclusive(path.with_name(path.name + ".writer"), time.monotonic() + wait)
            refresh_snapshot(path)  # under the writer lock: never a copy of a file another writer is changing
        targets = [path]
        if read_only and snap.exists():
            current = snap.stat().st_mtime_ns >= path.stat().st_mtime_ns
            targets = [snap, path] if current else [path, snap]
        deadline, delay = time.monotonic() + wait, 0.01
        while True:
            for target in targets:
                try:
                    if target == snap and read_only and _marker(path).exists():
                        try:
                            con, self._anchor = _snapshot_cursor(snap, config)
                        except OSError:  # no hard links here: open the snapshot itself
                            con = duckdb.connect(str(target), read_only=True, config=config)
                    else:
                        con = duckdb.connect(str(target), read_only=read_only, config=config)
                    self.read_path = target
                    return con
                except _LOCK_ERRORS as exc:
                    if not _is_lock_error(exc):
                        raise StoreError(CANNOT_OPEN, file=target.name, reason=exc) from None
                    last = exc
            if time.monotonic() + delay > deadline:
                holder = re.search(r"PID (\d+)", str(last))
                if holder:
                    raise StoreBusy(BUSY_HELD, name=path.name, pid=holder.group(1), seconds=f"{wait:.0f}") from None
                raise StoreBusy(BUSY, name=path.name, seconds=f"{wait:.0f}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    @classmethod
    def open(cls, path: str | Path | None = None, read_only: bool = False) -> Store:
        return cls(path, read_only=read_only)

    def close(self) -> None:
        self.con.close()
        if self._anchor is not None:
            _let_go(self._anchor)
            self._anchor = None
        if self._writer_lock is not None:  # readers go back to a current snapshot (and its kept instance)
            refresh_snapshot(self.path)
        self._release()

    def _release(self) -> None:
        if self._writer_lock is not None:
            os.close(self._writer_lock)  # releases the flock
            self._writer_lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit when the block ends, roll back on any exception.

        A transaction opened inside another joins it, so a set of loads (all the bundled files) can be one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self.con.execute("COMMIT")

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a pandas frame (numpy dtypes, never Arrow)."""
        return self.con.execute(sql, params or []).df()

    # -- load bookkeeping ---------------------------------------------------------------------

    def current_load(self, dataset: str) -> tuple[int, str] | None:
        row = self.con.execute(
            "SELECT load_id, sha256 FROM loads WHERE dataset = ? AND status = 'current' ORDER BY load_id DESC LIMIT 1",
            [dataset],
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def begin_load(self, file_name: str, sha256: str, dataset: str, rows: int, kind: str = "observations") -> int:
        """Inside a transaction: record a new current load and supersede the dataset's previous one."""
        load_id = int(self.con.execute("SELECT nextval('load_ids')").fetchone()[0])  # type: ignore[index]
        self.con.execute(
            "UPDATE loads SET status = 'superseded', superseded_by = ? WHERE dataset = ? AND status = 'current'",
            [load_id, dataset],
        )
        self.con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, 'current', NULL, ?)",
            [load_id, file_name, sha256, dataset, rows, datetime.now(UTC).replace(tzinfo=None), __version__, kind],
        )
        return load_id

    def save_meta(self, load_id: int, dataset: str, file_name: str, meta: str) -> None:
        """Inside the load's transaction: keep what the file's sidecar says of its dataset with the load."""
        self.con.execute("INSERT INTO dataset_meta VALUES (?, ?, ?, ?)", [load_id, dataset, file_name, meta])

    def load_meta(self, load_id: int) -> str | None:
        """The sidecar JSON a load was described by, or None."""
        try:
            row = self.con.execute("SELECT meta FROM dataset_meta WHERE load_id = ?", [load_id]).fetchone()
        except duckdb.CatalogException:  # a database from before sidecars, opened read-only
            return None
        return str(row[0]) if row else None

    def dataset_meta(self) -> dict[str, tuple[str, str]]:
        """(sidecar name, JSON) of each dataset whose current load came with a sidecar."""
        try:
            rows = self.con.execute(
                """SELECT m.dataset, m.file_name, m.meta FROM dataset_meta m
                   JOIN loads l ON l.load_id = m.load_id WHERE l.status = 'current'"""
            ).fetchall()
        except duckdb.CatalogException:
            return {}
        return {str(ds): (str(name), str(meta)) for ds, name, meta in rows}

    def delete_observations(self, dataset: str, edition: str | None = None) -> None:
        """Inside a transaction: drop a dataset's observations (only one edition's, when given) before a reload."""
        if edition is None:
            self.con.execute("DELETE FROM observations WHERE dataset = ?", [dataset])
        else:
            self.con.execute("DELETE FROM observations WHERE dataset = ? AND dims['edition'] = ?", [dataset, edition])

    def observation_count(self, load_ids: Sequence[int]) -> int:
        """How many observations these loads wrote: the check a load makes before it commits."""
        if not load_ids:
            return 0
        marks = ", ".join("?" for _ in load_ids)
        row = self.con.execute(
            f"SELECT count(*) FROM observations WHERE load_id IN ({marks})", list(load_ids)
        ).fetchone()
        return int(row[0]) if row else 0

    def observation_profile(self) -> tuple[list[Any], list[Any], list[Any], list[Any], dict[str, bool]]:
        """What the catalogue is built from, one scan each: per dataset (rows, row types, source ids, load ids);
        per (dataset, period kind) the coverage and count; per (dataset, dimension) its values; per dataset its
        non-null values (for the rounding detector) and whether each cell is printed once."""
        base = self.con.execute(
            """SELECT dataset, count(*), list(DISTINCT row_type ORDER BY row_type), list(DISTINCT source_id ORDER BY source_id),
                      list(DISTINCT load_id ORDER BY load_id)
               FROM observations GROUP BY dataset"""
        ).fetchall()
        kinds = self.con.execute(
            "SELECT dataset, period_kind, min(period_start), max(period_end), count(*) FROM observations GROUP BY ALL"
        ).fetchall()
        dim_rows = self.con.execute(
            """SELECT dataset, k, list(DISTINCT v ORDER BY v) FROM (
                   SELECT dataset, unnest(map_keys(dims)) AS k, unnest(map_values(dims)) AS v FROM observations
               ) GROUP BY ALL"""
        ).fetchall()
        value_rows = self.con.execute(
            "SELECT dataset, list(value) FROM observations WHERE value IS NOT NULL GROUP BY ALL"
        ).fetchall()
        unique = dict(
            self.con.execute(
                "SELECT dataset, count(*) = count(DISTINCT (dims::VARCHAR, period, row_type)) FROM observations GROUP BY 1"
            ).fetchall()
        )
        return base, kinds, dim_rows, value_rows, unique

    def known_source_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT source_id FROM sources").fetchall()}

    def datasets_loaded(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT dataset FROM loads WHERE status='current'").fetchall()]
