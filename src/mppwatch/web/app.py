"""The composition root of the web output: one FastAPI app, routers per concern (Datasette's app.py shape)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.gzip import GZipMiddleware

from mppwatch import __version__
from mppwatch.web import analysis, api, pages, shelters_api


def create_app(db: str | Path) -> FastAPI:
    """An app serving the store at `db` read-only. No CDN assets: the API must work offline."""
    app = FastAPI(title="mppwatch", version=__version__, docs_url=None, redoc_url=None)
    app.state.db = Path(db)
    from mppwatch.store import enable_snapshots
    from mppwatch.web import errors, limits

    enable_snapshots(app.state.db)  # readers answer from a snapshot while a load runs (store.py)
    errors.install(app)  # one error shape, no paths (web/errors.py)
    limits.install(app)  # budgets, caches, concurrency and rate limits (web/limits.py)
    app.include_router(api.router)
    app.include_router(analysis.router)
    app.include_router(pages.router)  # the dashboard: HTML pages, downloads, assets
    app.router.on_startup.append(lambda: pages.warm(app.state.db))  # front pages built before the first visitor
    app.include_router(shelters_api.router)  # the shelter register: staff writes (tokens), public reads, form
    # outermost: pages, JSON and CSV go out gzip-compressed when the client accepts it (static assets come
    # precompressed, web/assets.py, and zips are compressed already)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)

    @app.get("/", response_model=None)
    def index(request: Request) -> Any:
        """A browser gets the overview page; other clients get what this server offers: endpoints and OpenAPI."""
        if "text/html" in request.headers.get("accept", ""):
            return pages.overview(request)
        paths = sorted(p for p in app.openapi()["paths"] if p.startswith("/api/"))
        return {"name": "mppwatch", "version": __version__, "endpoints": paths, "openapi": "/openapi.json"}

    return app
