"""The bad-input corpus: hand-made files in `tests/data/bad/`, one per failure mode of each reader.

`MANIFEST.csv` names each file, its reader and what its error must say (a regular expression for the place:
`:LINE: column 'COL'`, a sheet, or a key path); KoboToolbox exports of shelter reports are checked against the
seeded shelter register. Every error names the file, and a reader that writes to the store
leaves the database file byte for byte as it was (sha256 before and after).
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mppwatch import court
from mppwatch.claims.spec import load_spec, read_claims
from mppwatch.errors import MppwatchError
from mppwatch.publishers.load import load_workbook
from mppwatch.shelters.kobo import import_kobo
from mppwatch.shelters.seed import seed
from mppwatch.simulate.scenario import load as load_scenario
from mppwatch.sources import BUNDLED
from mppwatch.sources.loader import load_file
from mppwatch.store import Store

BAD = Path(__file__).parent.parent / "data" / "bad"
MANIFEST = list(csv.DictReader(open(BAD / "MANIFEST.csv", encoding="utf-8", newline="")))
WRITERS = {"load", "workbook", "court"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first(errors: list[Any]) -> None:
    if errors:
        raise errors[0]


def _load(db: Path, path: Path, dataset: str, tmp: Path) -> None:
    if dataset in BUNDLED or dataset == "source_ids":  # a bundled family is chosen by the file's stem
        named = tmp / f"{dataset}.csv"
        shutil.copy(path, named)
        path, dataset = named, ""
    with Store.open(db) as store:
        load_file(store, path, dataset or None)


def _workbook(db: Path, path: Path, _dataset: str, _tmp: Path) -> None:
    with Store.open(db) as store:
        load_workbook(store, path)


def _court(db: Path, path: Path, release: str, _tmp: Path) -> None:
    with Store.open(db) as store:
        court.load(store, path, release)


ROOT = BAD.parents[2]


def _kobo(db: Path, path: Path, map_file: str, _tmp: Path) -> None:
    with Store.open(db) as store:
        import_kobo(store, path, ROOT / map_file)


def _kobo_map(db: Path, path: Path, export: str, _tmp: Path) -> None:
    with Store.open(db) as store:
        import_kobo(store, ROOT / export, path)


READERS: dict[str, Callable[[Path, Path, str, Path], object]] = {
    "load": _load,
    "workbook": _workbook,
    "court": _court,
    "claims": lambda _db, path, _d, _t: _first(read_claims(path)[1]),
    "spec": lambda _db, path, _d, _t: _first(load_spec(path)[1]),
    "scenario": lambda _db, path, _d, _t: load_scenario(path),
    "kobo": _kobo,
    "kobomap": _kobo_map,
}
WRITERS |= {"kobo", "kobomap"}


def test_the_corpus_covers_every_reader() -> None:
    assert len(MANIFEST) >= 40
    assert {row["reader"] for row in MANIFEST} >= set(READERS)
    listed = {row["file"] for row in MANIFEST}
    on_disk = {p.name for p in BAD.iterdir() if p.name not in ("MANIFEST.csv", "README.md")}
    assert listed == on_disk, f"unlisted: {on_disk - listed}, missing: {listed - on_disk}"


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_bad_file_is_refused_in_place_and_the_store_is_unchanged(
    row: dict[str, str], fresh_db: Path, tmp_path: Path
) -> None:
    path = BAD / row["file"]
    if row["reader"].startswith("kobo"):  # reports are for shelters of the register
        with Store.open(fresh_db) as store:
            seed(store)
    before = digest(fresh_db)
    with pytest.raises(MppwatchError) as caught:
        READERS[row["reader"]](fresh_db, path, row["dataset"], tmp_path)
    message = str(caught.value)
    assert re.search(row["expect"], message), f"{message!r} does not match {row['expect']!r}"
    shown = tmp_path / f"{row['dataset']}.csv" if row["dataset"] in BUNDLED or row["dataset"] == "source_ids" else path
    assert str(shown) in message or (row["reader"] == "court" and Path(message.split(":")[0]).name), message
    if row["reader"] in WRITERS:
        assert digest(fresh_db) == before, "the failed load changed the database file"
