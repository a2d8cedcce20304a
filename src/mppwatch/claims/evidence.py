"""Evidence for a claim: the figure the data gives, as a point and a range, with its sources and steps.

Aggregations: `sum` (a flow over a period), `cumulative` (a running count as of a date: INM/press snapshots
through `metrics.returns`, or a flow dataset summed from the start of its current run), `latest` (the most
recent dated figure), `share`/`ratio` (numerator over denominator from the same source and date), `max`
(the highest month in a window, optionally per day) and `first` (the date a count starts).

An `Evidence` is `exact` (a published figure), an `estimate` (an interpolation: the truth lies in [lo, hi]),
or a `window` (the claim is dated only to a month, during which the figure took every value in [lo, hi]).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from mppwatch import catalog, metrics, query
from mppwatch.claims.spec import Period
from mppwatch.claims.text import Bi, Msg, Text, msg
from mppwatch.core.periods import month_end
from mppwatch.core.rounding import rounding_step
from mppwatch.core.text import fold
from mppwatch.returns import NOT_PERSONS, snapshots
from mppwatch.returns import SNAPSHOT_ROW_TYPES as SNAPSHOT_ROW_TYPES  # one definition, in returns
from mppwatch.store import Store

RETURNS_ROLE = "returns_snapshots"  # the data-package role of cumulative-returns snapshot datasets
MAX_INTERPOLATION_GAP = 45  # days between snapshots beyond which an interpolated point does not decide
STALE_DAYS = 31  # a dated figure this much older than the claim still counts as "latest"
FLOW_ROW_TYPES = ("detail", "monthly")
TOTAL_ROW_TYPES = ("published_total", "published_grand_total")


class NoEvidence(Exception):
    """The loaded data cannot give this figure: `why` says why and `would` what data would, in either language."""

    def __init__(self, why: Text, would: Text | None = None) -> None:
        super().__init__(why.render("en"))
        self.why, self.would = why, would


@dataclass
class Evidence:
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    mode: str = "exact"  # exact | estimate | window | date
    date: str = ""
    sources: set[str] = field(default_factory=set)
    steps: list[Msg] = field(default_factory=list)
    gap_days: int = 0
    value_text: str = ""  # a date, for `first`
    abs_tol: float = 0.0  # the publisher's rounding step, summed over the cells used (exact claims only)
    approx_date: bool = False  # a published figure whose date is known only to its month
    # other lines of evidence: (what, value); value None when it is only shown, not compared
    corroboration: list[tuple[Msg, float | None]] = field(default_factory=list)
    bound: str = ""  # "lower": the true figure is at least `value`; "upper": at most (decides one direction only)
    bridge: Text | None = None  # the assumption that makes a different measure stand for the claim's (low confidence)
    bridge_bound: str = ""  # "upper": the bridged measure is a ceiling on the claim's (enrolments >= returns)
    requires: list[tuple[Msg, bool | None]] = field(default_factory=list)  # further conditions (peak month, rank)
    perturbed: int = 0  # court figures: the published value is the true one plus noise of up to ± this much

    @property
    def is_estimate(self) -> bool:
        return self.mode in ("estimate", "window")


class Context:
    """A store plus per-run caches (returns as of a day, dimension values, rounding steps)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._returns: dict[tuple[date, str | None], pd.DataFrame] = {}
        self._values: dict[tuple[str, str], list[str]] = {}
        self._dims: dict[str, list[str]] = {}
        self._steps: dict[str, float] = {}
        self._loaded: set[str] | None = None
        self._points: dict[str | None, pd.DataFrame] = {}

    @property
    def loaded(self) -> set[str]:
        if self._loaded is None:
            self._loaded = set(query.dataset_names(self.store))
        return self._loaded

    def dims(self, dataset: str) -> list[str]:
        if dataset not in self._dims:
            self._dims[dataset] = metrics.dimensions(self.store, dataset)
        return self._dims[dataset]

    def values(self, dataset: str, dim: str) -> list[str]:
        key = (dataset, dim)
        if key not in self._values:
            self._values[key] = query.distinct_values(self.store, dataset, dim)
        return self._values[key]

    def rounding(self, dataset: str) -> float:
        """The publisher's rounding step (10 for OHSS tables), found from the values themselves."""
        if dataset not in self._steps:
            vals = query.nonzero_values(self.store, dataset)
            self._steps[dataset] = float(rounding_step(vals) or 1)  # the one detector (core.rounding)
        return self._steps[dataset]

    def role(self, role: str) -> list[str]:
        """The loaded datasets that play a data-package role (`catalog.with_role`), once per run."""
        roles: dict[str, list[str]] = self.__dict__.setdefault("_roles", {})
        if role not in roles:
            roles[role] = catalog.with_role(self.store, role)
        return roles[role]

    def roles_of(self, dataset: str | None) -> tuple[str, ...]:
        """The roles a loaded dataset plays (none for an unknown name), once per run and dataset."""
        known: dict[str, tuple[str, ...]] = self.__dict__.setdefault("_roles_of", {})
        key = dataset or ""
        if key not in known:
            record = catalog.catalog(self.store).get(key)
            known[key] = record.roles if record is not None else ()
        return known[key]

    def return_datasets(self) -> list[str]:
        """Snapshot datasets of cumulative returns: every loaded dataset with the role `returns_snapshots`."""
        return self.role(RETURNS_ROLE)

    def snapshots(self, by: str | None) -> pd.DataFrame:
        """`returns.snapshots` of the return datasets (per city when `by`), read once per run; callers get a copy."""
        cache: dict[str | None, pd.DataFrame] = self.__dict__.setdefault("_snapshots", {})
        if by not in cache:
            cache[by] = snapshots(self.store, self.return_datasets(), by)
        return cache[by].copy()

    def points(self, by: str | None) -> pd.DataFrame:
        """The snapshots `metrics.returns` interpolates between: one value per place and date (median)."""
        if by not in self._points:
            frame = self.snapshots(by)
            grouped = frame.groupby(["geo", "date"], as_index=False)["value"].median()
            self._points[by] = pd.DataFrame(grouped).sort_values(["geo", "date"]).reset_index(drop=True)
        return self._points[by]

    def _place(self, geo: str | None) -> pd.DataFrame:
        points = self.points("city" if geo else None)
        return points[points["geo"] == geo] if geo else points

    def snapshot_value(self, geo: str | None, day: date) -> float | None:
        hit = self._place(geo)
        hit = hit[hit["date"] == day]
        return float(hit["value"].iloc[0]) if not hit.empty else None

    def neighbours(self, geo: str | None, day: date) -> tuple[tuple[date | None, float | None], ...]:
        """The nearest snapshot strictly before and strictly after `day`: ((date, value), (date, value))."""
        place = self._place(geo)
        before, after = place[place["date"] < day], place[place["date"] > day]
        b = (before["date"].iloc[-1], float(before["value"].iloc[-1])) if not before.empty else (None, None)
        a = (after["date"].iloc[0], float(after["value"].iloc[0])) if not after.empty else (None, None)
        return b, a

    def returns(self, day: date, by: str | None) -> pd.DataFrame:
        key = (day, by)
        if key not in self._returns:
            datasets = self.return_datasets()
            if not datasets:
                raise NoEvidence(msg("no_returns_loaded"), msg("want_returns_loaded"))
            self._returns[key] = metrics.returns(self.store, day, by=by, datasets=datasets)
        return self._returns[key]


