"""Shared fixtures: a store with all bundled data loaded once per session, copied for tests that write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mppwatch import court
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


@pytest.fixture(scope="session")
def court_db(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data plus two SYNTHETIC EOIR releases, 2026-01 and 2026-02 (30 case records fewer)."""
    root = tmp_path_factory.mktemp("api_court")
    court.synth_eoir(root / "rel", 3000, seed=11)
    path = root / "db.duckdb"
    shutil.copy(bundled_db, path)
    second = root / "rel2"
    shutil.copytree(root / "rel", second)
    cases = next(second.rglob("A_TblCase.csv"))
    lines = cases.read_bytes().split(b"\n")
    cases.write_bytes(b"\n".join(lines[:100] + lines[130:]))  # 30 case records vanish in the next release
    with Store.open(path) as store:
        court.load(store, root / "rel", "2026-01")
        court.load(store, second, "2026-02")
    return path
