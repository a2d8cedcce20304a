"""Check every claim of a claims CSV against the store: one verdict per claim, with its evidence.

`check(store, claims_file, spec_file=None)` is what `mppwatch claims check` prints. Claims or spec entries
that cannot be read are returned as errors (claim id + field) and every other claim is still checked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from mppwatch.claims.comparators import Comparator, ComparatorError, claim_rounding, parse_comparator
from mppwatch.claims.evidence import (
    STALE_DAYS,
    Context,
    Evidence,
    NoEvidence,
    court_figure,
    flow_cumulative,
    flow_first,
    flow_sum,
    latest,
    place_name,
    resolve_where,
    returns_cumulative,
    returns_first,
    returns_flow,
    share,
)
from mppwatch.claims.infer import infer, read_claim
from mppwatch.claims.precision import ceiling_of
from mppwatch.claims.shapes import read_shape
from mppwatch.claims.spec import CheckSpec, Claim, ClaimError, Period, default_spec_path, load_spec, read_claims
from mppwatch.claims.text import Bi, Join, Msg, Text, msg, render_all
from mppwatch.core.text import fold
from mppwatch.store import Store

COLUMNS = [
    "claim_id", "verdict", "value", "claimed_value", "tolerance", "evidence_date", "source_ids", "method",
    "is_estimate", "comparator", "dataset", "would_decide", "quote", "confidence", "confidence_reason",
]  # fmt: skip
CONFIDENCE = ("high", "medium", "low")
VERDICTS = ("supported", "contradicted", "projection_met", "projection_missed", "not_checkable")


@dataclass
class Verdict:
    """One claim's verdict and everything needed to show how it was reached."""

    claim: Claim
    verdict: str
    value: float | str | None = None
    tolerance: str = ""
    evidence_date: str = ""
    source_ids: list[str] = field(default_factory=list)
    steps: list[Msg] = field(default_factory=list)
    is_estimate: bool = False
    comparator: str = ""
    dataset: str = ""
    would_decide: str = ""
    would_decide_es: str = ""  # the same in Spanish ("" = the English)
    tolerance_text: Msg | None = None  # a tolerance in words ("same day"), shown in the reader's language
    confidence: str = "low"  # high | medium | low
    confidence_why: Text = field(default_factory=lambda: msg("conf_none"))
    comparator_text: Text | None = None  # the comparator in the reader's language
    claimed: float | None = None  # the number compared (the claim's value, or a shape's ratio or rank)

    def method(self, lang: str = "en") -> str:
        return render_all(self.steps, lang)

    def row(self, lang: str = "en") -> dict[str, object]:
        value = self.value
        if isinstance(value, float):
            value = int(value) if value.is_integer() else round(value, 2)
        row: dict[str, object] = {
            "claim_id": self.claim.claim_id, "verdict": self.verdict, "value": value,
            "claimed_value": self.claim.value_text,
            "tolerance": self.tolerance_text.render(lang) if self.tolerance_text else self.tolerance,
            "evidence_date": self.evidence_date, "source_ids": " ".join(self.source_ids),
            "method": self.method(lang), "is_estimate": self.is_estimate, "comparator": self.comparator,
            "dataset": self.dataset, "would_decide": self.would_decide_in(lang), "quote": self.claim.quote,
            "confidence": self.confidence, "confidence_reason": self.confidence_why.render(lang),
        }  # fmt: skip
        if self.comparator_text is not None:
            row["comparator"] = self.comparator_text.render(lang)
        return row

    def would_decide_in(self, lang: str = "en") -> str:
        """The data that would decide the claim, in English or Spanish."""
        return Bi(self.would_decide, self.would_decide_es).render(lang)