def resolve_where(ctx: Context, dataset: str, where: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Map filter values onto the dataset's own spelling (case and accents ignored); unknown ones raise."""
    if dataset not in ctx.loaded:
        raise NoEvidence(msg("no_dataset", dataset=dataset), msg("want_dataset", dataset=dataset))
    dims = ctx.dims(dataset)
    out: dict[str, list[str]] = {}
    for col, vals in where.items():
        if col in metrics.KEY_COLUMNS:
            out[col] = list(vals)
            continue
        if col not in dims:
            raise NoEvidence(msg("no_column", dataset=dataset, column=col, columns=", ".join(dims)))
        known = {fold(v): v for v in ctx.values(dataset, col)}
        resolved = []
        for v in vals:
            if fold(v) not in known:
                raise NoEvidence(
                    msg("no_value", dataset=dataset, column=col, value=v),
                    msg("want_value", dataset=dataset, column=col, value=v),
                )
            resolved.append(known[fold(v)])
        out[col] = resolved
    return out


def where_text(where: Mapping[str, Sequence[str]]) -> Text:
    """Filters as `column=value|value, ...` (names and values as in the data), or "(all rows)" in either language."""
    text = ", ".join(f"{k}={'|'.join(v)}" for k, v in where.items())
    return Bi(text, text) if text else msg("all_rows")


def months_between(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --------------------------------------------------------------------------------------------------
# Cumulative returns (snapshots through metrics.returns)


def _geo_row(ctx: Context, day: date, geo: str | None) -> dict[str, Any]:
    frame = ctx.returns(day, "city" if geo else None)
    if geo:
        frame = frame[frame["city"] == geo]
    if frame.empty:
        return {"value": None, "method": "", "is_estimate": True, "no_place": True}
    return dict(frame.iloc[0])


def returns_point(ctx: Context, day: date, geos: Sequence[str] | None) -> Evidence:
    """Cumulative returns on `day`, summed over cities (national when `geos` is empty)."""
    places: list[str | None] = list(geos) if geos else [None]
    parts = [_returns_geo(ctx, day, g) for g in places]
    if len(parts) == 1:
        return parts[0]
    ev = Evidence(mode="exact", date=day.isoformat())
    total = lo = hi = 0.0
    for p in parts:
        assert p.value is not None and p.lo is not None and p.hi is not None
        total, lo, hi = total + p.value, lo + p.lo, hi + p.hi
        ev.sources |= p.sources
        ev.steps += p.steps
        ev.gap_days = max(ev.gap_days, p.gap_days)
        if p.mode != "exact":
            ev.mode = "estimate"
        ev.approx_date = ev.approx_date or p.approx_date
    ev.value, ev.lo, ev.hi = total, lo, hi
    ev.steps.append(msg("sum_geos", geos=" + ".join(g for g in geos or []), value=total))
    return ev


def _returns_geo(ctx: Context, day: date, geo: str | None) -> Evidence:
    name: Text = place_name(geo)
    row = _geo_row(ctx, day, geo)
    value = row.get("value")
    method = str(row.get("method", ""))
    sources = set(str(row.get("source_ids") or "").split())
    if value is None or pd.isna(value):
        raise NoEvidence(
            msg("no_returns", geo=name, date=day, why=_no_returns_why(row)),
            msg("want_returns_near", geo=name, date=day),
        )
    value = float(value)
    if method.startswith("before the programme"):
        return Evidence(0.0, 0.0, 0.0, "exact", day.isoformat(), set(), [msg("before_start", geo=name, date=day)])
    if not row.get("is_estimate"):
        ev = Evidence(value, value, value, "exact", day.isoformat(), sources)
        ev.steps.append(msg("snapshot", geo=name, value=value, date=day, sources=" ".join(sorted(sources))))
        _corroborate_snapshot(ctx, day, geo, ev)
        return ev
    before, after = row.get("before_date"), row.get("after_date")
    if before is not None and after is not None and not pd.isna(before) and before != after:
        b, a = _as_date(before), _as_date(after)
        bv, av = ctx.snapshot_value(geo, b), ctx.snapshot_value(geo, a)
        lo, hi = (bv if bv is not None else value), (av if av is not None else value)
        ev = Evidence(value, min(lo, hi), max(lo, hi), "estimate", day.isoformat(), sources, gap_days=(a - b).days)
        ev.steps.append(
            msg(
                "interpolated",
                geo=name,
                value=value,
                before_value=lo,
                before=b,
                after_value=hi,
                after=a,
                sources=" ".join(sorted(sources)),
            )  # fmt: skip
        )
        ev.steps.append(msg("bracket", lo=ev.lo, hi=ev.hi))
    else:
        # A snapshot whose date is approximate: the figure on the day lies between the exact snapshots around it.
        ev = Evidence(value, value, value, "estimate", day.isoformat(), sources, gap_days=10_000)
        ev.steps.append(msg("snapshot_approx", geo=name, value=value, date=day, sources=" ".join(sorted(sources))))
        (_, bv), (_, av) = ctx.neighbours(geo, day)
        ev.lo = min(value, bv) if bv is not None else value
        ev.hi = max(value, av) if av is not None else math.inf
        ev.approx_date = True
        if math.isinf(ev.hi):
            ev.steps.append(msg("bracket_open", lo=ev.lo))
        else:
            ev.steps.append(msg("bracket", lo=ev.lo, hi=ev.hi))
    backcast = _backcast(ctx, day, geo)
    if backcast is not None:
        # Published figures minus a published flow: exact arithmetic, better than an interpolation.
        bc_value, bc_steps, bc_sources = backcast
        ev.corroboration.append((msg("alt_interpolation", value=value), value))
        ev = Evidence(bc_value, bc_value, bc_value, "exact", day.isoformat(), bc_sources, bc_steps + ev.steps)
    return ev


def place_name(geo: str | None) -> Text:
    """A city as the data spells it, or "Mexico (all points)" in either language for the national figure."""
    return Bi(geo, geo) if geo else msg("place_mexico")


def _no_returns_why(row: Mapping[str, Any]) -> Msg:
    """Why `metrics.returns` gave no figure (its own `method` text is English only)."""
    if row.get("no_place"):
        return msg("why_no_place")
    after = row.get("after_date")
    if not _known(after):
        return msg("why_none_after")
    return msg("why_before_first", date=_as_date(after))


def _corroborate_snapshot(ctx: Context, day: date, geo: str | None, ev: Evidence) -> None:
    """Beside a snapshot on the day: the back-cast and the nearest snapshots on either side."""
    name = place_name(geo)
    backcast = _backcast(ctx, day, geo)
    if backcast is not None:
        bc_value, bc_steps, bc_sources = backcast
        ev.steps += bc_steps
        ev.corroboration.append((msg("alt_backcast", value=bc_value), bc_value))
        ev.sources |= bc_sources
    (b, bv), (a, av) = ctx.neighbours(geo, day)
    if b is not None and a is not None and bv is not None and av is not None:
        ev.steps.append(msg("nearest", geo=name, lo=bv, before=b, hi=av, after=a))
        ev.corroboration.append((msg("alt_bracket", lo=bv, hi=av), None))


def _known(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def _as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _backcast(ctx: Context, day: date, geo: str | None) -> tuple[float, list[Msg], set[str]] | None:
    """A later exact snapshot minus a published count for exactly (day, later]: the figure on `day`."""
    rows = query.day_subperiods_from(ctx.store, ctx.return_datasets(), day + timedelta(days=1))
    for r in rows.itertuples(index=False):
        city = str(r.city or "")
        if (geo is None and fold(city) != "all") or (geo is not None and fold(city) != fold(geo)):
            continue
        end = _as_date(r.period_end)
        later = _geo_row(ctx, end, geo)
        if later.get("value") is None or pd.isna(later["value"]) or later.get("is_estimate"):
            continue
        flow = float(r.value)  # type: ignore[arg-type]
        value = float(later["value"]) - flow
        sources = {*str(later.get("source_ids") or "").split(), str(r.source_id)}
        step = msg(
            "backcast", later=float(later["value"]), later_date=end, flow=flow,
            flow_start=_as_date(r.period_start), flow_end=end, value=value, sources=" ".join(sorted(sources)),
        )  # fmt: skip
        return value, [step], sources
    return None


def returns_snapshots_in(ctx: Context, period: Period, geos: Sequence[str] | None) -> list[tuple[date, float, str]]:
    """Exact-day snapshots dated inside a period, summed over the places (only days all places share)."""
    frame = ctx.snapshots("city" if geos else None)
    frame = frame[(frame["date"] >= period.start) & (frame["date"] <= period.end)]
    if geos:
        frame = frame[frame["geo"].isin(list(geos))]
    out = []
    for day, group in frame.groupby("date"):
        if geos and set(group["geo"]) != set(geos):
            continue
        value = group.groupby("geo")["value"].median().sum()
        out.append((_as_date(day), float(value), " ".join(sorted(set(group["source_id"])))))
    return out


def returns_cumulative(ctx: Context, period: Period, geos: Sequence[str] | None) -> Evidence:
    """Cumulative returns as of a day, or across a month/year the claim is dated to (a window)."""
    if period.start == period.end:
        return returns_point(ctx, period.end, geos)
    first = returns_point(ctx, period.start, geos)
    last = returns_point(ctx, period.end, geos)
    inside = returns_snapshots_in(ctx, period, geos)
    # A figure dated only to the claim's own month lies inside the window: it counts as a value taken there.
    usable = all(e.mode == "exact" or e.gap_days <= MAX_INTERPOLATION_GAP or e.approx_date for e in (first, last))
    ev = Evidence(last.value, date=period.text, sources=first.sources | last.sources)
    ev.steps = first.steps + last.steps
    for day, value, sources in inside:
        ev.sources |= set(sources.split())
        ev.steps.append(msg("snapshot_inside", period=period.text, value=value, date=day, sources=sources))
    if usable:
        values = [v for v in (first.value, last.value, *(x[1] for x in inside)) if v is not None]
        ev.lo, ev.hi, ev.mode = min(values), max(values), "window"
        ev.steps.append(msg("window", period=period.text, lo=ev.lo, hi=ev.hi))
    else:
        ev.lo = min(x for x in (first.lo, last.lo) if x is not None)
        ev.hi = max(x for x in (first.hi, last.hi) if x is not None)
        ev.mode, ev.gap_days = "estimate", max(first.gap_days, last.gap_days)
    return ev


def returns_flow(ctx: Context, period: Period, geos: Sequence[str] | None) -> Evidence:
    """Returns during a period: the cumulative figure at its end minus the one the day before it starts."""
    end = returns_point(ctx, period.end, geos)
    start_day = period.start - timedelta(days=1)
    start = returns_point(ctx, start_day, geos)
    assert end.value is not None and start.value is not None
    value = end.value - start.value
    lo = (end.lo or end.value) - (start.hi if start.hi is not None else start.value)
    hi = (end.hi or end.value) - (start.lo if start.lo is not None else start.value)
    mode = "exact" if end.mode == start.mode == "exact" else "estimate"
    ev = Evidence(value, lo, hi, mode, period.text, end.sources | start.sources)
    ev.steps = start.steps + end.steps
    ev.steps.append(
        msg("difference", end_value=end.value, end=period.end, start_value=start.value, start=start_day, value=value)
    )
    ev.gap_days = max(end.gap_days, start.gap_days)
    return ev


def returns_first(ctx: Context, geos: Sequence[str] | None) -> Evidence:
    """The day the published cumulative counts start (the programme's first return at these places)."""
    rows = query.positive_snapshot_rows(ctx.store, ctx.return_datasets())
    rows = rows[~rows["note"].fillna("").str.contains(NOT_PERSONS)]
    if geos:
        rows = rows[rows["city"].map(lambda c: fold(str(c)) in {fold(g) for g in geos})]
    if rows.empty:
        raise NoEvidence(msg("no_first_count"), msg("want_first_count"))
    first = _as_date(rows["period_start"].min())
    sources = set(rows.loc[pd.to_datetime(rows["period_start"]).dt.date == first, "source_id"])
    ev = Evidence(mode="date", date=first.isoformat(), sources=sources, value_text=first.isoformat())
    ev.steps.append(msg("first_date", value=first, sources=" ".join(sorted(sources))))
    return ev


# --------------------------------------------------------------------------------------------------
# Flow datasets (monthly / fiscal-year tables)


def _period_kinds(ctx: Context, dataset: str) -> set[str]:
    return query.period_kinds(ctx.store, dataset)


def memo(ctx: Context, key: tuple[Any, ...], make: Any) -> pd.DataFrame:
    """A frame computed once per check run (a Context) for the same arguments; callers get a copy."""
    cache: dict[tuple[Any, ...], pd.DataFrame] = ctx.__dict__.setdefault("_memo", {})
    if key not in cache:
        cache[key] = make()
    return cache[key].copy()


def _key(where: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in where.items()))


def cells(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    start: date,
    end: date,
    kind: str,
    row_type: str | None = None,
) -> pd.DataFrame:
    """One figure per period: the published total when the selection has one, else the sum of its details."""
    key = ("cells", dataset, _key(where), start, end, kind, row_type)
    return memo(ctx, key, lambda: _cells(ctx, dataset, where, start, end, kind, row_type))


def _cells(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    start: date,
    end: date,
    kind: str,
    row_type: str | None = None,
) -> pd.DataFrame:
    rows = metrics.select(ctx.store, dataset, where, start, end, row_type=None, period_kind=kind)
    allowed = (row_type,) if row_type else (*FLOW_ROW_TYPES, *TOTAL_ROW_TYPES)
    rows = rows[rows["row_type"].isin(allowed)]
    columns = ["period", "period_start", "period_end", "value", "n", "total", "sources"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # per period: its published total rows when it has any (and no row type is asked for), else its details
    is_total = rows["row_type"].isin(TOTAL_ROW_TYPES)
    has_total = is_total.groupby(rows["period"]).transform("any") & (row_type is None)
    use = rows[~has_total | is_total].assign(
        has_value=lambda f: f["value"].notna(),
        # "X" (not applicable) cells are published zeros: MPP book-outs while the programme was suspended
        not_applicable=lambda f: f["flag"] == "not_applicable",
        total=has_total,
    )
    g = use.groupby("period", sort=False)
    frame = pd.DataFrame(
        {
            "period_start": g["period_start"].first().map(_as_date),
            "period_end": g["period_end"].first().map(_as_date),
            "value": g["value"].sum(min_count=1).astype(float),
            "n": g["has_value"].sum().astype(int),
            "na": g["not_applicable"].all(),
            "total": g["total"].first().astype(bool),
            "sources": g["source_id"].agg(lambda ids: " ".join(sorted(set(ids)))),
        }
    )
    frame["value"] = frame["value"].where(frame["n"] > 0, frame["na"].map({True: 0.0, False: float("nan")}))
    frame = frame.rename_axis("period").reset_index()
    frame["period"] = frame["period"].astype(str)
    return frame[columns].sort_values("period_start").reset_index(drop=True)


def flow_sum(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    period: Period,
    per: str | None = None,
    row_type: str | None = None,
) -> Evidence:
    """A flow over a period: a fiscal-year total when one is published, else the sum of its months."""
    kinds = _period_kinds(ctx, dataset)
    wtext = where_text(where)
    if period.kind == "fiscal_year" and "fiscal_year" in kinds:
        frame = cells(ctx, dataset, where, period.start, period.end, "fiscal_year", row_type)
        frame = frame[frame["value"].notna()]
        if not frame.empty:
            return _flow_evidence(ctx, dataset, wtext, frame, period, per, period.text)
    if "month" not in kinds:
        raise NoEvidence(msg("no_monthly_sum", dataset=dataset, period=period.text))
    first_month = period.start if period.start.day == 1 else month_end(period.start) + timedelta(days=1)
    last_month = period.end if period.end == month_end(period.end) else date(period.end.year, period.end.month, 1)
    frame = cells(ctx, dataset, where, period.start, period.end, "month", row_type)
    wanted = months_between(first_month, last_month - timedelta(days=1)) if last_month > first_month else []
    if period.end == month_end(period.end):
        wanted = months_between(first_month, period.end)
    got = set(frame.loc[frame["value"].notna(), "period"])
    missing = [m for m in wanted if m not in got]
    if not wanted:
        raise NoEvidence(
            msg("shorter_than_month", period=period.text, dataset=dataset), msg("want_daily", dataset=dataset)
        )
    if missing:
        first, last = _coverage(ctx, dataset, where)
        months = ", ".join(missing[:4]) + ("…" if len(missing) > 4 else "")
        raise NoEvidence(
            msg("no_months", dataset=dataset, where=wtext, months=months, first=first, last=last),
            msg("want_months", dataset=dataset, start=missing[0], end=missing[-1]),
        )
    frame = frame[frame["period"].isin(wanted)]
    ev = _flow_evidence(ctx, dataset, wtext, frame, period, per, f"{wanted[0]}..{wanted[-1]}")
    if wanted[0] != period.start.strftime("%Y-%m") or wanted[-1] != period.end.strftime("%Y-%m"):
        ev.steps.append(msg("whole_months", start=wanted[0], end=wanted[-1]))
        ev.mode = "estimate"
    return ev


def _coverage(ctx: Context, dataset: str, where: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    rows = metrics.select(ctx.store, dataset, where, row_type=None)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return "-", "-"
    return str(rows["period"].iloc[0]), str(rows["period"].iloc[-1])


def _flow_evidence(
    ctx: Context, dataset: str, wtext: Text, frame: pd.DataFrame, period: Period, per: str | None, span: str
) -> Evidence:
    value = float(frame["value"].sum())
    sources = {s for cell in frame["sources"] for s in cell.split()}
    ev = Evidence(
        value, value, value, "exact", span.split("..")[0] if len(set(span.split(".."))) == 1 else span, sources
    )
    if len(frame) == 1:
        ev.steps.append(
            msg(
                "cells_total",
                dataset=dataset,
                where=wtext,
                value=value,
                period=frame["period"].iloc[0],
                sources=" ".join(sorted(sources)),
            )  # fmt: skip
        )
    else:
        ev.steps.append(
            msg(
                "cells",
                dataset=dataset,
                where=wtext,
                n=len(frame),
                periods=span,
                value=value,
                sources=" ".join(sorted(sources)),
            )  # fmt: skip
        )
    step = ctx.rounding(dataset)
    if step > 1:
        ev.abs_tol = step * int(frame["n"].sum() if not frame["total"].all() else len(frame))
        ev.steps.append(msg("rounded", dataset=dataset, step=step, tol=f"±{ev.abs_tol:,.0f}"))
    if per == "day":
        days = (period.end - period.start).days + 1
        rate = value / days
        ev.steps.append(msg("per_day", value=value, days=days, rate=round(rate, 2)))
        ev.value = ev.lo = ev.hi = rate
        ev.abs_tol = ev.abs_tol / days
    return ev


def flow_cumulative(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    as_of: Period,
    since: Period | None = None,
    row_type: str | None = None,
) -> Evidence:
    """A running total as of a date from a flow table: a published cumulative figure (back-cast by later
    months if it runs past the date) or else the months summed from the start of the current run."""
    day = as_of.end
    monthly = cells(ctx, dataset, where, date(1900, 1, 1), month_end(day), "month", row_type)
    monthly = monthly[monthly["value"].notna()]
    if monthly.empty:
        first, last = _coverage(ctx, dataset, where)
        raise NoEvidence(
            msg("no_monthly_to", dataset=dataset, where=where_text(where), date=day, first=first, last=last),
            msg("want_figures_to", dataset=dataset, date=day),
        )
    first, last = _coverage(ctx, dataset, where)
    if str(monthly["period"].iloc[-1]) < day.strftime("%Y-%m") and (day - monthly["period_end"].iloc[-1]).days > 0:
        raise NoEvidence(
            msg("ends_before", dataset=dataset, where=where_text(where), period=monthly["period"].iloc[-1], date=day),
            msg("want_count_through", dataset=dataset, date=day),
        )
    if since is not None:
        start = date(since.start.year, since.start.month, 1)
        run_msg = msg("counted_from", start=since.text)
    else:
        start = _run_start(monthly, day)
        run_msg = msg("run_start", start=start.strftime("%Y-%m"))
    in_run = monthly[(monthly["period_start"] >= start) & (monthly["period_end"] <= day)]
    partial = monthly[(monthly["period_start"] <= day) & (monthly["period_end"] > day)]
    flows_value = float(in_run["value"].sum())
    sources = {s for cell in in_run["sources"] for s in cell.split()}
    steps = [run_msg, msg("sum_of_flows", start=start.strftime("%Y-%m"), end=_last(in_run, day), value=flows_value)]
    ev = Evidence(flows_value, flows_value, flows_value, "exact", day.isoformat(), sources, steps)
    if not partial.empty:
        extra = float(partial["value"].iloc[0])
        ev.lo, ev.hi, ev.mode = flows_value, flows_value + extra, "estimate"
        ev.value = flows_value + extra * ((day - partial["period_start"].iloc[0]).days + 1) / (
            (partial["period_end"].iloc[0] - partial["period_start"].iloc[0]).days + 1
        )
        ev.steps.append(
            msg(
                "partial_month",
                as_of=day,
                lo=ev.lo,
                prev_end=partial["period_start"].iloc[0] - timedelta(days=1),
                hi=ev.hi,
                month_end=partial["period_end"].iloc[0],
            )  # fmt: skip
        )
        ev.gap_days = (partial["period_end"].iloc[0] - partial["period_start"].iloc[0]).days + 1
    step = ctx.rounding(dataset)
    if step > 1:
        ev.abs_tol = step * len(in_run)
        ev.steps.append(msg("rounded", dataset=dataset, step=step, tol=f"±{ev.abs_tol:,.0f}"))
    published = _published_cumulative(ctx, dataset, where, start, day, monthly)
    if published is not None:
        value, pub_steps, pub_sources, exact = published
        ev.corroboration.append((msg("alt_flows", value=flows_value), flows_value))
        if exact and value != flows_value:
            pub_steps.append(msg("discrepancy", other=flows_value, diff=f"{flows_value - value:+,.0f}", value=value))
        ev = Evidence(value, value, value, "exact", day.isoformat(), pub_sources | sources, [run_msg, *pub_steps])
    return ev


def _last(frame: pd.DataFrame, day: date) -> str:
    return str(frame["period"].iloc[-1]) if not frame.empty else day.strftime("%Y-%m")


def _run_start(monthly: pd.DataFrame, day: date) -> date:
    """The first month of the run of non-zero months that ends at or before `day` (a programme's current phase)."""
    months = monthly[monthly["period_start"] <= day].reset_index(drop=True)
    i = len(months) - 1
    while i >= 0 and not months.loc[i, "value"]:
        i -= 1
    if i < 0:
        return _as_date(months.loc[0, "period_start"]) if len(months) else day
    while (
        i > 0
        and months.loc[i - 1, "value"]
        and _adjacent(months.loc[i - 1, "period_start"], months.loc[i, "period_start"])
    ):
        i -= 1
    return _as_date(months.loc[i, "period_start"])


def _adjacent(a: Any, b: Any) -> bool:
    a, b = _as_date(a), _as_date(b)
    return (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1


def _published_cumulative(
    ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], start: date, day: date, monthly: pd.DataFrame
) -> tuple[float, list[Msg], set[str], bool] | None:
    """A `published_cumulative*` row from the run's start through the claim's month, or back-cast from a later one."""
    rows = query.cumulative_rows(ctx.store, dataset)
    for r in rows.itertuples(index=False):
        dims: dict[str, Any] = dict(r.dims) if not isinstance(r.dims, dict) else r.dims  # type: ignore[call-overload,arg-type]
        if not all(_loose_match(dims.get(col), vals) for col, vals in where.items() if col not in metrics.KEY_COLUMNS):
            continue
        p_start, p_end = _as_date(r.period_start), _as_date(r.period_end)
        if p_start > start + timedelta(days=31) or p_end < month_end(day) - timedelta(days=0) and p_end < day:
            continue
        value = float(r.value)  # type: ignore[arg-type]
        source = str(r.source_id)
        steps = [msg("published_cumulative", dataset=dataset, value=value, period=r.period, sources=r.source_id)]
        if p_end <= day or p_end == month_end(day) and day == month_end(day):
            return value, steps, {source}, True
        later = monthly[(monthly["period_start"] > day) & (monthly["period_end"] <= p_end)]
        if day != month_end(day) or later.empty:
            continue
        flows = float(later["value"].sum())
        steps.append(
            msg("cumulative_backcast", later=value, later_period=r.period, flows=flows, as_of=day, value=value - flows)
        )
        return value - flows, steps, {source, *(s for c in later["sources"] for s in c.split())}, False
    return None


def _loose_match(actual: Any, wanted: Sequence[str]) -> bool:
    """A cumulative row's dimension may carry a gloss: `All (cumulative, stated in text)` matches `All`."""
    if actual is None:
        return False
    a = fold(str(actual))
    return any(a == fold(w) or a.startswith(fold(w) + " (") for w in wanted)


def peak(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    window: Period,
    per: str | None = None,
    row_type: str | None = None,
) -> Evidence:
    """The highest month in a window (per day when asked): what a "rise to N a day" projection is judged on."""
    frame = cells(ctx, dataset, where, window.start, window.end, "month", row_type)
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise NoEvidence(msg("no_monthly_in", dataset=dataset, where=where_text(where), period=window.text))
    return extreme_month(ctx, dataset, where, frame, per, lowest=False)


def extreme_month(
    ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], frame: pd.DataFrame, per: str | None, lowest: bool
) -> Evidence:
    """The highest (or lowest) month of `frame`, per day when asked, with the publisher's rounding as tolerance."""
    frame = frame.assign(
        days=[(e - s).days + 1 for s, e in zip(frame["period_start"], frame["period_end"], strict=True)]
    )
    frame = frame.assign(rate=frame["value"] / frame["days"] if per == "day" else frame["value"])
    i = int(frame["rate"].to_numpy().argmin() if lowest else frame["rate"].to_numpy().argmax())
    top = frame.iloc[i]
    sources = {s for c in frame["sources"] for s in c.split()}
    rate = float(top["rate"])
    ev = Evidence(rate, rate, rate, "exact", str(top["period"]), sources)
    ev.steps.append(
        msg(
            "min_rate" if lowest else "max_rate",
            period=top["period"],
            value=float(top["value"]),
            rate=round(float(top["value"]) / top["days"], 2),
            start=frame["period"].iloc[0],
            end=frame["period"].iloc[-1],
            sources=" ".join(sorted(sources)),
        )  # fmt: skip
    )
    step = ctx.rounding(dataset)
    if step > 1:
        ev.abs_tol = step / (float(top["days"]) if per == "day" else 1.0)
    return ev


def flow_first(ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], row_type: str | None = None) -> Evidence:
    """The first month with a non-zero figure."""
    frame = cells(ctx, dataset, where, date(1900, 1, 1), date(2999, 12, 31), "month", row_type)
    frame = frame[frame["value"].fillna(0) > 0]
    if frame.empty:
        raise NoEvidence(msg("no_nonzero_month", dataset=dataset, where=where_text(where)))
    top = frame.iloc[0]
    ev = Evidence(
        mode="date", date=str(top["period"]), sources=set(top["sources"].split()), value_text=str(top["period"])
    )
    ev.steps.append(msg("first_month", value=top["period"], sources=top["sources"]))
    return ev


# --------------------------------------------------------------------------------------------------
# Dated figures (snapshots, shelters, shares)

EXCLUDED_SNAPSHOT_ROWS = ("published_subperiod", "published_total_approx", "published_subtotal")


def _dated_rows(ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], row_type: str | None) -> pd.DataFrame:
    """Every figure of a dataset matching the filters, with the date it describes (its period end)."""
    return query.dated_rows(ctx.store, dataset, where, row_type, EXCLUDED_SNAPSHOT_ROWS)


def dated_figures(ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], row_type: str | None) -> pd.DataFrame:
    """`_per_source_date(_dated_rows(...))`, once per check run for the same arguments."""
    key = ("dated", dataset, _key(where), row_type)
    return memo(ctx, key, lambda: _per_source_date(_dated_rows(ctx, dataset, where, row_type)))


