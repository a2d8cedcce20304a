"""Options and helpers shared by every command module (the `--format`, `--where`, `--by` conventions)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from mppwatch.output import Format
from mppwatch.store import Store, default_db_path

err = Console(stderr=True, soft_wrap=True)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")]
WhereOpt = Annotated[list[str] | None, typer.Option("--where", "-w", help="COLUMN=VALUE, repeatable")]
ByOpt = Annotated[str | None, typer.Option("--by", help="COL[,COL]: one series per value")]


def store_of(ctx: typer.Context, read_only: bool = False) -> Store:
    """The store named by the global --db option or MPPWATCH_DB; read-only commands never create one."""
    root = ctx.find_root().obj
    path = getattr(root, "db", None) or default_db_path()
    return Store.open(path, read_only=read_only)


def split_by(by: str | None) -> list[str]:
    """`"a,b"` -> `["a", "b"]`."""
    return [b.strip() for b in by.split(",") if b.strip()] if by else []