@dataclass
class CheckResult:
    verdicts: list[Verdict]
    errors: list[ClaimError]
    claims_file: str
    spec_file: str | None
    loaded: list[str] = field(default_factory=list)  # bundled files loaded because the checks needed them

    def frame(self, lang: str = "en") -> pd.DataFrame:
        frame = pd.DataFrame([v.row(lang) for v in self.verdicts], columns=COLUMNS)
        frame.attrs["errors"] = self.error_lines(lang)
        return frame

    def error_lines(self, lang: str = "en") -> list[str]:
        """One line per claim row or spec entry that could not be used, in English or Spanish."""
        return [e.render(lang) for e in self.errors]


def ensure_data(store: Store, specs: dict[str, CheckSpec], inferring: bool = True) -> list[str]:
    """Load the bundled files when the store lacks datasets the specs (or the inference) rely on.

    Only bundled files are loaded, each is skipped when unchanged, and nothing else is touched; this is what
    lets `claims check` run on a fresh database.
    """
    from mppwatch import catalog
    from mppwatch.sources import BUNDLED
    from mppwatch.sources.loader import load_bundled

    wanted = {s.dataset for s in specs.values() if s.dataset}
    if inferring:  # claims without a spec entry may need any bundled table
        wanted |= set(BUNDLED)
    loaded = set(store.datasets_loaded())
    no_returns = any(s.metric == "returns" for s in specs.values()) and not catalog.with_role(
        store, "returns_snapshots"
    )
    if not loaded or no_returns or (wanted - loaded) & set(BUNDLED):
        return [r.message for r in load_bundled(store)]
    return []


def check(
    store: Store,
    claims_file: str | Path,
    spec_file: str | Path | None = None,
    load_missing: bool = True,
    only: str | None = None,
) -> CheckResult:
    """Verdicts for every readable claim in `claims_file` (or just claim `only`), using `spec_file`
    (default: the sidecar `<stem>.spec.toml` when it exists)."""
    claims, errors = read_claims(claims_file)
    specs, spec_errors, spec_path = _specs(claims_file, spec_file)
    if only is not None:
        claims = [c for c in claims if c.claim_id == only]
        errors = [e for e in errors if e.claim_id == only]
        spec_errors = [e for e in spec_errors if e.claim_id == only]
        specs = {k: v for k, v in specs.items() if k == only}
    errors += spec_errors
    inferring = any(c.claim_id not in specs for c in claims)
    loaded = ensure_data(store, specs, inferring) if load_missing else []
    ctx = Context(store)
    broken = {e.claim_id for e in spec_errors}
    ids = {c.claim_id for c in claims}
    for cid in sorted(set(specs) - ids):
        errors.append(ClaimError(str(spec_path), cid, "claim_id", msg("err_spec_without_claim")))
    verdicts = []
    for claim in claims:
        if claim.claim_id in broken:
            continue
        try:
            verdicts.append(check_claim(ctx, claim, specs.get(claim.claim_id)))
        except ClaimError as exc:
            errors.append(exc)
    return CheckResult(verdicts, errors, str(claims_file), str(spec_path) if spec_path else None, loaded)


def _specs(
    claims_file: str | Path, spec_file: str | Path | None
) -> tuple[dict[str, CheckSpec], list[ClaimError], Path | None]:
    path = Path(spec_file) if spec_file else default_spec_path(claims_file)
    if spec_file is None and not path.exists():
        return {}, [], None
    specs, errors = load_spec(path)
    return specs, errors, path