def _per_source_date(rows: pd.DataFrame) -> pd.DataFrame:
    """One figure per (source, period): the published total if present, else the sum of the details."""
    columns = ["source_id", "period", "period_kind", "period_end", "value"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    keys = [rows["source_id"], rows["period"]]
    is_total = rows["row_type"].isin(TOTAL_ROW_TYPES)
    use = rows[~is_total.groupby(keys).transform("any") | is_total]
    g = use.groupby(["source_id", "period"], sort=False)
    frame = pd.DataFrame(
        {
            "period_kind": g["period_kind"].first(),
            "period_end": g["period_end"].first().map(_as_date),
            "value": g["value"].sum().astype(float),
        }
    ).reset_index()
    return frame[columns]


def latest(
    ctx: Context, dataset: str, where: Mapping[str, Sequence[str]], as_of: Period, row_type: str | None = None
) -> Evidence:
    """The figure(s) dated in the claim's period, else the most recent one up to STALE_DAYS before it."""
    rows = dated_figures(ctx, dataset, where, row_type)
    if rows.empty:
        raise NoEvidence(
            msg("no_figures_where", dataset=dataset, where=where_text(where)),
            msg("want_figures_where", dataset=dataset, where=where_text(where)),
        )
    wtext = where_text(where)
    inside = rows[(rows["period_end"] >= as_of.start) & (rows["period_end"] <= as_of.end)]
    if inside.empty:
        before = rows[(rows["period_end"] < as_of.start) & (rows["period_end"] >= as_of.start - timedelta(STALE_DAYS))]
        if before.empty:
            dates = ", ".join(str(p) for p in rows["period"].unique()[:6])
            raise NoEvidence(
                msg("no_figure_dated", dataset=dataset, where=wtext, period=as_of.text, dates=dates),
                msg("want_figures_dated", dataset=dataset, where=wtext, period=as_of.text),
            )
        inside = before[before["period_end"] == before["period_end"].max()]
    sources = set(inside["source_id"])
    if len(inside) == 1:
        r = inside.iloc[0]
        ev = Evidence(float(r["value"]), float(r["value"]), float(r["value"]), "exact", str(r["period"]), sources)
        ev.steps.append(msg("latest", dataset=dataset, where=wtext, value=float(r["value"]), date=r["period"],
                            sources=r["source_id"]))  # fmt: skip
        return ev
    lo, hi = float(inside["value"].min()), float(inside["value"].max())
    last = inside.iloc[-1]
    ev = Evidence(
        float(last["value"]), lo, hi, "window" if as_of.start != as_of.end else "estimate", as_of.text, sources
    )
    for row in inside.itertuples(index=False):
        ev.steps.append(
            msg("latest", dataset=dataset, where=wtext, value=float(row.value), date=row.period, sources=row.source_id)  # type: ignore[arg-type]
        )
    ev.steps.append(msg("latest_range", dataset=dataset, where=wtext, n=len(inside), period=as_of.text, lo=lo, hi=hi,
                        sources=" ".join(sorted(sources))))  # fmt: skip
    return ev


def share(
    ctx: Context,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    numerator: Mapping[str, Sequence[str]],
    denominator: Mapping[str, Sequence[str]],
    as_of: Period,
    percent: bool = True,
    row_type: str | None = None,
) -> Evidence:
    """Numerator over denominator, both from the same source and date: the latest such pair up to the claim."""
    num_rows = dated_figures(ctx, dataset, {**where, **numerator}, row_type)
    den_rows = dated_figures(ctx, dataset, {**where, **denominator}, None)
    pairs = num_rows.merge(den_rows, on=["source_id", "period", "period_kind", "period_end"], suffixes=("_n", "_d"))
    pairs = pairs[(pairs["period_end"] <= as_of.end) & (pairs["value_d"] > 0)]
    if pairs.empty:
        num, den = where_text(numerator), where_text(denominator)
        raise NoEvidence(
            msg("no_share_pair", dataset=dataset, num=num, den=den, period=as_of.text),
            msg("want_share_pair", dataset=dataset, num=num, den=den),
        )
    r = pairs.sort_values("period_end").iloc[-1]
    factor = 100.0 if percent else 1.0
    value = factor * float(r["value_n"]) / float(r["value_d"])
    ev = Evidence(value, value, value, "exact", str(r["period"]), {str(r["source_id"])})
    ev.steps.append(
        msg(
            "share" if percent else "ratio",
            num=msg("where_value", where=where_text(numerator), value=float(r["value_n"])),
            den=msg("where_value", where=where_text(denominator), value=float(r["value_d"])),
            value=round(value, 2),
            date=r["period"],
            sources=r["source_id"],
        )  # fmt: skip
    )
    return ev


def unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


# --------------------------------------------------------------------------------------------------
# Court records (EOIR case data loaded with `mppwatch court load`)


def court_month_start(day: date) -> date:
    """Court tables are published as of a month's first day (disclosure control): the nearest one to `day`."""
    first = day.replace(day=1)
    following = month_end(day) + timedelta(days=1)
    return first if (day - first) <= (following - day) else following


def court_figure(
    ctx: Context, measure: str, where: Mapping[str, Sequence[str]], as_of: Period, percent: bool, mpp: bool = True
) -> Evidence:
    """A TRAC-style measure over MPP cases as of a date, from the latest real court release, else the latest
    SYNTHETIC one, which the evidence then names as such (small cells withheld).

    Court counts are published with cell-key noise of up to ±MAX_PERTURBATION (court/disclosure.py): the evidence
    is the published value with the band the true figure lies in, never an exact figure. A rate's band comes from
    its published denominator: (n - 4) / (d + 4) .. (n + 4) / (d - 4) with n = rate x d.
    """
    from mppwatch import court
    from mppwatch.court.disclosure import MAX_PERTURBATION, MIN_THRESHOLD
    from mppwatch.court.measures import RATES

    if court.releases(ctx.store).empty:
        raise NoEvidence(msg("no_court_release"), msg("want_court_release"))
    by = list(where)
    loaded = court.releases(ctx.store)
    real = loaded[~loaded["synthetic"].astype(bool)]["release"].tolist()  # newest first: real data wins
    chosen = str(real[0]) if real else None
    day = court_month_start(as_of.end)
    ratio = measure in RATES
    den_measure = RATES[measure][1] if ratio else None
    measures = [measure, den_measure] if den_measure else [measure]
    frame = court.table(ctx.store, by, measures, mpp_only=mpp, as_of=day, release=chosen)
    release = str(frame.attrs.get("release", ""))
    for col in by:  # every filter, on the code or its name, without case or accents ("Honduras" matches "HO")
        wanted = {fold(v) for v in where[col]}
        names = frame[f"{col}_name"] if f"{col}_name" in frame else frame[col]
        keep = [
            any(fold(str(x)) in wanted or fold(str(x)).split(" (")[0] in wanted for x in pair)
            for pair in zip(frame[col], names, strict=True)
        ]
        frame = frame[keep]
        if frame.empty:
            raise NoEvidence(msg("no_court_cases", release=release, where=where_text(where)))
    raw = frame[measure].iloc[0] if len(frame) == 1 else None
    if raw is None or isinstance(raw, str) or pd.isna(raw):
        shown = msg("printed_as", value=repr(raw)) if raw is not None else msg("matching_rows", n=len(frame))
        raise NoEvidence(
            msg("court_withheld", release=release, measure=measure, where=where_text(where), shown=shown),
            msg("want_court_cell", measure=measure),
        )
    factor = 100.0 if percent and ratio else 1.0
    value = float(raw) * factor
    k = MAX_PERTURBATION
    if den_measure:
        den = float(frame[den_measure].iloc[0])  # published whenever the rate is (both are at least 10)
        num = float(raw) * den
        lo, hi = max(0.0, (num - k) / (den + k)) * factor, min(1.0, (num + k) / (den - k)) * factor
    else:
        lo, hi = max(float(MIN_THRESHOLD), value - k), value + k  # a published count's true value is at least 10
    label_text = f"court:{release}"
    ev = Evidence(value, lo, hi, "estimate", day.isoformat(), {label_text}, perturbed=k)
    ev.steps.append(
        msg("court", measure=measure, where=where_text(where), value=round(value, 2), date=day, release=release)
    )
    if not mpp:
        ev.steps.append(msg("court_all_cases"))
    ev.steps.append(msg("court_perturbed", k=k, lo=round(lo, 2), hi=round(hi, 2)))
    if "SYNTHETIC" in release.upper():
        ev.steps.append(msg("synthetic", release=release))
    return ev
