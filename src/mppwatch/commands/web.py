"""`mppwatch serve`: the dashboard and the API over the store (mppwatch.web), read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mppwatch.commands._options import say
from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError

SERVING = N_("serving {db}: dashboard {pages}  API {api}")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the dashboard (pages at /) and the API (/api/v1) over the store, read-only."""
    import uvicorn

    from mppwatch.store import NO_DATABASE
    from mppwatch.web.app import create_app

    db = ctx.find_root().obj.db
    if not Path(db).exists():
        raise MppwatchError(NO_DATABASE, path=db)
    say(ctx, SERVING, db=db, pages=f"http://{host}:{port}/", api=f"http://{host}:{port}/api/v1/health")
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