def check_claim(ctx: Context, claim: Claim, spec: CheckSpec | None) -> Verdict:
    """One claim: its comparator, its spec (given or inferred), its evidence and its verdict."""
    if spec is not None:
        candidates, refusal = ([spec], None) if spec.checkable else ([], spec)
        if spec.period is None and spec.checkable:
            # a flow takes the period the quantity names ("in May 2019"); a level or running total the as-of date
            reading = read_claim(claim)
            flowing = spec.aggregation in ("sum", "max", "min", "compare", "rank") and reading.flow
            spec.period = reading.period if flowing else claim.as_of
    else:
        candidates, refusal = infer(ctx, claim)
        shaped = read_shape(ctx, claim, candidates)
        if shaped is not None:
            candidates, refusal = shaped, None
    first_spec = spec or (candidates[0] if candidates else None)
    comparator = _comparator(claim, first_spec)
    if refusal is not None:
        steps = [msg("inferred", why=msg("why_topic_words"))] if refusal.inferred else []
        return _not_checkable(
            claim, comparator, Bi(refusal.reason, refusal.reason_es),
            Bi(refusal.would_decide, refusal.would_decide_es), steps, Bi(refusal.note, refusal.note_es),
        )  # fmt: skip
    failures: list[tuple[CheckSpec, NoEvidence]] = []
    for cand in candidates:
        try:
            evidence = gather(ctx, claim, cand)
        except NoEvidence as exc:
            failures.append((cand, exc))
            continue
        if cand is not first_spec:
            comparator = _comparator(claim, cand)
        return guard(ctx, claim, cand, comparator, judge(claim, cand, comparator, evidence, failures), evidence)
    reason: Text = Join(tuple(f.why for _, f in failures)) if failures else msg("no_candidate")
    would: Text = next((f.would for _, f in failures if f.would is not None), Bi(""))
    first = failures[0][0] if failures else None
    steps = [msg("inferred", why=Join(tuple(first.why), ", "))] if first and first.inferred else []
    note = Bi(spec.note, spec.note_es) if spec else Bi("")
    return _not_checkable(claim, comparator, reason, would, steps, note)


def _comparator(claim: Claim, spec: CheckSpec | None) -> Comparator:
    """The claim's qualifier words, or the spec's comparator alone when it names one (projection words still count)."""
    try:
        if spec is not None and spec.comparator:
            own = parse_comparator(spec.comparator, tolerance=spec.tolerance)
            projected = parse_comparator(claim.unit, claim.quantity).projection
            return Comparator(own.kind, own.tolerance, own.projection or projected, own.phrase)
        return parse_comparator(claim.unit, claim.quantity, tolerance=spec.tolerance if spec else None)
    except ComparatorError as exc:
        raise ClaimError(claim.file, claim.claim_id, "unit", exc.text, claim.line) from None


def guard(
    ctx: Context, claim: Claim, spec: CheckSpec, comparator: Comparator, verdict: Verdict, ev: Evidence
) -> Verdict:
    """Precision first: circular evidence never checks a claim, and a different measure never contradicts one."""
    from mppwatch.claims.precision import circular, mismatches

    own = circular(ctx, claim, ev)
    if own:
        out = _not_checkable(
            claim, comparator, msg("circular", sources=" ".join(own)), msg("want_independent"), verdict.steps, Bi("")
        )
        out.source_ids, out.evidence_date, out.dataset = verdict.source_ids, verdict.evidence_date, verdict.dataset
        return out
    if verdict.verdict not in ("contradicted", "projection_missed"):
        return verdict
    relayed = _relayed_snapshot(ctx, claim, spec, comparator, verdict, ev)
    if relayed is not None:
        return relayed
    bridge = ev.bridge or (_bridge_text(spec.bridge) if spec.bridge else None)
    if (
        bridge is not None
        and ev.bridge_bound == "upper"
        and ev.value is not None
        and not _reaches(comparator, verdict, ev.value)
    ):
        # enrolments are a ceiling on returns: a claim above the ceiling is false whatever the bridge
        verdict.confidence, verdict.confidence_why = "medium", msg("conf_ceiling", what=bridge)
        return verdict
    if bridge is not None:
        reason: Text = msg("bridge_no_contradiction", what=bridge)
        return _demoted(claim, comparator, verdict, reason, msg("want_exact_figure", quantity=claim.quantity,
                                                                 date=claim.as_of.text))  # fmt: skip
    if not spec.inferred:
        return verdict
    found = mismatches(ctx, claim, spec, ev)
    if not found:
        return verdict
    reason = msg("measure_differs", what=Join(tuple(w for w, _ in found)))
    return _demoted(claim, comparator, verdict, reason, Join(tuple(d for _, d in found)))


