"""Short-lived store connections for the register's writes and reads, beside the API's read-only readers.

DuckDB lets one process hold a file for writing, and within one process every connection to a file must share
its mode. The API opens the store read-only for each request and closes it; a register write therefore opens the
store for writing only for its own transaction (milliseconds: one report, one audit row), serialised by a
process-wide lock, and waits (with a bound) while readers hold it. A reader that arrives during a write gets the
same bounded wait. Nothing hangs: past the bound the caller gets `Busy` (HTTP 503 with Retry-After).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.shelters.schema import ensure_schema
from mppwatch.store import NO_DATABASE, Store, StoreError

T = TypeVar("T")
WAIT_SECONDS = 5.0
_WRITE_LOCK = threading.Lock()


class Busy(MppwatchError):
    """The store stayed busy (held by another writer or a load) longer than the bound."""


def _open(path: Path, read_only: bool, deadline: float) -> Store:
    delay = 0.005
    while True:
        try:
            return Store.open(path, read_only=read_only)
        except (duckdb.ConnectionException, duckdb.IOException, duckdb.ResourceInUseException) as exc:
            if time.monotonic() + delay > deadline:
                raise Busy(
                    N_("{path}: the store is busy ({kind}); retry in a moment"), path=path, kind=type(exc).__name__
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


@contextmanager
def writing(path: str | Path, wait: float = WAIT_SECONDS) -> Iterator[Store]:
    """The store open for writing, with the register's tables, for one short piece of work; closed after."""
    deadline = time.monotonic() + wait
    if not _WRITE_LOCK.acquire(timeout=wait):
        raise Busy(N_("{path}: another register write is still running; retry in a moment"), path=path)
    try:
        store = _open(Path(path), False, deadline)
        try:
            ensure_schema(store)
            yield store
        finally:
            store.close()
    finally:
        _WRITE_LOCK.release()


# A reader's connection can be closed under it, or refused as busy, when the served snapshot is replaced (a write
# session ends and store.py refreshes the snapshot; DuckDB then says "connection already closed", "busy" or "no open
# result set"): a read changes nothing, so it is simply run again.
_RETRY_READ = (duckdb.ConnectionException, duckdb.ResourceInUseException)
READ_ATTEMPTS = 4


def read(path: str | Path, work: Callable[[Store], T], wait: float = WAIT_SECONDS) -> T:
    """`work(store)` on a read-only store, run again (up to READ_ATTEMPTS) when its connection is pulled away."""
    for attempt in range(READ_ATTEMPTS):
        try:
            with reading(path, wait) as store:
                return work(store)
        except (*_RETRY_READ, duckdb.InvalidInputException) as exc:
            pulled = not isinstance(exc, duckdb.InvalidInputException) or "no open result set" in str(exc).lower()
            if not pulled:
                raise
            if attempt == READ_ATTEMPTS - 1:
                raise Busy(
                    N_("{path}: the store kept changing under this read; retry in a moment"), path=path
                ) from None
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


@contextmanager
def reading(path: str | Path, wait: float = WAIT_SECONDS) -> Iterator[Store]:
    """The store open read-only (waiting out a register write in progress); StoreError when there is none."""
    if not Path(path).exists():
        raise StoreError(NO_DATABASE, path=path)
    store = _open(Path(path), True, time.monotonic() + wait)
    try:
        yield store
    finally:
        store.close()
