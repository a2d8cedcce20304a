"""Claim shapes beyond one figure: comparisons between places or groups, changes and ratios across two periods,
peaks (the top month and its value), lowest points and rankings.

Each shape is computed from figures `check.gather` already knows how to get, so a comparison between two cities
uses the same interpolation as a claim about one city. `read_shape` recognises a shape from the claim's own
quote, quantity and unit; a spec writes it out (`aggregation = "compare"`, `versus`, `versus_period`, `of`, `by`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from mppwatch import query
from mppwatch.claims.comparators import parse_comparator
from mppwatch.claims.evidence import (
    Context,
    Evidence,
    NoEvidence,
    _as_date,
    cells,
    dated_figures,
    extreme_month,
    place_name,
    resolve_where,
    where_text,
)
from mppwatch.claims.spec import CheckSpec, Claim, Period
from mppwatch.claims.text import Text, msg
from mppwatch.core.periods import month_end
from mppwatch.core.text import fold

Gather = Callable[[Context, Claim, CheckSpec], Evidence]

# "twice as many", "three times the number", "half as many"
TIMES = {
    "twice": 2.0, "double": 2.0, "doubled": 2.0, "two times": 2.0, "three times": 3.0, "triple": 3.0,
    "tripled": 3.0, "four times": 4.0, "quadrupled": 4.0, "five times": 5.0, "ten times": 10.0, "half": 0.5,
}  # fmt: skip
ORDINALS = {"most": 1, "largest": 1, "highest": 1, "biggest": 1, "first": 1, "top": 1, "second": 2, "third": 3}
TOTAL_VALUES = ("all", "total", "southwest border total", "all (cumulative, stated in text)")
LOWER_NOTE = re.compile(r"lower bound|\bat least\b|\bmore than\b|\bover\b|\bminimum\b", re.I)
UPPER_NOTE = re.compile(r"upper bound|upper estimate|\bas many as\b|\bno more than\b|\bup to\b|\bat most\b", re.I)


def times_in(text: str) -> tuple[float, str] | None:
    """The multiple a text states ("twice as many" -> 2, "4 times" -> 4), with its words."""
    t = fold(text)
    if m := re.search(r"\b(\d+(?:\.\d+)?)\s*(?:times|x)\b", t):
        return float(m[1]), m[0]
    for words, factor in TIMES.items():
        if re.search(rf"\b{words}\b", t):
            return factor, words
    return None


def rank_in(text: str) -> tuple[int, str] | None:
    """The rank a text claims ("the most" -> 1, "second largest" -> 2)."""
    t = fold(text)
    if m := re.search(r"\b(?:more|larger|higher|greater)\b[^.;]*\bthan any other\b", t):
        return 1, m[0]
    for m in re.finditer(r"\b(second|third|most|largest|highest|biggest|top)\b", t):
        word = m[1]
        if word in ("most", "largest", "highest", "biggest", "top") and not re.search(
            rf"\b(?:the|its|their)\s+(?:\w+\s+)?{word}\b|\b{word}\s+(?:of\s+)?(?:any|all)\b", t
        ):
            continue
        second = re.search(r"\b(second|third)[- ](?:largest|most|highest|biggest)\b", t)
        if second:
            return ORDINALS[second[1]], second[0]
        return ORDINALS[word], m[0]
    return None


# --------------------------------------------------------------------------------------------------
# Two figures: a comparison between places or groups, a change or a ratio across two periods


def two_figures(ctx: Context, claim: Claim, spec: CheckSpec, gather: Gather) -> Evidence:
    """The claim's figure (A) against a second one (B: `versus` filters and/or `versus_period`).

    `compare_as` says what is compared: `ratio` A/B, `difference` A−B, or `change` (A−B)/B in percent.
    The range [lo, hi] of each figure carries over, so an interpolated city decides only what both ends decide.
    """
    base = replace(spec, aggregation=spec.of or _default_of(spec), versus={}, versus_period=None, of=None)
    a = gather(ctx, claim, base)
    other = replace(base, where={**base.where, **spec.versus}, period=spec.versus_period or base.period)
    b = gather(ctx, claim, other)
    if a.value is None or b.value is None:
        raise NoEvidence(msg("no_compare_figure"))
    alo, ahi = _range(a)
    blo, bhi = _range(b)
    how = spec.compare_as or "ratio"
    if how == "difference":
        value, lo, hi = a.value - b.value, alo - bhi, ahi - blo
    else:
        if b.value <= 0 or blo <= 0:
            raise NoEvidence(msg("compare_zero", what=_label(other, b)))
        value, lo, hi = a.value / b.value, alo / bhi, ahi / blo
        if how == "change":
            value, lo, hi = 100 * (value - 1), 100 * (lo - 1), 100 * (hi - 1)
    exact = a.mode == b.mode == "exact" and lo == hi == value
    ev = Evidence(round(value, 4), lo, hi, "exact" if exact else "estimate", a.date, a.sources | b.sources)
    ev.gap_days = max(a.gap_days, b.gap_days)
    ev.steps = [msg("compare_a", what=_label(base, a)), *a.steps, msg("compare_b", what=_label(other, b)), *b.steps]
    ev.steps.append(msg(f"compare_{how}", a=a.value, b=b.value, value=round(value, 2)))
    if not exact and not (math.isinf(lo) or math.isinf(hi)):
        ev.steps.append(msg("compare_range", lo=round(lo, 2), hi=round(hi, 2)))
    ev.bridge = a.bridge or b.bridge
    ev.approx_date = a.approx_date or b.approx_date
    ev.perturbed = a.perturbed + b.perturbed  # court figures: the band above already carries both noises
    for bound, flip in ((a.bound, False), (b.bound, True)):
        if bound:  # a floor on A is a floor on A/B; a floor on B is a ceiling on A/B
            ev.bound = {"lower": "upper", "upper": "lower"}[bound] if flip else bound
    return ev


def _default_of(spec: CheckSpec) -> str:
    return "cumulative" if spec.metric == "returns" else "sum"


def _range(ev: Evidence) -> tuple[float, float]:
    assert ev.value is not None
    lo = ev.lo if ev.lo is not None else ev.value
    hi = ev.hi if ev.hi is not None else ev.value
    return lo, hi


def _label(spec: CheckSpec, ev: Evidence) -> Text:
    where = spec.where.get("city") if spec.metric == "returns" else None
    place: Text = place_name(" + ".join(where)) if where else where_text(spec.where)
    period = spec.period.text if spec.period else ev.date
    return msg("figure_label", place=place, period=period, value=ev.value if ev.value is not None else "")


# --------------------------------------------------------------------------------------------------
# Peaks and lowest points: the top (or bottom) month with its value, or the highest of dated figures


def extreme(
    ctx: Context,
    dataset: str,
    where: dict[str, list[str]],
    window: Period,
    per: str | None = None,
    row_type: str | None = None,
    lowest: bool = False,
) -> Evidence:
    """The highest (or lowest) figure in a window: monthly rows when the dataset has them, else its dated figures.

    Dated figures (snapshots, press estimates) are scattered: the true peak is at least the highest of them, so
    that evidence is a lower bound (an upper bound for the lowest point) and decides only one direction.
    """
    rows = dated_figures(ctx, dataset, where, row_type)
    rows = rows[(rows["period_end"] >= window.start) & (rows["period_end"] <= window.end)]
    if not (rows["period_kind"] == "day").any():  # a monthly table: its top month
        frame = cells(ctx, dataset, where, window.start, window.end, "month", row_type)
        frame = frame[frame["value"].notna()]
        if not frame.empty:
            return extreme_month(ctx, dataset, where, frame, per, lowest)
    if rows.empty:
        raise NoEvidence(
            msg("no_figures_in", dataset=dataset, where=where_text(where), period=window.text),
            msg("want_figures_dated", dataset=dataset, where=where_text(where), period=window.text),
        )
    notes = _notes(ctx, dataset)
    rows = rows.assign(
        note=[notes.get((s, str(p)), "") for s, p in zip(rows["source_id"], rows["period"], strict=True)]
    )
    # a figure marked as a ceiling cannot raise the floor of a peak (nor a floor lower a minimum's ceiling)
    usable = rows[~rows["note"].str.contains(UPPER_NOTE if not lowest else LOWER_NOTE)]
    usable = usable if not usable.empty else rows
    pick = usable.iloc[int(usable["value"].to_numpy().argmin() if lowest else usable["value"].to_numpy().argmax())]
    value = float(pick["value"])
    ev = Evidence(value, value if not lowest else -math.inf, math.inf if not lowest else value, "estimate")
    ev.date, ev.sources = str(pick["period"]), set(rows["source_id"])
    ev.bound = "upper" if lowest else "lower"
    ev.steps.append(
        msg(
            "extreme_dated_min" if lowest else "extreme_dated_max",
            dataset=dataset,
            where=where_text(where),
            n=len(rows),
            period=window.text,
            value=value,
            date=pick["period"],
            sources=pick["source_id"],
        )  # fmt: skip
    )
    return ev


def _notes(ctx: Context, dataset: str) -> dict[tuple[str, str], str]:
    return query.note_text(ctx.store, dataset)


def note_bound(ctx: Context, dataset: str, ev: Evidence) -> None:
    """A single dated figure whose note marks it a floor or a ceiling ("lower bound", "as many as") is a bound."""
    if len(ev.sources) != 1 or ev.mode != "exact":
        return
    note = _notes(ctx, dataset).get((next(iter(ev.sources)), ev.date), "")
    if UPPER_NOTE.search(note):
        ev.bound, ev.lo, ev.hi = "upper", -math.inf, ev.value
    elif LOWER_NOTE.search(note):
        ev.bound, ev.lo, ev.hi = "lower", ev.value, math.inf
    else:
        return
    ev.mode = "estimate"
    ev.steps.append(msg(f"note_{ev.bound}", source=next(iter(ev.sources))))


def run_window(ctx: Context, dataset: str, where: dict[str, list[str]], month: date) -> Period:
    """The run of non-zero months around `month` (one phase of a programme): the window a peak is sought in."""
    frame = cells(ctx, dataset, where, date(1900, 1, 1), date(2999, 12, 31), "month")
    frame = frame.reset_index(drop=True)
    on = frame["value"].fillna(0) > 0
    idx = frame.index[frame["period_start"] <= month]
    if frame.empty or not len(idx):
        return Period(f"{month:%Y}", "year", date(month.year, 1, 1), date(month.year, 12, 31))
    i = j = int(idx[-1])
    while i > 0 and on[i - 1]:
        i -= 1
    while j < len(frame) - 1 and on[j + 1]:
        j += 1
    start, end = _as_date(frame["period_start"].iloc[i]), _as_date(frame["period_end"].iloc[j])
    return Period(f"{start:%Y-%m}..{end:%Y-%m}", "range", start, end)


# --------------------------------------------------------------------------------------------------
# Rankings: where one place or group stands among the others


def rank(ctx: Context, claim: Claim, spec: CheckSpec, gather: Gather, subject: str) -> Evidence:
    """The subject's figure and its rank among every value of `by` (totals left out); `requires` the rank."""
    by = spec.by or "city"
    base = replace(spec, aggregation=spec.of or _default_of(spec), by=None, of=None)
    members = _members(ctx, spec, by)
    figures: list[tuple[str, Evidence]] = []
    unknown: list[str] = []
    for member in members:
        try:
            found = gather(ctx, claim, replace(base, where={**base.where, by: [member]}))
        except NoEvidence:
            unknown.append(member)
            continue
        if found.bound == "lower" and fold(member) != fold(subject):  # only a floor: its rank is unknown
            unknown.append(member)
            continue
        figures.append((member, found))
    mine = next((ev for m, ev in figures if fold(m) == fold(subject)), None)
    if mine is None or mine.value is None:
        raise NoEvidence(msg("rank_no_subject", subject=subject, by=by))
    lo, hi = _range(mine)
    above = [m for m, ev in figures if fold(m) != fold(subject) and _range(ev)[0] > hi]
    maybe = [m for m, ev in figures if fold(m) != fold(subject) and m not in above and _range(ev)[1] >= lo]
    best, worst = len(above) + 1, len(above) + 1 + len(maybe)
    ev = Evidence(mine.value, mine.lo, mine.hi, mine.mode, mine.date, set(mine.sources), perturbed=mine.perturbed)
    for _, other in figures:
        ev.sources |= other.sources
    ev.steps = list(mine.steps)
    ordered = sorted(figures, key=lambda x: -(x[1].value or 0))
    listing = ", ".join(f"{m} {e.value:,.0f}" for m, e in ordered if e.value is not None)
    ev.steps.append(msg("rank_list", by=by, listing=listing, date=mine.date))
    wanted = spec.rank or 1
    if best == worst:
        ev.steps.append(msg("rank_is", subject=subject, rank=best))
        ok: bool | None = best == wanted
    else:
        ev.steps.append(msg("rank_between", subject=subject, best=best, worst=worst))
        ok = False if wanted < best or wanted > worst else None
    if unknown:
        ev.steps.append(msg("rank_unknown", places=", ".join(unknown)))
        if ok:
            ev.bridge = msg("bridge_rank_unknown", places=", ".join(unknown))
    ev.bridge = ev.bridge or mine.bridge
    if spec.claimed is not None:  # the claim's value is the rank itself
        ev.value, ev.lo, ev.hi = float(best), float(best), float(worst)
        ev.mode, ev.abs_tol = ("exact" if best == worst else "estimate"), 0.0
        ev.corroboration = []
        return ev
    ev.requires.append((msg("rank_required", subject=subject, rank=wanted), ok))
    return ev