def _relayed_snapshot(
    ctx: Context, claim: Claim, spec: CheckSpec, comparator: Comparator, verdict: Verdict, ev: Evidence
) -> Verdict | None:
    """An interpolated guess never refutes a claim that repeats the latest published figure before its date.

    Reporters relay the last count released: "nearly 17,000" on 2 July is INM's 16,714 of 30 June, even when a
    straight line between 30 June and 7 July says 17,225 by then. Such a claim is supported, with medium confidence.
    """
    if spec.metric != "returns" or spec.aggregation != "cumulative" or ev.mode != "estimate" or ev.bound:
        return None
    cities = spec.where.get("city") or []
    if len(cities) > 1 or claim.is_date:
        return None
    geo = _resolve_cities(ctx, cities)[0] if cities else None
    day = (spec.period or claim.as_of).end
    (before, value), _ = ctx.neighbours(geo, day)
    if before is None or value is None or (day - before).days > STALE_DAYS:
        return None
    claimed = verdict.claimed if verdict.claimed is not None else claim.number
    if not comparator.accepts(value, claimed, 0.0):
        return None
    verdict.verdict = _name(comparator, True)
    verdict.value, verdict.evidence_date = value, before.isoformat()
    verdict.steps.append(msg("relayed_snapshot", value=value, date=before, claimed=claim.value_text))
    verdict.confidence, verdict.confidence_why = "medium", msg("conf_relayed")
    return verdict


def _reaches(comparator: Comparator, verdict: Verdict, ceiling: float) -> bool:
    """Whether some value at or under the ceiling would make the claim true (then a ceiling cannot refute it)."""
    claimed = verdict.claimed if verdict.claimed is not None else verdict.claim.number
    lo, _, lo_closed, _ = comparator.interval(claimed, 0.0)
    return ceiling > lo or (ceiling == lo and lo_closed)


def _bridge_text(text: str) -> Text:
    """A bridge written in English, shown in Spanish when it is one of the checker's own."""
    for key in ("bridge_bookouts_returns",):
        if msg(key).render("en") == text:
            return msg(key)
    return Bi(text)


def _demoted(claim: Claim, comparator: Comparator, verdict: Verdict, reason: Text, would: Text) -> Verdict:
    out = _not_checkable(claim, comparator, reason, would, verdict.steps, Bi(""))
    out.value, out.source_ids, out.evidence_date = verdict.value, verdict.source_ids, verdict.evidence_date
    out.dataset, out.is_estimate, out.tolerance = verdict.dataset, verdict.is_estimate, verdict.tolerance
    out.confidence_why = msg("conf_none")
    return out


def _not_checkable(
    claim: Claim, comparator: Comparator, reason: Text, would: Text, steps: list[Msg], note: Bi
) -> Verdict:
    """A not-checkable verdict: the reason, the data that would decide it and the spec's note, in either language."""
    steps = [*steps, msg("not_checkable", reason=reason)]
    would_en, would_es = would.render("en"), would.render("es")
    if would_en:
        steps.append(msg("would_decide", what=would))
    if note.en:
        steps.append(msg("spec_note", note=note))
    return Verdict(
        claim, "not_checkable", steps=steps, comparator=_comparator_name(comparator),
        would_decide=would_en, would_decide_es=would_es if would_es != would_en else "",
        comparator_text=_comparator_label(comparator),
    )  # fmt: skip


def _comparator_name(c: Comparator) -> str:
    name = c.kind.replace("_", " ")
    if c.tolerance and c.kind in ("about", "just_over", "nearly"):
        name += f" ({c.tolerance:.0%})"
    return ("projected, " if c.projection else "") + name


def _comparator_label(c: Comparator) -> Text:
    """The comparator column in the reader's language ("projected, at least" / "proyectada, al menos")."""
    tol = f" ({c.tolerance:.0%})" if c.tolerance and c.kind in ("about", "just_over", "nearly") else ""
    en, es = msg(f"kind_{c.kind}").render("en"), msg(f"kind_{c.kind}").render("es")
    return Bi(("projected, " if c.projection else "") + en + tol, ("proyectada, " if c.projection else "") + es + tol)


