"""What a new edition of a publisher's workbook changed: revised cells, and rows added or removed.

Cells are matched on (dataset, dimensions without `edition`/`fy_label`, period). Fiscal-year totals
are matched on their fiscal year, so "FY2024 YTD" in one edition meets "FY2024" in a later one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mppwatch.errors import MppwatchError
from mppwatch.store import Store

PUBLISHERS = {"ohss": "ohss_"}
CHANGES = ("revised", "added", "removed")
DIFF_COLUMNS = [
    "dataset", "sheet", "change", "dimensions", "fiscal_year", "period", "period_kind",
    "old", "new", "difference", "old_flag", "new_flag", "old_cell", "new_cell",
]  # fmt: skip


class DiffError(MppwatchError):
    """A diff that names a publisher or edition the store does not have."""


def _prefix(publisher: str) -> str:
    try:
        return PUBLISHERS[publisher.casefold()]
    except KeyError:
        raise DiffError(f"unknown publisher {publisher!r}; known: {', '.join(p.upper() for p in PUBLISHERS)}") from None


def editions(store: Store, publisher: str = "OHSS") -> list[str]:
    """The editions of a publisher's workbook held in the store, oldest first."""
    prefix = _prefix(publisher)
    rows = store.con.execute(
        """SELECT DISTINCT split_part(dataset, '@', 2) FROM loads
           WHERE kind = 'workbook' AND status = 'current' AND starts_with(dataset, ?) ORDER BY 1""",
        [prefix],
    ).fetchall()
    return [r[0] for r in rows]


def diff_editions(
    store: Store,
    publisher: str,
    old: str,
    new: str,
    datasets: Sequence[str] | None = None,
    changes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every cell that differs between two editions: `revised` (value or flag changed), `added`, `removed`.

    Columns: dataset, sheet, change, dimensions ("k=v; k=v"), fiscal_year, period, period_kind, old, new,
    difference (new - old), old_flag, new_flag, old_cell, new_cell. Sorted by dataset, change, period.
    """
    prefix = _prefix(publisher)
    held = editions(store, publisher)
    for edition in (old, new):
        if edition not in held:
            raise DiffError(
                f"no {publisher.upper()} edition {edition!r} in {store.path}; loaded: {', '.join(held) or 'none'}"
                " (load one with `mppwatch load-workbook FILE.xlsx`)"
            )
    wanted = list(changes or CHANGES)
    if bad := [c for c in wanted if c not in CHANGES]:
        raise DiffError(f"unknown change {bad[0]!r}; expected {', '.join(CHANGES)}")
    params: list[object] = [prefix]
    dataset_sql = ""
    if datasets:
        dataset_sql = f"AND o.dataset IN ({', '.join('?' for _ in datasets)})"
        params += list(datasets)
    sql = f"""
        WITH cells AS (
            SELECT o.dataset, o.dims['edition'] AS edition, o.meta['sheet'] AS sheet, o.meta['cell'] AS cell,
                   o.dims['fiscal_year'] AS fiscal_year, o.period, o.period_kind, o.value, o.flag,
                   map_from_entries(list_filter(map_entries(o.dims),
                       lambda e: e.key NOT IN ('edition', 'fy_label', 'fiscal_year'))) AS key_dims,
                   CASE WHEN o.period_kind = 'fiscal_year' THEN 'FY' || o.dims['fiscal_year'] ELSE o.period END
                       AS period_key
            FROM observations o JOIN loads l ON l.load_id = o.load_id
            WHERE l.kind = 'workbook' AND l.status = 'current' AND starts_with(o.dataset, ?) {dataset_sql}
        ),
        a AS (SELECT *, key_dims::VARCHAR AS k FROM cells WHERE edition = ?),
        b AS (SELECT *, key_dims::VARCHAR AS k FROM cells WHERE edition = ?)
        SELECT coalesce(b.dataset, a.dataset) AS dataset, coalesce(b.sheet, a.sheet) AS sheet,
               CASE WHEN a.dataset IS NULL THEN 'added' WHEN b.dataset IS NULL THEN 'removed' ELSE 'revised' END
                   AS change,
               coalesce(b.key_dims, a.key_dims) AS key_dims,
               coalesce(b.fiscal_year, a.fiscal_year) AS fiscal_year,
               coalesce(b.period, a.period) AS period, coalesce(b.period_kind, a.period_kind) AS period_kind,
               a.value AS old, b.value AS new, b.value - a.value AS difference,
               a.flag AS old_flag, b.flag AS new_flag, a.cell AS old_cell, b.cell AS new_cell
        FROM a FULL OUTER JOIN b ON a.dataset = b.dataset AND a.k = b.k AND a.period_key = b.period_key
        WHERE a.dataset IS NULL OR b.dataset IS NULL
           OR a.value IS DISTINCT FROM b.value OR a.flag IS DISTINCT FROM b.flag
    """
    frame = store.query(sql, [*params, old, new])
    frame = frame[frame["change"].isin(wanted)]
    frame["dimensions"] = [
        "; ".join(f"{k}={v}" for k, v in sorted(dict(d).items())) if d is not None else "" for d in frame["key_dims"]
    ]
    month_first = frame["period_kind"].eq("month")
    frame = (
        frame.assign(_m=~month_first)
        .sort_values(["dataset", "change", "_m", "fiscal_year", "period", "dimensions"])
        .reset_index(drop=True)
    )
    out = frame[DIFF_COLUMNS].copy()
    out.attrs.update({"publisher": publisher.upper(), "old": old, "new": new})
    return out


def summarize_diff(diff: pd.DataFrame) -> pd.DataFrame:
    """Counts per dataset, change and period kind, with the total absolute revision and the largest one."""
    if diff.empty:
        return pd.DataFrame(
            columns=["dataset", "change", "period_kind", "cells", "abs_difference", "max_abs_difference"]
        )
    work = diff.assign(abs_diff=diff["difference"].abs())
    out = (
        work.groupby(["dataset", "change", "period_kind"], sort=True)
        .agg(cells=("change", "size"), abs_difference=("abs_diff", "sum"), max_abs_difference=("abs_diff", "max"))
        .reset_index()
    )
    out.attrs.update(diff.attrs)
    return out
