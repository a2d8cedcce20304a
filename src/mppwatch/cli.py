"""The `mppwatch` command line: the app, its root options (--db, --lang, --debug) and the entry point.

Every command lives in `mppwatch.commands.<concern>` (data, court, claims, forecast, simulate, publishers,
shelters, token, web): one Typer function per command, each parses, calls one library function and prints. A
module registers its commands on the app when one of them runs (`mppwatch.commands._lazy`), so each concern stays
in its own module and `mppwatch --help` starts fast.
`main()` is the one place errors become one line on stderr (usage errors: Click's usage, hint and exit 2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mppwatch import i18n
from mppwatch.commands._lazy import LazyGroup
from mppwatch.output import set_lang

if TYPE_CHECKING:
    from mppwatch.store import Store

app = typer.Typer(
    cls=LazyGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Open data and models for MPP (Remain in Mexico).",
)


class Context:
    """What the root options decide for every command: the database and the language."""

    def __init__(self, db: Path | None, lang: str = "en", debug: bool = False) -> None:
        self._db, self.lang, self.debug = db, lang, debug
        self.inline_js = False

    @property
    def db(self) -> Path:
        if self._db is None:
            from mppwatch.store import default_db_path

            self._db = default_db_path()
        return self._db

    def store(self, read_only: bool = False) -> Store:
        from mppwatch.store import Store

        return Store.open(self.db, read_only=read_only)


def _check_lang(value: str | None) -> str | None:
    if value is not None and value.strip().lower() not in i18n.LANGS:
        raise typer.BadParameter(f"{value!r} is not one of 'en', 'es'.")
    return value


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None, typer.Option("--db", help="DuckDB file (default $MPPWATCH_DB or ./mppwatch.duckdb)")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", callback=_check_lang, help="en or es (default $MPPWATCH_LANG, else the locale, else en)"
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="show the Python traceback of an error")] = False,
    inline_js: Annotated[
        bool, typer.Option("--inline-js", help="--plot FILE.html carries plotly.js inside (default: a copy beside it)")
    ] = False,
) -> None:
    resolved = i18n.resolve_lang(lang)
    set_lang(resolved)
    ctx.obj = Context(db, resolved, debug)
    ctx.obj.inline_js = inline_js


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors print as Click prints them (usage, hint, error) and exit 2; other errors print
    as one line on stderr and exit 1; `--debug` (or MPPWATCH_DEBUG=1) shows the traceback instead."""
    from mppwatch.commands._errors import run

    run(app, sys.argv[1:] if argv is None else argv, debug_env=os.environ.get("MPPWATCH_DEBUG", "") not in ("", "0"))
