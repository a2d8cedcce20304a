"""Resource limits for the public API: no anonymous caller can exhaust the server or keep it busy.

What and why (issue 13: one request took 103 s and 8.5 GB, 20 concurrent forecasts took 6 minutes each):
- every parameter is bounded: at most 40 parameters, 4,096 characters of query string, 200 characters per value,
  20 repeats of a list parameter, 3 `by` dimensions (checked here, for every endpoint); month ranges of the court
  timeline within 1990-01..2100-12 and 240 months (`check_month_range`); forecast horizon <= 36 (the endpoint);
- each request has a time budget (MPPWATCH_REQUEST_BUDGET, 10 s; 30 s for a forecast, which fits models): past it
  the client gets 503 at once, the
  request's DuckDB work is interrupted (`con.interrupt()`, armed by `arm`), and a forecast, which runs in a child
  process (`in_child`), is killed;
- expensive endpoints (court tables, claims, reconcile, forecast) run at most 2/2/1/1 at a time and 2 in all;
  one more gets 429 with Retry-After;
- their 200 answers are cached per data version (the database file's size and modification time), query and
  language, and so are the answers of the public reads that depend on nothing else (`CACHED_READS`: health,
  datasets, sources, series, returns) and of the dashboard's pages (`CACHED_PAGES`: a hit is answered here,
  without a trip through the thread pool). Never cached: anything but GET, a request carrying credentials (an
  Authorization header or a cookie), an answer that sets a cookie, the simulation page (it shows running jobs)
  and the shelter register, whose writes can land in DuckDB's WAL without changing the data version. The key
  holds the Host, Accept and Accept-Language headers: a page's permalinks name its host, `/` is a page for a
  browser and a list of endpoints for other clients, and the language may come from the header;
- each client (IP address) has a token bucket: MPPWATCH_RATE_LIMIT requests a second on average (default 20),
  bursts of 5 seconds' worth;
- the dashboard's expensive actions (`page_action`: starting a simulation, checking a typed claim) have a bucket
  of their own per client: MPPWATCH_PAGE_ACTION_RATE a second (default 1; a run or a check costs a core for
  0.2-2 s), bursts of 10; past it the page says so in the reader's language, with Retry-After.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.store import DataVersion, data_version, writer_active
from mppwatch.web.errors import Timeout, error_response

BUDGET_SECONDS = 10.0  # MPPWATCH_REQUEST_BUDGET overrides it; a forecast gets three times as long
FORECAST_FACTOR = 3.0
MAX_PARAMS = 40
MAX_QUERY = 4096
MAX_VALUE = 200
MAX_REPEATS = 20
MAX_BY = 3
MAX_MONTHS = 240
FIRST_MONTH, LAST_MONTH = (1990, 1), (2100, 12)
# expensive endpoints: path prefix -> (group, concurrent requests allowed)
EXPENSIVE = {
    "/api/v1/forecast": ("forecast", 1),
    "/api/v1/court/": ("court", 2),
    "/api/v1/claims": ("court", 2),
    "/api/v1/reconcile": ("reconcile", 1),
}
MAX_EXPENSIVE = 2  # in flight over all groups: on 2 cores, /health and series keep a core
# public reads whose answer depends only on the data version and the request: cached like the expensive ones
CACHED_READS = ("/api/v1/health", "/api/v1/datasets", "/api/v1/sources", "/api/v1/series", "/api/v1/returns")
CACHED_PAGES = frozenset(("/", "/overview", "/returns", "/encounters", "/explorer", "/court", "/forecasts", "/claims",
                          "/sources"))  # fmt: skip
CACHE_ENTRIES = 256
CACHE_BYTES = 64 << 20
RATE = float(os.environ.get("MPPWATCH_RATE_LIMIT", "20"))
BURST_SECONDS = 5.0
PAGE_ACTION_BURST = 10.0
MAX_CLIENTS = 10_000
STORES_KEY = "mppwatch.stores"


def budget(path: str = "") -> float:
    """Seconds a request to `path` may take."""
    base = float(os.environ.get("MPPWATCH_REQUEST_BUDGET", BUDGET_SECONDS))
    return base * FORECAST_FACTOR if path.startswith("/api/v1/forecast") else base


def _group(path: str) -> tuple[str, int] | None:
    for prefix, group in EXPENSIVE.items():
        if path.startswith(prefix) and not path.endswith("/releases"):
            return group
    return None


def check_params(request: Request) -> tuple[str, str] | None:
    """(param, reason) for the first parameter out of bounds, else None."""
    query = request.url.query
    if len(query) > MAX_QUERY:
        return "query", f"the query string is {len(query)} characters; at most {MAX_QUERY}"
    items = request.query_params.multi_items()
    if len(items) > MAX_PARAMS:
        return "query", f"{len(items)} parameters; at most {MAX_PARAMS}"
    counts: dict[str, int] = {}
    for key, value in items:
        counts[key] = counts.get(key, 0) + 1
        if len(key) > MAX_VALUE:
            return key[:MAX_VALUE], "parameter name too long"
        if len(value) > MAX_VALUE:
            return key, f"{key}: {len(value)} characters; at most {MAX_VALUE}"
        if counts[key] > MAX_REPEATS:
            return key, f"{key}: given more than {MAX_REPEATS} times"
        if key == "by" and len([p for p in value.split(",") if p.strip()]) > MAX_BY:
            return key, f"by: at most {MAX_BY} dimensions"
    return None


def check_month_range(first: tuple[int, int], last: tuple[int, int]) -> None:
    """A month range within the court data's possible coverage and at most 240 months long."""
    for name, month in (("from", first), ("to", last)):
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise MppwatchError(
                N_("{name}: {month} is outside 1990-01..2100-12"), name=name, month=f"{month[0]:04d}-{month[1]:02d}"
            )
    n = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if n > MAX_MONTHS:
        raise MppwatchError(N_("from/to: {n} months; at most {limit} in one request"), n=n, limit=MAX_MONTHS)