def gather(ctx: Context, claim: Claim, spec: CheckSpec) -> Evidence:
    """Compute the evidence a spec asks for."""
    from mppwatch.claims import shapes

    period = spec.period or claim.as_of
    if spec.aggregation == "compare":
        return shapes.two_figures(ctx, claim, spec, gather)
    if spec.aggregation == "rank":
        subject = next(iter(spec.where.get(spec.by or "city") or [""]), "")
        if spec.metric == "returns" and subject:
            subject = _resolve_cities(ctx, [subject])[0]
        where = {k: v for k, v in spec.where.items() if k != (spec.by or "city")}
        from dataclasses import replace

        return shapes.rank(ctx, claim, replace(spec, where=where), gather, subject)
    if spec.metric == "returns":
        cities = spec.where.get("city") or None
        if cities:
            cities = _resolve_cities(ctx, cities)
        if spec.aggregation == "first":
            return returns_first(ctx, cities)
        if spec.aggregation == "sum":
            ev = returns_flow(ctx, period, cities)
            if spec.per == "day" and ev.value is not None:
                days = (period.end - period.start).days + 1
                ev.value, ev.lo, ev.hi = ev.value / days, (ev.lo or 0) / days, (ev.hi or 0) / days
                ev.steps.append(msg("per_day", value=ev.value * days, days=days, rate=round(ev.value, 2)))
            return ev
        if spec.aggregation == "cumulative":
            try:
                return returns_cumulative(ctx, period, cities)
            except NoEvidence:
                floor = _returns_floor(ctx, period, cities)
                if floor is None:
                    raise
                return floor
        raise NoEvidence(msg("metric_aggregation", metric="returns", aggregation=spec.aggregation))
    if spec.metric == "court":
        from mppwatch.court.measures import RATES

        percent = bool(re.search(r"percent|%|rate|share", f"{claim.unit} {claim.quantity}", re.I))
        measure = spec.measure or "cases"
        if measure in RATES and not percent:
            raise NoEvidence(msg("court_rate", measure=measure), msg("want_court_count", measure=measure))
        if spec.group == "non_mpp":
            return _court_non_mpp(ctx, measure, spec, period, percent)
        return court_figure(ctx, measure, spec.where, period, percent, mpp=spec.group != "all")
    assert spec.dataset is not None
    where = resolve_where(ctx, spec.dataset, spec.where)
    match spec.aggregation:
        case "sum":
            return flow_sum(ctx, spec.dataset, where, period, spec.per, spec.row_type)
        case "cumulative":
            return flow_cumulative(ctx, spec.dataset, where, period, spec.since, spec.row_type)
        case "latest":
            ev = latest(ctx, spec.dataset, where, period, spec.row_type)
            shapes.note_bound(ctx, spec.dataset, ev)
            return ev
        case "share" | "ratio":
            num = resolve_where(ctx, spec.dataset, spec.numerator)
            den = resolve_where(ctx, spec.dataset, spec.denominator)
            return share(ctx, spec.dataset, where, num, den, period, spec.aggregation == "share", spec.row_type)
        case "max" | "min":
            ev = shapes.extreme(ctx, spec.dataset, where, period, spec.per, spec.row_type, spec.aggregation == "min")
            if spec.peak_month:
                shapes.peak_month_check(ev, spec.peak_month)
            if spec.bridge:
                ev.bridge = ev.bridge or _bridge_text(spec.bridge)
                ev.bridge_bound = ev.bridge_bound or ceiling_of(ctx, spec.dataset)
            return ev
        case "first":
            return flow_first(ctx, spec.dataset, where, spec.row_type)
    raise NoEvidence(msg("unknown_aggregation", aggregation=spec.aggregation))


FLOOR_DAYS = 366  # a cumulative count this old still bounds the running total from below (same phase)


