"""Build check specs from a claim's own columns when the spec file has no entry for it.

Nothing here is keyed by claim id. The claim's `quantity` and `unit` say what is counted ("returns",
"encounters", "apprehensions", "cases", "enrollments", "share", "camp population"...) and over what period
("in May 2019", "FY2020", "in 16 days after", "cumulative"); its `geography` picks the rows (a city, a
sector). Each topic asks the catalogue for its tables by role, never by name, and reads them at their
hierarchy's total; it yields candidate specs in order of preference, and the checker uses the first one the
loaded data can answer. A dataset loaded with `mppwatch load FILE` that none of the topics names is still found by
matching the claim's words against dataset names and dimension values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from mppwatch import catalog, query
from mppwatch.claims.evidence import Context, place_name, where_text
from mppwatch.claims.spec import CheckSpec, Claim, Period
from mppwatch.claims.text import Bi, Join, Msg, Text, msg
from mppwatch.core.periods import PeriodError, fiscal_year_span, month_end, span
from mppwatch.core.text import fold

MPP2_START = date(2021, 12, 1)  # the reinstated MPP's first returns (6 Dec 2021)
# Every table is found by its data-package role (catalog.with_role), never by name.
BOOKOUTS, ENROLLMENTS, COURT_CASES = "bookouts", "enrollments", "court_cases"
ENCOUNTERS = "encounters"  # CBP's border counts: apprehensions are USBP's encounters, inadmissibles OFO's
NATIONALITY, SHELTERS, FEAR = "returns_by_nationality", "shelter_beds", "fear_referrals"
MPP_BOOKOUTS = {"component": ["CBP"], "outcome": ["Migrant Protection Protocols"]}  # the book-outs' MPP rows

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan", "enero"),
            ("february", "feb", "febrero"),
            ("march", "mar", "marzo"),
            ("april", "apr", "abril"),
            ("may", "mayo"),
            ("june", "jun", "junio"),
            ("july", "jul", "julio"),
            ("august", "aug", "agosto"),
            ("september", "sep", "sept", "septiembre"),
            ("october", "oct", "octubre"),
            ("november", "nov", "noviembre"),
            ("december", "dec", "diciembre"),
        ]
    )  # fmt: skip
    for m in names
}
WEEKS = {"first": 0, "second": 1, "third": 2, "fourth": 3}  # "the first week of July 2019": days 1-7
DEMONYMS = {
    "honduran": "honduras", "guatemalan": "guatemala", "salvadoran": "el salvador", "salvadorean": "el salvador",
    "cuban": "cuba", "ecuadorian": "ecuador", "venezuelan": "venezuela", "nicaraguan": "nicaragua",
    "mexican": "mexico", "spanish": "spain", "colombian": "colombia", "brazilian": "brazil",
}  # fmt: skip

# Topics the bundled tables cannot measure, and the data that would decide them.
# (pattern, reason, would decide, the same two in Spanish)
OUT_OF_SCOPE: list[tuple[str, str, str, str, str]] = [
    (
        r"\bkidnap|\brapes?\b|\btortur|\bviolen|\battack|\bassault|\bextort|\bmurder",
        "the loaded tables count people and cases, not crimes against them",
        "an incident-level register of violence against MPP returnees (e.g. Human Rights First's database)",
        "las tablas cargadas cuentan personas y casos, no delitos contra ellas",
        "un registro por incidente de la violencia contra personas devueltas bajo MPP (p. ej., la base de Human"
        " Rights First)",
    ),
    (
        r"\bchild|\bminor|\bage\b|juvenile|\bkids?\b",
        "no loaded table breaks MPP returns down by age",
        "MPP returns or enrolments broken down by age (INM or DHS tables, or EOIR juvenile flags)",
        "ninguna tabla cargada desglosa las devoluciones MPP por edad",
        "devoluciones o inscripciones MPP desglosadas por edad (tablas del INM o del DHS, o las marcas de menores"
        " de EOIR)",
    ),
    (
        r"\blanguage\b|\bdocket|\basylum decisions?\b|\bhearing dates?\b",
        "this is a measure of immigration-court records the court tables do not compute",
        "EOIR case data for MPP cases with the fields this claim counts (languages, dockets)",
        "es una medida de registros judiciales de inmigración que las tablas judiciales no calculan",
        "datos de casos de EOIR para casos MPP con los campos que cuenta esta afirmación (idiomas, agendas)",
    ),
    (
        r"\badmitted\b|\ballowed into\b|\bentered the u|\bwind-?down\b|\bparoled into\b",
        "no loaded table counts former MPP enrollees let into the US",
        "DHS or UNHCR counts of MPP enrollees admitted to the US during the 2021 wind-down",
        "ninguna tabla cargada cuenta a los antiguos inscritos en MPP admitidos en EE. UU.",
        "conteos del DHS o ACNUR de inscritos en MPP admitidos en EE. UU. durante el cierre de 2021",
    ),
    (
        r"\bannounc|\bpromis|\binitially said\b|\bpolicy stated\b",
        "this is what officials said, not a measured quantity",
        "a dated official statement of the announced figure",
        "esto es lo que dijeron las autoridades, no una cantidad medida",
        "una declaración oficial fechada de la cifra anunciada",
    ),
]


# Court-record measures (`mppwatch court`), decided when an EOIR release is loaded. The first two have a count
# and a share: the share when the claim speaks of a percent, a share or a rate.
COURT_TOPICS: list[tuple[str, str]] = [
    (
        r"\bfirst hearing|\bwait\w* (?:for|on) (?:a |an |their |its )?(?:first |initial )?(?:court )?hearing"
        r"|\b(?:yet to|not yet) (?:had|have|been given|get|received?) (?:a |an |their )?hearing|\bno hearing (?:yet|held)",
        "awaiting_first_hearing",
    ),
    (
        r"\btransfer(?:red|s)?\b|\bchange of venue\b|\bvenue change|\bmoved (?:to|between) (?:another )?court",
        "transferred",
    ),
    (r"\brepresent", "represented_rate"),
    (r"\bin absentia\b|\bfail\w* to appear|\bno-?shows?\b", "in_absentia_rate"),
    (r"\bpending\b|\bactive\b.*\bcases?\b|\bbacklog\b", "pending"),
    (r"\brelief\b|\bgrant(?:s|ed)?\b", "relief_granted"),
]

COURT_SHARES = {"awaiting_first_hearing": "awaiting_first_hearing_share", "transferred": "transferred_share"}


@dataclass(frozen=True)
class CountTopic:
    """A count CBP publishes by month: the claim's words for it, the role of its tables, the component it counts."""

    pattern: str
    word: str  # quoted in the why ("'apprehensions' → ...")
    role: str
    component: str | None  # None: the component the claim names (_component)


