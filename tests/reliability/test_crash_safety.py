"""Crash safety: loads killed with SIGKILL at random moments leave the store whole, and the next load succeeds.

Each command runs as a real `mppwatch` process and is killed at a moment drawn uniformly over the time an
uninterrupted run takes (so kills land in start-up, parsing, writing and commit alike). After each kill the store
is reopened: every load is either fully present or fully absent, `loads` matches the rows it describes, and a
set of loads (all the bundled files) is all there or not at all. 20 kills per command in CI; `make stress` sets
MPPWATCH_STRESS=1 for 50.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mppwatch import court
from mppwatch.court.ingest import TMP_PREFIX
from mppwatch.sources.loader import bundled_files
from mppwatch.store import Store

EXE = str(Path(sys.executable).with_name("mppwatch"))
KILLS = 50 if os.environ.get("MPPWATCH_STRESS") else 20
WORKBOOK = next(Path(__file__).parents[2].joinpath("data", "publisher_files").glob("*august-2024.xlsx"))


def _run(args: list[str], db: Path) -> float:
    start = time.monotonic()
    subprocess.run([EXE, "--db", str(db), *args], check=True, capture_output=True)
    return time.monotonic() - start


def _kill_at(args: list[str], db: Path, delay: float) -> None:
    proc = subprocess.Popen([EXE, "--db", str(db), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def _observation_loads_match(store: Store) -> None:
    """Every current observation load has exactly the rows `loads` says, and no row lacks its load."""
    bad = store.con.execute(
        """SELECT l.load_id, l.rows, count(o.load_id) FROM loads l LEFT JOIN observations o USING (load_id)
           WHERE l.kind = 'observations' AND l.status = 'current' GROUP BY l.load_id, l.rows
           HAVING count(o.load_id) <> l.rows"""
    ).fetchall()
    assert not bad, f"loads that do not match their rows: {bad}"
    orphans = store.con.execute(
        "SELECT count(*) FROM observations WHERE load_id NOT IN (SELECT load_id FROM loads WHERE status = 'current')"
    ).fetchone()
    assert orphans == (0,)


def test_killed_bundled_loads_leave_all_or_nothing(tmp_path: Path) -> None:
    expected = {p.stem for p in bundled_files()}
    full = _run(["load"], tmp_path / "timing.duckdb")
    rng = random.Random(18)
    db = tmp_path / "killed.duckdb"
    for _ in range(KILLS):
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
        _kill_at(["load"], db, rng.uniform(0.0, full))
        if not db.exists():
            continue
        with Store.open(db) as store:
            loaded = {r[0] for r in store.con.execute("SELECT dataset FROM loads WHERE status = 'current'").fetchall()}
            assert loaded in (set(), expected), f"a killed load left a partial set: {sorted(loaded)}"
            _observation_loads_match(store)
    _run(["load"], db)  # the next load succeeds and completes the set
    with Store.open(db, read_only=True) as store:
        loaded = {r[0] for r in store.con.execute("SELECT dataset FROM loads WHERE status = 'current'").fetchall()}
        assert loaded == expected
        _observation_loads_match(store)


def test_killed_workbook_loads_leave_the_edition_whole_or_absent(tmp_path: Path, bundled_db: Path) -> None:
    timing = tmp_path / "timing.duckdb"
    shutil.copy(bundled_db, timing)
    full = _run(["load-workbook", str(WORKBOOK)], timing)
    with Store.open(timing, read_only=True) as store:
        whole = store.con.execute("SELECT count(*) FROM observations").fetchone()
        base = store.con.execute("SELECT count(*) FROM loads").fetchone()
    with Store.open(bundled_db, read_only=True) as store:
        before = store.con.execute("SELECT count(*) FROM observations").fetchone()
    rng = random.Random(7)
    db = tmp_path / "killed.duckdb"
    for _ in range(KILLS):
        shutil.copy(bundled_db, db)
        Path(f"{db}.wal").unlink(missing_ok=True)
        _kill_at(["load-workbook", str(WORKBOOK)], db, rng.uniform(0.0, full))
        with Store.open(db) as store:
            n = store.con.execute("SELECT count(*) FROM observations").fetchone()
            assert n in (before, whole), f"{n} observations: neither before ({before}) nor after ({whole})"
            _observation_loads_match(store)
    _run(["load-workbook", str(WORKBOOK)], db)
    with Store.open(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM observations").fetchone() == whole
        assert store.con.execute("SELECT count(*) FROM loads").fetchone() == base


@pytest.mark.slow
def test_killed_court_loads_leave_the_release_whole_or_absent(tmp_path: Path) -> None:
    release = tmp_path / "rel"
    court.synth_eoir(release, 3000, seed=4)
    timing = tmp_path / "timing.duckdb"
    full = _run(["court", "load", str(release), "--release", "2026-01"], timing)
    with Store.open(timing, read_only=True) as store:
        whole = store.con.execute("SELECT count(*) FROM court_proceeding").fetchone()
    rng = random.Random(11)
    db = tmp_path / "killed.duckdb"
    for _ in range(KILLS):
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
        _kill_at(["court", "load", str(release), "--release", "2026-01"], db, rng.uniform(0.0, full))
        if not db.exists():
            continue
        with Store.open(db) as store:
            tables = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "court_releases" not in tables:
                continue
            releases = store.con.execute("SELECT count(*) FROM court_releases").fetchone()
            n = store.con.execute("SELECT count(*) FROM court_proceeding").fetchone()
            assert (releases, n) in (((0,), (0,)), ((1,), whole)), f"releases {releases}, proceedings {n}"
    _run(["court", "load", str(release), "--release", "2026-01"], db)
    with Store.open(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM court_proceeding").fetchone() == whole
    left = [p for p in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*") if p.stat().st_uid == os.getuid()]
    dead = [p for p in left if not _alive(p)]
    assert not dead, f"private folders of killed loads survive the next command: {dead}"


def _alive(folder: Path) -> bool:
    """Whether the process that made a court load's private folder (its pid is in the name) still runs."""
    pid = folder.name.removeprefix(TMP_PREFIX).split("-", 1)[0]
    return pid.isdigit() and Path(f"/proc/{pid}").exists()


