"""Compare every published total with the sum of its parts, and list the ones that do not add up.

Three checks, all generic:
- `total_vs_parts`: a published total against the rows of the same source, period and span whose dimensions
  match it. A part printed X (not applicable) counts as none; a part printed NA makes the total uncheckable. A dimension the total aggregates over is one whose value (e.g. "Total", "All", "Total Encounters")
  never appears on a detail row. Published components are its parts when present, else the details.
- `total_below_parts`: a total that its notes say includes parts not printed (`published_total_incl_unlisted`)
  can exceed its printed parts but never fall short of them.
- `period_vs_months`: a fiscal-year, multi-month or yearly figure against the months it spans (same source and
  dimensions; a total's own monthly totals when the months carry them).
Rounded tables (every value a multiple of 10, as OHSS publishes) get a tolerance of 5 per cell summed, plus 5.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

import pandas as pd

from mppwatch.errors import MppwatchError
from mppwatch.store import Store

TOTAL_TYPE = re.compile(r"^published_(?:[a-z]+_)*total$")
NOT_TOTAL = re.compile(r"subtotal|approx")
COARSE_KINDS = ("fiscal_year", "month_range", "year")
COLUMNS = [
    "check", "dataset", "source_id", "period", "key", "published", "computed", "difference", "cells", "tolerance", "note",
]  # fmt: skip

CrossSourceCheck = Callable[[Store], pd.DataFrame]


def _key(dims: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(dims.items()) if k not in ("fiscal_year", "fy_label"))


def _rounding_step(values: pd.Series) -> int:
    """10 when a table's figures are all multiples of 10 (rounded by the publisher), else 0."""
    vals = values.dropna()
    return 10 if len(vals) >= 20 and bool((vals % 10 == 0).all()) else 0


def _matches(total: dict[str, str], part: dict[str, str], aggregated: set[str]) -> bool:
    return all(k in aggregated or part.get(k) == v for k, v in total.items())


def _plain(dims: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in dims.items() if k not in ("fiscal_year", "fy_label")}


