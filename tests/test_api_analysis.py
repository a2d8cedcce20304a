"""The analysis endpoints serve the same library functions as the CLI; court data leaves only as suppressed
aggregates, and a SYNTHETIC release says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mppwatch import court
from mppwatch.claims import check
from mppwatch.court.disclosure import MAX_PERTURBATION
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store
from mppwatch.web.app import create_app


@pytest.fixture()
def client(court_db: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("MPPWATCH_REQUEST_BUDGET", "120")  # a shared test machine can be slow; budgets: test_api_limits
    return TestClient(create_app(court_db))


def test_court_table_matches_the_library_and_is_suppressed(client: TestClient, court_db: Path) -> None:
    params = {"by": "nationality,hearing_location", "measure": "cases,in_absentia_rate", "mpp_only": "true"}
    body = client.get("/api/v1/court/table", params=params).json()
    assert body["release"] == "2026-02-SYNTHETIC" and body["synthetic"] and "SINTÉTICOS" in body["note"]
    assert body["columns"] == [
        "nationality", "nationality_name", "hearing_location", "hearing_location_name", "cases", "in_absentia_rate"
    ]  # fmt: skip
    assert {r["nationality_name"] for r in body["rows"]} >= {"HONDURAS", "CUBA"}
    with Store.open(court_db, read_only=True) as store:
        expected = court.table(store, ["nationality", "hearing_location"], ["cases", "in_absentia_rate"], True)
    assert [r["cases"] for r in body["rows"]] == expected["cases"].tolist()
    cells = [r["cases"] for r in body["rows"]]
    assert "<10" in cells and all(c == "<10" or c >= 10 for c in cells)
    csv_response = client.get("/api/v1/court/table", params={**params, "format": "csv"})
    assert csv_response.text.splitlines()[0] == "nationality,hearing_location,cases,in_absentia_rate"
    assert csv_response.headers["x-mppwatch-synthetic"] == "true"
    assert "court-table-2026-02-SYNTHETIC.csv" in csv_response.headers["content-disposition"]


def test_court_threshold_cannot_go_below_ten(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPPWATCH_TESTING", "1")  # even where the library would allow it
    assert client.get("/api/v1/court/table", params={"threshold": 1}).status_code == 422
    assert client.get("/api/v1/court/waits", params={"threshold": 9}).status_code == 422


def test_court_waits_pending_and_diff(client: TestClient, court_db: Path) -> None:
    waits = client.get("/api/v1/court/waits", params={"by": "hearing_location"}).json()
    assert waits["synthetic"] and {r["hearing_location"] for r in waits["rows"]} >= {"ENP", "SYP"}
    pending = client.get("/api/v1/court/pending", params={"on": "2020-03-01", "by": "return_city"}).json()
    with Store.open(court_db, read_only=True) as store:
        expected = court.pending_table(store, date(2020, 3, 1), "return_city")
    assert [r["pending"] for r in pending["rows"]] == expected["pending"].tolist()
    diff = client.get("/api/v1/court/diff", params={"release_a": "2026-01", "release_b": "2026-02"}).json()
    removed = {(r["table"], r["scope"]): r["removed"] for r in diff["rows"]}
    # 30 removed, published under disclosure control: perturbed by at most 4; zeros read <10 like any small count
    assert abs(removed[("A_TblCase", "all")] - 30) <= MAX_PERTURBATION
    assert {r["added"] for r in diff["rows"]} == {"<10"} and {r["changed"] for r in diff["rows"]} == {"<10"}
    assert "id" not in diff["columns"] and "idncase" not in diff["columns"]
    same = client.get("/api/v1/court/diff", params={"release_a": "2026-01", "release_b": "2026-01"})
    assert same.status_code == 400
    assert client.get("/api/v1/court/pending", params={"on": "2020-02-30"}).status_code == 400
    timeline = client.get(
        "/api/v1/court/pending-series", params={"from": "2019-06", "to": "2020-03", "by": "return_city"}
    ).json()
    on_march = {r["return_city"]: r["pending"] for r in timeline["rows"] if r["date"] == "2020-03-01"}
    assert on_march == {r["return_city"]: r["pending"] for r in pending["rows"]}
    assert len({r["date"] for r in timeline["rows"]}) == 10


def test_court_without_a_release_is_a_client_error(bundled_db: Path) -> None:
    response = TestClient(create_app(bundled_db)).get("/api/v1/court/table")
    assert response.status_code == 400 and "no court release loaded" in response.json()["detail"]


def test_claims_endpoint_gives_the_cli_verdicts_in_both_languages(client: TestClient, court_db: Path) -> None:
    body = client.get("/api/v1/claims", params={"file": "claims_motherjones_2019-06.csv"}).json()
    verdicts = {r["claim_id"]: r["verdict"] for r in body["rows"]}
    with Store.open(court_db, read_only=True) as store:
        expected = check(store, bundled_data_dir() / "claims_motherjones_2019-06.csv", load_missing=False)
    assert verdicts == {v.claim.claim_id: v.verdict for v in expected.verdicts}
    assert verdicts["MJ02"] == "supported" and verdicts["MJ09"] == "projection_missed"
    es = client.get("/api/v1/claims", params={"file": "claims_motherjones_2019-06.csv", "lang": "es"}).json()
    assert all("cifra" in r["method"] for r in es["rows"] if r["claim_id"] in ("MJ01", "MJ02", "MJ09"))
    assert [r["verdict"] for r in es["rows"]] == [r["verdict"] for r in body["rows"]]
    assert client.get("/api/v1/claims", params={"file": "claims_nope.csv"}).status_code == 404
    assert client.get("/api/v1/claims", params={"file": "../SOURCES.md"}).status_code == 422


def test_forecast_endpoint(client: TestClient) -> None:
    params = {
        "dataset": "usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019",
        "where": ["measure=total_apprehensions", "location=El Paso"],
        "to": "2019-03",
        "horizon": 3,
    }
    body = client.get("/api/v1/forecast", params=params).json()
    assert body["kind"] == "FORECAST (estimate)" and len(body["rows"]) == 3
    first = body["rows"][0]
    assert first["lo-95"] <= first["lo-80"] <= first["y_hat"] <= first["hi-80"] <= first["hi-95"]
    mixed = client.get("/api/v1/forecast", params={**params, "where": ["location=El Paso"]})
    assert mixed.status_code == 400 and "mixes measures" in mixed.json()["detail"]
