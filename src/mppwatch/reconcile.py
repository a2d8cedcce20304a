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

import bisect
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from mppwatch.core.rounding import rounding_step, tolerance
from mppwatch.core.text import N_, Template
from mppwatch.errors import MppwatchError, reason_of
from mppwatch.query import PLAIN_COLUMNS, dataset_load_ids, dataset_names, plain_records
from mppwatch.store import Store

SKIPPED = N_("skipped {check}: {reason}")  # a cross-source comparison whose data is not loaded

TOTAL_TYPE = re.compile(r"^published_(?:[a-z]+_)*total$")
NOT_TOTAL = re.compile(r"subtotal|approx")
COARSE_KINDS = ("fiscal_year", "month_range", "year")
COLUMNS = [
    "check", "dataset", "source_id", "period", "key", "published", "computed", "difference", "cells", "tolerance", "note",
]  # fmt: skip

CrossSourceCheck = Callable[[Store], pd.DataFrame]


def _key(dims: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(dims.items()) if k not in ("fiscal_year", "fy_label"))


def _plain(dims: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in dims.items() if k not in ("fiscal_year", "fy_label")}


def _rows_by_dataset(store: Store, datasets: Sequence[str] | None) -> dict[str, list[dict]]:
    """Plain records per dataset, in file order, read in one query.

    Dims come as delimited text and dates as ISO text (they compare the same): far faster to fetch than MAPs
    and date objects.
    """
    out: dict[str, list[dict]] = defaultdict(list)
    parsed: dict[str, dict[str, str]] = {}  # rows of one series share their dims: parse each text once (read-only)
    for r in plain_records(store, datasets):
        row = dict(zip(PLAIN_COLUMNS, r, strict=True))
        text = row["dims"]
        dims = parsed.get(text)
        if dims is None:
            dims = parsed[text] = dict(item.split("\x1f", 1) for item in text.split("\x1e")) if text else {}
        row["dims"] = dims
        out[row["dataset"]].append(row)
    return out


def _dataset_rows(store: Store, dataset: str) -> list[dict]:
    """Plain records of one dataset (a few thousand): faster to scan here than frames of Arrow strings."""
    return _rows_by_dataset(store, [dataset]).get(dataset, [])


class _Index:
    """Rows grouped by a key, then by their values on a set of dimensions: a dictionary lookup replaces a scan.

    Each bucket is sorted by period start, so the rows inside a span are found by bisection.
    """

    def __init__(self, groups: dict[tuple, list[dict]]) -> None:
        self.groups = groups
        self._by: dict[tuple, dict[tuple, _Bucket]] = {}

    def matching(self, group: tuple, dims: dict[str, str], keys: tuple[str, ...]) -> _Bucket:
        """Rows of `group` whose value on every one of `keys` equals `dims`'s (missing on both counts as equal)."""
        index = self._by.get((group, keys))
        if index is None:
            lists: dict[tuple, list[dict]] = defaultdict(list)
            for row in self.groups.get(group, []):
                lists[tuple(row["dims"].get(k) for k in keys)].append(row)
            index = {k: _Bucket(v) for k, v in lists.items()}
            self._by[(group, keys)] = index
        return index.get(tuple(dims.get(k) for k in keys), _EMPTY)


