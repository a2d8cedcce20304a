"""The dashboard's pages without a browser: HTML that works without JavaScript, locale formats, downloads,
the per-data-version cache, embeds and simulation jobs (the browser tests in tests/browser/ add the JS side)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mppwatch.store import Store
from mppwatch.web import pages
from mppwatch.web.app import create_app

HTML = {"accept": "text/html"}
NBSP = "\u00a0"
PAGES = ["/", "/returns", "/encounters", "/explorer", "/court", "/forecasts", "/simulation", "/claims", "/sources"]


@pytest.fixture(scope="module")
def client(court_db: Path) -> TestClient:
    return TestClient(create_app(court_db))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_is_html_with_tables_and_local_assets(client: TestClient, lang: str) -> None:
    for path in PAGES:
        r = client.get(f"{path}?lang={lang}", headers=HTML)
        assert r.status_code == 200, path
        html = r.text
        assert f'<html lang="{lang}">' in html
        assert 'class="error"' not in html, (path, re.findall(r'class="error"[^>]*>([^<]*)', html))
        # no CDN: every script and stylesheet is served by this server
        for ref in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert ref.startswith("/"), (path, ref)
        if path not in ("/simulation", "/court"):
            assert "<table>" in html and "<tbody>" in html, path


def test_returns_page_shows_the_known_figure_in_each_locale(client: TestClient) -> None:
    en = client.get("/returns?as_of=2019-06-30&lang=en", headers=HTML).text
    es = client.get("/returns?as_of=2019-06-30&lang=es", headers=HTML).text
    assert '<p class="figure" data-headline>16,714</p>' in en
    assert f'<p class="figure" data-headline>16{NBSP}714</p>' in es
    assert "ORTNOTICIAS_2019-07" in en
    assert "30 Jun 2019" in en and "30 jun 2019" in es


def test_default_language_comes_from_accept_language(client: TestClient) -> None:
    es = client.get("/sources", headers={**HTML, "accept-language": "es-MX,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="es">' in es and "Fuentes" in es
    en = client.get("/sources?lang=en", headers={**HTML, "accept-language": "es-MX"}).text
    assert '<html lang="en">' in en


def test_api_clients_still_get_the_json_index(client: TestClient) -> None:
    assert "/api/v1/series" in client.get("/").json()["endpoints"]
    assert client.get("/", headers=HTML).headers["content-type"].startswith("text/html")


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    r = client.get("/static/plotly.min.js")
    assert r.status_code == 200
    assert r.content == resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    assert client.get("/static/../pages.py").status_code == 404


def test_zip_has_csv_metadata_with_sources_and_readme(client: TestClient) -> None:
    r = client.get("/download/returns/by_city.zip?as_of=2019-06-30&lang=es")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("data.csv").decode("utf-8"))))
        meta = json.loads(zf.read("metadata.json"))
        readme = zf.read("README.txt").decode("utf-8")
    juarez = next(row for row in rows if row["city"] == "Ciudad Juárez")
    assert float(juarez["value"]) == 7706 and juarez["is_estimate"] == "False"  # machine values, not "7 706"
    source = next(s for s in meta["sources"] if s["source_id"] == "ORTNOTICIAS_2019-07")
    assert source["source_url"].startswith("http")
    assert meta["as_of"] == "2019-06-30" and meta["unit"] == "persons"
    assert "Fuentes:" in readme and "ORTNOTICIAS_2019-07" in readme  # the README in the asked language


def test_explorer_zip_carries_the_query_provenance(client: TestClient) -> None:
    q = "dataset=ohss_swb_bookouts_by_agency_monthly&where=component%3DCBP&where=outcome%3DMigrant%20Protection%20Protocols&from=2019-08&to=2019-08"
    page = client.get(f"/explorer?{q}&where=&by=&period_kind=", headers=HTML).text  # empty fields, as a form sends
    assert "11,970" in page
    api = re.search(r'href="(/api/v1/series\?[^"]+)"', page)
    assert api, "no API link"
    assert client.get(api.group(1).replace("&amp;", "&")).json()["rows"] == [{"period": "2019-08", "value": 11970.0}]
    r = client.get(f"/download/explorer/series.zip?{q}")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.read("data.csv").decode() == "period,value\n2019-08,11970.0\n"
        meta = json.loads(zf.read("metadata.json"))
    assert meta["provenance"]["source_ids"] == ["OHSS_IELP_2024-08"]
    assert meta["where"] == ["component=CBP", "outcome=Migrant Protection Protocols"]


def test_bad_explorer_input_is_a_message_not_a_crash(client: TestClient) -> None:
    r = client.get("/explorer?dataset=ohss_swb_bookouts_by_agency_monthly&where=nonsense", headers=HTML)
    assert r.status_code == 200 and "expected COLUMN=VALUE" in r.text
    r = client.get("/explorer?dataset=no_such_dataset", headers=HTML)
    assert 'class="error"' in r.text and "no_such_dataset" in r.text
    assert client.get("/download/explorer/nothing.zip").status_code == 404


def test_embed_is_one_panel_without_the_site_chrome(client: TestClient) -> None:
    html = client.get("/returns?as_of=2019-06-30&embed=1&panel=by_city", headers=HTML).text
    assert html.count('class="panel"') == 1 and 'id="panel-by_city"' in html
    assert "<nav" not in html and "<header" not in html
    full = client.get("/returns?as_of=2019-06-30", headers=HTML).text
    assert '&lt;iframe src="/returns?as_of=2019-06-30&amp;embed=1&amp;panel=by_city"' in full


def test_cache_follows_the_data_version(fresh_db: Path, tmp_path: Path) -> None:
    """A page built before a load is rebuilt after it (the cache key is the store file's size and mtime)."""
    client = TestClient(create_app(fresh_db))
    before = client.get("/explorer", headers=HTML).text
    assert "my_beds" not in before
    assert client.get("/explorer", headers=HTML).text == before  # cached
    src = tmp_path / "my_beds.csv"
    src.write_text("source_id,month,city,count\nZETA_2019-04_TIJUANA_SHELTERS,2019-04,Tijuana,17\n", encoding="utf-8")
    from mppwatch.sources.loader import load_file

    with Store.open(fresh_db) as store:
        load_file(store, src, dataset="my_beds")
        store.con.execute("CHECKPOINT")
    assert "my_beds" in client.get("/explorer", headers=HTML).text


def test_simulation_job_runs_in_the_background_with_the_cli_numbers(client: TestClient) -> None:
    from mppwatch import simulate
    from mppwatch.web import content

    r = client.post(
        "/simulation/run",
        content="scenario=article_june2019&replicates=6&days=30&seed=3&lang=es&set=attrition.daily_hazard%3D0.002",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job = r.headers["location"].split("job=")[1].split("&")[0]
    deadline = time.time() + 60
    while (state := client.get(f"/simulation/jobs/{job}").json())["state"] not in ("done", "error"):
        assert time.time() < deadline
        time.sleep(0.2)
    assert state["state"] == "done" and state["progress"] == 1.0, state
    html = client.get(f"/simulation?job={job}&lang=es", headers=HTML).text
    assert 'id="panel-cumulative"' in html and "SIMULADO" in html
    path = content.scenario_files()["article_june2019"]
    expected = simulate.run(path, replicates=6, seed=3, days=30, overrides=["attrition.daily_hazard=0.002"])
    ran = pages.JOBS[job].result
    for output in ("cumulative_returns", "waiting"):
        want = expected.daily([output]).drop(columns="data", errors="ignore")
        got = ran.daily([output]).drop(columns="data", errors="ignore")
        assert got.equals(want), output
    default = simulate.run(path, replicates=6, seed=3, days=30).daily(["waiting"])
    assert not default.equals(ran.daily(["waiting"]))  # the override reached the model
    bad = client.post(
        "/simulation/run",
        content="scenario=../../etc&replicates=5",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert bad.status_code == 400
    r = client.post(
        "/simulation/run",
        content="scenario=article_june2019&replicates=2&days=5&set=attrition.no_such_key%3D1",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    job = r.headers["location"].split("job=")[1].split("&")[0]
    while pages.JOBS[job].state not in ("done", "error"):
        time.sleep(0.1)
    assert pages.JOBS[job].state == "error" and "no_such_key" in str(pages.JOBS[job].error)
    assert "no_such_key" in client.get(f"/simulation?job={job}", headers=HTML).text


def test_a_typed_claim_gets_a_verdict_or_the_reason_it_cannot(client: TestClient) -> None:
    city = "value=7706&unit=persons&as_of_date=2019-06-30&geography=Ciudad+Ju%C3%A1rez&quantity=MPP+returns+to+Mexico"
    html = client.get(f"/claims?quote=q&{city}", headers=HTML).text
    row = re.search(r'id="table-typed".*?<tbody>(.*?)</tbody>', html, re.S)
    assert row and "supported" in row.group(1) and "ORTNOTICIAS_2019-07" in row.group(1)
    bad = client.get("/claims?quote=q&value=abc&unit=persons&as_of_date=2019-06-30&lang=es", headers=HTML).text
    assert 'class="error"' in bad and "&#39;abc&#39; no es ni un número ni una fecha" in bad
    assert 'id="panel-typed"' not in bad


def test_court_page_without_a_release_says_how_to_load_one(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    html = client.get("/court?lang=es", headers=HTML).text
    assert "mppwatch court load" in html and "SINTÉTICA" in html and 'class="panel"' not in html
    overview = client.get("/?lang=en", headers=HTML).text
    assert "No court release is loaded" in overview and "MPP court cases pending" not in overview


def test_returns_to_one_city_by_a_date_with_its_source(client: TestClient) -> None:
    html = client.get("/returns?as_of=2019-06-30&city=Ciudad+Ju%C3%A1rez&lang=en", headers=HTML).text
    first = html.index('class="headline')
    block = html[first : html.index("</div>", first)]
    assert "People returned to Ciudad Juárez under MPP by 30 Jun 2019" in block
    assert "7,706" in block and "ORTNOTICIAS_2019-07" in block
    bad = client.get("/returns?city=Atlantis", headers=HTML).text
    assert 'class="error"' in bad and "Atlantis" in bad


def _english_sentences() -> list[tuple[str, re.Pattern[str]]]:
    """Each catalog msgid whose Spanish differs, as a pattern of its English words ({fields} match any short text).

    One-word msgids are left out: they are also the publishers' own column names and document titles
    ("cases", "in_absentia_rate", "Court"), which a Spanish page quotes as published."""
    from babel.messages.pofile import read_po

    po = resources.files("mppwatch").joinpath("locale", "es", "LC_MESSAGES", "mppwatch.po")
    out = []
    with po.open("rb") as fh:
        for msg in read_po(fh):
            english = msg.id if isinstance(msg.id, str) else msg.id[0]
            spanish = msg.string if isinstance(msg.string, str) else (msg.string or [""])[0]
            if not english or not spanish or english == spanish:
                continue
            parts = re.split(r"\{[^{}]*\}", english)
            if sum(bool(re.search("[a-z]", w)) for w in " ".join(parts).split()) < 2:
                continue
            regex = r"[^\n]{1,120}?".join(re.escape(p) for p in parts)
            out.append((english, re.compile(("\\b" if english[0].isalnum() else "") + regex)))
    return out


def _visible_text(html: str) -> str:
    """What a reader sees or hears: text nodes and aria-label/title/placeholder/alt, one element per line."""
    import html as html_mod

    html = re.sub(r"<(script|style)\b.*?</\1>", "\n", html, flags=re.S)
    attrs = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', html)
    return html_mod.unescape("\n".join([re.sub(r"<[^>]+>", "\n", html), *attrs]))


def test_spanish_pages_show_no_english_library_sentence(client: TestClient, court_db: Path) -> None:
    """Every page with ?lang=es (and the views behind its forms) holds none of the catalog's English sentences:
    notes, methods and errors from the library come through in Spanish. The publishers' and claimants' own words
    (source titles, claim quotes) stay as published: a match inside one of them is not counted."""
    from mppwatch.web import content

    with Store.open(court_db, read_only=True) as store:
        register = content.source_register(store)
        datasets = list(content.datasets_catalogue(store))
    quoted = [str(v) for info in register.values() for k, v in info.items() if k in ("title", "note") and v]
    for file in content.claims_files():
        with (content.bundled_data_dir() / file).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                quoted += [row[k] for k in ("quote", "quantity", "unit", "geography") if row.get(k)]
    urls = [*PAGES, "/returns?as_of=2019-03-15", "/returns?as_of=2019-08-01&city=Ciudad+Ju%C3%A1rez"]
    urls += ["/court?by=nationality", "/forecasts?preset=elpaso_apprehensions", "/explorer?where=nonsense"]
    urls += [f"/explorer?dataset={d}" for d in datasets] + [f"/claims?file={f}" for f in content.claims_files()]
    urls.append("/claims?quote=q&value=abc&unit=persons&as_of_date=2019-06-30")
    r = client.post(
        "/simulation/run",
        content="scenario=article_june2019&replicates=2&days=10&seed=1&lang=es",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    job = r.headers["location"].split("job=")[1].split("&")[0]
    deadline = time.time() + 60
    while pages.JOBS[job].state not in ("done", "error"):
        assert time.time() < deadline
        time.sleep(0.1)
    urls.append(f"/simulation?job={job}")
    sentences = _english_sentences()
    assert len(sentences) > 100  # the catalog was read
    found = []
    for url in urls:
        html = client.get(url + ("&" if "?" in url else "?") + "lang=es", headers=HTML).text
        text = _visible_text(html)
        for english, pattern in sentences:
            hits = [m.group(0) for m in pattern.finditer(text)]
            found += [(url, english, hit) for hit in hits if not any(hit in q for q in quoted)][:1]
    for zipped in ("/download/returns/by_city.zip?as_of=2019-08-01", "/download/forecasts/forecast.zip?horizon=12"):
        with zipfile.ZipFile(io.BytesIO(client.get(f"{zipped}&lang=es").content)) as zf:
            text = zf.read("README.txt").decode("utf-8")  # the zip's README and notes, as the page shows them
        for english, pattern in sentences:
            found += [
                (zipped, english, m.group(0))
                for m in pattern.finditer(text)
                if not any(m.group(0) in q for q in quoted)
            ][:1]
    assert not found, "\n".join(f"{u}: {e!r} as {m!r}" for u, e, m in found)


def test_pages_ask_for_roles_and_say_how_to_load_a_missing_one(tmp_path: Path) -> None:
    """Book-outs loaded under a name of one's own (the catalogue infers its role from the name) feed the overview's
    latest month and the forecasts; the pages whose roles have no dataset say how to load one, in both languages."""
    from mppwatch.sources.loader import bundled_data_dir, load_file

    db = tmp_path / "own.duckdb"
    with Store.open(db) as store:
        load_file(store, bundled_data_dir() / "source_ids.csv")
        load_file(store, bundled_data_dir() / "inm_mpp_returns_by_nationality_2019.csv")  # first by name
        load_file(store, bundled_data_dir() / "ohss_swb_bookouts_by_agency_monthly.csv", dataset="my_bookouts")
        store.con.execute("CHECKPOINT")
    client = TestClient(create_app(db))
    overview = client.get("/?lang=en", headers=HTML).text
    assert "no loaded dataset plays the role &#39;returns_snapshots&#39;: run `mppwatch load`" in overview
    es = client.get("/returns?lang=es", headers=HTML).text
    assert "ningún conjunto de datos cargado cumple el papel &#39;returns_snapshots&#39;" in es
    encounters = client.get("/encounters?lang=en", headers=HTML).text
    assert 'id="panel-bookouts"' in encounters and "my_bookouts" in encounters
    assert "no loaded dataset plays the role &#39;enrollments&#39;" in encounters  # the panels it cannot draw
    assert 'id="panel-enroll_usbp"' not in encounters
    forecasts = client.get("/forecasts?lang=en&horizon=3", headers=HTML).text
    assert 'id="panel-forecast"' in forecasts and "my_bookouts" in forecasts
    explorer = client.get("/explorer?lang=en", headers=HTML).text
    assert '<option value="my_bookouts" selected>' in explorer  # the book-outs are the explorer's first view
    sources = client.get("/sources?lang=en", headers=HTML).text
    row = re.search(r"<tr>\s*<td>OHSS_IELP_2024-08</td>.*?</tr>", sources, re.S)
    assert row and "my_bookouts" in row.group(0) and "encounters forecasts overview" in row.group(0)


def test_assets_are_compressed_versioned_and_revalidated(client: TestClient) -> None:
    """plotly.js (4.8 MB) goes out gzip-compressed under a versioned URL a browser keeps for a year; without the
    version it is revalidated by its ETag; a client without gzip gets the plain bytes; pages are compressed too."""
    import gzip

    plain = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    html = client.get("/sources?lang=en", headers={**HTML, "accept-encoding": "gzip"})
    assert html.headers["content-encoding"] == "gzip" and "Accept-Encoding" in html.headers["vary"]
    link = re.search(r'<script src="(/static/plotly\.min\.js\?v=[0-9a-f]{16})"', html.text)
    assert link, "plotly is not linked by its version"
    with client.stream("GET", link.group(1), headers={"accept-encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
        headers = r.headers
    assert headers["content-encoding"] == "gzip" and headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(raw) < len(plain) // 3 and gzip.decompress(raw) == plain
    etag = headers["etag"]
    again = client.get("/static/plotly.min.js", headers={"accept-encoding": "gzip", "if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    fresh = client.get("/static/plotly.min.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in fresh.headers and fresh.content == plain
    assert fresh.headers["cache-control"] == "no-cache" and fresh.headers["etag"] != etag  # one ETag per encoding
    assert (
        client.get("/static/plotly.min.js?v=0000", headers={"accept-encoding": "gzip"}).headers["cache-control"]
        == "no-cache"
    )  # an old version is not promised for a year


def test_explorer_takes_several_values_per_column(client: TestClient) -> None:
    """Two components chosen in one filter are added up, as `series --where component=OFO --where component=USBP`:
    OHSS prints 1,690 (OFO) and 10,270 (USBP) MPP book-outs for August 2019, so 11,960 (CBP's own row says
    11,970: each cell is rounded to 10). The form shows both chosen, and the permalink and API link keep both."""
    q = "dataset=ohss_swb_bookouts_by_agency_monthly&where=component%3DOFO&where=component%3DUSBP"
    q += "&where=outcome%3DMigrant+Protection+Protocols&from=2019-08&to=2019-08"
    html = client.get(f"/explorer?{q}&lang=en", headers=HTML).text
    body = re.search(r'id="table-series".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body and re.findall(r"<td[^>]*>([^<]*)</td>", body.group(1)) == ["2019-08", "11,960"]
    select = re.search(r'<select id="w-component" name="where" multiple[^>]*>(.*?)</select>', html, re.S)
    assert select and re.findall(r'value="([^"]+)" selected', select.group(1)) == ["component=OFO", "component=USBP"]
    permalink = re.search(r'class="permalink" href="([^"]+)"', html)
    assert permalink and "where=component%3DOFO&amp;where=component%3DUSBP" in permalink.group(1)
    api = re.search(r'href="(/api/v1/series\?[^"]+)"', html)
    assert api and client.get(api.group(1).replace("&amp;", "&")).json()["rows"] == [
        {"period": "2019-08", "value": 11960.0}
    ]
    assert '--where "component=OFO" --where "component=USBP"' in html


def _run(client: TestClient, form: str) -> str:
    """POST a simulation form; the job id from the redirect, once the job has ended."""
    r = client.post(
        "/simulation/run",
        content=form,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    job = r.headers["location"].split("job=")[1].split("&")[0]
    deadline = time.time() + 60
    while pages.JOBS[job].state not in ("done", "error"):
        assert time.time() < deadline
        time.sleep(0.05)
    return job


def test_simulation_jobs_are_kept_reused_bounded_and_explained_when_gone(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's page reloads with its bands; the same settings on the same data give back the same job (its result,
    not a second run); at most MAX_KEPT ended jobs are kept; a job the server no longer has (restart) is said so,
    in the page language, with the form filled from the URL so it can be run again."""
    monkeypatch.setattr(pages, "MAX_KEPT", 3)
    form = "scenario=article_june2019&replicates=2&days=5&seed=7&set=attrition.daily_hazard%3D0.002&lang=en"
    job = _run(client, form)
    first = client.get(f"/simulation?job={job}", headers=HTML).text
    assert 'id="panel-cumulative"' in first
    assert client.get(f"/simulation?job={job}", headers=HTML).text == first  # a reload: the same page
    result = pages.JOBS[job].result
    assert _run(client, form) == job and pages.JOBS[job].result is result  # not run again
    other = _run(client, form.replace("seed=7", "seed=8"))
    assert other != job
    for seed in (9, 10, 11):
        _run(client, form.replace("seed=7", f"seed={seed}"))
    assert len(pages.JOBS) <= 3 and job not in pages.JOBS  # the oldest ended jobs go first
    gone = f"/simulation?job={job}&scenario=article_june2019&replicates=2&days=5&seed=7"
    gone += "&set=attrition.daily_hazard%3D0.002"
    en = client.get(f"{gone}&lang=en", headers=HTML).text
    assert f"Simulation {job} is not kept by this server" in en and "a restart" in en
    assert 'name="seed" type="number" min="0" value="7"' in en and "attrition.daily_hazard=0.002</textarea>" in en
    assert '<option value="article_june2019" selected>' in en and 'id="panel-cumulative"' not in en
    es = client.get(f"{gone}&lang=es", headers=HTML).text
    assert f"Este servidor ya no guarda la simulación {job}" in es
    assert client.get(f"/simulation/jobs/{job}").status_code == 404


def test_expensive_page_actions_have_a_rate_limit(court_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed claim checks and simulation runs take from a per-client bucket of 10 (refilled at
    MPPWATCH_PAGE_ACTION_RATE a second): the 11th in a row is a 429 page in the reader's language with
    Retry-After, while the plain pages and the API go on."""
    monkeypatch.setenv("MPPWATCH_PAGE_ACTION_RATE", "0.01")
    client = TestClient(create_app(court_db))
    claim = "/claims?quote=q&value=16714&unit=persons&as_of_date=2019-06-30&lang=es"
    for _ in range(10):
        assert client.get(claim, headers=HTML).status_code == 200
    r = client.get(claim, headers=HTML)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 60
    assert '<html lang="es">' in r.text and "Demasiadas solicitudes" in r.text
    run = client.post(
        "/simulation/run",
        content="scenario=article_june2019&replicates=1&days=2",
        headers={"content-type": "application/x-www-form-urlencoded", "accept-language": "en"},
        follow_redirects=False,
    )
    assert run.status_code == 429 and "Too many requests" in run.text
    assert client.get("/claims?lang=es", headers=HTML).status_code == 200  # reading verdicts is not an action
    assert client.get("/simulation", headers=HTML).status_code == 200
    assert client.get("/api/v1/health").status_code == 200


def test_explorer_opens_a_dataset_without_detail_rows_on_its_own_row_type(client: TestClient) -> None:
    """USCIS prints its MPP fear referrals as 'monthly' rows (2, 34, 74, 188 for January-April 2019): the explorer
    offers the dataset's own row types and opens on the first, instead of an error about 'detail'."""
    html = client.get("/explorer?dataset=uscis_mpp_fear_referrals_by_month&to=2019-04&lang=en", headers=HTML).text
    assert 'class="error"' not in html
    body = re.search(r'id="table-series".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body and re.findall(r"<td[^>]*>([^<]*)</td>", body.group(1)) == [
        "2019-01", "2", "2019-02", "34", "2019-03", "74", "2019-04", "188"
    ]  # fmt: skip
    select = re.search(r'<select id="row_type" name="row_type">(.*?)</select>', html, re.S)
    assert select and re.findall(r'<option value="([^"]+)"', select.group(1)) == ["monthly", "published_grand_total"]
    assert '<option value="monthly" selected>' in select.group(1)
    asked = client.get("/explorer?dataset=uscis_mpp_fear_referrals_by_month&row_type=detail", headers=HTML).text
    assert 'class="error"' in asked and "no row type &#39;detail&#39;" in asked  # asked for: the library's refusal


def test_a_users_copy_does_not_displace_the_bundled_dataset_of_a_role(fresh_db: Path) -> None:
    """With the bundled book-outs loaded, a user's own book-outs file (same role, a name sorting first) does not
    replace them on the overview: the curated table is read, as catalog.role_dataset does."""
    from mppwatch.sources.loader import load_file

    own = fresh_db.parent / "a_bookouts.csv"
    own.write_text(
        "source_id,month,component,outcome,count\nZETA_2019-04_TIJUANA_SHELTERS,2030-01,CBP,Migrant Protection "
        "Protocols,5\n",
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        load_file(store, own, dataset="a_bookouts")
        store.con.execute("CHECKPOINT")
    html = TestClient(create_app(fresh_db)).get("/?lang=en", headers=HTML).text
    assert "Latest month of CBP MPP book-outs (2022-08)" in html and "2030-01" not in html


def test_explorer_offers_a_split_or_one_value_when_quantities_do_not_add_up(client: TestClient) -> None:
    """Border Patrol's table has three measures (total, family-unit, UAC apprehensions), which the query refuses to
    add up; the page links a split by measure and each single measure. Total apprehensions in March 2019: the
    nine sectors' 942 + 5,563 + 3,561 + 22,224 + 4,192 + 33,763 + 6,881 + 7,257 + 8,450 = 92,833, the published
    Southwest Border total."""
    base = "/explorer?dataset=usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019&from=2019-03&to=2019-03&lang=en"
    html = client.get(base, headers=HTML).text
    assert 'class="error"' in html and "do not add up" in html
    fixes = re.search(r'<p class="fixes">(.*?)</p>', html, re.S)
    assert fixes, "no way out offered"
    links = dict(
        (text, href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', fixes.group(1))
    )
    assert set(links) == {"Split by measure", "family_unit_apprehensions", "total_apprehensions", "uac_apprehensions"}
    one = client.get(links["total_apprehensions"], headers=HTML).text
    body = re.search(r'id="table-series".*?<tbody>(.*?)</tbody>', one, re.S)
    assert 'class="error"' not in one and body
    assert re.findall(r"<td[^>]*>([^<]*)</td>", body.group(1)) == ["2019-03", "92,833"]
    split = client.get(links["Split by measure"], headers=HTML).text
    assert 'class="error"' not in split and "92,833" in split and 'id="panel-series"' in split


def test_court_tables_show_codes_with_their_names_in_the_page_language(client: TestClient) -> None:
    """Hearing locations read as the release's own names beside EOIR's codes, with a labelled header (the page
    showed a bare `hearing_location_name` header)."""
    es = client.get("/court?lang=es", headers=HTML).text
    assert "sede de audiencia (nombre)" in es and "hearing_location_name" not in es
    en = client.get("/court?lang=en", headers=HTML).text
    assert "hearing location (name)" in en
    table = re.search(r'id="table-table".*?<tbody>(.*?)</tbody>', en, re.S)
    assert table and "CIX" in table.group(1) and "CALEXICO" in table.group(1).upper()


def test_explorer_coverage_reads_in_the_page_language(client: TestClient) -> None:
    """The coverage line's period kinds in Spanish ('día ...; mes ...'; it read 'day ...; month ...')."""
    url = "/explorer?dataset=mexico_mpp_returns_city_snapshots&lang="
    es = re.search(r'class="coverage">([^<]*)<', client.get(url + "es", headers=HTML).text)
    en = re.search(r'class="coverage">([^<]*)<', client.get(url + "en", headers=HTML).text)
    assert es and "día 2019-01-29" in es.group(1) and "day " not in es.group(1)
    assert en and "day 2019-01-29" in en.group(1)


def test_scenario_descriptions_read_in_spanish_marked_with_their_language(client: TestClient) -> None:
    """A Spanish page shows a scenario's description_es (lang="es"); an English page its description (lang="en")."""
    es = client.get("/simulation?lang=es", headers=HTML).text
    assert '<dd lang="es">1000 devoluciones al día durante un año' in es
    en = client.get("/simulation?lang=en", headers=HTML).text
    assert '<dd lang="en">1,000 returns a day for a year' in en
