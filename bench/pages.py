"""Bench: the dashboard's server time per page, cold and warm, and the first headline figure in a real browser.

1. Every page (both languages) is requested in-process through the ASGI app: the first request builds the page
   from the library functions (cold), the next ones read the per-data-version cache (warm, median of N).
   Target: warm <= 150 ms per page. The ratio printed is cold / warm, both measured here in the same process.
2. With /usr/bin/chromium and the `playwright` package: uvicorn on loopback, a fresh browser context opens `/`
   and waits for the first headline figure; the time is from navigation start (performance.now()).
   Target: <= 1.5 s for the first visitor after the server starts (its startup hook builds the front pages,
   as `mppwatch serve` does) and for later visitors.

Run: .venv/bin/python bench/pages.py [--db PATH] [--repeat 20]
(without --db it loads the bundled data into a temp store first, as `make run` does without the workbooks).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from mppwatch.sources.loader import load_bundled
from mppwatch.store import Store
from mppwatch.web import pages
from mppwatch.web.app import create_app

PATHS = [
    "/",
    "/returns",
    "/returns?as_of=2019-06-30",
    "/encounters",
    "/explorer",
    "/explorer?dataset=ohss_swb_bookouts_by_agency_monthly&where=component%3DCBP&by=outcome",
    "/court",
    "/forecasts",
    "/simulation",
    "/claims",
    "/sources",
]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_TARGET_MS, BROWSER_TARGET_MS = 150.0, 1500.0


def server_times(db: Path, repeat: int) -> list[tuple[str, float, float]]:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(db))
    out = []
    for lang in ("en", "es"):
        for path in PATHS:
            url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
            t0 = time.perf_counter()
            r = client.get(url, headers={"accept": "text/html"})
            cold = time.perf_counter() - t0
            assert r.status_code == 200, (url, r.status_code)
            warm = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                client.get(url, headers={"accept": "text/html"})
                warm.append(time.perf_counter() - t0)
            out.append((url, cold * 1000, statistics.median(warm) * 1000))
    return out


# records, on the first animation frame where it is laid out, when the first headline figure is on screen
FIRST_HEADLINE = """
window.__headline = null;
(function poll() {
  const el = document.querySelector('[data-headline]');
  if (el && el.getBoundingClientRect().height > 0) { window.__headline = performance.now(); return; }
  requestAnimationFrame(poll);
})();
"""


def browser_times(db: Path) -> list[tuple[str, float]]:
    import uvicorn
    from playwright.sync_api import sync_playwright

    pages.PAGE_CACHE.items.clear()
    pages.HTML_CACHE.items.clear()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            warm = []
            for i in range(6):
                context = browser.new_context()  # a new visitor: nothing in the browser cache
                context.add_init_script(FIRST_HEADLINE)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/?lang=en", wait_until="commit")
                page.wait_for_function("window.__headline !== null")
                ms = float(page.evaluate("window.__headline"))
                if i == 0:
                    results.append(("first visitor after the server started (startup builds /)", ms))
                else:
                    warm.append(ms)
                context.close()
            results.append((f"warm server cache, median of {len(warm)}", statistics.median(warm)))
            results.append(("warm server cache, slowest", max(warm)))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a loaded store (default: a temp store with the bundled data)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "bench.duckdb"
            t0 = time.perf_counter()
            with Store.open(db) as store:
                load_bundled(store)
                store.con.execute("CHECKPOINT")
            print(f"loaded the bundled data in {time.perf_counter() - t0:.1f} s")
        rows = server_times(db, args.repeat)
        print(f"{'page':<95} {'cold ms':>9} {'warm ms':>9} {'cold/warm':>10}")
        for url, cold, warm in rows:
            print(f"{url:<95} {cold:9.1f} {warm:9.2f} {cold / warm:9.0f}x")
        worst = max(rows, key=lambda r: r[2])
        verdict = "ok" if worst[2] <= SERVER_TARGET_MS else "MISSED"
        print(f"slowest warm page: {worst[0]} {worst[2]:.2f} ms (target <= {SERVER_TARGET_MS:.0f} ms): {verdict}")
        if CHROMIUM.exists():
            for label, ms in browser_times(db):
                ok = "ok" if ms <= BROWSER_TARGET_MS else "MISSED"
                print(f"browser, first headline figure on /, {label}: {ms:.0f} ms (target <= 1500 ms): {ok}")
        else:
            print("browser part skipped: no /usr/bin/chromium")


if __name__ == "__main__":
    main()
