"""Bench: the API under 20 concurrent expensive requests, and reads during a `court load`.

1. `mppwatch serve` on 127.0.0.1 (a free port) over a temp store: the bundled data plus a SYNTHETIC court release.
   Baseline: the p95 latency of `/health` and `/series` with nothing else running. Then 20 client threads keep
   expensive requests in flight (forecasts, court tables, waits, pending series, reconcile; parameters varied so
   the cache does not answer them) while the same `/health` and `/series` requests are timed again.
   Targets: loaded p95 under 200 ms for both; the server's peak memory (its process and children) under 4 GB.
   The ratio printed is loaded p95 over baseline p95.
2. A second `court load` runs while one thread reads `/health`, `/datasets`, `/court/table` in a loop:
   target: no 500 and no lock error (503 busy) among the answers.

Loopback only; every loop is bounded by a count or a deadline.
Run: .venv/bin/python bench/api_concurrency.py [--seconds 20] [--cases 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from mppwatch.web.serving import served

ROOT = Path(__file__).resolve().parents[1]
MW = ROOT / ".venv" / "bin" / "mppwatch"
SERIES = (
    "/api/v1/series?dataset=ohss_swb_bookouts_by_agency_monthly&where=component=CBP"
    "&where=outcome=Migrant%20Protection%20Protocols&from=2019-01&to=2019-12"
)


def get(base: str, path: str, timeout: float = 60) -> tuple[int, float, bytes]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:  # noqa: S310 - loopback only
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        body, status = b"", 0
    return status, time.perf_counter() - started, body


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def timed_reads(base: str, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"health": [], "series": []}
    for _ in range(n):
        for name, path in (("health", "/api/v1/health"), ("series", SERIES)):
            status, seconds, _ = get(base, path)
            if status == 200:
                out[name].append(seconds)
            time.sleep(0.02)
    return out


def expensive_paths(i: int) -> str:
    """The i-th expensive request: distinct parameters, so each one misses the cache."""
    kind = i % 5
    if kind == 0:
        months = ("2018-12", "2019-01", "2019-02", "2019-03", "2019-04", "2019-05")
        return (
            "/api/v1/forecast?dataset=usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019"
            f"&where=measure=total_apprehensions&by=location&horizon=36&to={months[i // 5 % len(months)]}"
        )
    if kind == 1:
        dims = ("nationality,hearing_location,decision", "nationality,language,custody", "base_city,nta_month")
        return f"/api/v1/court/table?by={dims[i // 5 % 3]}&measure=cases,pending,in_absentia_rate&as_of=2020-0{1 + i // 15 % 9}-01"
    if kind == 2:
        return f"/api/v1/court/waits?by=nationality,hearing_location&all_cases={'true' if i % 2 else 'false'}"
    if kind == 3:
        return f"/api/v1/court/pending-series?from=2019-01&to=202{i // 5 % 4}-12&by=hearing_location"
    return f"/api/v1/reconcile?format={'csv' if i % 2 else 'json'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="how long the 20 expensive clients run")
    ap.add_argument("--cases", type=int, default=20000, help="cases in the SYNTHETIC court release")
    ap.add_argument("--reads", type=int, default=60, help="timed /health and /series requests per phase")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db = tmp / "api.duckdb"
    env = dict(os.environ, MPPWATCH_DB=str(db), MPPWATCH_RATE_LIMIT="1000")
    run = lambda *a: subprocess.run([str(MW), "--db", str(db), *a], env=env, check=True, capture_output=True)  # noqa: E731
    print("setting up: bundled data and a SYNTHETIC court release ...", flush=True)
    run("load")
    run("synth", "eoir", str(tmp / "rel"), "--cases", str(args.cases), "--seed", "5")
    run("court", "load", str(tmp / "rel"), "--release", "2026-01")
    stack = contextlib.ExitStack()
    server = stack.enter_context(served(db, env))
    base = server.base
    try:
        timed_reads(base, 5)  # warm up
        baseline = timed_reads(base, args.reads)
        peak = [rss_bytes(server.pid)]
        statuses: dict[int, int] = {}
        stop = time.time() + args.seconds
        counter = iter(range(10**6))
        lock = threading.Lock()

        def client() -> None:
            while time.time() < stop:
                with lock:
                    i = next(counter)
                status, _, _ = get(base, expensive_paths(i), timeout=120)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                if status == 429:
                    time.sleep(0.5)  # as Retry-After asks (2 s); kept short so 20 stay in flight

        def watch() -> None:
            while time.time() < stop + 5:
                peak.append(rss_bytes(server.pid))
                time.sleep(0.2)

        threads = [threading.Thread(target=client) for _ in range(20)] + [threading.Thread(target=watch)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        loaded = timed_reads(base, args.reads)
        for t in threads:
            t.join(timeout=args.seconds + 180)

        print("phase 1: 20 concurrent expensive requests")
        for name in ("health", "series"):
            b, lo = p95(baseline[name]) * 1000, p95(loaded[name]) * 1000
            ok = "ok" if lo < 200 else "MISSED"
            print(f"  {name:7s} p95 {lo:7.1f} ms loaded vs {b:6.1f} ms idle: {lo / b:5.2f}x  (target < 200 ms: {ok})")
        mem = max(peak) / 2**30
        print(f"  server peak RSS (with children) {mem:.2f} GB (target < 4 GB: {'ok' if mem < 4 else 'MISSED'})")
        print(f"  expensive answers by status: {json.dumps(dict(sorted(statuses.items())))}")

        print("phase 2: API reads during a court load")
        run("synth", "eoir", str(tmp / "rel2"), "--cases", str(args.cases), "--seed", "6")
        load = subprocess.Popen(
            [str(MW), "--db", str(db), "court", "load", str(tmp / "rel2"), "--release", "2026-02"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen: dict[int, int] = {}
        lock_errors = 0
        reads = ("/api/v1/health", "/api/v1/datasets", "/api/v1/court/table?by=hearing_location&measure=cases")
        n = 0
        load_deadline = time.time() + 600
        while load.poll() is None and time.time() < load_deadline:
            status, _, body = get(base, reads[n % 3])
            n += 1
            seen[status] = seen.get(status, 0) + 1
            lock_errors += b"lock" in body.lower() or b'"busy"' in body
        _, load_err = load.communicate(timeout=60)
        print(f"  court load exit {load.returncode}{(': ' + load_err.strip()[-200:]) if load.returncode else ''}")
        ok = "ok" if not seen.get(500) and not lock_errors else "MISSED"
        print(
            f"  {n} reads during the load by status: {json.dumps(dict(sorted(seen.items())))}; lock errors {lock_errors} ({ok})"
        )
        after = get(base, "/api/v1/court/releases")
        print(f"  after the load: /court/releases {after[0]}, lists 2026-02: {b'2026-02' in after[2]}")
    finally:
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
