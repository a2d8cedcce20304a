"""The `mppwatch` command line: one Typer function per command, each parses, calls one library function, prints.

Commands for court records, simulation, forecasts, claims and publisher workbooks live in
`mppwatch.commands.<concern>` and register themselves on the app when one of their commands runs
(`mppwatch.commands._lazy`), so each concern stays in its own module and `mppwatch --help` starts fast.
`main()` is the one place errors become one line on stderr (usage errors: Click's usage, hint and exit 2).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mppwatch import i18n
from mppwatch.commands import _plots
from mppwatch.commands._lazy import LazyGroup
from mppwatch.commands._options import (
    ByOpt,
    FormatOpt,
    PlotOpt,
    WhereOpt,
    err,
    lazy_module,
    split_by,
    store_of,
    working,
)
from mppwatch.errors import MppwatchError
from mppwatch.output import Format, emit, set_lang

if TYPE_CHECKING:
    from mppwatch import metrics
    from mppwatch.store import Store
else:
    metrics = lazy_module("mppwatch.metrics")  # pandas and DuckDB load when a command first uses it

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


LOAD_STATUS = {  # what `load` did with each file, as a table shows it
    "loaded": i18n.pN_("load status", "loaded"),
    "replaced": i18n.pN_("load status", "replaced"),
    "skipped": i18n.pN_("load status", "skipped"),
    "unchanged": i18n.pN_("load status", "unchanged"),
    "registered": i18n.pN_("load status", "registered"),
}


@app.command()
def load(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="CSV files; none = all bundled data")] = None,
    dataset: Annotated[str | None, typer.Option(help="dataset name (default: the file's stem)")] = None,
    source_id: Annotated[
        str | None,
        typer.Option("--source-id", help="register this source for the files (with --source-url and --title)"),
    ] = None,
    source_url: Annotated[
        str | None, typer.Option("--source-url", help="the source's web address (http:// or https://)")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="the source's title")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Load files into the store (all bundled data when no file is given). Unchanged files are skipped.

    A file's sources must be registered: by --source-id, --source-url and --title, or by a source_ids.csv beside
    the file. The registration, the register beside it and the files are one transaction.
    """
    import pandas as pd

    from mppwatch.sources.loader import (
        SourceError,
        bundled_data_dir,
        bundled_files,
        load_file,
        register_source,
        registers_beside,
    )

    given = {"--source-id": source_id, "--source-url": source_url, "--title": title}
    if any(v is not None for v in given.values()):
        absent = [name for name, v in given.items() if v is None]
        if absent:
            raise typer.BadParameter(
                f"a source needs {', '.join(given)}: {' and '.join(absent)} missing", param_hint=f"'{absent[0]}'"
            )
        if not files:
            raise typer.BadParameter("registers the source of the files named: name them", param_hint="'--source-id'")
    paths = list(files or bundled_files())
    if not paths:  # an installation without its data would otherwise "succeed" with an empty table
        raise MppwatchError(
            f"no bundled data found (looked in {bundled_data_dir()}): reinstall mppwatch, set MPPWATCH_DATA to a "
            "data folder, or name the files to load"
        )
    if dataset and len(paths) != 1:
        raise MppwatchError("--dataset names one file's dataset: give exactly one file")
    registers = registers_beside(paths) if files else []
    results = []
    with store_of(ctx) as store, working("loading", total=len(registers) + len(paths)) as work, store.transaction():
        if source_id is not None and source_url is not None and title is not None:
            try:
                results.append(register_source(store, source_id, source_url, title))
            except SourceError as exc:
                raise MppwatchError(f"--{exc.field.replace('_', '-')} {exc.value!r}: {exc.reason}") from None
        for path in [*registers, *paths]:  # one transaction: a load that fails or is killed leaves none of the files
            work.update(description=path.name)
            results.append(load_file(store, path, dataset if path in paths else None))
            work.advance()
    summary = pd.DataFrame([vars(r) for r in results], columns=["dataset", "file_name", "load_id", "rows", "status"])
    if format is Format.table:  # CSV and JSON keep the codes
        lang = ctx.find_root().obj.lang
        summary["status"] = [i18n.ptranslate(lang, "load status", LOAD_STATUS.get(s, s)) for s in summary["status"]]
    emit(summary, format, title=f"loaded into {store.path}")


