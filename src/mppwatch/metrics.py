"""Queries over the store: datasets, sources and series (tidy frames for the CLI, the API and notebooks)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

import pandas as pd

from mppwatch.errors import MppwatchError
from mppwatch.sources.generic import parse_span
from mppwatch.store import Store

Where = Mapping[str, str | Sequence[str]]
KEY_COLUMNS = {"source_id", "row_type", "flag"}  # observation columns usable in where/by besides dims


class QueryError(MppwatchError):
    """A query that names something the store does not have."""


def parse_where(items: Sequence[str]) -> dict[str, list[str]]:
    """`["component=CBP", "location=Total"]` -> `{"component": ["CBP"], "location": ["Total"]}`."""
    where: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise QueryError(f"--where {item!r}: expected COLUMN=VALUE")
        col, value = item.split("=", 1)
        where.setdefault(col.strip(), []).append(value.strip())
    return where


def _bound(text: str | date | None, end: bool) -> date | None:
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return text
    try:
        _, first, last = parse_span(str(text), "--to" if end else "--from", 0, "")
    except Exception:
        raise QueryError(f"{'--to' if end else '--from'} {text!r}: expected YYYY-MM or YYYY-MM-DD") from None
    return last if end else first


def dimensions(store: Store, dataset: str) -> list[str]:
    """The dimension columns of a dataset, as named in its CSV."""
    rows = store.con.execute(
        "SELECT DISTINCT unnest(map_keys(dims)) FROM observations WHERE dataset = ?", [dataset]
    ).fetchall()
    return sorted(r[0] for r in rows)


def _column_sql(col: str, dims: list[str], dataset: str) -> str:
    if col in KEY_COLUMNS:
        return col
    if col not in dims:
        raise QueryError(f"{dataset} has no column {col!r}; its columns are: {', '.join(dims)}")
    return "dims['" + col.replace("'", "''") + "']"


def _require_dataset(store: Store, dataset: str) -> None:
    if not store.con.execute("SELECT 1 FROM observations WHERE dataset = ? LIMIT 1", [dataset]).fetchone():
        known = ", ".join(sorted(store.datasets_loaded())) or "none (run `mppwatch load`)"
        raise QueryError(f"no dataset {dataset!r} in {store.path}; loaded: {known}")


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
    """
    _require_dataset(store, dataset)
    dims = dimensions(store, dataset)
    clauses: list[str] = ["dataset = ?"]
    params: list[object] = [dataset]
    for col, values in (where or {}).items():
        vals = [values] if isinstance(values, str) else list(values)
        clauses.append(f"{_column_sql(col, dims, dataset)} IN ({', '.join('?' for _ in vals)})")
        params += vals
    if row_type:
        clauses.append("row_type = ?")
        params.append(row_type)
    if "edition" in dims and "edition" not in (where or {}):
        # Datasets read from several editions of a publisher's file: the latest edition unless one is named.
        clauses.append("dims['edition'] = ?")
        params.append(edition or _latest_edition(store, dataset))
    elif edition is not None and "edition" not in dims:
        raise QueryError(f"{dataset} has no editions")
    kind = period_kind or _default_kind(store, " AND ".join(clauses), params)
    clauses.append("period_kind = ?")
    params.append(kind)
    if (lo := _bound(start, end=False)) is not None:
        clauses.append("period_start >= ?")
        params.append(lo)
    if (hi := _bound(end, end=True)) is not None:
        clauses.append("period_end <= ?")
        params.append(hi)
    sql = f"""
        WITH picked AS (SELECT * FROM observations WHERE {" AND ".join(clauses)}),
        fy AS (SELECT *, year(period_start + INTERVAL 3 MONTH) AS fy_of_period FROM picked),
        coverage AS (
            SELECT source_id, fy_of_period, count(DISTINCT period) AS periods FROM fy GROUP BY ALL
        ),
        ranked AS (
            SELECT fy.*, row_number() OVER (
                PARTITION BY dims::VARCHAR, period, row_type
                ORDER BY coverage.periods DESC, fy.load_id DESC, fy.line DESC
            ) AS capture_rank
            FROM fy JOIN coverage USING (source_id, fy_of_period)
        )
        SELECT load_id, line, source_id, period, period_kind, period_start, period_end, row_type, flag, dims, value
        FROM ranked WHERE capture_rank = 1 ORDER BY period_start, line
    """
    return store.query(sql, params)


def _latest_edition(store: Store, dataset: str) -> str:
    row = store.con.execute("SELECT max(dims['edition']) FROM observations WHERE dataset = ?", [dataset]).fetchone()
    return str(row[0]) if row else ""


def _default_kind(store: Store, where_sql: str, params: list[object]) -> str:
    """Months when the selection has them, else its most common period kind."""
    rows = store.con.execute(
        f"SELECT period_kind, count(*) FROM observations WHERE {where_sql} GROUP BY 1 ORDER BY 2 DESC", params
    ).fetchall()
    kinds = [r[0] for r in rows]
    if not kinds:
        return "month"
    return "month" if "month" in kinds else kinds[0]


