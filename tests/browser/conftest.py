"""A live mppwatch server over a temp store (bundled data + a SYNTHETIC court release) and headless Chromium.

The test modules skip when Debian's /usr/bin/chromium is missing (a conftest cannot skip), the fixtures when the
`playwright` package is; nothing ever downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from mppwatch.web.serving import served_in_thread

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def base_url(court_db: Path) -> Iterator[str]:
    """The app in a thread on 127.0.0.1 and a free port (`served_in_thread`)."""
    with served_in_thread(court_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: playwright's sync API runs an event loop that must end before another module
    (tests/test_shelters_browser.py) starts its own."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Watch:
    """Console errors, page errors and any request that leaves 127.0.0.1, for one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, req: Any) -> None:
        url = urlparse(req.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != "127.0.0.1":
            self.outside.append(req.url)


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    # anything not on loopback is refused, so a stray CDN link fails loudly instead of hanging
    context.route(lambda url: urlparse(url).hostname not in (None, "127.0.0.1"), lambda route: route.abort())
    p = context.new_page()
    p.watch = Watch(p)
    yield p
    context.close()
