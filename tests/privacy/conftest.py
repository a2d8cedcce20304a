"""A SYNTHETIC release with planted small cells, and a second release that differs by a few records.

Planted on top of `synth_eoir(3000 cases, seed 7)`: one MPP case of nationality GU (a country the generator never
draws), and three MPP cases in custody D (detained; none otherwise). Release B is release A with three proceedings removed
and one changed, so `court diff` has counts below 10 to protect.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mppwatch import court
from mppwatch.court.synth import RELEASE_DIR
from mppwatch.court.tables import MPP_HEARING_LOCATIONS
from mppwatch.store import Store


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_bytes().decode("latin-1").split("\n")
    header = lines[0].split("\t")
    return header, [ln.split("\t") for ln in lines[1:] if ln]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_bytes(("\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n").encode("latin-1"))


def plant(folder: Path, n: int, column: str, value: str, first_id: int) -> None:
    """Copy `n` MPP cases (their case and proceeding rows) under new ids, with `column` set to `value`."""
    case_h, case_rows = _rows(folder / "A_TblCase.csv")
    proc_h, proc_rows = _rows(folder / "B_TblProceeding.csv")
    ci, pi, loc = case_h.index("IDNCASE"), proc_h.index("IDNCASE"), proc_h.index("HEARING_LOC_CODE")
    by_case = {r[ci]: r for r in case_rows if len(r) == len(case_h)}
    picked = [r for r in proc_rows if len(r) == len(proc_h) and r[loc] in MPP_HEARING_LOCATIONS and r[pi] in by_case]
    new_cases, new_procs = [], []
    for i, proc in enumerate(picked[:n]):
        idn = str(first_id + i)
        case = list(by_case[proc[pi]])
        proc = list(proc)
        case[ci], proc[pi] = idn, idn
        proc[proc_h.index("IDNPROCEEDING")] = str(first_id + i)
        for header, row in ((case_h, case), (proc_h, proc)):
            if column in header:
                row[header.index(column)] = value
        new_cases.append(case)
        new_procs.append(proc)
    _write(folder / "A_TblCase.csv", case_h, case_rows + new_cases)
    _write(folder / "B_TblProceeding.csv", proc_h, proc_rows + new_procs)


@pytest.fixture(scope="session")
def release_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("privacy")
    court.synth_eoir(root / "a", 3000, seed=7)
    a = root / "a" / RELEASE_DIR
    plant(a, 1, "NAT", "GU", 9_000_000)
    plant(a, 3, "CUSTODY", "D", 9_100_000)
    shutil.copytree(root / "a", root / "b")
    b = root / "b" / RELEASE_DIR
    header, rows = _rows(b / "B_TblProceeding.csv")
    dec = header.index("DEC_CODE")
    rows = [r for r in rows if len(r) == len(header)]
    changed = list(rows[10])
    changed[dec] = "T" if changed[dec] != "T" else "X"
    _write(b / "B_TblProceeding.csv", header, rows[:3] + rows[6:10] + [changed] + rows[11:])
    return root / "a", root / "b"


@pytest.fixture(scope="session")
def attack_db(release_dirs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both releases loaded, with record keys drawn from a fixed seed (MPPWATCH_ATTACK_SEED, default 1) so a
    failure can be replayed; in use the keys come from the operating system's entropy."""
    path = tmp_path_factory.mktemp("privacy_db") / "attack.duckdb"
    saved = {k: os.environ.get(k) for k in ("MPPWATCH_TESTING", "MPPWATCH_RECORD_KEY_SEED")}
    os.environ.update(MPPWATCH_TESTING="1", MPPWATCH_RECORD_KEY_SEED=os.environ.get("MPPWATCH_ATTACK_SEED", "1"))
    try:
        with Store.open(path) as store:
            court.load(store, release_dirs[0], "2026-01")
            court.load(store, release_dirs[1], "2026-02")
            store.con.execute("CHECKPOINT")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return path


@pytest.fixture()
def attack_store(attack_db: Path) -> Iterator[Store]:
    with Store.open(attack_db, read_only=True) as store:
        yield store