def _members(ctx: Context, spec: CheckSpec, by: str) -> list[str]:
    if spec.metric == "returns":
        values: list[str] = []
        for ds in ctx.return_datasets():
            values += [v for v in ctx.values(ds, by) if v not in values]
    else:
        assert spec.dataset is not None
        values = ctx.values(spec.dataset, by)
    return [v for v in values if fold(v) not in TOTAL_VALUES and " and " not in v and "," not in v]


def peak_month_check(ev: Evidence, month: str) -> None:
    """A peak claim names its month: the top month must be that one (undecided when the evidence is a bound)."""
    found = ev.date[:7]
    if ev.bound:
        ev.requires.append((msg("peak_month_unknown", month=month, found=found), None))
        return
    ev.requires.append((msg("peak_month", month=month, found=found), found == month))


def month_period(text: str) -> Period:
    y, m = int(text[:4]), int(text[5:7])
    start = date(y, m, 1)
    return Period(text[:7], "month", start, month_end(start))


def previous_month(p: Period) -> Period:
    return month_period((p.start - timedelta(days=1)).strftime("%Y-%m"))


def versus_where(ctx: Context, spec: CheckSpec, place: str) -> dict[str, list[str]]:
    """The comparison group's filters: the subject's place column set to `place` (spelled as in the data)."""
    if spec.metric == "returns":
        return {"city": [place]}
    assert spec.dataset is not None
    dim = next((d for d in spec.where if fold(place) in {fold(v) for v in ctx.values(spec.dataset, d)}), None)
    if dim is None:
        dim = next(d for d in ctx.dims(spec.dataset) if fold(place) in {fold(v) for v in ctx.values(spec.dataset, d)})
    return resolve_where(ctx, spec.dataset, {dim: [place]})


