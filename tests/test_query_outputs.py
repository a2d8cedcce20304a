"""Provenance in every format: API CSV headers, the zip download, the CLI's --meta file and table caption."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.web.app import create_app

BOOKOUTS = "ohss_swb_bookouts_by_agency_monthly"
MPP = "outcome=Migrant Protection Protocols"


def test_api_csv_carries_its_sources_in_a_header(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    params = {"dataset": BOOKOUTS, "where": MPP, "from": "2019-08", "to": "2019-08", "format": "csv"}
    r = client.get("/api/v1/series", params=params)
    assert r.status_code == 200 and r.text == "period,value\n2019-08,11970\n"
    assert r.headers["X-Mppwatch-Sources"].startswith("sources: OHSS_IELP_2024-08; loads: ")
    assert "CBP is the total of OFO, USBP" in r.headers["X-Mppwatch-Notes"]


def test_api_zip_holds_csv_metadata_and_readme(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    params = {"dataset": "mexico_mpp_returns_city_snapshots", "where": "city=Ciudad Juarez", "format": "zip"}
    r = client.get("/api/v1/series", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    name = "mexico_mpp_returns_city_snapshots.csv"
    assert sorted(z.namelist()) == sorted([name, "datapackage.json", "README.md"])
    meta = json.loads(z.read("datapackage.json"))
    assert meta["resources"][0]["schema"]["fields"] == [
        {"name": "period", "type": "string"},
        {"name": "value", "type": "number"},
    ]
    assert "DEBATE_2019-08-16_JUAREZ" in [s["title"] for s in meta["resources"][0]["sources"]]
    assert meta["mppwatch"]["matched"] == {"city": {"Ciudad Juarez": "Ciudad Juárez"}}
    assert "2019-08-16,14235" in z.read(name).decode()
    assert "DEBATE_2019-08-16_JUAREZ" in z.read("README.md").decode()


def test_api_small_gaps(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    r = client.get("/api/v1/series", params={"dataset": BOOKOUTS, "by": "component,component"})
    assert r.status_code == 400 and "named twice" in r.json()["detail"]
    r = client.get("/api/v1/series", params={"dataset": "court_case"})
    assert r.status_code == 400 and "court_" not in r.json()["detail"].split("loaded:")[1]
    r = client.get("/api/v1/series", params={"dataset": BOOKOUTS, "where": "component=NOPE"})
    assert r.status_code == 400 and "CBP" in r.json()["detail"]


def test_cli_meta_file_and_table_sources(bundled_db: Path, tmp_path: Path) -> None:
    meta = tmp_path / "meta.json"
    args = ["--db", str(bundled_db), "series", BOOKOUTS, "-w", MPP, "--from", "2019-08", "--to", "2019-08"]
    r = CliRunner().invoke(app, [*args, "--format", "csv", "--meta", str(meta)])
    assert r.exit_code == 0 and r.stdout == "period,value\n2019-08,11970\n"  # CSV on stdout stays plain
    assert json.loads(meta.read_text())["mppwatch"]["source_ids"] == ["OHSS_IELP_2024-08"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and "sources: OHSS_IELP_2024-08" in r.stdout and "note: component: CBP" in r.stdout


def test_returns_dataset_adds_to_the_defaults_and_unknown_ones_fail(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    r = client.get("/api/v1/returns", params={"as_of": "2019-08-31", "dataset": "nope"})
    assert r.status_code == 400 and "no dataset 'nope'" in r.json()["detail"]
    r = client.get("/api/v1/returns", params={"as_of": "2019-08-31"})
    assert r.status_code == 200 and r.json()["rows"][0]["value"] == 34150
    args = ["--db", str(bundled_db), "returns", "--as-of", "2019-08-31", "--format", "csv"]
    r = CliRunner().invoke(app, [*args, "--dataset", "inm_mpp_returns_by_crossing_point_2019"])
    assert r.exit_code == 0 and r.stdout.splitlines()[1].startswith("34150,True,")


def test_api_dataset_record(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    body = client.get(f"/api/v1/datasets/{BOOKOUTS}").json()
    assert body["dimensions"]["component"]["hierarchy"] == {"CBP": ["OFO", "USBP"]}
    assert body["roles"] == ["bookouts"] and body["rounding"] == 10 and body["title"]["es"].startswith("DHS OHSS")
    assert body["period_kinds"]["month"]["first"] <= "2019-01-01"
    r = client.get("/api/v1/datasets/ohss_bookouts")
    assert r.status_code == 400 and "no dataset 'ohss_bookouts'" in r.json()["detail"]


def test_cli_series_stocks_latest(bundled_db: Path) -> None:
    """`series --stocks latest` (per month) and `latest-year`: one figure per period with the date it is from."""
    args = ["--db", str(bundled_db), "series", "mexico_mpp_returns_city_snapshots", "--where", "city=Ciudad Juarez"]
    r = CliRunner().invoke(app, [*args, "--to", "2019-07", "--stocks", "latest", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "period,as_of,value\n2019-06,2019-06-14,5167\n2019-07,2019-07-21,11400\n"
    r = CliRunner().invoke(app, [*args, "--to", "2019-12", "--stocks", "latest-year", "--format", "csv"])
    assert r.stdout == "period,as_of,value\n2019,2019-09,17041\n"
    r = CliRunner().invoke(app, ["--lang", "es", *args, "--stocks", "latest"])
    assert "nota: mexico_mpp_returns_city_snapshots: la cifra más reciente de cada mes" in r.stdout


def test_api_series_stocks_latest(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    params = {"dataset": "mexico_mpp_returns_city_snapshots", "where": "city=Ciudad Juarez", "to": "2019-07"}
    r = client.get("/api/v1/series", params={**params, "stocks": "latest", "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.text == "period,as_of,value\n2019-06,2019-06-14,5167\n2019-07,2019-07-21,11400\n"
    body = client.get("/api/v1/series", params={**params, "stocks": "latest", "stock_period": "year"}).json()
    assert body["provenance"]["as_of"] == ["2019-07-21"]
    assert body["provenance"]["notes_es"][-1].startswith("mexico_mpp_returns_city_snapshots: la cifra más reciente")
    bad = client.get("/api/v1/series", params={**params, "stocks": "last"})
    assert bad.status_code == 400 and "choose one of latest, each" in bad.text
