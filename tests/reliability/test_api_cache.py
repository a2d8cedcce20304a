"""The API's answer cache (web/limits.py): public reads are answered from it per data version, and it can never
serve a stale figure after a load, a private answer, or one language's answer to another."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from mppwatch.sources.loader import load_file
from mppwatch.store import Store, writer_active
from mppwatch.web.app import create_app

SERIES = {
    "dataset": "ohss_swb_bookouts_by_agency_monthly",
    "where": ["component=CBP", "outcome=Migrant Protection Protocols"],
    "from": "2019-06",
    "to": "2019-06",
}


def _june(client: TestClient, **headers: str) -> tuple[float, str | None]:
    r = client.get("/api/v1/series", params=SERIES, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"][0]["value"], r.headers.get("x-mppwatch-cache")


def test_public_reads_come_from_the_cache(fresh_db: Path) -> None:
    client = TestClient(create_app(fresh_db))
    assert _june(client) == (4700, None)  # CBP's MPP book-outs, June 2019 (OHSS): computed
    assert _june(client) == (4700, "hit")  # the same request again: the same answer, from the cache
    for path in ("/api/v1/health", "/api/v1/datasets", "/api/v1/sources"):
        client.get(path)
        assert client.get(path).headers.get("x-mppwatch-cache") == "hit", path


def test_a_new_load_is_never_answered_from_the_cache(fresh_db: Path, tmp_path: Path) -> None:
    client = TestClient(create_app(fresh_db))
    before = client.get("/api/v1/health").json()
    assert client.get("/api/v1/health").headers.get("x-mppwatch-cache") == "hit"
    own = tmp_path / "beds_tijuana.csv"  # a user's own file, in the publisher's bytes (CRLF)
    own.write_bytes(b"source_id,city,month,count\r\nCBP_MPP_FY2020_A,Tijuana,2019-07,120\r\n")
    with Store(fresh_db) as store:
        assert load_file(store, own, None).status == "loaded"
    after = client.get("/api/v1/health")
    assert after.headers.get("x-mppwatch-cache") is None
    assert after.json() != before  # the counts include the new dataset


def test_private_and_other_language_answers_are_never_shared(fresh_db: Path) -> None:
    client = TestClient(create_app(fresh_db))
    _june(client)
    assert _june(client)[1] == "hit"
    assert _june(client, authorization="Bearer not-a-token")[1] is None  # credentials: never from the cache
    assert _june(client, cookie="mppwatch_shelter=x")[1] is None
    assert _june(client, **{"accept-language": "es"})[1] is None  # another language is another answer
    client.get("/api/v1/shelters")
    assert client.get("/api/v1/shelters").headers.get("x-mppwatch-cache") is None  # the register: never cached


def test_pages_are_answered_from_the_cache_per_host_accept_and_language(fresh_db: Path) -> None:
    client = TestClient(create_app(fresh_db))
    html = {"accept": "text/html"}
    first = client.get("/", headers=html)
    assert first.status_code == 200 and "<html" in first.text and first.headers.get("x-mppwatch-cache") is None
    again = client.get("/", headers=html)
    assert again.headers.get("x-mppwatch-cache") == "hit" and again.text == first.text
    assert client.get("/").json()["endpoints"]  # not a browser: the list of endpoints, never the cached page
    spanish = client.get("/", headers={**html, "accept-language": "es"})
    assert spanish.headers.get("x-mppwatch-cache") is None and '<html lang="es"' in spanish.text
    other_host = client.get("/", headers={**html, "host": "mppwatch.example"})
    assert other_host.headers.get("x-mppwatch-cache") is None
    client.get("/simulation")
    assert client.get("/simulation").headers.get("x-mppwatch-cache") is None  # it shows running jobs


def test_nothing_computed_while_a_write_runs_is_kept(fresh_db: Path) -> None:
    """A reader during a write answers from the snapshot taken before it, while the data version may already
    show part of the write: such an answer is served but never kept (it would outlive the write)."""
    client = TestClient(create_app(fresh_db))  # serving turns on snapshots for readers
    with Store(fresh_db):  # a write session holds the writer lock until it closes
        assert writer_active(fresh_db)
        for _ in range(2):
            r = client.get("/api/v1/health")
            assert r.status_code == 200 and r.headers.get("x-mppwatch-cache") is None
    assert not writer_active(fresh_db)
    client.get("/api/v1/health")
    assert client.get("/api/v1/health").headers.get("x-mppwatch-cache") == "hit"


def test_pages_built_while_a_write_runs_are_not_kept(fresh_db: Path) -> None:
    """The pages' own caches (built content, rendered HTML, the source register) follow the same rule."""
    from mppwatch.web import pages

    client = TestClient(create_app(fresh_db))
    for cache in (pages.PAGE_CACHE, pages.HTML_CACHE):
        cache.items.clear()
    with Store(fresh_db):
        assert client.get("/returns?lang=es", headers={"accept": "text/html"}).status_code == 200
        assert not pages.PAGE_CACHE.items and not pages.HTML_CACHE.items
    assert client.get("/returns?lang=es", headers={"accept": "text/html"}).status_code == 200
    assert pages.PAGE_CACHE.items and pages.HTML_CACHE.items