# In this order: a claim that names several gets the candidates of each, the first topic's first.
COUNT_TOPICS = (
    CountTopic(r"encounter", "encounters", ENCOUNTERS, None),
    CountTopic(r"apprehen", "apprehensions", "apprehensions", "USBP"),
    CountTopic(r"inadmissible", "inadmissibles", "ofo_encounters", "OFO"),
)


@dataclass
class ClaimReading:
    """What the claim's columns say: the topic words, the period and how it is counted, the places."""

    text: str
    period: Period
    flow: bool  # a count over the period (vs a running total or a level at a date)
    cumulative: bool
    per_day: bool
    projection: bool
    notes: list[Msg] = field(default_factory=list)


def read_claim(claim: Claim) -> ClaimReading:
    """Parse period words out of `quantity` (falling back on `as_of_date`)."""
    q = fold(claim.quantity)
    text = fold(f"{claim.quantity} {claim.unit}")
    as_of = claim.as_of
    projection = bool(re.search(r"project|expect|forecast", text))
    per_day = bool(re.search(r"per day|a day|daily|/day", text))
    cumulative = bool(re.search(r"cumulative|since|to date|so far|total since|running total", q))
    notes: list[Msg] = []
    if m := re.search(r"\bfy\s?(\d{4})\b|fiscal year (\d{4})", q):
        year = int(m[1] or m[2])
        p = Period(f"FY{year}", "fiscal_year", *fiscal_year_span(year))
        notes = [msg("read_fiscal_year", words=m[0], year=str(year))]
        return ClaimReading(text, p, True, False, per_day, projection, notes)
    if m := re.search(r"(\d+)\s+days\s+(?:after|following|since|from)", q):
        n = int(m[1])
        end = as_of.end
        p = Period(f"{end - timedelta(days=n - 1)}..{end}", "range", end - timedelta(days=n - 1), end)
        notes = [msg("read_days", words=m[0], n=str(n), end=end)]
        return ClaimReading(text, p, True, False, per_day, projection, notes)
    month_names = "|".join(sorted(MONTHS, key=len, reverse=True))
    if m := re.search(rf"\b(first|second|third|fourth|last) week of ({month_names})\.? (\d{{4}})\b", q):
        first = date(int(m[3]), MONTHS[m[2]], 1)
        start = month_end(first) - timedelta(days=6) if m[1] == "last" else first + timedelta(days=7 * WEEKS[m[1]])
        p = Period(f"{start}..{start + timedelta(days=6)}", "range", start, start + timedelta(days=6))
        notes = [msg("read_week", words=m[0], start=p.start, end=p.end)]
        return ClaimReading(text, p, True, False, per_day, projection, notes)
    if m := re.search(rf"\b(?:in |during )?({month_names})\.? (\d{{4}})\b", q):
        y, mo = int(m[2]), MONTHS[m[1]]
        start = date(y, mo, 1)
        p = Period(f"{y:04d}-{mo:02d}", "month", start, month_end(start))
        if not cumulative:
            notes = [msg("read_month", words=m[0].strip(), period=p.text)]
            return ClaimReading(text, p, True, False, per_day, projection, notes)
    if m := re.search(r"\b(?:in|during)(?: calendar(?: year)?)? (\d{4})\b|\bcalendar(?: year)? (\d{4})\b", q):
        y = int(m[1] or m[2])
        p = Period(str(y), "year", date(y, 1, 1), date(y, 12, 31))
        if not cumulative:
            notes = [msg("read_year", words=m[0], year=str(y))]
            return ClaimReading(text, p, True, False, per_day, projection, notes)
    if m := re.search(rf"\bsince (?:the )?(?:({month_names})\.? (\d{{4}})|(\d{{4}}-\d{{2}}-\d{{2}}))", q):
        try:  # a day as printed, through the one date reader (a date that does not exist is no period)
            start = span(m[3])[1] if m[3] else date(int(m[2]), MONTHS[m[1]], 1)
        except PeriodError:
            start = date.max
        if start <= as_of.end:
            p = Period(f"{start}..{as_of.end}", "range", start, as_of.end)
            notes = [msg("read_since", words=m[0], start=start, end=as_of.end)]
            return ClaimReading(text, p, True, False, per_day, projection, notes)
    if cumulative:
        notes.append(msg("read_cumulative", date=as_of.text))
    return ClaimReading(text, as_of, False, cumulative, per_day, projection, notes)


