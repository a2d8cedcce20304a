"""A user's own CSV carries its metadata in a sidecar, `<stem>.datapackage.json`, read at load time by the same
reader as the bundled data package and kept in the store with the load (issue 12: the catalogue's user records)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mppwatch import metrics
from mppwatch.catalog import ROLE_WORDS, datapackage_path, record, role_dataset
from mppwatch.core.datapackage import ROLES, PackageError, read_package
from mppwatch.sources.loader import load_file
from mppwatch.store import Store

# The publisher's bytes: CRLF line ends, a total ("Frontera") the labels alone would not make a total.
CSV = (
    b"source_id,month,office,count\r\n"
    b"MINE_2019-07,2019-07,Frontera,40\r\n"
    b"MINE_2019-07,2019-07,Norte,10\r\n"
    b"MINE_2019-07,2019-07,Sur,30\r\n"
    b"MINE_2019-07,2019-08,Frontera,55\r\n"
    b"MINE_2019-07,2019-08,Norte,25\r\n"
    b"MINE_2019-07,2019-08,Sur,30\r\n"
)
SOURCES = b"source_id,source_url,title,retrieved_via,note\r\nMINE_2019-07,https://example.org/m,Mine,hand,\r\n"
SIDECAR = {
    "resources": [
        {
            "path": "conteo_julio.csv",
            "mppwatch": {
                "title": {"en": "Book-outs counted by hand", "es": "Salidas contadas a mano"},
                "description": {"en": "Our own count.", "es": "Nuestro propio conteo."},
                "roles": ["bookouts"],
                "stock": False,
                "hierarchy": {"office": {"Frontera": ["Norte", "Sur"]}},
            },
        }
    ]
}


def _files(folder: Path, sidecar: object | None = SIDECAR, raw: str | None = None) -> Path:
    (folder / "source_ids.csv").write_bytes(SOURCES)
    data = folder / "conteo_julio.csv"
    data.write_bytes(CSV)
    if raw is not None or sidecar is not None:
        text = raw if raw is not None else json.dumps(sidecar, ensure_ascii=False)
        (folder / "conteo_julio.datapackage.json").write_text(text, encoding="utf-8")
    return data


def _load(store: Store, data: Path) -> None:
    with store.transaction():
        load_file(store, data.with_name("source_ids.csv"))
        load_file(store, data)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sidecar_gives_title_roles_stock_and_hierarchy(tmp_path: Path) -> None:
    """Without the sidecar the name says no role ("conteo") and "Frontera" is not known as a total: the role
    lookup fails and August adds the total to its parts (110). With it: the role, the Spanish title, and 55."""
    data = _files(tmp_path)
    with Store.open(tmp_path / "db.duckdb") as store:
        _load(store, data)
        rec = record(store, "conteo_julio")
        assert rec.title["es"] == "Salidas contadas a mano" and rec.description["es"] == "Nuestro propio conteo."
        assert rec.roles == ("bookouts",) and rec.stock is False and rec.origin == "user"
        assert rec.metadata == "conteo_julio.datapackage.json"
        assert rec.dimensions["office"].parts == {"Frontera": ("Norte", "Sur")}
        assert role_dataset(store, "bookouts", "--dataset") == "conteo_julio"
        frame = metrics.series(store, "conteo_julio")
        assert frame.to_dict("records") == [{"period": "2019-07", "value": 40.0}, {"period": "2019-08", "value": 55.0}]
        listing = metrics.datasets(store).set_index("dataset")
        assert listing.loc["conteo_julio", "title_es"] == "Salidas contadas a mano"
        assert listing.loc["conteo_julio", "roles"] == "bookouts"
    with Store.open(tmp_path / "db.duckdb", read_only=True) as store:  # kept in the store, not read again
        (tmp_path / "conteo_julio.datapackage.json").unlink()
        assert record(store, "conteo_julio").title["es"] == "Salidas contadas a mano"


def test_a_changed_sidecar_is_a_new_load_and_the_same_one_is_skipped(tmp_path: Path) -> None:
    data = _files(tmp_path)
    with Store.open(tmp_path / "db.duckdb") as store:
        _load(store, data)
        assert load_file(store, data).status == "skipped"
        changed = json.loads(json.dumps(SIDECAR))
        changed["resources"][0]["mppwatch"]["title"]["es"] = "Salidas, segunda versión"
        _files(tmp_path, changed)
        result = load_file(store, data)
        assert result.status == "replaced"
        assert record(store, "conteo_julio").title["es"] == "Salidas, segunda versión"
        (tmp_path / "conteo_julio.datapackage.json").unlink()  # no sidecar now: the name decides again
        assert load_file(store, data).status == "replaced"
        assert record(store, "conteo_julio").roles == () and record(store, "conteo_julio").metadata == ""


def _with(path: str, value: object) -> dict:
    package = json.loads(json.dumps(SIDECAR))
    target = package["resources"][0]["mppwatch"]
    *keys, last = path.split(".")
    for k in keys:
        target = target[k]
    target[last] = value
    return package


@pytest.mark.parametrize(
    ("sidecar", "raw", "key", "reason"),
    [
        (None, '{"resources": [{"path": "conteo_julio.csv",\n  "mppwatch": {"roles": ["bookouts"],}}]}', "", "not JSON"),
        (_with("roles", ["bookout"]), None, "resources[0].mppwatch.roles[0]", "unknown role 'bookout'; the roles are: bookouts"),
        (_with("stok", True), None, "resources[0].mppwatch.stok", "unknown key 'stok'; the keys are: stock"),
        (_with("stock", "no"), None, "resources[0].mppwatch.stock", "expected true or false"),
        (_with("title", {"fr": "x"}), None, "resources[0].mppwatch.title.fr", "unknown key 'fr'"),
        (_with("hierarchy.ofice", {"Frontera": ["*"]}), None, "resources[0].mppwatch.hierarchy.ofice",
         "conteo_julio.csv has no column 'ofice'; its columns are: office"),
        (_with("hierarchy.office", {"Frontera": ["Norte", "Sud"]}), None, "resources[0].mppwatch.hierarchy.office.Frontera",
         "column 'office' has no value 'Sud'; its values are: Sur"),
        ({"resources": [{"path": "other.csv"}]}, None, "resources", 'no resource with "path": "conteo_julio.csv"'),
    ],
)  # fmt: skip
def test_a_malformed_sidecar_fails_naming_file_and_key_and_nothing_is_loaded(
    fresh_db: Path, tmp_path: Path, sidecar: object, raw: str | None, key: str, reason: str
) -> None:
    data = _files(tmp_path, sidecar, raw)
    before = digest(fresh_db)
    with Store.open(fresh_db) as store, pytest.raises(PackageError) as caught:
        _load(store, data)
    error = caught.value
    assert error.file == str(tmp_path / "conteo_julio.datapackage.json") and error.key == key
    assert reason in str(error) and str(error).startswith(error.file)
    if not key:
        assert error.line == 2  # the JSON error's line
    assert digest(fresh_db) == before
    with Store.open(fresh_db, read_only=True) as store:
        assert "conteo_julio" not in store.datasets_loaded()


def test_a_sidecar_error_reads_in_spanish(tmp_path: Path) -> None:
    data = _files(tmp_path, _with("stock", "no"))
    with Store.open(tmp_path / "db.duckdb") as store, pytest.raises(PackageError) as caught:
        _load(store, data)
    assert (
        caught.value.render("es")
        == f"{tmp_path / 'conteo_julio.datapackage.json'}: resources[0].mppwatch.stock: se espera true o false"
    )


def test_the_bundled_package_passes_the_same_reader_and_names_known_roles() -> None:
    package = read_package(datapackage_path())
    assert package["ohss_swb_bookouts_by_agency_monthly"]["roles"] == ["bookouts"]
    assert set(ROLE_WORDS) <= set(ROLES)
    assert {r for meta in package.values() for r in meta.get("roles", [])} <= set(ROLES)