def test_killed_shelter_writes_leave_the_register_and_reports_whole(tmp_path: Path, bundled_db: Path) -> None:
    """`shelters seed` and `shelters import-kobo` killed at random: the register and the reports
    are each there whole (after a complete step) or not at all, and the next import succeeds."""
    kobo = Path(__file__).parents[2] / "data" / "kobo_sample"
    export, mapping = kobo / "occupancy_SYNTHETIC.csv", kobo / "occupancy_map.toml"
    steps = [["shelters", "seed"], ["shelters", "import-kobo", str(export), "--map", str(mapping)]]
    timing = tmp_path / "timing.duckdb"
    shutil.copy(bundled_db, timing)
    full, after = 0.0, []
    for step in steps:  # the seed's published figures are reports too: after each step, a state a kill may leave
        full += _run(step, timing)
        with Store.open(timing, read_only=True) as store:
            after.append(store.con.execute("SELECT count(*) FROM occupancy_reports").fetchone())
    with Store.open(timing, read_only=True) as store:
        shelters = store.con.execute("SELECT count(*) FROM shelters").fetchone()
    reports = after[-1]
    rng = random.Random(17)
    db = tmp_path / "killed.duckdb"
    for _ in range(KILLS):
        shutil.copy(bundled_db, db)
        Path(f"{db}.wal").unlink(missing_ok=True)
        moment = rng.uniform(0.0, full)
        for step in steps:  # the kill lands in the seed or in the import, wherever the moment falls
            started = time.monotonic()
            _kill_at(step, db, moment)
            moment -= time.monotonic() - started
            if moment <= 0:
                break
        with Store.open(db) as store:
            tables = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "shelters" not in tables:
                continue
            n = store.con.execute("SELECT count(*) FROM shelters").fetchone()
            assert n in ((0,), shelters), f"{n} shelters: neither none nor the seeded {shelters}"
            r = store.con.execute("SELECT count(*) FROM occupancy_reports").fetchone()
            assert r in ((0,), *after), f"{r} reports: neither none nor the state after a whole step {after}"
    for step in steps:
        _run(step, db)
    with Store.open(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM occupancy_reports").fetchone() == reports


def test_a_killed_load_with_its_source_registers_both_or_neither(tmp_path: Path, bundled_db: Path) -> None:
    """`load FILE --source-id ...` registers the source and loads the file in one transaction: a kill at any
    moment leaves the source and the file's load both present or both absent, and the next run completes them."""
    own = tmp_path / "beds_tijuana.csv"
    own.write_bytes(b"source_id,month,city,count\r\nMYCOUNT_2019-07,2019-07,Tijuana,120\r\n")
    args = ["load", str(own), "--source-id", "MYCOUNT_2019-07", "--source-url", "https://example.org/beds",
            "--title", "Beds counted by a shelter network"]  # fmt: skip
    timing = tmp_path / "timing.duckdb"
    shutil.copy(bundled_db, timing)
    full = _run(args, timing)
    rng = random.Random(21)
    db = tmp_path / "killed.duckdb"

    def state() -> tuple[int, int]:
        with Store.open(db) as store:
            sources = store.con.execute("SELECT count(*) FROM sources WHERE source_id = 'MYCOUNT_2019-07'").fetchone()
            loads = store.con.execute(
                "SELECT count(*) FROM loads WHERE dataset = 'beds_tijuana' AND status = 'current'"
            ).fetchone()
            _observation_loads_match(store)
        assert sources is not None and loads is not None
        return sources[0], loads[0]

    for _ in range(KILLS):
        shutil.copy(bundled_db, db)
        Path(f"{db}.wal").unlink(missing_ok=True)
        _kill_at(args, db, rng.uniform(0.0, full))
        assert state() in ((0, 0), (1, 1)), f"source and load out of step: {state()}"
    _run(args, db)
    assert state() == (1, 1)