class _Bucket:
    """Rows sorted by period start, with the rows lying inside a span found by bisection."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = sorted(rows, key=lambda r: r["period_start"])
        self.starts = [r["period_start"] for r in self.rows]

    def within(self, start: object, end: object) -> list[dict]:
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_right(self.starts, end)
        return [r for r in self.rows[lo:hi] if r["period_end"] <= end]


_EMPTY = _Bucket([])


def _finding(check: str, dataset: str, total: dict, parts: list[dict], step: int) -> dict | None:
    values = [p["value"] for p in parts if p["value"] is not None]
    if not values or total["value"] is None:
        return None
    computed = float(sum(values))
    difference = float(total["value"]) - computed
    allowed = tolerance(step, len(values))
    if abs(difference) <= allowed:
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
        "tolerance": allowed,
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
    months_by_source: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if row["value"] is not None:
            values_by_source[row["source_id"]].append(row["value"])
        by_span[(row["source_id"], row["period_start"], row["period_end"])].append(row)
        if row["period_kind"] == "month":
            months[(row["source_id"], _key(row["dims"]))].append(row)
            months_by_source[(row["source_id"],)].append(row)
    steps = {sid: rounding_step(vals) for sid, vals in values_by_source.items()}
    spans, month_index = _Index(by_span), _Index(months_by_source)
    month_buckets = {k: _Bucket(v) for k, v in months.items()}
    for total in rows:
        lower_bound = total["row_type"] == INCL_UNLISTED
        if not (lower_bound or _is_total(total["row_type"])):
            continue
        aggregated = {k for k, v in total["dims"].items() if v not in detail_values.get(k, set())}
        if not aggregated:
            continue
        keys = tuple(sorted(k for k in total["dims"] if k not in aggregated))
        span = (total["source_id"], total["period_start"], total["period_end"])
        candidates = spans.matching(span, total["dims"], keys).rows
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
        parts = _months_of(coarse, month_index, month_buckets, detail_values)
        if not parts or any(p["value"] is None for p in parts):
            continue  # a month printed X or NA cannot be summed, so the figure cannot be checked against months
        if f := _finding("period_vs_months", dataset, coarse, parts, steps[coarse["source_id"]]):
            findings.append(f)
    return findings


def _months_of(
    coarse: dict,
    month_index: _Index,
    months: dict[tuple[str, str], _Bucket],
    detail_values: dict[str, set[str]],
) -> list[dict]:
    """The monthly rows a coarse figure sums: same dims and row type, else its monthly totals, else details."""
    start, end = coarse["period_start"], coarse["period_end"]
    same = months.get((coarse["source_id"], _key(coarse["dims"])), _EMPTY).within(start, end)
    same_type = [r for r in same if r["row_type"] == coarse["row_type"]]
    if same_type:
        return same_type
    plain = _plain(coarse["dims"])
    aggregated = {k for k, v in plain.items() if v not in detail_values.get(k, set())}
    if not aggregated:
        return []
    keys = tuple(sorted(k for k in plain if k not in aggregated))
    loose = month_index.matching((coarse["source_id"],), plain, keys).within(start, end)
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
    names = list(datasets) if datasets else dataset_names(store)
    findings: list[dict] = []
    for per_dataset in _cached(store, names).values():
        findings += per_dataset
    frame = pd.DataFrame(findings, columns=COLUMNS)
    extra, skipped = [], []
    for check in cross_source:
        try:
            found = check(store)
            extra.append(found[found["dataset"].isin(names)] if datasets else found)
        except MppwatchError as exc:  # the data this comparison needs is not loaded: said in the reader's language
            skipped.append(
                Template(SKIPPED, check=getattr(check, "__name__", "cross-source check"), reason=reason_of(exc))
            )
    if extra:
        frame = pd.concat([frame, *[e.reindex(columns=COLUMNS) for e in extra]], ignore_index=True)
    frame.attrs["skipped"] = skipped  # Templates: `.render(lang)`
    return frame


_FINDINGS: dict[tuple[str, str, tuple[int, ...]], list[dict]] = {}
_FINDINGS_LOCK = threading.Lock()


def _cached(store: Store, names: Sequence[str]) -> dict[str, list[dict]]:
    """Findings per dataset, kept per database file and load ids: a load never changes once written, so the
    findings of the same loads are the same, and a new load (new ids) is checked afresh."""
    path = str(Path(store.path).resolve())
    ids = dataset_load_ids(store)
    keys = {d: (path, d, ids.get(d, ())) for d in names}
    with _FINDINGS_LOCK:
        out = {d: _FINDINGS[k] for d, k in keys.items() if k in _FINDINGS}
    todo = [d for d in names if d not in out]
    if todo:
        rows = _rows_by_dataset(store, todo if len(todo) < len(names) else None)
        fresh = {d: _check_dataset(d, rows.get(d, [])) for d in todo}
        with _FINDINGS_LOCK:
            for d, found in fresh.items():
                _FINDINGS[keys[d]] = found
        out.update(fresh)
    return {d: [dict(f) for f in out[d]] for d in names}