def _returns_floor(ctx: Context, period: Period, cities: list[str] | None) -> Evidence | None:
    """Past a place's last snapshot nothing is estimated, but a running total never falls: the last published
    figure (within FLOOR_DAYS, before MPP 2.0) is a floor for the claim's date, which decides one direction."""
    from mppwatch.claims.infer import MPP2_START

    day = period.end
    if day >= MPP2_START:
        return None
    places: list[str | None] = list(cities) if cities else [None]
    ev = Evidence(0.0, date=day.isoformat(), mode="estimate", bound="lower")
    for geo in places:
        try:
            part = returns_cumulative(ctx, Period(day.isoformat(), "day", day, day), [geo] if geo else None)
            value, source_steps = part.lo if part.lo is not None else part.value, part.steps
            ev.sources |= part.sources
        except NoEvidence:
            (before, value), _ = ctx.neighbours(geo, day)
            if before is None or value is None or (day - before).days > FLOOR_DAYS:
                return None
            source_steps = [msg("floor_snapshot", geo=place_name(geo), value=value, date=before)]
            ev.sources |= _sources_on(ctx, geo, before)
        assert value is not None and ev.value is not None
        ev.value += value
        ev.steps += source_steps
    ev.lo, ev.hi = ev.value, math.inf
    if len(places) > 1:
        ev.steps.append(msg("sum_geos", geos=" + ".join(str(g) for g in places), value=ev.value))
    return ev


def _sources_on(ctx: Context, geo: str | None, day: date) -> set[str]:

    frame = ctx.snapshots("city" if geo else None)
    hit = frame[(frame["date"] == day) & ((frame["geo"] == geo) if geo else True)]
    return set(hit["source_id"]) if "source_id" in hit else set()


def _court_non_mpp(ctx: Context, measure: str, spec: CheckSpec, period: Period, percent: bool) -> Evidence:
    """The comparison group: every case minus the MPP cases (counts only: a rate does not subtract). Both counts
    are perturbed, so the difference carries both bands."""
    from mppwatch.court.measures import RATES

    if measure in RATES:
        raise NoEvidence(msg("court_group_rate", measure=measure), msg("want_court_count", measure=measure))
    every = court_figure(ctx, measure, spec.where, period, percent, mpp=False)
    mpp = court_figure(ctx, measure, spec.where, period, percent, mpp=True)
    assert every.value is not None and mpp.value is not None
    assert every.lo is not None and every.hi is not None and mpp.lo is not None and mpp.hi is not None
    value = every.value - mpp.value
    lo, hi = every.lo - mpp.hi, every.hi - mpp.lo
    ev = Evidence(value, lo, hi, "estimate", mpp.date, every.sources | mpp.sources)
    ev.perturbed = every.perturbed + mpp.perturbed
    ev.steps = [*every.steps, *mpp.steps, msg("court_non_mpp", all=every.value, mpp=mpp.value, value=value)]
    ev.steps.append(msg("court_perturbed", k=ev.perturbed, lo=lo, hi=hi))
    return ev


def _resolve_cities(ctx: Context, cities: list[str]) -> list[str]:
    known: dict[str, str] = {}
    for ds in ctx.return_datasets():
        known |= {fold(v): v for v in ctx.values(ds, "city")}
    out = []
    for c in cities:
        if fold(c) not in known:
            raise NoEvidence(msg("no_city_returns", city=c), msg("want_city_returns", city=c))
        out.append(known[fold(c)])
    return out