def arm(request: Request, con: Any) -> threading.Timer:
    """Interrupt `con` when the request's budget runs out (the caller cancels the timer when done)."""
    stores = request.scope.setdefault(STORES_KEY, [])
    stores.append(con)
    started = request.scope.get("mppwatch.started", time.monotonic())
    timer = threading.Timer(max(0.0, started + budget(request.url.path) - time.monotonic()), con.interrupt)
    timer.daemon = True
    timer.start()
    return timer


def child_main() -> None:  # pragma: no cover - runs in the child process
    """The child's side of `in_child`: a pickled (function, args) on stdin, a pickled (ok, value) on stdout."""
    import pickle
    import sys

    try:
        os.nice(10)  # health checks and cheap reads come first
    except OSError:
        pass
    fn, args = pickle.load(sys.stdin.buffer)
    try:
        out: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # sent back to the parent, which raises it
        out = (False, exc if isinstance(exc, MppwatchError) else MppwatchError(f"{type(exc).__name__}: {exc}"))
    sys.stdout.buffer.write(pickle.dumps(out))
    sys.stdout.buffer.flush()


def in_child(fn: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """Run `fn(*args)` in a child Python process and return its result; kill it past the budget (Timeout).

    Python work (model fitting) cannot be interrupted in a thread, so a forecast runs where it can be stopped.
    `fn` must be a module-level function and its arguments picklable (the child opens the store itself). A plain
    `python -c` child, not multiprocessing, so it works whatever the server's main module is.
    """
    import pickle
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", "from mppwatch.web.limits import child_main; child_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, _ = proc.communicate(pickle.dumps((fn, args)), timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise Timeout(f"the request took longer than its time budget ({seconds:.0f} s)") from None
    if not out:
        raise MppwatchError(N_("the worker stopped without an answer"))
    ok, value = pickle.loads(out)  # noqa: S301 - our own child's output
    if not ok:
        raise value
    return value


class _Cache:
    """LRU of (status, headers, body) per (data version, path, query), bounded in entries and bytes."""

    def __init__(self) -> None:
        self.items: OrderedDict[tuple[Any, ...], tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self.size = 0

    def get(self, key: tuple[Any, ...]) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], value: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        if len(value[2]) > CACHE_BYTES // 8:
            return
        self.items[key] = value
        self.size += len(value[2])
        while len(self.items) > CACHE_ENTRIES or self.size > CACHE_BYTES:
            _, old = self.items.popitem(last=False)
            self.size -= len(old[2])


class Buckets:
    """A token bucket per client: `rate` tokens a second, at most `burst` kept; the oldest clients are forgotten
    past MAX_CLIENTS."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.cap = rate, burst
        self.items: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when the client may go on, else the seconds until its next token."""
        now = time.monotonic()
        tokens, last = self.items.pop(client, (self.cap, now))
        tokens = min(self.cap, tokens + (now - last) * self.rate)
        if len(self.items) >= MAX_CLIENTS:
            self.items.popitem(last=False)
        if tokens < 1:
            self.items[client] = (tokens, now)
            return (1 - tokens) / self.rate
        self.items[client] = (tokens - 1, now)
        return 0.0


def page_action(request: Request) -> bool:
    """Whether a dashboard request does expensive work: a simulation run, or a claim typed into the form."""
    path = request.url.path
    if path == "/simulation/run":
        return request.method == "POST"
    return path == "/claims" and bool(request.query_params.get("value") or request.query_params.get("quote"))


def _too_many_actions(request: Request, wait: float) -> Response:
    """429 as a short page in the reader's language (a browser made the request)."""
    from html import escape

    from mppwatch.i18n import LANGS, accept_language, translator

    asked = request.query_params.get("lang")
    lang = asked if asked in LANGS else accept_language(request.headers.get("accept-language"))
    _ = translator(lang)
    seconds = max(1, round(wait))
    title = _("Too many requests")
    text = _("This browser has asked for many simulations or claim checks in a short time: wait {n} s and try again.")
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)} · mppwatch</title>'
        f"</head><body><h1>{escape(title)}</h1><p>{escape(text.format(n=seconds))}</p>"
        f'<p><a href="/?lang={lang}">mppwatch</a></p></body></html>'
    )
    return Response(body, status_code=429, media_type="text/html", headers={"Retry-After": str(seconds)})


