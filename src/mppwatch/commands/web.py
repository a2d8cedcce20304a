"""`mppwatch serve`: the dashboard and the API over the store (mppwatch.web), read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mppwatch.commands._options import err
from mppwatch.errors import MppwatchError


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the dashboard (pages at /) and the API (/api/v1) over the store, read-only."""
    import uvicorn

    from mppwatch.web.app import create_app

    db = ctx.find_root().obj.db
    if not Path(db).exists():
        raise MppwatchError(f"{db}: no database yet; run `mppwatch load` first")
    err.print(f"serving {db}: dashboard http://{host}:{port}/  API http://{host}:{port}/api/v1/health")
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