def mentions(ctx: Context, dataset: str, dim: str, texts: list[str]) -> list[str]:
    """The dataset's values of `dim` named in the texts (whole words, accents ignored), longest first."""
    hay = " " + " ".join(fold(re.sub(r"[^\w\s]", " ", t)) for t in texts) + " "
    found: list[str] = []
    for value in sorted(ctx.values(dataset, dim), key=len, reverse=True):
        key = fold(value)
        if not key or key in ("all", "total") or " and " in key or "," in value and dim == "city":
            continue
        core = fold(re.sub(r"[^\w\s]", " ", value.split(",")[0]))
        if len(core) < 3:
            continue
        if f" {core} " in hay and not any(core in fold(f) for f in found):
            found.append(value)
    return found


def _where_place(ctx: Context, dataset: str, dim: str, texts: list[str], default: str | None) -> dict[str, list[str]]:
    places = mentions(ctx, dataset, dim, texts)
    if places:
        return {dim: places}
    return {dim: [default]} if default else {}


def infer(ctx: Context, claim: Claim) -> tuple[list[CheckSpec], CheckSpec | None]:
    """Candidate specs in order of preference, or (no candidates, a not-checkable spec with its reason)."""
    r = read_claim(claim)
    texts = [claim.quantity, claim.geography]
    court_spec = _court_reading(claim, r)
    if court_spec is not None:
        return [court_spec], None
    for pattern, reason, would, reason_es, would_es in OUT_OF_SCOPE:
        if re.search(pattern, fold(claim.quantity)):
            return [], CheckSpec(
                checkable=False, reason=reason, would_decide=would, reason_es=reason_es, would_decide_es=would_es,
                inferred=True,
            )  # fmt: skip
    cands: list[CheckSpec] = []
    t = r.text

    def add(spec: CheckSpec, why: Msg, *assumed: Msg) -> None:
        spec.inferred = True
        spec.why = [why, *assumed, *r.notes]
        if spec.period is None:
            spec.period = r.period
        cands.append(spec)

    returns_topic = bool(re.search(r"return|sent back|turned back|devuel|remitted|received by mexico", t))
    if claim.is_date and re.search(r"\bfirst\b|began|start", t):
        if returns_topic:
            add(
                CheckSpec(metric="returns", aggregation="first", where=_return_cities(ctx, texts)),
                msg("why_first_return"),
            )
        return cands, None if cands else _unmatched(claim)
    if re.search(r"\bshare\b|percent|proportion|\bper ?cent\b", t) and not re.search(r"shelter|capacity|camp", t):
        cands += _share_candidates(ctx, claim, r)
        if not cands:
            return [], _refusal(msg("no_share_table"), msg("want_share_table", quantity=claim.quantity))
        return cands, None
    if r.per_day and r.projection:
        for ds in ctx.role(BOOKOUTS):
            if returns_topic:
                window = Period(
                    f"{r.period.start:%Y-%m}..{_plus_months(r.period.start, 11):%Y-%m}", "range", r.period.start,
                    month_end(_plus_months(r.period.start, 11)),
                )  # fmt: skip
                add(
                    CheckSpec(
                        dataset=ds,
                        where=MPP_BOOKOUTS,
                        aggregation="max",
                        per="day",
                        period=window,
                        bridge=msg("bridge_bookouts_returns").render("en"),
                    ),  # fmt: skip
                    msg("why_peak_rate"),
                )
    # MPP 2.0 began in December 2021: a returns claim dated after it is about the reinstated programme
    if returns_topic and (re.search(r"2\.0|reinstat|restart", t) or claim.as_of.start >= MPP2_START):
        return [], CheckSpec(
            checkable=False, inferred=True,
            reason="returns under the reinstated MPP (2.0): the snapshot tables mix both phases and OHSS book-outs"
            " count enrolments, an upper bound on returns",
            would_decide="a count of MPP 2.0 returns to Mexico (DHS monthly MPP 2.0 reports or INM figures)",
            reason_es="devoluciones bajo el MPP reinstaurado (2.0): las tablas de cifras publicadas mezclan ambas"
            " fases y las salidas de OHSS cuentan inscripciones, una cota superior de las devoluciones",
            would_decide_es="un conteo de devoluciones a México bajo MPP 2.0 (informes mensuales del DHS sobre MPP"
            " 2.0 o cifras del INM)",
        )  # fmt: skip
    if returns_topic:
        where = _return_cities(ctx, texts)
        agg = "sum" if r.flow else "cumulative"
        add(CheckSpec(metric="returns", aggregation=agg, where=where, per="day" if r.per_day else None),
            msg("why_returns", place=_place_text(where)))  # fmt: skip
    left_out: list[tuple[Msg, Msg]] = []  # (why a table of the topic cannot be read, what would let it be)
    seen: set[tuple[str, str]] = set()
    for topic in COUNT_TOPICS:
        if not re.search(topic.pattern, t):
            continue
        comp = topic.component or _component(t)
        for ds in count_tables(ctx, topic.role):
            reading = _count_reading(ctx, ds, comp, texts)
            if reading is None:
                continue
            if reading.left_out is not None:
                left_out.append(reading.left_out)
                continue
            where = reading.where
            if (ds, repr(where)) in seen:
                continue  # "encounters ... apprehensions": the same table and rows once
            seen.add((ds, repr(where)))
            title = catalog.record(ctx.store, ds).title
            why = msg("why_count", word=topic.word, title=Bi(title["en"], title["es"]), component=comp)
            agg = "sum" if r.flow or not r.cumulative else "cumulative"
            add(CheckSpec(dataset=ds, where=where, aggregation=agg), why, *reading.assumed)
    if re.search(r"enrol|placed in|book-?out", t):
        agg = "sum" if r.flow else "cumulative"
        for ds in ctx.role(BOOKOUTS):
            where = {**MPP_BOOKOUTS, "component": [_component(t)]}
            add(CheckSpec(dataset=ds, where=where, aggregation=agg), msg("why_bookouts"))
        for ds in ctx.role(ENROLLMENTS):  # the component asked for, at the places named or the location total
            reading = _count_reading(ctx, ds, _component(t), texts)
            if reading is not None and reading.left_out is None:
                add(CheckSpec(dataset=ds, where=reading.where, aggregation=agg), msg("why_enrolments_cbp"),
                    *reading.assumed)  # fmt: skip
    if re.search(r"\bcases?\b|proceedings|channel", t):
        for ds in ctx.role(COURT_CASES):
            where = _where_place(ctx, ds, "hearing_location", texts, "All")
            agg = "sum" if r.flow else "cumulative"
            add(CheckSpec(dataset=ds, where=where, aggregation=agg), msg("why_trac"))
    if re.search(r"fear", t):
        for ds in ctx.role(FEAR):
            add(CheckSpec(dataset=ds, where={}, aggregation="sum" if r.flow else "cumulative", row_type="monthly"),
                msg("why_fear"))  # fmt: skip
    if re.search(r"shelter|camp|capacity|beds|occupan", t):
        for ds in ctx.role(SHELTERS):
            measure = _shelter_measure(t)
            where = {"measure": [measure], **_where_place(ctx, ds, "city", texts, None)}
            add(
                CheckSpec(dataset=ds, where=where, aggregation="latest"),
                msg("why_shelters", dataset=ds, measure=measure),
            )
    if not cands:
        cands += _generic(ctx, claim, r)
    for c in cands:
        c.why += [why for why, _ in left_out]
        if r.projection:
            c.why.append(msg("why_projection", period=r.period.text))
    if not cands and left_out:
        return [], _refusal(Join(tuple(w for w, _ in left_out)), Join(tuple(d for _, d in left_out)))
    return cands, None if cands else _unmatched(claim)


