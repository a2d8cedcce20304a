"""`mppwatch load|datasets|sources|series|returns|reconcile`: the store's data, read through the query layer.

Each command parses its options, calls one library function (`mppwatch.sources.loader`, `mppwatch.metrics`,
`mppwatch.reconcile`) and prints through `mppwatch.output`: a notebook user calls the same functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mppwatch import i18n
from mppwatch.commands import _plots
from mppwatch.commands._options import (
    ByOpt,
    FormatOpt,
    PlotOpt,
    WhereOpt,
    err,
    lang_of,
    lazy_module,
    split_by,
    store_of,
    working,
)
from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.output import Format, emit

if TYPE_CHECKING:
    from mppwatch import metrics
else:
    metrics = lazy_module("mppwatch.metrics")  # pandas and DuckDB load when a command first uses it


LOAD_STATUS = {  # what `load` did with each file, as a table shows it
    "loaded": i18n.pN_("load status", "loaded"),
    "replaced": i18n.pN_("load status", "replaced"),
    "skipped": i18n.pN_("load status", "skipped"),
    "unchanged": i18n.pN_("load status", "unchanged"),
    "registered": i18n.pN_("load status", "registered"),
}


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
        BAD_DETAIL,
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
            N_(
                "no bundled data found (looked in {path}): reinstall mppwatch, set MPPWATCH_DATA to a data folder, "
                "or name the files to load"
            ),
            path=str(bundled_data_dir()),
        )
    if dataset and len(paths) != 1:
        raise MppwatchError(N_("--dataset names one file's dataset: give exactly one file"))
    registers = registers_beside(paths) if files else []
    results = []
    with store_of(ctx) as store, working("loading", total=len(registers) + len(paths)) as work, store.transaction():
        if source_id is not None and source_url is not None and title is not None:
            try:
                results.append(register_source(store, source_id, source_url, title))
            except SourceError as exc:
                option = "--" + exc.field.replace("_", "-")  # the option the user typed, not the column
                raise MppwatchError(BAD_DETAIL, field=option, value=repr(exc.value), reason=exc.why) from None
        for path in [*registers, *paths]:  # one transaction: a load that fails or is killed leaves none of the files
            work.update(description=path.name)
            results.append(load_file(store, path, dataset if path in paths else None))
            work.advance()
    summary = pd.DataFrame([vars(r) for r in results], columns=["dataset", "file_name", "load_id", "rows", "status"])
    if format is Format.table:  # CSV and JSON keep the codes
        lang = ctx.find_root().obj.lang
        summary["status"] = [i18n.ptranslate(lang, "load status", LOAD_STATUS.get(s, s)) for s in summary["status"]]
    emit(summary, format, title=f"loaded into {store.path}")


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


def sources(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
    """The source register: where each figure was read, and which datasets cite it."""
    with store_of(ctx, read_only=True) as store:
        emit(metrics.sources(store), format, title="sources")


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
    from mppwatch import downloads, query  # not metrics: a series prints without pandas (start-up, issue 15)

    where_map = query.parse_where(where or [])
    mode, _, per = stocks.partition("-")  # each, latest (per month) or latest-year
    sel = query.selection(
        dataset, where_map, split_by(by), start, end, row_type, period_kind, edition, mode, per or "month"
    )
    _plots.check(plot)
    with store_of(ctx, read_only=True) as store:
        result = query.series(store, sel)
    if plot is not None:
        _plots.series(ctx, result, split_by(by), plot)
    if meta is not None:
        meta.write_text(json.dumps(downloads.metadata(result), ensure_ascii=False, indent=1, default=str) + "\n")
    prov, lang = result.provenance, ctx.find_root().obj.lang
    emit(result.table, format, title=prov.title.get(lang) or prov.dataset, title_in_lang=True)  # catalogue's title
    if format is Format.table:  # CSV and JSON on stdout stay plain; --meta carries their provenance
        typer.echo(downloads.caption(prov, lang))


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


def reconcile(
    ctx: typer.Context,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="only these datasets")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Published totals that differ from the sum of their parts (beyond the publisher's rounding)."""
    from mppwatch.reconcile import reconcile as run_reconcile

    with store_of(ctx, read_only=True) as store, working("reconciling published totals"):
        frame = run_reconcile(store, dataset, cross_source=metrics.cross_source_checks())
    for skipped in frame.attrs.get("skipped", []):
        err.print(skipped.render(lang_of(ctx)), markup=False)
    emit(frame, format, title="published totals that do not add up")


def register(app: typer.Typer) -> None:
    for command in (load, datasets, sources, series, returns, reconcile):
        app.command()(command)
