"""The dashboard in a real browser: every page in English and Spanish, the known figure, language switch,
explorer permalink, zip download, a simulation run, a typed claim and an accessibility check.

Screenshots of every page in both languages go to test-artifacts/pages/ (CI keeps them).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
if not Path("/usr/bin/chromium").exists():
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
PAGES = ["/", "/returns", "/encounters", "/explorer", "/court", "/forecasts", "/simulation", "/claims", "/sources"]
NBSP = "\u00a0"
TIMEOUT = 30_000


def open_page(page: Any, url: str) -> None:
    page.goto(url, wait_until="load", timeout=TIMEOUT)
    page.wait_for_function("typeof Plotly !== 'undefined'", timeout=TIMEOUT)


def clean_watch(page: Any) -> None:
    assert page.watch.errors == [], f"console errors on {page.url}: {page.watch.errors}"
    assert page.watch.outside == [], f"requests leaving 127.0.0.1 from {page.url}: {page.watch.outside}"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_in_both_languages_loads_clean_and_accessible(page: Any, base_url: str, lang: str) -> None:
    """Each page (and an embed): its language, one h1, no error, a drawn chart, a screenshot, no console error,
    nothing fetched off loopback, and no serious accessibility violation (see `accessibility_problems`)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = load_axe()
    found = {}
    for path in [*PAGES, "/returns?as_of=2019-06-30&embed=1&panel=by_city"]:
        open_page(page, f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert page.get_attribute("html", "lang") == lang
        assert page.locator("h1").count() == 1
        assert page.locator("p.error").count() == 0, page.locator("p.error").all_inner_texts()
        for chart in page.locator(".panel .chart").all()[:1]:  # the first chart is drawn by plotly.js
            chart.locator(".main-svg").first.wait_for(timeout=TIMEOUT)
        if "embed" not in path:
            name = path.strip("/") or "overview"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=True)
        problems = accessibility_problems(page, axe)
        if problems:
            found[path] = problems
        clean_watch(page)
    assert not found, found