def _dataset_rows(store: Store, dataset: str) -> list[dict]:
    """Plain records (a few thousand per dataset): faster to scan here than frames of Arrow strings."""
    cur = store.con.execute(
        """SELECT source_id, period, period_kind, period_start, period_end, row_type, flag, note, dims, value
           FROM observations WHERE dataset = ? ORDER BY line""",
        [dataset],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in rows:
        row["dims"] = dict(row["dims"])
    return rows


def _finding(check: str, dataset: str, total: dict, parts: list[dict], step: int) -> dict | None:
    values = [p["value"] for p in parts if p["value"] is not None]
    if not values or total["value"] is None:
        return None
    computed = float(sum(values))
    difference = float(total["value"]) - computed
    tolerance = step / 2 * (len(values) + 1) if step else 0.0
    if abs(difference) <= tolerance:
        return None
    return {
        "check": check,
        "dataset": dataset,
        "source_id": total["source_id"],
        "period": total["period"],
        "key": _key(total["dims"]),
        "published": float(total["value"]),
        "computed": computed,
        "difference": difference,
        "cells": len(values),
        "tolerance": tolerance,
        "note": total["note"],
    }


INCL_UNLISTED = "published_total_incl_unlisted"


def _is_total(row_type: str) -> bool:
    return bool(TOTAL_TYPE.match(row_type)) and not NOT_TOTAL.search(row_type)


def _check_dataset(dataset: str, rows: list[dict]) -> list[dict]:
    findings: list[dict] = []
    detail_values: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if not row["row_type"].startswith("published_"):
            for k, v in row["dims"].items():
                detail_values[k].add(v)
    values_by_source: dict[str, list[float]] = defaultdict(list)
    by_span: dict[tuple, list[dict]] = defaultdict(list)
    months: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        if row["value"] is not None:
            values_by_source[row["source_id"]].append(row["value"])
        by_span[(row["source_id"], row["period_start"], row["period_end"])].append(row)
        if row["period_kind"] == "month":
            months[(row["source_id"], _key(row["dims"]))].append(row)
    steps = {sid: _rounding_step(pd.Series(vals, dtype="float64")) for sid, vals in values_by_source.items()}
    month_rows = [r for r in rows if r["period_kind"] == "month"]
    for total in rows:
        lower_bound = total["row_type"] == INCL_UNLISTED
        if not (lower_bound or _is_total(total["row_type"])):
            continue
        aggregated = {k for k, v in total["dims"].items() if v not in detail_values.get(k, set())}
        if not aggregated:
            continue
        same_span = by_span[(total["source_id"], total["period_start"], total["period_end"])]
        candidates = [r for r in same_span if _matches(total["dims"], r["dims"], aggregated)]
        parts = [r for r in candidates if r["row_type"] == "published_component"]
        parts = parts or [r for r in candidates if not r["row_type"].startswith("published_")]
        if any(p["value"] is None and p["flag"] != "not_applicable" for p in parts):
            continue  # a part printed NA (not available) cannot be summed; X (not applicable) counts as none
        check = "total_below_parts" if lower_bound else "total_vs_parts"
        if parts and (f := _finding(check, dataset, total, parts, steps[total["source_id"]])):
            if not (lower_bound and f["difference"] > 0):  # more than the printed parts is what such a total says
                findings.append(f)
    for coarse in rows:
        if coarse["period_kind"] not in COARSE_KINDS:
            continue
        parts = _months_of(coarse, month_rows, months, detail_values)
        if not parts or any(p["value"] is None for p in parts):
            continue  # a month printed X or NA cannot be summed, so the figure cannot be checked against months
        if f := _finding("period_vs_months", dataset, coarse, parts, steps[coarse["source_id"]]):
            findings.append(f)
    return findings


def _months_of(
    coarse: dict,
    month_rows: list[dict],
    months: dict[tuple[str, str], list[dict]],
    detail_values: dict[str, set[str]],
) -> list[dict]:
    """The monthly rows a coarse figure sums: same dims and row type, else its monthly totals, else details."""

    def within(candidates: list[dict]) -> list[dict]:
        return [
            r
            for r in candidates
            if r["source_id"] == coarse["source_id"]
            and r["period_start"] >= coarse["period_start"]
            and r["period_end"] <= coarse["period_end"]
        ]

    same = within(months.get((coarse["source_id"], _key(coarse["dims"])), []))
    same_type = [r for r in same if r["row_type"] == coarse["row_type"]]
    if same_type:
        return same_type
    plain = _plain(coarse["dims"])
    aggregated = {k for k, v in plain.items() if v not in detail_values.get(k, set())}
    if not aggregated:
        return []
    loose = [r for r in within(month_rows) if _matches(plain, r["dims"], aggregated)]
    totals = [r for r in loose if TOTAL_TYPE.match(r["row_type"])]
    return totals or [r for r in loose if not r["row_type"].startswith("published_")]


def reconcile(
    store: Store,
    datasets: Sequence[str] | None = None,
    cross_source: Sequence[CrossSourceCheck] = (),
) -> pd.DataFrame:
    """Every published total that differs from the sum of its parts by more than rounding allows.

    `cross_source` adds comparisons between publishers (e.g. OHSS MPP book-outs by citizenship against INM's
    nationality totals); each returns rows in the same columns. With `datasets`, only findings about those datasets
    are kept, cross-source ones included.
    """
    names = list(datasets) if datasets else [r[0] for r in store.con.execute(
        "SELECT DISTINCT dataset FROM observations ORDER BY 1").fetchall()]  # fmt: skip
    findings: list[dict] = []
    for dataset in names:
        findings += _check_dataset(dataset, _dataset_rows(store, dataset))
    frame = pd.DataFrame(findings, columns=COLUMNS)
    extra, skipped = [], []
    for check in cross_source:
        try:
            found = check(store)
            extra.append(found[found["dataset"].isin(names)] if datasets else found)
        except MppwatchError as exc:  # the data this comparison needs is not loaded
            skipped.append(f"{getattr(check, '__name__', 'cross-source check')}: {exc}")
    if extra:
        frame = pd.concat([frame, *[e.reindex(columns=COLUMNS) for e in extra]], ignore_index=True)
    frame.attrs["skipped"] = skipped
    return frame