def read_comparison(text: str, places: list[str]) -> tuple[str, str, str] | None:
    """(subject, other, comparator) from "Mexicali received more returns than Tijuana" and the known places."""
    t = " " + fold(re.sub(r"[^\w\s]", " ", text)) + " "
    key = {fold(p): p for p in places}
    other, m = None, None
    for m in re.finditer(r"\b(?:than|as)\s+(?:in\s+|at\s+|to\s+|through\s+|the\s+|did\s+)*(?=(?P<rest>.{0,40}))", t):
        other = next((key[k] for k in sorted(key, key=len, reverse=True) if m["rest"].startswith(k + " ")), None)
        if other is not None:
            break
    if other is None or m is None:
        return None
    before = t[: m.start()]
    subject = next(
        (key[k] for k in sorted(key, key=len, reverse=True) if f" {k} " in before and k != fold(other)), None
    )
    if subject is None:
        return None
    word = re.search(r"\b(more|greater|larger|higher|fewer|less|smaller|lower|as many|as much)\b", before)
    if word is None:
        return None
    kind = {"fewer": "less than", "less": "less than", "smaller": "less than", "lower": "less than"}.get(
        word[1], "about" if word[1].startswith("as ") else "more than"
    )
    return subject, other, kind


# --------------------------------------------------------------------------------------------------
# Reading a shape from the claim's own columns (no spec entry)