def count_tables(ctx: Context, role: str) -> list[str]:
    """The loaded tables a monthly count of `role` may be read from, in order of preference.

    Those that play `role` or count encounters (of which apprehensions and inadmissibles are one component's).
    First the tables whose main role (the first their data package lists) is `role`; then the one whose figures
    begin earliest, the longer-running series; then by name. So an apprehensions claim reads Border Patrol's own
    monthly table first, then DHS OHSS's encounters, then the captures of CBP's page (which begin in 2020).
    """
    records = catalog.catalog(ctx.store)
    names = set(ctx.role(role)) | set(ctx.role(ENCOUNTERS))

    def preference(ds: str) -> tuple[bool, date, str]:
        rec = records[ds]
        begins = min((k.first for k in rec.period_kinds.values()), default=date.max)
        return rec.roles[:1] != (role,), begins, ds

    return sorted(names, key=preference)


def role_measure(rec: catalog.DatasetRecord) -> str | None:
    """The measure a table with several (total, family-unit and UAC apprehensions) is read at: the one value
    whose words are its main role's, alone or with "total" ("total_apprehensions" for "apprehensions")."""
    role = _stems(rec.roles[0]) if rec.roles else set()
    fits = [v for v in rec.dimension("measure").values if role and role <= _stems(v) <= role | {"total"}]
    return fits[0] if len(fits) == 1 else None


