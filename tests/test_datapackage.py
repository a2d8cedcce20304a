"""The bundled data is a valid Frictionless package, unchanged from its published transcription."""

from __future__ import annotations

import csv
import json

from mppwatch.sources.loader import bundled_data_dir

DATA = bundled_data_dir()


def test_package_validates() -> None:
    from frictionless import validate

    report = validate(str(DATA / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]


def test_package_lists_every_csv_with_sources_and_row_types() -> None:
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert paths == {p.name for p in DATA.glob("*.csv")}
    for resource in package["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        if "row_type" in names:
            field = next(f for f in resource["schema"]["fields"] if f["name"] == "row_type")
            assert all(f"{t}: " in field["description"] for t in field["constraints"]["enum"]), resource["path"]
        if "source_id" in names:
            assert resource["sources"], resource["path"]
        assert resource["licenses"]


def test_every_source_id_is_registered() -> None:
    with open(DATA / "source_ids.csv", encoding="utf-8", newline="") as handle:
        registered = {r["source_id"] for r in csv.DictReader(handle)}
    used: dict[str, set[str]] = {}
    for path in DATA.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames and "source_id" in reader.fieldnames and path.name != "source_ids.csv":
                used[path.name] = {r["source_id"] for r in reader}
    assert used, "no data file has a source_id column"
    for name, ids in used.items():
        assert ids <= registered, (name, sorted(ids - registered))
