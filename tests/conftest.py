"""Shared fixtures: a store with all bundled data loaded once per session, copied for tests that write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mppwatch.sources.loader import bundled_data_dir, load_bundled
from mppwatch.store import Store

DATA = bundled_data_dir()


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with every bundled file loaded (do not write to it: copy it with `fresh_db`)."""
    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    with Store.open(path) as store:
        load_bundled(store)
        store.con.execute("CHECKPOINT")
    return path


@pytest.fixture()
def fresh_db(bundled_db: Path, tmp_path: Path) -> Path:
    """A private copy of the loaded database that a test may change."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(bundled_db, path)
    return path


@pytest.fixture()
def store(bundled_db: Path) -> Iterator[Store]:
    """The loaded bundled data, read-only."""
    with Store.open(bundled_db, read_only=True) as s:
        yield s