def _stems(text: str) -> set[str]:
    return {w.removesuffix("s") for w in re.findall(r"[a-z]+", fold(text))}


@dataclass(frozen=True)
class CountReading:
    """The rows of a count table that answer a claim and what reading them assumed, or why it cannot be read."""

    where: dict[str, list[str]] = field(default_factory=dict)
    assumed: list[Msg] = field(default_factory=list)
    left_out: tuple[Msg, Msg] | None = None  # (why the table is not read, what would let it be)


def _count_reading(ctx: Context, ds: str, component: str, texts: list[str]) -> CountReading | None:
    """The rows of `ds` that count `component` at the claim's places; None when it counts another component.

    A column is filtered only when it has several values. Places: those the claim names, else the location
    total of the table's hierarchy; a table without one is not read (adding up its places would assume they
    make the whole). A table without a component column is taken to count the claim's, and the why says so.
    """
    rec = catalog.record(ctx.store, ds)
    where: dict[str, list[str]] = {}
    assumed: list[Msg] = []
    if "component" in rec.dimensions:
        values = rec.dimensions["component"].values
        match = [v for v in values if fold(v) == fold(component)]
        if not match:
            return None
        if len(values) > 1:
            where["component"] = match
    else:
        assumed.append(msg("assumed_component", dataset=ds, component=component))
    if "measure" in rec.dimensions and len(rec.dimensions["measure"].values) > 1:
        measure = role_measure(rec)
        if measure is None:
            values_text = ", ".join(rec.dimensions["measure"].values)
            role = rec.roles[0] if rec.roles else ENCOUNTERS
            why = msg("left_out_measure", dataset=ds, role=role, values=values_text)
            return CountReading(left_out=(why, msg("want_role_measure", dataset=ds, role=role)))
        where["measure"] = [measure]
    if "location" in rec.dimensions:
        places = mentions(ctx, ds, "location", texts)
        tops = rec.dimensions["location"].top()
        if not places and len(tops) != 1:
            why = msg("left_out_total", dataset=ds, dim="location")
            return CountReading(left_out=(why, msg("want_total", dataset=ds, dim="location")))
        where["location"] = places or tops
    return CountReading(where, assumed)