def test_known_figure_in_both_number_formats(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/returns?as_of=2019-06-30&lang=en")
    assert page.locator("[data-headline]").first.inner_text().strip() == "16,714"
    open_page(page, f"{base_url}/returns?as_of=2019-06-30&lang=es")
    assert page.locator("[data-headline]").first.inner_text().strip() == f"16{NBSP}714"
    page.locator("#fig-snapshots .xtick text").first.wait_for(timeout=TIMEOUT)
    ticks = " ".join(page.locator("#fig-snapshots .xtick text").all_text_contents())
    assert "ene" in ticks and "Jan" not in ticks, ticks  # plotly's month names in Spanish too
    by_city = page.locator("#table-by_city table").inner_text()
    assert "7706" in by_city and "Ciudad Juárez" in by_city  # Spanish leaves four digits ungrouped (RAE)
    clean_watch(page)


def test_language_switch_shows_spanish(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/returns?lang=en")
    assert page.locator("h1").inner_text() == "Returns to Mexico by city"
    page.click("#lang-switch")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "es"
    assert page.locator("h1").inner_text() == "Devoluciones a México por ciudad"
    assert page.locator("nav a[aria-current=page]").inner_text() == "Devoluciones por ciudad"


def test_default_language_from_accept_language(browser: Any, base_url: str) -> None:
    context = browser.new_context(locale="es-MX", extra_http_headers={"Accept-Language": "es-MX,es;q=0.9"})
    try:
        p = context.new_page()
        p.goto(f"{base_url}/sources")
        assert p.get_attribute("html", "lang") == "es"
    finally:
        context.close()


def rows(page: Any, key: str) -> list[str]:
    return page.locator(f"#table-{key} tbody tr").all_inner_texts()


def test_explorer_filter_and_permalink(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/explorer?dataset=ohss_swb_bookouts_by_agency_monthly&lang=en")
    page.select_option("#w-component", "component=CBP")
    page.select_option("#w-outcome", "outcome=Migrant Protection Protocols")
    page.fill("#from", "2019-01")
    page.fill("#to", "2019-12")
    page.click("#explore")
    page.wait_for_load_state("load")
    page.click("#tab-table-series")
    before = rows(page, "series")
    assert len(before) == 12
    assert any("2019-08" in r and "11,970" in r for r in before), before
    link = page.url
    assert "view=table" in link and "where=component%3DCBP" in link
    assert "view=table" in (page.get_attribute("#panel-series a.permalink", "href") or "")
    open_page(page, link)
    assert rows(page, "series") == before
    assert page.get_attribute("#tab-table-series", "aria-selected") == "true"
    assert page.locator("#table-series").is_visible() and not page.locator("#chart-series").is_visible()
    assert page.locator("#w-component").input_value() == "component=CBP"
    clean_watch(page)


def test_explorer_several_values_in_one_filter_survive_the_permalink(page: Any, base_url: str) -> None:
    """OFO and USBP chosen together are added up (1,690 + 10,270 MPP book-outs in August 2019); reloading the
    permalink brings back the same rows and both choices."""
    open_page(page, f"{base_url}/explorer?dataset=ohss_swb_bookouts_by_agency_monthly&lang=en")
    page.select_option("#w-component", ["component=OFO", "component=USBP"])
    page.select_option("#w-outcome", "outcome=Migrant Protection Protocols")
    page.fill("#from", "2019-08")
    page.fill("#to", "2019-09")
    page.click("#explore")
    page.wait_for_load_state("load")
    page.click("#tab-table-series")
    before = rows(page, "series")
    assert len(before) == 2 and "11,960" in before[0], before
    chosen = "el => Array.from(el.selectedOptions).map(o => o.value)"
    assert page.eval_on_selector("#w-component", chosen) == ["component=OFO", "component=USBP"]
    link = page.get_attribute("#panel-series a.permalink", "href") or ""
    assert "where=component%3DOFO" in link and "where=component%3DUSBP" in link
    open_page(page, link if link.startswith("http") else f"{base_url}{link}")  # app.js makes it absolute
    assert rows(page, "series") == before
    assert page.eval_on_selector("#w-component", chosen) == ["component=OFO", "component=USBP"]
    clean_watch(page)


def test_download_zip_has_csv_and_sources(page: Any, base_url: str, tmp_path: Path) -> None:
    open_page(page, f"{base_url}/returns?as_of=2019-06-30&lang=en")
    with page.expect_download() as info:
        page.click("#panel-by_city a.dl-zip")
    target = tmp_path / "by_city.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(target) as zf:
        assert set(zf.namelist()) == {"data.csv", "metadata.json", "README.txt"}
        table = list(csv.DictReader(io.StringIO(zf.read("data.csv").decode("utf-8"))))
        meta = json.loads(zf.read("metadata.json"))
        readme = zf.read("README.txt").decode("utf-8")
    juarez = next(r for r in table if r["city"] == "Ciudad Juárez")
    assert juarez["value"] in ("7706", "7706.0") and juarez["source_ids"] == "ORTNOTICIAS_2019-07"
    sources = {s["source_id"]: s for s in meta["sources"]}
    assert "ORTNOTICIAS_2019-07" in sources and sources["ORTNOTICIAS_2019-07"]["source_url"].startswith("http")
    assert meta["as_of"] == "2019-06-30" and meta["estimate_column"] == "is_estimate"
    assert "ORTNOTICIAS_2019-07" in readme


def test_simulation_runs_and_draws_bands(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/simulation?lang=en")
    page.select_option("#scenario", "article_june2019")
    page.fill("#replicates", "20")
    page.fill("#days", "40")
    page.click("#run-sim")
    page.locator("#panel-cumulative .chart .main-svg").first.wait_for(timeout=60_000)
    fills = page.evaluate(
        "() => document.getElementById('fig-cumulative').data.filter(t => t.fill === 'tonexty').length"
    )
    assert fills == 1
    assert len(rows(page, "cumulative")) >= 5
    page.screenshot(path=str(ARTIFACTS / "simulation-run-en.png"), full_page=True)
    # the band is a band: p95 above p5 at the end
    last = page.evaluate(
        "() => { const d = document.getElementById('fig-cumulative').data; return [d[0].y.at(-1), d[1].y.at(-1)]; }"
    )
    assert last[1] > last[0]
    clean_watch(page)


def test_typed_claim_gets_a_verdict(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/claims?lang=en")
    page.fill("#quote", "16,714 asylum seekers had been returned to Mexico by 30 June 2019.")
    page.fill("#value", "16714")
    page.fill("#unit", "persons")
    page.fill("#as_of_date", "2019-06-30")
    page.click("#check-claim")
    page.wait_for_load_state("load")
    page.click("#tab-table-typed")
    text = page.locator("#table-typed tbody tr").first.inner_text()
    assert "supported" in text, text
    clean_watch(page)


A11Y = """() => {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang');
  if (!lang) problems.push('html has no lang');
  document.querySelectorAll('img').forEach(i => { if (!i.hasAttribute('alt')) problems.push('img without alt: ' + i.src); });
  document.querySelectorAll('svg').forEach(s => {
    const hidden = s.closest('[aria-hidden=true]') || s.getAttribute('aria-hidden') === 'true';
    const named = s.closest('[role=img][aria-label]') || s.getAttribute('aria-label');
    if (!hidden && !named) problems.push('svg with no text alternative');
  });
  document.querySelectorAll('input, select, textarea').forEach(el => {
    if (el.type === 'hidden') return;
    const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.getAttribute('aria-label') || el.closest('label');
    if (!labelled) problems.push('form field without label: ' + (el.name || el.id));
  });
  let last = 0;
  document.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach(h => {
    const level = +h.tagName[1];
    if (last && level > last + 1) problems.push('heading level skips: h' + last + ' -> h' + level + ' ' + h.textContent.trim());
    last = level;
  });
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  function lum(rgb) {
    const c = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function background(el) {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  }
  document.querySelectorAll('main p, main td, main th, main li, main a, main label, h1, h2, nav a').forEach(el => {
    if (!el.offsetParent || !el.textContent.trim()) return;
    const fg = lum(getComputedStyle(el).color), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ' on ' + el.tagName + ': ' + el.textContent.trim().slice(0, 40));
  });
  document.querySelectorAll('a').forEach(a => { if (!a.textContent.trim() && !a.getAttribute('aria-label')) problems.push('link without text'); });
  return problems;
}"""


def load_axe() -> Any:
    """axe-core as shipped inside the axe-playwright-python package (injected into the page: nothing is fetched)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # the in-page rules still run
        return None
    return Axe()


def accessibility_problems(page: Any, axe: Any) -> list[str]:
    """Serious and critical axe-core violations, plus in-page rules axe rates lower (heading order, one h1,
    labelled fields, text alternatives, main-text contrast)."""
    problems = list(page.evaluate(A11Y))
    if axe is not None:
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [str(n.get("target")) for n in v["nodes"][:3]]
                problems.append(f"axe {v['id']} ({v['impact']}): {v['help']} at {', '.join(targets)}")
    return sorted(set(problems))[:10]


def test_new_user_journey_juarez_by_a_date(page: Any, base_url: str, tmp_path: Path) -> None:
    """From the front page: how many were returned to Ciudad Juárez by a date, with its source; the zip; Spanish."""
    open_page(page, f"{base_url}/")
    page.click("text=Find the number returned to any city by any date")
    page.wait_for_load_state("load")
    page.fill("#as_of", "2019-06-30")
    page.select_option("#city", "Ciudad Juárez")
    page.click("#show-returns")
    page.wait_for_load_state("load")
    first = page.locator(".headline").first
    assert "Ciudad Juárez" in first.inner_text() and first.locator("[data-headline]").inner_text() == "7,706"
    assert "ORTNOTICIAS_2019-07" in first.inner_text()
    with page.expect_download() as info:
        page.click("#panel-by_city a.dl-zip")
    info.value.save_as(tmp_path / "juarez.zip")
    with zipfile.ZipFile(tmp_path / "juarez.zip") as zf:
        assert "ORTNOTICIAS_2019-07" in zf.read("metadata.json").decode()
    page.click("#lang-switch")
    page.wait_for_load_state("load")
    assert "Personas devueltas a Ciudad Juárez" in page.locator(".headline").first.inner_text()
    clean_watch(page)