def totals(store: Store) -> dict[str, int]:
    """How much is loaded: distinct datasets and observation rows (what /health reports)."""
    row = store.con.execute("SELECT count(DISTINCT dataset), count(*) FROM observations").fetchone()
    return {"datasets": int(row[0]), "observations": int(row[1])} if row else {"datasets": 0, "observations": 0}


NON_ADDITIVE = ("measure", "unit")  # dimension columns whose values are different quantities


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
) -> pd.DataFrame:
    """Sum a dataset's figures per period (and per `by` column): columns `*by, period, value`.

    `value` is empty where every summed cell was not published (flag X / NA). `frame.attrs` carries the
    source ids and load ids behind the numbers. Figures of different measures (a `measure` or `unit` column) do
    not add up, so a selection that mixes them must be split with `by` or narrowed with `where`.
    """
    by = [b for b in (by or []) if b]
    rows = select(store, dataset, where, start, end, row_type, period_kind, edition)
    dims = dimensions(store, dataset)
    for col in by:
        if col not in dims and col not in KEY_COLUMNS:
            raise QueryError(f"{dataset} has no column {col!r}; its columns are: {', '.join(dims)}")
    for col in NON_ADDITIVE:
        if col in dims and col not in by and len(rows):
            kinds = sorted({str(d.get(col)) for d in rows["dims"]})
            if len(kinds) > 1:
                raise QueryError(
                    f"{dataset}: the selection mixes {col}s ({', '.join(kinds)}), which do not add up; "
                    f"pick one with --where {col}=... or split with --by {col}"
                )
    frame = pd.DataFrame(
        {
            **{col: rows[col] if col in KEY_COLUMNS else rows["dims"].map(lambda d, c=col: d.get(c)) for col in by},
            "period": rows["period"],
            "period_start": rows["period_start"],
            "value": rows["value"],
        }
    )
    keys = [*by, "period_start", "period"]
    if frame.empty:
        out = pd.DataFrame(columns=[*by, "period", "value"])
    else:
        out = (
            frame.groupby(keys, sort=True, dropna=False)["value"]
            .sum(min_count=1)
            .reset_index()
            .sort_values(["period_start", *by])
        )
        out = out[[*by, "period", "value"]].reset_index(drop=True)
    out.attrs["source_ids"] = sorted(rows["source_id"].unique().tolist())
    out.attrs["load_ids"] = sorted(int(x) for x in rows["load_id"].unique())
    out.attrs["dataset"] = dataset
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
        raise QueryError("to_tidy needs a monthly series (periods YYYY-MM)")
    out = pd.DataFrame({"unique_id": uid.values, "ds": pd.to_datetime(months + "-01"), "y": frame["value"].values})
    out.attrs.update(frame.attrs)
    return out


def datasets(store: Store) -> pd.DataFrame:
    """One row per loaded dataset: rows, period coverage, period kinds, source ids and the current load."""
    return store.query(
        """
        SELECT o.dataset, count(*) AS rows, min(o.period_start) AS first_period, max(o.period_end) AS last_period,
               string_agg(DISTINCT o.period_kind, ',' ORDER BY o.period_kind) AS period_kinds,
               string_agg(DISTINCT o.source_id, ' ' ORDER BY o.source_id) AS source_ids,
               l.load_id, l.file_name, l.sha256, l.loaded_at
        FROM observations o JOIN loads l ON l.load_id = o.load_id AND l.status = 'current'
        GROUP BY o.dataset, l.load_id, l.file_name, l.sha256, l.loaded_at
        ORDER BY o.dataset
        """
    )


def sources(store: Store) -> pd.DataFrame:
    """The source register, with the datasets that cite each source."""
    return store.query(
        """
        SELECT s.source_id, s.title, s.source_url, s.retrieved_via, s.note,
               string_agg(DISTINCT o.dataset, ' ' ORDER BY o.dataset) AS datasets
        FROM sources s LEFT JOIN observations o USING (source_id)
        GROUP BY ALL ORDER BY s.source_id
        """
    )


def loads(store: Store) -> pd.DataFrame:
    """Every load, current and superseded."""
    return store.query("SELECT * FROM loads ORDER BY load_id")


def cross_source_checks() -> list[Callable[[Store], pd.DataFrame]]:
    """Comparisons between publishers that `reconcile` adds when their modules are present."""
    checks: list[Callable[[Store], pd.DataFrame]] = []
    try:
        from mppwatch.publishers.citizenship import compare_with_inm
    except ImportError:
        return checks
    checks.append(compare_with_inm)
    return checks


from mppwatch.returns import DEFAULT_DATASETS as DEFAULT_RETURN_DATASETS  # noqa: E402
from mppwatch.returns import returns  # noqa: E402  (re-exported: metrics is the query API)

__all__ = [
    "DEFAULT_RETURN_DATASETS", "cross_source_checks", "datasets", "loads", "parse_where", "returns", "select",
    "series", "sources", "to_tidy", "totals",
]  # fmt: skip
