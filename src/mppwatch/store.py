"""The embedded DuckDB store: schema, transactions and load bookkeeping.

A `Store` is opened once and passed to every analysis function; there is no global connection.
Every observation keeps the `load_id` of the file it came from and the `source_id` that published it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mppwatch import __version__

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


class StoreError(Exception):
    """A problem with the store itself (not with an input file)."""


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
        self._depth = 0  # open transactions: an inner one joins the outer one
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no database here yet; run `mppwatch load` first")
        limit = os.environ.get("MPPWATCH_MEMORY_LIMIT")
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": limit} if limit else {}
        try:  # DuckDB takes up to 80% of RAM by default and spills to disk beyond its limit
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=config)
        except (duckdb.InvalidInputException, duckdb.ParserException) as exc:
            raise StoreError(f"MPPWATCH_MEMORY_LIMIT={limit!r}: {exc}") from None
        if not read_only:
            self.con.execute(SCHEMA)

    @classmethod
    def open(cls, path: str | Path | None = None, read_only: bool = False) -> Store:
        return cls(path, read_only=read_only)

    def close(self) -> None:
        self.con.close()

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

    def known_source_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT source_id FROM sources").fetchall()}

    def datasets_loaded(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT dataset FROM loads WHERE status='current'").fetchall()]