FALLING = re.compile(r"\b(?:fell|fallen|drop(?:ped)?|declined?|decreased?|plunged?|shrank|down)\b")
LOWEST = re.compile(r"\blowest (?:month|monthly|level|point)\b|\bbottomed\b|\bfewest\b")
PER_MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)


def periods_in(text: str, default_year: int, ranges: bool = True) -> list[tuple[int, Period]]:
    """(position, period) of the month ranges ("January-June 2019") and months ("July 2019") a text names."""
    from mppwatch.claims.infer import MONTHS

    t = fold(text).replace("–", "-").replace("—", "-")
    found: list[tuple[int, Period]] = []
    taken: list[tuple[int, int]] = []
    rng = rf"\b({PER_MONTH_NAMES})\.?(?: (\d{{4}}))?\s*(?:-|to|through|thru)\s*({PER_MONTH_NAMES})\.? ?(\d{{4}})?\b"
    for m in re.finditer(rng, t) if ranges else ():
        y2 = int(m[4] or m[2] or default_year)
        y1 = int(m[2] or y2)
        start = date(y1, MONTHS[m[1]], 1)
        end = month_end(date(y2, MONTHS[m[3]], 1))
        if end >= start:
            found.append((m.start(), Period(f"{start:%Y-%m}..{end:%Y-%m}", "range", start, end)))
            taken.append((m.start(), m.end()))
    for m in re.finditer(rf"\b({PER_MONTH_NAMES})\.? (\d{{4}})\b", t):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append((m.start(), month_period(f"{int(m[2]):04d}-{MONTHS[m[1]]:02d}")))
    return sorted(found, key=lambda x: x[0])


