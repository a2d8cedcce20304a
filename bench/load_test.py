"""Load test: the real server under a bounded number of concurrent requests, to 127.0.0.1 only.

    python bench/load_test.py                       # 10,000 requests, 32 at a time, over the overview page and series API
    python bench/load_test.py --quick               # 1,000 requests (a smoke test, not the targets)
    python bench/load_test.py --soak 600            # make stress: 10 minutes at the same concurrency, memory sampled

It loads the bundled data into a temporary store, starts `mppwatch serve` on a free loopback port in a child
process, waits for /api/v1/health, then sends the requests round-robin over the URLs with at most --concurrency in
flight. It prints p50/p95/p99 latency per URL and overall, the error count (any status >= 500, a connection error,
or a timeout), every other status that is not 200 (a 429 is a refusal, not an answer: it is counted and fails the
run), and the server's resident memory at the start and end (flat memory is the soak's target).

All requests come from one address, which the server's per-client token bucket (web/limits.py, 20 a second by
default) would mostly refuse: the bench stands for many clients, so it serves with MPPWATCH_RATE_LIMIT raised to
--rate-limit (default 100,000 a second) and says so. `--rate-limit 0` keeps the server's own default, to see it.
Targets: p95 <= 50 ms at 32 concurrent requests, 0 errors and 0 refusals over 10,000 requests. The baseline ratio
printed is the p95 under load against the p95 of the same requests sent one at a time, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from mppwatch.web.serving import served

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("mppwatch"))
URLS = [
    "/",
    "/api/v1/series?dataset=ohss_swb_bookouts_by_agency_monthly&where=component=CBP"
    "&where=outcome=Migrant%20Protection%20Protocols&from=2019-01&to=2019-12",
    "/api/v1/health",
]
HTML = {"accept": "text/html"}  # "/" is the overview page for a browser (an endpoint list for other clients)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Connection:
    """One keep-alive HTTP/1.1 connection: the least a client can do per request (write it, read the answer).

    httpx costs 2-3 ms of CPU per request here, three times what the server spends on a cached answer, and the
    client shares the machine's 2 cores with the server: with it the bench measured the client. This client
    reads a Content-Length or chunked body whole, so a latency is the full answer's."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(f"GET {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n{extra}\r\n".encode())
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length, chunked, close = None, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            body = bytearray()
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                body += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            body = bytearray(await self.reader.readexactly(length or 0))
        if close:
            await self.close()
        return status, bytes(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def drive(
    base: str, total: int, concurrency: int, seconds: float | None
) -> tuple[dict[str, list[float]], int, Counter[tuple[str, int]]]:
    """Send `total` requests (or keep going for `seconds`) with at most `concurrency` in flight, one keep-alive
    connection per worker.

    Returns the latencies per URL, the error count (5xx, connection errors, timeouts) and the count of every
    (URL, status) answered, so a refusal (429) can never pass for a fast answer."""
    latencies: dict[str, list[float]] = {u: [] for u in URLS}
    statuses: Counter[tuple[str, int]] = Counter()
    errors = 0
    sent = 0
    deadline = time.monotonic() + seconds if seconds else None
    host, port = base.removeprefix("http://").split(":")

    async def worker() -> None:
        nonlocal errors, sent
        connection = Connection(host, int(port))
        try:
            while True:
                if deadline is not None:
                    if time.monotonic() >= deadline:
                        return
                elif sent >= total:
                    return
                url = URLS[sent % len(URLS)]
                sent += 1
                start = time.perf_counter()
                try:
                    status, _ = await asyncio.wait_for(connection.get(url, HTML if url == "/" else None), 30.0)
                    statuses[(url, status)] += 1
                    if status >= 500:
                        errors += 1
                except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError):
                    errors += 1
                    await connection.close()
                latencies[url].append((time.perf_counter() - start) * 1000)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, statuses


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--soak", type=float, default=None, help="run for this many seconds instead of --requests")
    ap.add_argument("--quick", action="store_true", help="1,000 requests")
    ap.add_argument(
        "--rate-limit", type=float, default=100_000.0,
        help="the server's per-client requests a second for this run (0: the server's default)",
    )  # fmt: skip
    args = ap.parse_args()
    total = 1_000 if args.quick else args.requests
    work = Path(tempfile.mkdtemp(prefix="mppwatch-loadtest-"))
    db = work / "load.duckdb"
    env = dict(os.environ, MPPWATCH_DB=str(db))
    if args.rate_limit:
        env["MPPWATCH_RATE_LIMIT"] = str(args.rate_limit)
    subprocess.run([EXE, "--db", str(db), "load"], check=True, capture_output=True, env=env)
    with served(db, env) as server:
        base = server.base
        for url in URLS:  # warm: the first request for a data version may compute and cache
            page = httpx.get(base + url, timeout=60.0, headers=HTML if url == "/" else None)
            if url == "/" and "<html" not in page.text:
                sys.exit("/ did not answer with the overview page")
        serial, _, _ = asyncio.run(drive(base, 60 * len(URLS), 1, None))
        rss_start = rss_mb(server.pid)
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        started = time.monotonic()
        loaded, errors, statuses = asyncio.run(drive(base, total, args.concurrency, args.soak))
        wall = time.monotonic() - started
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
        rss_end = rss_mb(server.pid)
    every = [x for values in loaded.values() for x in values]
    refused = sum(n for (_, status), n in statuses.items() if status != 200 and status < 500)
    limit = f"per-client rate limit {args.rate_limit:,.0f}/s" if args.rate_limit else "the server's own rate limit"
    print(
        f"{len(every)} requests, {args.concurrency} concurrent, {wall:.1f} s ({len(every) / wall:.0f}/s), "
        f"errors {errors}, refused or not 200 {refused} ({limit}; load average {os.getloadavg()[0]:.1f})"
    )
    for url, values in loaded.items():
        p95_serial = pct(serial[url], 0.95)
        print(
            f"  {url[:70]:70s} p50 {pct(values, 0.5):6.1f} ms  p95 {pct(values, 0.95):6.1f} ms  "
            f"p99 {pct(values, 0.99):6.1f} ms  (one at a time: p95 {p95_serial:.1f} ms, "
            f"{pct(values, 0.95) / p95_serial:.1f}x under load)"
        )
        other = {status: n for (u, status), n in sorted(statuses.items()) if u == url and status != 200}
        if other:
            print(f"  {'':70s} statuses other than 200: {other}")
    print(f"overall p50 {pct(every, 0.5):.1f} ms  p95 {pct(every, 0.95):.1f} ms  p99 {pct(every, 0.99):.1f} ms  "
          f"mean {statistics.fmean(every):.1f} ms")  # fmt: skip
    print(f"server RSS {rss_start:.0f} MB at start, {rss_end:.0f} MB at end")
    print(
        f"CPU per request: server {server_cpu / len(every) * 1000:.2f} ms, this client "
        f"{client_cpu / len(every) * 1000:.2f} ms (both on the same {os.cpu_count()} cores)"
    )
    print(
        f"target p95 <= 50 ms: {'met' if pct(every, 0.95) <= 50 else 'MISSED'}; "
        f"errors 0: {'met' if not errors else 'MISSED'}; every answer 200: {'met' if not refused else 'MISSED'}"
    )
    if errors or refused:
        sys.exit(1)


if __name__ == "__main__":
    main()
