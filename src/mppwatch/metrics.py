"""Queries over the store: datasets, sources and series (tidy frames for the CLI, the API and notebooks)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd

from mppwatch import query
from mppwatch.catalog import KEY_COLUMNS, NON_ADDITIVE, QueryError, catalog, record
from mppwatch.core.text import N_
from mppwatch.publishers.citizenship import compare_with_inm
from mppwatch.query import Result, Selection, Where, parse_where, selection  # re-exported: metrics is the query API
from mppwatch.returns import returns  # re-exported: metrics is the query API
from mppwatch.store import Store


def dimensions(store: Store, dataset: str) -> list[str]:
    """The dimension columns of a dataset, as named in its CSV."""
    return record(store, dataset).columns


def select(
    store: Store,
    dataset: str,
    where: Where | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    row_type: str | None = "detail",
    period_kind: str | None = None,
    edition: str | None = None,
) -> pd.DataFrame:
    """The observations a series is built from, one row per published cell, after choosing one capture.

    When several captures (source ids) print the same cell, the one that covers most periods of that
    fiscal year wins, ties going to the later row of the file, which the publishers' revisions follow.
    Filter values are taken as typed here (the claims checker resolves them first); see `query.cells`.
    """
    return query.cells(store, selection(dataset, where, None, start, end, row_type, period_kind, edition))


def totals(store: Store) -> dict[str, int]:
    """How much is loaded: distinct datasets and observation rows (what /health reports)."""
    return query.totals(store)


def series_result(store: Store, sel: Selection) -> Result:
    """`series` with its provenance: the Result API (`query.series`)."""
    return query.series(store, sel)


def series(
    store: Store,
    dataset: str,
    where: Where | None = None,
    by: Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    row_type: str | None = "detail",
    period_kind: str | None = None,
    edition: str | None = None,
    stocks: str = "each",
    stock_period: str = "month",
) -> pd.DataFrame:
    """Sum a dataset's figures per period (and per `by` column): columns `*by, period, value`.

    A thin wrapper over `query.series` (see there: a total is never added to its own parts, a stock never
    across dates, filters forgive case and accents). `stocks="latest"` gives a stock's latest figure in each
    `stock_period` (month or year), with an `as_of` column. `frame.attrs` keeps the source ids, load ids and the
    provenance for callers that read them; `series_result` returns the typed `Result` instead.
    """
    sel = selection(dataset, where, by, start, end, row_type, period_kind, edition, stocks, stock_period)
    result = query.series(store, sel)
    out = result.frame
    out.attrs["source_ids"] = result.provenance.source_ids
    out.attrs["load_ids"] = result.provenance.load_ids
    out.attrs["dataset"] = result.provenance.dataset
    out.attrs["notes"] = list(result.provenance.notes)
    return out


def to_tidy(frame: pd.DataFrame, by: Sequence[str] | None = None, name: str = "") -> pd.DataFrame:
    """A `series` frame as `unique_id, ds, y` (statsforecast style); months become month-start timestamps."""
    by = list(by or [])
    if by:
        uid = frame[by].astype(str).agg("/".join, axis=1)
    else:
        uid = pd.Series([name or frame.attrs.get("dataset", "series")] * len(frame), index=frame.index)
    months = frame["period"].astype(str)
    if not months.map(lambda p: bool(re.fullmatch(r"\d{4}-\d{2}", p))).all():
        raise QueryError(N_("to_tidy needs a monthly series (periods YYYY-MM)"))
    out = pd.DataFrame({"unique_id": uid.values, "ds": pd.to_datetime(months + "-01"), "y": frame["value"].values})
    out.attrs.update(frame.attrs)
    return out


def datasets(store: Store) -> pd.DataFrame:
    """One row per loaded dataset (and current load): its catalogue title in English and Spanish, roles, whether
    its figures are stocks, the publisher's rounding, then rows, period coverage, period kinds, source ids and the load.
    """
    table = query.dataset_table(store)
    records = catalog(store)
    about = pd.DataFrame(
        [
            {
                "dataset": name,
                "title": rec.title.get("en", name),
                "title_es": rec.title.get("es", name),
                "roles": " ".join(rec.roles),
                "stock": rec.stock,
                "rounding": rec.rounding,
            }
            for name, rec in records.items()
        ],
        columns=["dataset", "title", "title_es", "roles", "stock", "rounding"],
    )
    return table.merge(about, on="dataset", how="left")[[*about.columns, *table.columns[1:]]]


def sources(store: Store) -> pd.DataFrame:
    """The source register, with the datasets that cite each source."""
    return query.source_table(store)


def loads(store: Store) -> pd.DataFrame:
    """Every load, current and superseded."""
    return store.query("SELECT * FROM loads ORDER BY load_id")


def cross_source_checks() -> list[Callable[[Store], pd.DataFrame]]:
    """Comparisons between publishers that `reconcile` adds (OHSS MPP book-outs by citizenship against INM)."""
    return [compare_with_inm]


__all__ = [
    "KEY_COLUMNS", "NON_ADDITIVE", "QueryError", "Result", "Selection",
    "cross_source_checks", "datasets", "dimensions", "loads", "parse_where", "returns", "select", "selection",
    "series", "series_result", "sources", "to_tidy", "totals",
]  # fmt: skip
