"""Bench: shelter report writes beside concurrent public readers, on a live server (uvicorn on loopback).

A write opens the store for writing for one short transaction; readers open it read-only per request (and, with
the web app's snapshots, answer from a copy while a write session holds the file). This measures, in one process:
- write latency (median ms per POST /api/v1/shelters/{id}/reports) alone, then with R reader threads,
- read latency (median ms per GET /api/v1/cities/{city}/shelter-load) alone, then while reports are written,
and prints each ratio (with / without) and every status seen (any read that is not 200 is a failure).

Run: .venv/bin/python bench/shelters.py [--db PATH] [--writes 30] [--readers 4]
(without --db: the bundled data in a temp store, seeded; with --db the file is copied first, never changed).
The API's per-client rate limit is lifted for the bench (MPPWATCH_RATE_LIMIT) since every request is from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("MPPWATCH_RATE_LIMIT", "100000")

from mppwatch.shelters import tokens  # noqa: E402
from mppwatch.shelters.seed import seed  # noqa: E402
from mppwatch.sources.loader import load_bundled  # noqa: E402
from mppwatch.store import Store  # noqa: E402
from mppwatch.web.serving import served_in_thread  # noqa: E402

ERRORS: dict[int, str] = {}  # the last body of each error status seen


def request(url: str, body: dict[str, object] | None = None, token: str | None = None) -> tuple[int, float]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            status = int(r.status)
    except urllib.error.HTTPError as exc:
        status = int(exc.code)
        ERRORS[status] = exc.read().decode("utf-8", "replace")[:300]
    return status, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-shelters-"))
    db = work / "bench.duckdb"
    if args.db:
        shutil.copy(args.db, db)
    else:
        with Store.open(db) as store:
            load_bundled(store)
    with Store.open(db) as store:
        seed(store)
        _, secret = tokens.create(store, "shelter", 4)
    with served_in_thread(db) as base:
        report(args, db, base, secret)
    shutil.rmtree(work, ignore_errors=True)


def report(args: argparse.Namespace, db: Path, base: str, secret: str) -> None:
    """Time writes alone, reads alone, then writes beside `args.readers` reading threads, and print them."""
    read_url = f"{base}/api/v1/cities/{quote('Ciudad Juárez')}/shelter-load"
    day = iter(range(1, 10_000))

    def writes(n: int) -> tuple[list[float], Counter[int]]:
        times, seen = [], Counter[int]()
        for _ in range(n):
            d = next(day)
            body = {"date": f"{2000 + d // 365:04d}-{1 + d % 12:02d}-{1 + d % 28:02d}", "occupied": d % 700}
            status, ms = request(f"{base}/api/v1/shelters/4/reports", body, secret)
            times.append(ms)
            seen[status] += 1
        return times, seen

    def reads(n: int) -> tuple[list[float], Counter[int]]:
        times, seen = [], Counter[int]()
        for _ in range(n):
            status, ms = request(read_url)
            times.append(ms)
            seen[status] += 1
        return times, seen

    w_alone, w_alone_st = writes(args.writes)
    r_alone, r_alone_st = reads(args.writes)
    stop = threading.Event()
    during: list[float] = []
    during_st: Counter[int] = Counter()

    def reader() -> None:
        while not stop.is_set():
            status, ms = request(read_url)
            during.append(ms)
            during_st[status] += 1

    threads = [threading.Thread(target=reader) for _ in range(args.readers)]
    for t in threads:
        t.start()
    w_busy, w_busy_st = writes(args.writes)
    stop.set()
    for t in threads:
        t.join()
    size = db.stat().st_size / 2**20
    print(f"store {size:.1f} MB; {args.writes} writes; {args.readers} readers")
    print(f"write alone      median {statistics.median(w_alone):7.1f} ms  statuses {dict(w_alone_st)}")
    print(f"write w/ readers median {statistics.median(w_busy):7.1f} ms  statuses {dict(w_busy_st)}")
    print(f"  ratio {statistics.median(w_busy) / statistics.median(w_alone):.2f}x")
    print(f"read alone       median {statistics.median(r_alone):7.1f} ms  statuses {dict(r_alone_st)}")
    print(
        f"read during writes median {statistics.median(during):5.1f} ms  statuses {dict(during_st)} ({len(during)} reads)"
    )
    print(f"  ratio {statistics.median(during) / statistics.median(r_alone):.2f}x")
    for status, body in sorted(ERRORS.items()):
        print(f"last {status}: {body}")


if __name__ == "__main__":
    main()