def read_shape(ctx: Context, claim: Claim, candidates: list[CheckSpec]) -> list[CheckSpec] | None:
    """Candidates rewritten for a comparison, change, ratio across periods, peak or ranking the claim states."""
    from mppwatch.claims.infer import read_claim

    if not candidates:
        return None
    r = read_claim(claim)
    text = f"{claim.quantity} {claim.unit}"
    t = fold(text)
    out: list[CheckSpec] = []
    for c in candidates:
        shaped = _shape_one(ctx, claim, c, r.period, t)
        if shaped is not None:
            out.append(shaped)
        elif r.per_day and not r.projection and c.aggregation == "sum" and c.per is None and c.dataset:
            out.append(replace(c, per="day"))
    if not out:
        return None
    if all(o is c for o, c in zip(out, candidates, strict=False)) and len(out) == len(candidates):
        return None
    return out


def _shape_one(ctx: Context, claim: Claim, c: CheckSpec, period: Period, t: str) -> CheckSpec | None:
    from mppwatch.claims.infer import BOOKOUTS, MPP_BOOKOUTS
    from mppwatch.claims.precision import CHANGE, PEAK

    places = _places(ctx, c)
    comp = read_comparison(claim.quantity, places)
    if comp is None and claim.quote:
        quoted = read_comparison(claim.quote, places)
        if quoted and all(fold(p) in fold(f"{claim.quantity} {claim.geography}") for p in quoted[:2]):
            comp = quoted
    times = times_in(t)
    why = [*c.why]
    if comp is not None:
        subject, other, kind = comp
        dim = "city" if c.metric == "returns" else _place_dim(ctx, c, subject)
        if dim is None:
            return None
        spec = replace(
            c, aggregation="compare", of=c.aggregation, where={**c.where, dim: [subject]}, versus={dim: [other]}
        )
        if times is not None:
            spec.compare_as, spec.claimed = "ratio", times[0]
            spec.comparator = "more than" if re.search(r"more than (?:twice|\d+ times|double)", t) else "about"
            spec.tolerance = None if spec.comparator != "about" else 0.10
        elif claim.value_text.strip() in ("0", "0.0"):
            spec.compare_as, spec.claimed, spec.comparator = "difference", 0.0, kind
        else:
            spec.compare_as, spec.claimed, spec.comparator = "ratio", 1.0, kind
            spec.tolerance = 0.05 if kind == "about" else None
        spec.why = [*why, msg("why_compare", subject=subject, other=other)]
        return spec
    year = claim.as_of.end.year
    if CHANGE.search(t) and re.search(r"percent|%", t):
        months = [p for _, p in periods_in(claim.quantity, year, ranges=False)]
        base = _previous(months, period, t)
        if base is None:
            return None
        after = months[-1] if len(months) >= 2 else period
        if c.aggregation in ("share", "ratio"):  # "percent" made it a share: the figures changing are flows
            c = _flow_candidate(ctx, claim) or c
            if c.aggregation in ("share", "ratio"):
                return None
        why = [*c.why]
        spec = replace(c, aggregation="compare", of=c.aggregation, period=after, versus_period=base)
        spec.compare_as = "change"
        spec.claimed = -abs(claim.number) if FALLING.search(t) and not claim.is_date else None
        spec.why = [*why, msg("why_change", base=base.text, period=after.text)]
        return spec
    named = periods_in(claim.quantity, year)
    if times is not None and named and c.aggregation in ("sum", "cumulative"):
        at = fold(claim.quantity).find(times[1])
        after_times = [p for pos, p in named if pos > at]
        before_times = [p for pos, p in named if pos < at]
        if not after_times:
            return None
        other_period = after_times[0]
        mine = before_times[0] if before_times else (c.period or period)
        if other_period == mine:
            return None
        spec = replace(c, aggregation="compare", of=c.aggregation, period=mine, versus_period=other_period)
        spec.compare_as, spec.claimed = "ratio", times[0]
        spec.comparator = "more than" if re.search(r"more than (?:twice|\d+ times)", t) else "about"
        spec.tolerance = 0.10 if spec.comparator == "about" else None
        spec.why = [*why, msg("why_ratio_periods", period=mine.text, other=other_period.text)]
        return spec
    lowest = bool(LOWEST.search(t))
    if PEAK.search(t) or lowest:
        spec = c
        if c.metric == "returns":
            bookouts = ctx.role(BOOKOUTS)
            if not bookouts:
                return None
            spec = CheckSpec(dataset=bookouts[0], where=dict(MPP_BOOKOUTS), inferred=True, why=list(c.why))
            spec.bridge = msg("bridge_bookouts_returns").render("en")
        dataset = spec.dataset
        if dataset is None:
            return None
        spec = replace(spec, aggregation="min" if lowest else "max")
        where = resolve_where(ctx, dataset, spec.where)
        if period.kind == "month":
            spec.peak_month = period.text
            spec.period = run_window(ctx, dataset, where, period.start)
        else:
            spec.period = Period("..", "range", date(1900, 1, 1), date(2999, 12, 31))
        spec.why = [*spec.why, msg("why_peak", window=spec.period.text)]
        return spec
    ranked = rank_in(claim.quantity)
    if ranked is not None:
        dim = "city" if c.metric == "returns" else None
        subject_vals = c.where.get(dim, []) if dim else []
        if dim is None:
            for d, vals in c.where.items():
                if (
                    len(vals) == 1
                    and fold(vals[0]) not in TOTAL_VALUES
                    and d not in ("component", "outcome", "measure")
                ):
                    dim, subject_vals = d, vals
        if dim is None or len(subject_vals) != 1:
            return None
        spec = replace(c, aggregation="rank", of=c.aggregation, by=dim, rank=ranked[0])
        # the ranking words ("more than any other") are not a qualifier of the number: only the unit's are
        spec.comparator = parse_comparator(claim.unit).phrase or "exact"
        if not claim.is_date and claim.number == ranked[0]:
            spec.claimed, spec.comparator = float(ranked[0]), "exact"
        spec.why = [*why, msg("why_rank", subject=subject_vals[0], by=dim, rank=ranked[0])]
        return spec
    return None


