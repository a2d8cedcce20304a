"""Register writes beside concurrent readers on a live server: no read fails while reports are written, and every
write lands once with its audit row (DuckDB allows one mode per file in a process: see shelters.access)."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mppwatch.shelters import tokens
from mppwatch.shelters.seed import seed
from mppwatch.store import Store
from mppwatch.web.serving import served_in_thread


@pytest.fixture(scope="module")
def server(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("conc") / "site.duckdb"
    shutil.copy(bundled_db, db)
    with Store.open(db) as store:
        seed(store)
        _, secret = tokens.create(store, "shelter", 4)
    with served_in_thread(db) as url:
        yield {"url": url, "token": secret, "db": db}


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _post(url: str, body: dict[str, Any], token: str) -> int:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_reads_never_fail_while_reports_are_written(server: dict[str, Any]) -> None:
    base = server["url"]
    reads = [f"{base}/api/v1/shelters?city={quote('Ciudad Juárez')}", f"{base}/api/v1/cities/Tijuana/shelter-load"]
    statuses: list[int] = []
    stop = threading.Event()

    def reader(url: str) -> None:
        while not stop.is_set():
            statuses.append(_get(url))
            time.sleep(0.25)  # 4 readers stay under the API's per-client rate limit (20 a second)

    threads = [threading.Thread(target=reader, args=(u,)) for u in reads for _ in range(2)]
    for t in threads:
        t.start()
    written = [
        _post(f"{base}/api/v1/shelters/4/reports", {"date": f"2026-10-{d:02d}", "occupied": 300 + d}, server["token"])
        for d in range(1, 21)
    ]
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert written == [201] * 20
    assert statuses and set(statuses) == {200}
    with Store.open(server["db"], read_only=True) as store:
        n = store.query("SELECT count(*) AS n FROM occupancy_reports WHERE origin = 'report' AND shelter_id = 4")
        a = store.query("SELECT count(*) AS n FROM audit WHERE action = 'report.add'")
    assert int(n["n"].iloc[0]) == 20 and int(a["n"].iloc[0]) == 20