@app.command()
def datasets(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
    """Each loaded dataset with its row count, period coverage and source ids."""
    with store_of(ctx, read_only=True) as store:
        frame = metrics.datasets(store)
    if format is Format.table:  # a reader sees one title, in their language (CSV and JSON keep both)
        lang = ctx.find_root().obj.lang
        if lang == "es":
            frame["title"] = frame["title_es"].where(frame["title_es"].fillna("") != "", frame["title"])
        frame = frame.drop(columns=["title_es"])
    emit(frame, format, title="datasets")


@app.command()
def sources(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
    """The source register: where each figure was read, and which datasets cite it."""
    with store_of(ctx, read_only=True) as store:
        emit(metrics.sources(store), format, title="sources")


@app.command()
def series(
    ctx: typer.Context,
    dataset: str,
    where: WhereOpt = None,
    by: ByOpt = None,
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM")] = None,
    row_type: Annotated[str, typer.Option(help="detail (default), published_total, ...")] = "detail",
    period_kind: Annotated[str | None, typer.Option(help="month (default when present), fiscal_year, day, ...")] = None,
    edition: Annotated[str | None, typer.Option(help="publisher edition YYYY-MM (default: the latest)")] = None,
    stocks: Annotated[
        str,
        typer.Option(help="stocks (cumulative counts, beds): each dated figure, or the latest per month (latest-year)"),
    ] = "each",
    meta: Annotated[Path | None, typer.Option("--meta", help="also write the metadata JSON here")] = None,
    plot: PlotOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Sum a dataset per period: the `--by` columns, then period,value (sources and notes under the table)."""
    from mppwatch import downloads

    where_map = metrics.parse_where(where or [])
    mode, _, per = stocks.partition("-")  # each, latest (per month) or latest-year
    sel = metrics.selection(
        dataset, where_map, split_by(by), start, end, row_type, period_kind, edition, mode, per or "month"
    )
    _plots.check(plot)
    with store_of(ctx, read_only=True) as store:
        result = metrics.series_result(store, sel)
    if plot is not None:
        _plots.series(ctx, result, split_by(by), plot)
    if meta is not None:
        meta.write_text(json.dumps(downloads.metadata(result), ensure_ascii=False, indent=1, default=str) + "\n")
    prov, lang = result.provenance, ctx.find_root().obj.lang
    emit(result.frame, format, title=prov.title.get(lang) or prov.dataset, title_in_lang=True)  # catalogue's title
    if format is Format.table:  # CSV and JSON on stdout stay plain; --meta carries their provenance
        typer.echo(downloads.caption(prov, lang))


@app.command()
def returns(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD")],
    by: Annotated[str | None, typer.Option("--by", help="city")] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", help="more snapshot datasets, added to the default ones")
    ] = None,
    plot: PlotOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Cumulative MPP returns to Mexico as of a date; between snapshots, an interpolated estimate."""
    from mppwatch.returns import check_datasets, default_datasets

    with store_of(ctx, read_only=True) as store:
        names = default_datasets(store)
        names += [d for d in check_datasets(store, dataset or []) if d not in names]
        frame = metrics.returns(store, as_of, by, names)
    emit(frame, format, title=f"MPP returns to Mexico as of {as_of}")
    if plot is not None:
        _plots.returns(ctx, frame, as_of, plot)


@app.command()
def reconcile(
    ctx: typer.Context,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="only these datasets")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Published totals that differ from the sum of their parts (beyond the publisher's rounding)."""
    from mppwatch.reconcile import reconcile as run_reconcile

    with store_of(ctx, read_only=True) as store, working("reconciling published totals"):
        frame = run_reconcile(store, dataset, cross_source=metrics.cross_source_checks())
    for reason in frame.attrs.get("skipped", []):
        err.print(f"skipped {reason}", markup=False)
    emit(frame, format, title="published totals that do not add up")


@app.command()
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors print as Click prints them (usage, hint, error) and exit 2; other errors print
    as one line on stderr and exit 1; `--debug` (or MPPWATCH_DEBUG=1) shows the traceback instead."""
    from mppwatch.commands._errors import run

    run(app, sys.argv[1:] if argv is None else argv, debug_env=os.environ.get("MPPWATCH_DEBUG", "") not in ("", "0"))