def _flow_candidate(ctx: Context, claim: Claim) -> CheckSpec | None:
    """The claim read as a count (its percent words dropped): what a percent change is a change of."""
    from mppwatch.claims.infer import infer

    words = re.sub(r"(?i)percent(?:age)?|%|\bshare\b", " ", claim.unit)
    cands, _ = infer(ctx, replace(claim, unit=words or "persons"))
    return next((c for c in cands if c.aggregation in ("sum", "cumulative")), None)


def _previous(named: list[Period], period: Period, t: str) -> Period | None:
    """The base period of a change: the first of two named periods, or the month or year before."""
    if len(named) >= 2:
        return named[0]
    if re.search(r"previous month|month before|month over month|from the prior month|a month earlier", t):
        return previous_month(period)
    if re.search(r"year over year|a year earlier|previous year|year before|from a year", t):
        start = date(period.start.year - 1, period.start.month, period.start.day)
        end = date(period.end.year - 1, period.end.month, 28 if period.end.month == 2 else period.end.day)
        return Period(f"{start}..{end}", "range", start, end)
    return None


def _places(ctx: Context, c: CheckSpec) -> list[str]:
    if c.metric == "returns":
        return _members(ctx, c, "city")
    if not c.dataset:
        return []
    out: list[str] = []
    for dim in ctx.dims(c.dataset):
        if dim in ("location", "city", "hearing_location", "state", "nationality", "citizenship", "sector"):
            out += [v for v in ctx.values(c.dataset, dim) if fold(v) not in TOTAL_VALUES]
    return out


def _place_dim(ctx: Context, c: CheckSpec, place: str) -> str | None:
    assert c.dataset is not None
    for dim in ctx.dims(c.dataset):
        if fold(place) in {fold(v) for v in ctx.values(c.dataset, dim)}:
            return dim
    return None
