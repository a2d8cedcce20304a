"""The API's limits and errors (issue 13): one error shape, no paths or long echoes, bounded parameters, budgets,
429s, a cache per data version, and readers that keep answering while a writer holds the database."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mppwatch.store import Store, StoreBusy
from mppwatch.web import limits
from mppwatch.web.app import create_app


@pytest.fixture()
def court_copy(court_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "served.duckdb"
    shutil.copy(court_db, path)
    return path


@pytest.fixture()
def client(court_copy: Path) -> TestClient:
    return TestClient(create_app(court_copy))


def shape(response: object, status: int) -> dict:
    r = response  # type: ignore[assignment]
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body["error"]) == {"code", "message", "param"} and body["detail"] == body["error"]["message"]
    return body["error"]


def test_one_error_shape_for_400_404_422(client: TestClient, court_copy: Path) -> None:
    e = shape(client.get("/api/v1/court/table", params={"by": "shoe_size"}), 400)
    assert e["param"] == "by" and "shoe_size" in e["message"]
    assert shape(client.get("/api/v1/nothing-here"), 404)["code"] == "not_found"
    e = shape(client.get("/api/v1/court/table", params={"threshold": 3}), 422)
    assert e["param"] == "threshold"
    e = shape(client.get("/api/v1/court/table", params={"as_of": "2019-06-30"}), 400)
    assert "first day of a month" in e["message"]
    for r in (
        client.get("/api/v1/health"),
        client.get("/api/v1/court/releases"),
        client.get("/api/v1/court/table", params={"release": "1999-01"}),
        client.get("/api/v1/claims", params={"file": "claims_nothing.csv"}),
    ):
        assert str(court_copy.parent) not in r.text and "/tmp" not in r.text and "/work" not in r.text, r.text


def test_long_inputs_are_refused_and_never_echoed_whole(client: TestClient) -> None:
    r = client.get("/api/v1/claims", params={"file": f"claims_{'x' * 3000}.csv"})
    e = shape(r, 422)
    assert len(r.text) < 2_000 and e["param"] == "file"
    r = client.get("/api/v1/claims", params={"file": f"claims_{'x' * 10_000}.csv"})  # httpx sends no longer URL
    assert shape(r, 422)["param"] == "query" and len(r.text) < 2_000
    r = client.get("/api/v1/series", params={"dataset": "d" * 300})
    assert shape(r, 422)["param"] == "dataset" and len(r.text) < 2_000
    e = shape(client.get("/api/v1/court/table", params={"by": "a,b,c,d"}), 422)
    assert e["param"] == "by" and "3" in e["message"]
    e = shape(client.get("/api/v1/court/table", params={"by": "y" * 199}), 400)
    assert len(e["message"]) < 500


def test_echo_is_cut_to_200_characters() -> None:
    from mppwatch.web.errors import clean

    msg = clean("--by '" + "a" * 5000 + "': expected one of nationality; /srv/data/private/mppwatch.duckdb gone")
    assert len(msg) < 300 and "a" * 200 in msg and "a" * 201 not in msg
    assert "/srv" not in msg and "mppwatch.duckdb gone" in msg


def test_pending_series_range_is_bounded(client: TestClient) -> None:
    started = time.monotonic()
    e = shape(client.get("/api/v1/court/pending-series", params={"from": "0001-01", "to": "9999-12"}), 400)
    assert "outside" in e["message"] and time.monotonic() - started < 5
    e = shape(client.get("/api/v1/court/pending-series", params={"from": "1990-01", "to": "2030-12"}), 400)
    assert "at most 240" in e["message"]
    assert client.get("/api/v1/forecast", params={"dataset": "x", "horizon": 37}).status_code == 422


def test_court_tables_are_cached_per_data_version(client: TestClient, court_copy: Path) -> None:
    params = {"by": "hearing_location", "measure": "cases,pending", "mpp_only": "true"}
    first = client.get("/api/v1/court/table", params=params)
    again = client.get("/api/v1/court/table", params=params)
    assert first.status_code == 200 and again.headers.get("x-mppwatch-cache") == "hit"
    assert again.json() == first.json()
    with Store.open(court_copy) as store:  # a write makes a new data version
        store.con.execute("CREATE TABLE touched AS SELECT 1 AS x")
    fresh = client.get("/api/v1/court/table", params=params)
    assert fresh.status_code == 200 and fresh.headers.get("x-mppwatch-cache") is None


def test_concurrency_limit_and_rate_limit_answer_429(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(limits.EXPENSIVE, "/api/v1/court/", ("court", 0))  # as if every slot were taken
    r = client.get("/api/v1/court/waits")
    assert shape(r, 429)["code"] == "busy" and r.headers["retry-after"] == "2"
    monkeypatch.setattr(limits, "RATE", 1.0)  # a 5-request burst, then one a second
    app = create_app(client.app.state.db)  # type: ignore[attr-defined]
    c = TestClient(app)
    codes = [c.get("/api/v1/health").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    r = c.get("/api/v1/health")
    assert shape(r, 429)["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1


def test_time_budget_ends_the_request_with_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPPWATCH_REQUEST_BUDGET", "0.01")
    r = client.get("/api/v1/court/pending-series", params={"from": "2019-01", "to": "2038-12", "by": "none"})
    assert shape(r, 503)["code"] == "timeout"


def test_a_forecast_past_its_budget_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(limits.Timeout):
        limits.in_child(time.sleep, 30, seconds=1.0)
    assert time.monotonic() - started < 10
    assert limits.in_child(sorted, [3, 1, 2], seconds=30) == [1, 2, 3]


HOLD = """
import sys, time
from mppwatch.store import Store
s = Store.open(sys.argv[1])
s.con.execute("CREATE TABLE IF NOT EXISTS held AS SELECT 1 AS x")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
s.close()
"""


def test_readers_answer_from_the_snapshot_while_a_writer_holds_the_file(client: TestClient, court_copy: Path) -> None:
    """A load in another process holds the database for writing: every read still answers, never a lock error."""
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(court_copy), "6"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        for path in ("/api/v1/health", "/api/v1/datasets", "/api/v1/court/releases"):
            r = client.get(path)
            assert r.status_code == 200, r.text
        with Store.open(court_copy, read_only=True) as store:  # the CLI's readers too
            assert store.read_path.name.endswith(".snapshot")
    finally:
        writer.wait(30)
    assert writer.returncode == 0


def test_a_lock_that_outlasts_the_wait_is_a_clear_store_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plain.duckdb"
    Store.open(path).close()  # not served: no snapshot to fall back on
    monkeypatch.setattr("mppwatch.store.READER_WAIT_SECONDS", 0.3)
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(path), "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        with pytest.raises(StoreBusy, match="busy") as info:
            Store.open(path, read_only=True)
        assert "\n" not in str(info.value) and str(tmp_path) not in str(info.value)
        r = TestClient(create_app(path)).get("/api/v1/health")
        assert shape(r, 503)["code"] == "busy" and "retry-after" in r.headers
    finally:
        writer.wait(30)


def test_a_reader_keeps_its_snapshot_while_a_write_swaps_it(tmp_path: Path) -> None:
    """A request still reading when a write refreshes the snapshot finishes on the old one; new ones see the write."""
    from mppwatch.store import enable_snapshots

    path = tmp_path / "swap.duckdb"
    with Store.open(path) as store:
        store.con.execute("CREATE TABLE t AS SELECT 1 AS x")
    enable_snapshots(path)
    old = Store.open(path, read_only=True)
    assert old.read_path.name.endswith(".snapshot")
    with Store.open(path) as store:
        store.con.execute("CREATE TABLE u AS SELECT 2 AS y")
    with Store.open(path, read_only=True) as new:
        assert new.con.execute("SELECT y FROM u").fetchone() == (2,)
    assert old.con.execute("SELECT x FROM t").fetchone() == (1,)  # not "connection already closed"
    old.close()
    links = [p.name for p in tmp_path.iterdir() if ".snapshot." in p.name]
    assert len(links) == 1, links  # the old version's link went with its last reader
