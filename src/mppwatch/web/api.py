"""`/api/v1`: read-only JSON (and CSV with `?format=csv`) over the library's query functions.

Each endpoint opens the store read-only for the request, calls one library function and returns its tidy frame,
with the source ids behind the numbers, as Datasette returns every table as JSON and CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response

from mppwatch import __version__, downloads, metrics
from mppwatch.catalog import record as catalog_record
from mppwatch.errors import MppwatchError
from mppwatch.output import records, to_csv
from mppwatch.reconcile import reconcile
from mppwatch.returns import check_datasets as check_return_datasets
from mppwatch.returns import default_datasets as default_return_datasets
from mppwatch.store import CANNOT_OPEN, Store, StoreError

T = TypeVar("T")
router = APIRouter(prefix="/api/v1")
FormatQuery = Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")]


def open_store(request: Request) -> Iterator[Store]:
    """The store read-only for one request (its snapshot while a load runs: store.py), its DuckDB work interrupted
    when the request's time budget runs out (web/limits.py). Errors reach web/errors.py: a busy store is a 503."""
    from mppwatch.web.limits import arm

    db: Path = request.app.state.db
    try:
        store = Store.open(db, read_only=True)
    except OSError as exc:
        raise StoreError(CANNOT_OPEN, file=db.name, reason=exc.strerror) from exc
    timer = arm(request, store.con)
    try:
        yield store
    finally:
        timer.cancel()
        store.close()


StoreDep = Annotated[Store, Depends(open_store)]


def respond(frame: pd.DataFrame, fmt: str, **meta: Any) -> Any:
    if fmt == "csv":
        return PlainTextResponse(to_csv(frame), media_type="text/csv; charset=utf-8")
    return {**meta, "columns": list(frame.columns), "rows": records(frame)}


def split_list(text: str | None) -> list[str]:
    """`a, b` -> ["a", "b"]: the comma lists that `by` and `measure` take."""
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


def client_error_on_failure(call: Callable[[], T]) -> T:
    """Run a library call; a MppwatchError (bad parameters, missing data) is the client's: 400 with its message."""
    try:
        return call()
    except MppwatchError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc


@router.get("/health")
def health(store: StoreDep) -> dict[str, Any]:
    """Liveness plus what is loaded: the version, the database file's name (never its path) and its counts."""
    return {"status": "ok", "version": __version__, "db": store.path.name, **metrics.totals(store)}


@router.get("/datasets")
def datasets(store: StoreDep, format: FormatQuery = "json") -> Any:
    """Every loaded dataset with its row count, period coverage, source ids and current load."""
    return respond(metrics.datasets(store), format)


@router.get("/datasets/{dataset}")
def dataset_record(store: StoreDep, dataset: str) -> dict[str, Any]:
    """One dataset's catalogue record: titles (en/es), roles, dimensions with their hierarchy, period kinds with
    coverage, row types, editions, source and load ids, rounding."""
    return client_error_on_failure(lambda: catalog_record(store, dataset).to_dict())


@router.get("/sources")
def sources(store: StoreDep, format: FormatQuery = "json") -> Any:
    """The source register."""
    return respond(metrics.sources(store), format)


@router.get("/series")
def series(
    store: StoreDep,
    dataset: str,
    where: Annotated[list[str] | None, Query(description="COLUMN=VALUE, repeatable")] = None,
    by: Annotated[str | None, Query(description="COL[,COL]")] = None,
    start: Annotated[str | None, Query(alias="from", description="YYYY-MM")] = None,
    end: Annotated[str | None, Query(alias="to", description="YYYY-MM")] = None,
    row_type: str = "detail",
    period_kind: str | None = None,
    edition: str | None = None,
    stocks: Annotated[
        str, Query(description="a stock's figures: each (default) dated figure, or the latest in each stock_period")
    ] = "each",
    stock_period: Annotated[str, Query(description="month (default) or year, for stocks=latest")] = "month",
    format: Annotated[str, Query(pattern="^(json|csv|zip)$", description="json (default), csv or zip")] = "json",
) -> Any:
    """A dataset summed per period (and per `by` column), as `mppwatch series` prints it.

    Every format carries the sources: JSON in its body, CSV in the `X-Mppwatch-Sources` header, and `zip` as
    CSV + Frictionless-style datapackage.json + README.md.
    """
    result = client_error_on_failure(
        lambda: metrics.series_result(
            store,
            metrics.selection(
                dataset,
                metrics.parse_where(where or []),
                split_list(by),
                start,
                end,
                row_type,
                period_kind,
                edition,
                stocks,
                stock_period,
            ),
        )
    )
    prov = result.provenance
    headers = {
        downloads.SOURCES_HEADER: downloads.header_value(downloads.sources_text(prov)),
        downloads.NOTES_HEADER: downloads.header_value(" | ".join(prov.notes)),
    }
    if format == "zip":
        body = downloads.zip_bytes(result, to_csv(result.frame), f"{prov.dataset}.csv")
        disposition = {"Content-Disposition": f'attachment; filename="{prov.dataset}.zip"'}
        return Response(body, media_type="application/zip", headers={**headers, **disposition})
    if format == "csv":
        return PlainTextResponse(to_csv(result.frame), media_type="text/csv; charset=utf-8", headers=headers)
    return respond(
        result.frame,
        format,
        dataset=prov.dataset,
        source_ids=prov.source_ids,
        load_ids=prov.load_ids,
        provenance=prov.to_dict(),
    )


@router.get("/returns")
def returns(
    store: StoreDep,
    as_of: Annotated[str, Query(description="YYYY-MM-DD")],
    by: Annotated[str | None, Query(pattern="^city$")] = None,
    dataset: Annotated[list[str] | None, Query(description="more snapshot datasets, added to the defaults")] = None,
    format: FormatQuery = "json",
    lang: Annotated[str, Query(pattern="^(en|es)$", description="language of the method text")] = "en",
) -> Any:
    """Cumulative MPP returns to Mexico as of a date (interpolated between snapshots, and labelled so).

    `lang=es` gives the method text in Spanish; figures, dates and column names stay as in English."""

    def run() -> pd.DataFrame:
        names = default_return_datasets(store)
        names += [d for d in check_return_datasets(store, dataset or []) if d not in names]
        return metrics.returns(store, as_of, by, names)

    frame = client_error_on_failure(run)
    if lang != "en" and "method" in frame.columns:
        from mppwatch.i18n import localise

        frame = frame.assign(method=frame["method"].map(lambda m: localise(m, lang) if isinstance(m, str) else m))
    return respond(frame, format, as_of=as_of)


@router.get("/reconcile")
def reconcile_totals(store: StoreDep, format: FormatQuery = "json") -> Any:
    """Published totals that differ from the sum of their parts."""
    return respond(
        client_error_on_failure(lambda: reconcile(store, cross_source=metrics.cross_source_checks())), format
    )
