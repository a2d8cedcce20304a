"""On a phone, in Spanish: a coordinator enters the token once, submits today's occupancy with the keyboard, and the
city page changes. Headless Chromium (Debian's /usr/bin/chromium); skipped when it or playwright is missing."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from mppwatch.shelters import tokens
from mppwatch.shelters.seed import seed
from mppwatch.store import Store
from mppwatch.web.serving import served_in_thread

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("phone") / "site.duckdb"
    shutil.copy(bundled_db, db)
    with Store.open(db) as store:
        seed(store)
        _, secret = tokens.create(store, "shelter", 4)  # CIM Leona Vicario, Ciudad Juárez, 800 beds
    with served_in_thread(db) as url:
        yield {"url": url, "token": secret, "db": db}


@pytest.fixture()
def phone(site: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport=PHONE, locale="es-MX", is_mobile=True, has_touch=True)
        context.route(lambda url: urlparse(url).hostname not in (None, "127.0.0.1"), lambda route: route.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        yield page
        context.close()
        browser.close()


def test_phone_report_in_spanish_changes_the_city_page(site: dict[str, Any], phone: Any) -> None:
    city = f"{site['url']}/shelters/city/{quote('Ciudad Juárez')}"
    phone.goto(city)
    before = phone.locator("#latest").inner_text()
    started = time.monotonic()
    phone.goto(f"{site['url']}/shelters/report")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.get_by_label("Clave de acceso de su albergue").is_visible()
    phone.keyboard.type(site["token"])  # the token field has the focus
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#occupied")
    assert "CIM Leona Vicario" in phone.inner_text("body")
    # over capacity: the page warns as you type, and the report still goes through
    phone.focus("#occupied")
    phone.keyboard.type("812")
    assert phone.locator("#capacity-warning").is_visible()
    assert "ocupadas no puede ser mayor que la capacidad" in phone.locator("#capacity-warning").inner_text()
    phone.keyboard.press("Tab")
    phone.keyboard.type("7")  # turned away
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#saved")
    assert phone.locator("#saved").inner_text() == "Reporte guardado."
    assert "ocupadas no puede ser mayor que la capacidad (812 > 800)" in phone.inner_text("body")
    assert time.monotonic() - started < 60
    # the form fits the phone: nothing wider than the screen
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    # the cookie keeps the token: the form opens without it, and JavaScript cannot read it
    phone.goto(f"{site['url']}/shelters/report")
    assert phone.locator("#occupied").is_visible()
    assert "mppw_shelter_token" not in phone.evaluate("document.cookie")
    phone.goto(city)
    after = phone.locator("#latest").inner_text()
    assert after != before
    assert phone.locator("#latest-occupied").inner_text() == "812"
    assert phone.errors == []