def _court_reading(claim: Claim, r: ClaimReading) -> CheckSpec | None:
    """A court-record measure named by the quantity; or, when the quantity speaks of cases or hearings without
    naming one, the first-hearing or transfer measure its quote names ("MPP cases", "... still waiting for a
    first hearing")."""
    duration = bool(re.search(r"\b(?:days?|weeks?|months?|years?)\b", fold(claim.unit)))
    court_words = re.search(r"\bcases?\b|\bcourts?\b|\bhearings?\b|\bproceedings\b", fold(claim.quantity))
    passes = [(claim.quantity, COURT_TOPICS)]
    if court_words and claim.quote:
        passes.append((claim.quote, [(p, m) for p, m in COURT_TOPICS if m in COURT_SHARES]))
    for text, topics in passes:
        for pattern, measure in topics:
            if measure in COURT_SHARES and duration:
                continue  # "the wait for a first hearing, in days" is a wait, not a count of cases waiting
            if re.search(pattern, fold(text)):
                if measure in COURT_SHARES and re.search(r"percent|%|\bshare\b|\brate\b|proportion", r.text):
                    measure = COURT_SHARES[measure]
                where = _court_nationality(claim.quantity)
                spec = CheckSpec(metric="court", measure=measure, where=where, aggregation="latest", period=claim.as_of)
                spec.inferred = True
                why = (
                    msg("why_court_where", measure=measure, where=where_text(where))
                    if where
                    else msg("why_court", measure=measure)
                )
                spec.why = [why] if text is claim.quantity else [why, msg("why_court_quote", measure=measure)]
                return spec
    return None


def _court_nationality(quantity: str) -> dict[str, list[str]]:
    q = fold(quantity)
    for demonym, country in DEMONYMS.items():
        if re.search(rf"\b{demonym}s?\b", q):
            return {"nationality": [country]}
    return {}


def _plus_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _component(t: str) -> str:
    if re.search(r"\bofo\b|field operations|inadmissible|ports? of entry", t):
        return "OFO"
    if re.search(r"\busbp\b|border patrol|apprehen", t):
        return "USBP"
    return "CBP"


def _shelter_measure(t: str) -> str:
    if "camp" in t:
        return "camp_population"
    if re.search(r"percent|% of capacity|full", t):
        return "percent_full"
    if re.search(r"number of shelters|shelters count|how many shelters", t):
        return "shelters_count"
    if re.search(r"capacity|beds", t) and not re.search(r"occupan", t):
        return "capacity_beds"
    return "occupancy_persons"


def _return_cities(ctx: Context, texts: list[str]) -> dict[str, list[str]]:
    cities: list[str] = []
    for ds in ctx.return_datasets():
        for city in mentions(ctx, ds, "city", texts):
            if fold(city) not in {fold(c) for c in cities}:
                cities.append(city)
    return {"city": cities} if cities else {}


def _place_text(where: dict[str, list[str]]) -> Text:
    """The cities a returns claim names, or "Mexico (all points)" in either language."""
    return place_name(" + ".join(where.get("city", [])) or None)


