"""The `mppwatch` command line: one Typer function per command, each parses, calls one library function, prints.

Commands for court records, simulation, forecasts, claims and publisher workbooks live in
`mppwatch.commands.<concern>` and register themselves on the app, so each concern stays in its own module.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from mppwatch import metrics
from mppwatch.commands._options import ByOpt, FormatOpt, WhereOpt, err, split_by, store_of
from mppwatch.errors import MppwatchError
from mppwatch.output import Format, emit
from mppwatch.store import Store, StoreError, default_db_path

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Open data and models for MPP (Remain in Mexico).")


@dataclass
class Context:
    db: Path

    def store(self, read_only: bool = False) -> Store:
        return Store.open(self.db, read_only=read_only)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None, typer.Option("--db", help="DuckDB file (default $MPPWATCH_DB or ./mppwatch.duckdb)")
    ] = None,
) -> None:
    ctx.obj = Context(db or default_db_path())


@app.command()
def load(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="CSV files; none = all bundled data")] = None,
    dataset: Annotated[str | None, typer.Option(help="dataset name (default: the file's stem)")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Load files into the store (all bundled data when no file is given). Unchanged files are skipped."""
    import pandas as pd
    from rich.progress import Progress

    from mppwatch.sources.loader import bundled_files, load_file

    paths = list(files or bundled_files())
    if dataset and len(paths) != 1:
        raise MppwatchError("--dataset names one file's dataset: give exactly one file")
    results = []
    with store_of(ctx) as store, Progress(console=err, transient=True) as progress:
        task = progress.add_task("loading", total=len(paths))
        for path in paths:
            progress.update(task, description=path.name)
            results.append(load_file(store, path, dataset))
            progress.advance(task)
    summary = pd.DataFrame([vars(r) for r in results], columns=["dataset", "file_name", "load_id", "rows", "status"])
    emit(summary, format, title=f"loaded into {store.path}")


@app.command()
def datasets(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
    """Each loaded dataset with its row count, period coverage and source ids."""
    with store_of(ctx, read_only=True) as store:
        emit(metrics.datasets(store), format, title="datasets")


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
    meta: Annotated[Path | None, typer.Option("--meta", help="also write the metadata JSON here")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Sum a dataset per period: the `--by` columns, then period,value (sources and notes under the table)."""
    from mppwatch import downloads

    where_map = metrics.parse_where(where or [])
    sel = metrics.selection(dataset, where_map, split_by(by), start, end, row_type, period_kind, edition)
    with store_of(ctx, read_only=True) as store:
        result = metrics.series_result(store, sel)
    if meta is not None:
        meta.write_text(json.dumps(downloads.metadata(result), ensure_ascii=False, indent=1, default=str) + "\n")
    emit(result.frame, format, title=result.provenance.dataset)
    if format is Format.table:  # CSV and JSON on stdout stay plain; --meta carries their provenance
        typer.echo(downloads.caption(result.provenance))


@app.command()
def returns(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD")],
    by: Annotated[str | None, typer.Option("--by", help="city")] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", help="snapshot datasets (default: INM's figures)")
    ] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Cumulative MPP returns to Mexico as of a date; between snapshots, an interpolated estimate."""
    with store_of(ctx, read_only=True) as store:
        frame = metrics.returns(store, as_of, by, dataset or metrics.DEFAULT_RETURN_DATASETS)
    emit(frame, format, title=f"MPP returns to Mexico as of {as_of}")


@app.command()
def reconcile(
    ctx: typer.Context,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="only these datasets")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Published totals that differ from the sum of their parts (beyond the publisher's rounding)."""
    from mppwatch.reconcile import reconcile as run_reconcile

    with store_of(ctx, read_only=True) as store:
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
    """Serve the API (and later the dashboard) over the store, read-only."""
    import uvicorn

    from mppwatch.web.app import create_app

    db = ctx.find_root().obj.db
    if not Path(db).exists():
        raise MppwatchError(f"{db}: no database yet; run `mppwatch load` first")
    err.print(f"serving {db} on http://{host}:{port}/api/v1/health")
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")


def _register_concerns() -> None:
    """Let each concern's command module add its commands (court, simulate, forecast, claims, ...)."""
    import mppwatch.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"mppwatch.commands.{info.name}").register(app)


_register_concerns()


def main() -> None:
    """Entry point: errors print as one line on stderr with a non-zero exit."""
    try:
        app(standalone_mode=False)
    except (MppwatchError, StoreError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
