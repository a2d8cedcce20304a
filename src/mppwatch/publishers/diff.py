"""What a new edition of a publisher's workbook changed: revised cells, and rows added or removed.

Cells are matched on (dataset, dimensions without `edition`/`fy_label`, period). Fiscal-year totals
are matched on their fiscal year, so "FY2024 YTD" in one edition meets "FY2024" in a later one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mppwatch import query
from mppwatch.core.text import N_
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


UNKNOWN_PUBLISHER = N_("unknown publisher {publisher}; known: {known}")
NO_EDITION = N_(
    "no {publisher} edition {edition} in {db}; loaded: {held} (load one with `mppwatch load-workbook FILE.xlsx`)"
)
UNKNOWN_CHANGE = N_("unknown change {change}; expected {changes}")


def _prefix(publisher: str) -> str:
    try:
        return PUBLISHERS[publisher.casefold()]
    except KeyError:
        known = ", ".join(p.upper() for p in PUBLISHERS)
        raise DiffError(UNKNOWN_PUBLISHER, publisher=repr(publisher), known=known) from None


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
            loaded = ", ".join(held) or "none"
            raise DiffError(NO_EDITION, publisher=publisher.upper(), edition=repr(edition), db=store.path, held=loaded)
    wanted = list(changes or CHANGES)
    if bad := [c for c in wanted if c not in CHANGES]:
        raise DiffError(UNKNOWN_CHANGE, change=repr(bad[0]), changes=", ".join(CHANGES))
    frame = query.edition_changes(store, prefix, datasets, old, new)
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
