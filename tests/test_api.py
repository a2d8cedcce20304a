"""The API serves the same library functions as the CLI, as JSON and CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mppwatch.web.app import create_app


@pytest.fixture()
def client(bundled_db: Path) -> TestClient:
    return TestClient(create_app(bundled_db))


def test_health(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["datasets"] >= 12 and body["observations"] > 10000


def test_datasets_and_index(client: TestClient) -> None:
    rows = client.get("/api/v1/datasets").json()["rows"]
    assert "ohss_swb_bookouts_by_agency_monthly" in {r["dataset"] for r in rows}
    assert "/api/v1/series" in client.get("/").json()["endpoints"]


def test_series_json_and_csv(client: TestClient) -> None:
    params = {
        "dataset": "ohss_swb_bookouts_by_agency_monthly",
        "where": ["component=CBP", "outcome=Migrant Protection Protocols"],
        "from": "2019-08",
        "to": "2019-08",
    }
    body = client.get("/api/v1/series", params=params).json()
    assert body["rows"] == [{"period": "2019-08", "value": 11970.0}]
    assert body["source_ids"] == ["OHSS_IELP_2024-08"]
    csv_text = client.get("/api/v1/series", params={**params, "format": "csv"}).text
    assert csv_text == "period,value\n2019-08,11970\n"


def test_bad_query_is_a_400_with_the_reason(client: TestClient) -> None:
    response = client.get("/api/v1/series", params={"dataset": "nope"})
    assert response.status_code == 400 and "no dataset 'nope'" in response.json()["detail"]


def test_returns_endpoint(client: TestClient) -> None:
    # Between the snapshots of 2019-07-07 (18,503) and 2019-10-31 (51,504): 34,150, an estimate.
    body = client.get("/api/v1/returns", params={"as_of": "2019-08-31"}).json()
    row = body["rows"][0]
    assert row["is_estimate"] is True and 18503 < row["value"] < 51504


def test_missing_database_is_503(tmp_path: Path) -> None:
    response = TestClient(create_app(tmp_path / "none.duckdb")).get("/api/v1/health")
    assert response.status_code == 503