def _share_candidates(ctx: Context, claim: Claim, r: ClaimReading) -> list[CheckSpec]:
    """A share: the part named in `quantity` (a nationality, a city...) over the whole named by the geography."""
    q = fold(claim.quantity)
    for demonym, country in DEMONYMS.items():
        q = re.sub(rf"\b{demonym}s?\b", country, q)
    geo = fold(claim.geography)
    out: list[CheckSpec] = []
    datasets = [*ctx.role(NATIONALITY), *ctx.return_datasets()] if re.search(r"return", q) else sorted(ctx.loaded)
    for ds in datasets:
        for dim in ctx.dims(ds):
            parts = [v for v in mentions(ctx, ds, dim, [q]) if fold(v) not in geo]
            if not parts:
                continue
            whole: dict[str, list[str]] = {}
            for dim2 in ctx.dims(ds):
                if dim2 == dim:
                    continue
                named = [v for v in mentions(ctx, ds, dim2, [claim.geography, q]) if fold(v) in geo or fold(v) in q]
                if named:
                    whole = {dim2: named}
                    break
            if not whole:
                alls = [v for v in ctx.values(ds, dim) if fold(v) in ("all", "total")]
                whole = {dim: alls} if alls else {}
            spec = CheckSpec(
                dataset=ds, aggregation="share", numerator={dim: parts}, denominator=whole, period=r.period,
                inferred=True,
                why=[msg("why_share", dataset=ds, dim=dim, parts="|".join(parts), whole=where_text(whole))],
            )  # fmt: skip
            if whole and dim not in whole:
                spec.numerator = {dim: parts, **whole}
            out.append(spec)
    return out


def _generic(ctx: Context, claim: Claim, r: ClaimReading) -> list[CheckSpec]:
    """Any loaded dataset whose name shares words with the claim; filters from the dimension values it names."""
    words = {w for w in re.findall(r"[a-z]{3,}", fold(claim.quantity)) if w not in _STOP}
    words |= {w[:-1] for w in words if w.endswith("s")}
    scored: list[tuple[int, str]] = []
    for ds in sorted(ctx.loaded):
        name_words = set(re.findall(r"[a-z]{3,}", ds.lower()))
        name_words |= {w[:-1] for w in name_words if w.endswith("s")}
        score = len(words & name_words)
        if score:
            scored.append((score, ds))
    out: list[CheckSpec] = []
    for score, ds in sorted(scored, key=lambda x: (-x[0], x[1])):
        where: dict[str, list[str]] = {}
        ambiguous = False
        for dim in ctx.dims(ds):
            named = mentions(ctx, ds, dim, [claim.quantity, claim.geography])
            values = ctx.values(ds, dim)
            alls = [v for v in values if fold(v) in ("all", "total")]
            if named:
                where[dim] = named
            elif alls:
                where[dim] = alls[:1]
            elif len(values) > 1:
                ambiguous = True  # several series and nothing in the claim says which
        if ambiguous:
            continue
        kinds = query.period_kinds(ctx.store, ds)
        if r.flow and "month" in kinds:
            agg = "sum"
        elif r.cumulative and "month" in kinds and "day" not in kinds:
            agg = "cumulative"
        elif "month" in kinds and r.period.kind in ("month", "fiscal_year", "year", "range") and "day" not in kinds:
            agg = "sum"
        else:
            agg = "latest"
        out.append(
            CheckSpec(
                dataset=ds,
                where=where,
                aggregation=agg,
                period=r.period,
                inferred=True,
                why=[
                    msg("why_generic", n=score, where=where_text(where) if where else msg("no_filters")),
                    *r.notes,
                ],
            )  # fmt: skip
        )
    return out


_STOP = {
    "the", "and", "for", "with", "from", "into", "mpp", "per", "cumulative", "since", "about", "more", "than",
    "over", "nearly", "almost", "just", "projected", "projection", "approx", "estimate", "total", "number", "of",
}  # fmt: skip


def _unmatched(claim: Claim) -> CheckSpec:
    """A refusal for a claim no loaded dataset measures."""
    place: Text = msg("place_named") if not claim.geography else place_name(claim.geography)
    return _refusal(
        msg("no_dataset_measures", quantity=claim.quantity),
        msg("want_dataset_measures", quantity=claim.quantity, place=place, date=claim.as_of.text),
    )


def _refusal(reason: Text, would: Text) -> CheckSpec:
    """A not-checkable spec made by inference, its texts rendered in English and Spanish."""
    return CheckSpec(
        checkable=False, inferred=True, reason=reason.render("en"), would_decide=would.render("en"),
        reason_es=reason.render("es"), would_decide_es=would.render("es"),
    )  # fmt: skip