def judge(
    claim: Claim, spec: CheckSpec, comparator: Comparator, ev: Evidence, failures: list[tuple[CheckSpec, NoEvidence]]
) -> Verdict:
    """Compare the evidence with the claim through its comparator, and say how (and how sure)."""
    steps: list[Msg] = []
    if spec.inferred:
        steps.append(msg("inferred", why=Join(tuple(spec.why))))
    for cand, fail in failures:
        steps.append(msg("skipped", what=cand.dataset or cand.metric, reason=fail.why))
    steps += ev.steps
    if spec.note:
        steps.append(msg("spec_note", note=Bi(spec.note, spec.note_es)))
    bridge: Text | None = ev.bridge or (_bridge_text(spec.bridge) if spec.bridge else None)
    if bridge is not None:
        steps.append(msg("bridge", what=bridge))
    base = Verdict(
        claim, "not_checkable", evidence_date=ev.date, source_ids=sorted(ev.sources), is_estimate=ev.is_estimate,
        comparator=_comparator_name(comparator), comparator_text=_comparator_label(comparator),
        dataset=spec.dataset or (" ".join(sorted(ev.sources)) if spec.metric == "court" else f"metric:{spec.metric}"),
    )  # fmt: skip
    if ev.mode == "date":
        return _judge_date(claim, comparator, ev, base, steps)
    if claim.is_date and spec.claimed is None:
        raise ClaimError(claim.file, claim.claim_id, "value", msg("err_date_not_number"))
    claimed = spec.claimed if spec.claimed is not None else claim.number
    claimed_text = _fmt_number(claimed) if spec.claimed is not None else claim.value_text
    # Rounding (of the claim's last digit, and of the publisher's cells) only widens exact comparisons.
    exact = comparator.kind == "exact" and not comparator.projection
    abs_tol = ev.abs_tol + claim_rounding(claimed_text) if exact else 0.0
    accepted = comparator.tolerance_text(claimed, abs_tol)
    base.tolerance = accepted
    base.value = ev.value
    key = "projection" if comparator.projection else "comparator"
    kind_label = msg(f"kind_{comparator.kind}")
    phrase: Text = Bi(comparator.phrase, kind_label.render("es")) if comparator.phrase else kind_label
    steps.append(msg(key, claimed=claimed_text, phrase=phrase, range=accepted, date=(spec.period or claim.as_of).text))
    outcome, basis = _decide(comparator, claimed, abs_tol, ev, steps)
    for what, ok in ev.requires:
        steps.append(msg("requirement_met" if ok else "requirement_failed" if ok is False else "requirement_open",
                         what=what))  # fmt: skip
        if ok is False and outcome is not None:
            outcome, basis = False, basis
        elif ok is None and outcome:
            outcome = None
    for what, value in ev.corroboration:
        if value is None:
            steps.append(msg("corroborates", what=what))
            continue
        agrees = comparator.accepts(value, claimed, abs_tol)
        if outcome is None or agrees == outcome:
            steps.append(msg("corroborates", what=what))
        else:
            steps.append(msg("conflicts", what=what, verdict=msg(f"verdict_{_name(comparator, agrees)}")))
    base.steps = steps
    if outcome is None:
        wanted = msg("want_published_figure", quantity=claim.quantity, date=claim.as_of.text)
        if ev.bound:
            wanted = msg("want_exact_figure", quantity=claim.quantity, date=claim.as_of.text)
        base.would_decide, base.would_decide_es = wanted.render("en"), wanted.render("es")
        base.steps.append(msg("would_decide", what=wanted))
        return base
    base.verdict = _name(comparator, outcome)
    base.claimed = claimed
    base.confidence, base.confidence_why = _confidence(basis, bridge)
    return base


def _fmt_number(x: float) -> str:
    return f"{x:g}" if not float(x).is_integer() else f"{x:.0f}"


def _confidence(basis: str, bridge: Text | None) -> tuple[str, Text]:
    """How sure a decided verdict is: a published figure of the same measure is high; an assumption is low."""
    if bridge is not None:
        return "low", msg("conf_bridge", what=bridge)
    return {
        "exact": ("high", msg("conf_exact")),
        "range": ("high", msg("conf_range")),
        "window": ("medium", msg("conf_window")),
        "estimate": ("medium", msg("conf_estimate")),
        "bound": ("medium", msg("conf_bound")),
        "perturbed_all": ("high", msg("conf_perturbed_all")),
        "perturbed_out": ("high", msg("conf_perturbed_out")),
        "perturbed_band": ("medium", msg("conf_perturbed_band")),
    }[basis]


