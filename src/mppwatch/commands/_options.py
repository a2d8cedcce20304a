"""Options and helpers shared by every command module (the `--format`, `--where`, `--by`, `--plot` conventions).

Importing this module is cheap (no pandas, DuckDB or numpy): command modules import it at start-up.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer

from mppwatch.commands._progress import err, working
from mppwatch.core.text import N_, Field, Template
from mppwatch.output import Format, current_lang

if TYPE_CHECKING:
    from mppwatch.store import Store

__all__ = [
    "WROTE",
    "err",
    "working",
    "FormatOpt",
    "WhereOpt",
    "ByOpt",
    "PlotOpt",
    "store_of",
    "lang_of",
    "say",
    "split_by",
    "lazy_module",
]

WROTE = N_("wrote {path}")  # a file a command wrote, said on stderr

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")]
WhereOpt = Annotated[list[str] | None, typer.Option("--where", "-w", help="COLUMN=VALUE, repeatable")]
ByOpt = Annotated[str | None, typer.Option("--by", help="COL[,COL]: one series per value")]
PlotOpt = Annotated[
    Path | None,
    typer.Option("--plot", help="also draw a chart: FILE.html, FILE.png or FILE.svg (PNG/SVG use /usr/bin/chromium)"),
]


def store_of(ctx: typer.Context, read_only: bool = False) -> Store:
    """The store named by the global --db option or MPPWATCH_DB; read-only commands never create one."""
    from mppwatch.store import Store, default_db_path

    root = ctx.find_root().obj
    path = getattr(root, "db", None) or default_db_path()
    return Store.open(path, read_only=read_only)


def lang_of(ctx: typer.Context | None = None) -> str:
    """The language of this run (global --lang, else $MPPWATCH_LANG, else the locale)."""
    root = ctx.find_root().obj if ctx is not None else None
    return getattr(root, "lang", None) or current_lang()


def say(ctx: typer.Context | None, template: str, /, **fields: Field) -> None:
    """One line on stderr from an English template marked N_, in the language of this run."""
    err.print(Template(template, **fields).render(lang_of(ctx)), markup=False, highlight=False)


def split_by(by: str | None) -> list[str]:
    """`"a,b"` -> `["a", "b"]`."""
    return [b.strip() for b in by.split(",") if b.strip()] if by else []


def lazy_module(name: str) -> ModuleType:
    """`name` imported on first attribute use (so a module-level `metrics` costs nothing until a command runs)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