def install(app: FastAPI) -> None:
    """The middleware enforcing the limits above on every /api/ request and the dashboard's expensive actions."""
    cache = _Cache()
    inflight: dict[str, int] = {}
    api_buckets = Buckets(RATE, RATE * BURST_SECONDS)
    action_buckets = Buckets(float(os.environ.get("MPPWATCH_PAGE_ACTION_RATE", "1")), PAGE_ACTION_BURST)
    app.state.cache = cache

    @app.middleware("http")
    async def limits(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        client = request.client.host if request.client else "-"
        if not path.startswith("/api/"):
            if page_action(request) and (wait := action_buckets.take(client)):
                return _too_many_actions(request, wait)
            if path in CACHED_PAGES and request.method == "GET" and not _has_credentials(request):
                return await _cached(request, call_next, cache)
            return await call_next(request)
        request.scope["mppwatch.started"] = time.monotonic()
        wait = api_buckets.take(client)
        if wait:
            return error_response(
                429, "too many requests from this client; slow down", code="rate_limited",
                headers={"Retry-After": str(max(1, round(wait)))},
            )  # fmt: skip
        bad = check_params(request)
        if bad:
            return error_response(422, bad[1], bad[0])
        group = _group(path)
        cacheable = request.method == "GET" and not _has_credentials(request)
        if group is None:
            if cacheable and path.startswith(CACHED_READS):
                return await _cached(request, lambda r: _within_budget(r, call_next), cache)
            return await _within_budget(request, call_next)
        name, allowed = group
        if cacheable and (hit := cache.get(_cache_key(request))) is not None:
            return _replay(hit)
        if inflight.get(name, 0) >= allowed or sum(inflight.values()) >= MAX_EXPENSIVE:
            return error_response(
                429, f"too many {name} requests in progress; try again shortly", code="busy",
                headers={"Retry-After": "2"},
            )  # fmt: skip
        inflight[name] = inflight.get(name, 0) + 1
        try:
            if cacheable:
                return await _cached(request, lambda r: _within_budget(r, call_next), cache)
            return await _within_budget(request, call_next)
        finally:
            inflight[name] -= 1


def _has_credentials(request: Request) -> bool:
    return "authorization" in request.headers or "cookie" in request.headers


def _cache_key(request: Request, stamp: tuple[int, ...] | None = None) -> tuple[Any, ...]:
    h = request.headers
    return (
        stamp if stamp is not None else data_version(Path(request.app.state.db)), request.url.path,
        tuple(sorted(request.query_params.multi_items())), h.get("host", ""), h.get("accept", ""),
        h.get("accept-language", ""),
    )  # fmt: skip


def _replay(hit: tuple[int, list[tuple[bytes, bytes]], bytes]) -> Response:
    status, headers, body = hit
    response = Response(body, status_code=status)
    response.raw_headers = [*headers, (b"content-length", str(len(body)).encode()), (b"x-mppwatch-cache", b"hit")]
    return response


async def _cached(request: Request, call_next: Callable[[Request], Awaitable[Response]], cache: _Cache) -> Response:
    """The cached answer to this request, else the app's, kept when it is a 200 that sets no cookie."""
    db = Path(request.app.state.db)
    stamp = data_version(db)
    key = _cache_key(request, stamp)
    if (hit := cache.get(key)) is not None:
        return _replay(hit)
    version = DataVersion(stamp, not writer_active(db))  # the writer probe only on a miss, not on every hit
    response = await call_next(request)
    if response.status_code != 200 or any(k.lower() == b"set-cookie" for k, _ in response.raw_headers):
        return response
    steady = version.holds(db)  # no write ran while it was computed (store.DataVersion)
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    headers = [(k, v) for k, v in response.raw_headers if k.lower() != b"content-length"]
    if steady:
        cache.put(key, (response.status_code, headers, body))
    out = Response(body, status_code=response.status_code)
    out.raw_headers = [*headers, (b"content-length", str(len(body)).encode())]
    return out


async def _within_budget(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The response, or 503 when the budget runs out first (the request's DuckDB work is interrupted)."""
    seconds = budget(request.url.path)
    try:
        return await asyncio.wait_for(call_next(request), seconds)
    except TimeoutError:
        for con in request.scope.get(STORES_KEY, []):
            try:
                con.interrupt()
            except Exception:  # noqa: S110 - a connection already closed has nothing to interrupt
                pass
        return error_response(503, f"the request took longer than its time budget ({seconds:.0f} s)", code="timeout")