def _name(comparator: Comparator, ok: bool) -> str:
    if comparator.projection:
        return "projection_met" if ok else "projection_missed"
    return "supported" if ok else "contradicted"


def _decide(
    comparator: Comparator, claimed: float, abs_tol: float, ev: Evidence, steps: list[Msg]
) -> tuple[bool | None, str]:
    """(True/False when the evidence decides the claim, None when it cannot; what decided it)."""
    if ev.value is None:
        return None, "exact"
    alo, ahi, alo_closed, ahi_closed = comparator.interval(claimed, abs_tol)
    if ev.bound:
        # a floor decides "the figure reaches the claim's range and the range is open above", or "it is past it"
        steps.append(msg(f"bound_{ev.bound}", value=ev.value))
        v = ev.value
        if ev.bound == "lower":
            past = v > ahi or (v == ahi and not ahi_closed)
            reaches = math.isinf(ahi) and (v > alo or (v == alo and alo_closed))
        else:
            past = v < alo or (v == alo and not alo_closed)
            reaches = math.isinf(alo) and (v < ahi or (v == ahi and ahi_closed))
        if past or reaches:
            return (not past), "bound"
        steps.append(msg("bound_undecided", value=v, range=comparator.tolerance_text(claimed, abs_tol)))
        return None, "bound"
    if ev.mode == "exact" or ev.lo is None or ev.hi is None or ev.lo == ev.hi:
        return comparator.accepts(ev.value, claimed, abs_tol), ("exact" if ev.mode == "exact" else "estimate")
    lo, hi = ev.lo, ev.hi
    ok_lo, ok_hi = comparator.accepts(lo, claimed, abs_tol), comparator.accepts(hi, claimed, abs_tol)
    disjoint = hi < alo or (hi == alo and not alo_closed) or lo > ahi or (lo == ahi and not ahi_closed)
    if ev.perturbed:
        # a perturbed court figure: only a claim outside the whole noise band is false
        if ok_lo and ok_hi:
            steps.append(msg("perturbed_all", lo=lo, hi=hi))
            return True, "perturbed_all"
        if disjoint:
            steps.append(msg("perturbed_out", lo=lo, hi=hi))
            return False, "perturbed_out"
        steps.append(msg("perturbed_band", lo=lo, hi=hi))
        return True, "perturbed_band"
    if ev.mode == "window":
        # the claim is dated only to a period; it holds if the figure satisfied it at some point in it
        if disjoint:
            steps.append(msg("window_misses", period=ev.date))
            return False, "window"
        steps.append(msg("window_decides", period=ev.date))
        return True, "window"
    if ok_lo and ok_hi:
        steps.append(msg("decided_by_range", lo=lo, hi=hi))
        return True, "range"
    if disjoint:
        steps.append(msg("decided_by_range", lo=lo, hi=hi))
        return False, "range"
    if ev.gap_days and ev.gap_days <= 45:
        steps.append(msg("decided_by_estimate", lo=lo, hi=hi, value=ev.value, days=ev.gap_days))
        return comparator.accepts(ev.value, claimed, abs_tol), "estimate"
    steps.append(msg("gap_too_long", days=ev.gap_days, lo=lo, hi=hi))
    return None, "estimate"


def _judge_date(claim: Claim, comparator: Comparator, ev: Evidence, base: Verdict, steps: list[Msg]) -> Verdict:
    base.value = ev.value_text
    base.tolerance_text = msg("same_day" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", claim.value_text) else "same_month")
    base.tolerance = base.tolerance_text.render("en")
    if not claim.is_date:
        raise ClaimError(claim.file, claim.claim_id, "value", msg("err_number_not_date"))
    found = ev.value_text
    n = min(len(found), len(claim.value_text))
    same = found[:n] == claim.value_text[:n]
    steps.append(msg("dates_equal" if same else "dates_differ", value=found, claimed=claim.value_text))
    base.steps = steps
    base.verdict = _name(comparator, same)
    base.confidence, base.confidence_why = "high", msg("conf_exact")
    return base
