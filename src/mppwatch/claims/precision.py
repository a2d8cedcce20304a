"""Precision first: a claim is called false only on evidence that measures the same quantity.

`mismatches` lists the ways an inferred reading's evidence differs from what the claim measures (monthly vs
cumulative, returns vs enrolments vs court cases, people vs events, one nationality vs all, a named publisher
vs another's measure, a change vs a share, a ranking vs a total, a peak vs one date, a figure older than the
claim). Any of them turns a `contradicted` into `not_checkable`, with the data that would decide it.
`circular` finds evidence whose only record is the claim's own article (or a copy of it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mppwatch.claims.evidence import Context, Evidence
from mppwatch.claims.spec import CheckSpec, Claim
from mppwatch.claims.text import Msg, msg
from mppwatch.core.text import fold

# What a claim counts, from its quantity and unit words (first match wins per class; several classes may match).
CLAIM_CLASSES: list[tuple[str, str]] = [
    ("left", r"voluntary return|bused home|went home|returned home|go home|repatriat|countr(?:y|ies) of origin|deport"),
    ("decided", r"complet|decided|adjudicat|\bdecisions?\b|\bgranted\b|\brelief\b"),
    ("admitted", r"admitted|allowed (?:in|into)|entered the u|processed into the u|paroled|let into|into the us\b"),
    ("population", r"\bcamp\b|population|stranded|waiting in|living in|\bshelters?\b|occupan"),
    ("court", r"\bcases?\b|proceedings|\bcourts?\b|hearings?|in absentia|docket"),
    ("enrolments", r"enrol|placed in|book-?outs?|subject to mpp|processed (?:into|under) mpp|put into mpp"),
    ("encounters", r"encounter|apprehen|inadmissible"),
    ("fear", r"\bfear\b"),
    ("returns", r"return|sent back|turned back|devuel|remitted|received"),
]
ROLE_CLASS = {  # what a dataset counts, from its data-package role
    "bookouts": "enrolments",
    "enrollments": "enrolments",
    "court_cases": "court",
    "encounters": "encounters",
    "apprehensions": "encounters",
    "ofo_encounters": "encounters",
    "shelter_beds": "population",
    "fear_referrals": "fear",
    "returns_by_nationality": "returns",
    "returns_snapshots": "returns",
}
DHS_ROLES = ("encounters", "apprehensions", "ofo_encounters", "bookouts", "enrollments")  # tables of DHS's own counts
PUBLISHERS: list[tuple[str, str]] = [
    ("DHS", r"\bdhs\b|homeland security|\bcbp\b|customs and border|border patrol|\bohss\b"),
    (
        "INM",
        r"\binm\b|instituto nacional de migracion|national migration institute|mexican government|mexico s government",
    ),
    ("TRAC", r"\btrac\b"),
    ("EOIR", r"\beoir\b|justice department|executive office for immigration review"),
    ("UNHCR", r"\bunhcr\b|acnur"),
]
PEOPLE_UNIT = re.compile(r"\bpeople\b|\bpersons?\b|\bindividuals\b|\bmigrants\b|asylum seekers|\bfamilies\b")
MONTHLY = re.compile(r"\bmonthly\b|\bper month\b|\ba month\b|\bin a single month\b|\beach month\b")
CUMULATIVE = re.compile(r"cumulative|\bsince\b|to date|so far|\bin all\b|\boverall\b|running total|\baltogether\b")
CHANGE = re.compile(
    r"\b(?:rose|risen|rise|increased?|increases|grew|grown|jump(?:ed)?|climb(?:ed)?|surged?|soared|fell|fallen|"
    r"drop(?:ped)?|declined?|decreased?|plunged?|shrank|doubled|tripled)\b"
)
PEAK = re.compile(
    r"\bpeak(?:ed|s)?\b|\bhighest (?:month|monthly|level|point)\b|\brecord (?:month|high)\b|\bbusiest month\b"
)


# A more specific class hides the general one its words also match ("deported ... returned", "cases decided").
HIDES = {"left": "returns", "decided": "court"}


def claim_classes(claim: Claim) -> list[str]:
    text = fold(f"{claim.quantity} {claim.unit}")
    found = [name for name, pattern in CLAIM_CLASSES if re.search(pattern, text)]
    return [c for c in found if not any(HIDES.get(other) == c for other in found)]


def dataset_class(ctx: Context, dataset: str | None) -> str | None:
    """What a dataset counts (returns, enrolments, court cases...), from its first role that says."""
    return next((ROLE_CLASS[r] for r in ctx.roles_of(dataset) if r in ROLE_CLASS), None)


def spec_class(ctx: Context, spec: CheckSpec) -> str | None:
    if spec.metric == "returns":
        return "returns"
    if spec.metric == "court":
        return "court"
    return dataset_class(ctx, spec.dataset)


def evidence_publisher(ctx: Context, spec: CheckSpec, ev: Evidence) -> str | None:
    ids = " ".join(sorted(ev.sources)).upper()
    roles = ctx.roles_of(spec.dataset)
    if spec.metric == "returns" or "returns_snapshots" in roles or "_INM" in ids:
        return "INM"
    if ids.startswith(("OHSS", "CBP")) or set(roles) & set(DHS_ROLES):
        return "DHS"
    if ids.startswith("TRAC"):
        return "TRAC"
    if spec.metric == "court":
        return "EOIR"
    return None


def named_publishers(claim: Claim) -> list[str]:
    text = " " + fold(re.sub(r"[^\w\s]", " ", f"{claim.quantity} {claim.quote}")) + " "
    return [name for name, pattern in PUBLISHERS if re.search(pattern, text)]


def mismatches(ctx: Context, claim: Claim, spec: CheckSpec, ev: Evidence) -> list[tuple[Msg, Msg]]:
    """(why the measure differs, what data would decide it) for each difference between claim and evidence."""
    from mppwatch.claims.infer import _court_nationality
    from mppwatch.claims.shapes import rank_in

    out: list[tuple[Msg, Msg]] = []
    text = fold(f"{claim.quantity} {claim.unit}")
    date_text = claim.as_of.text
    nationality = _court_nationality(claim.quantity).get("nationality")
    filtered = {fold(v) for f in (spec.where, spec.numerator) for v in f.get("nationality", [])}
    if nationality and not ({fold(n) for n in nationality} & filtered):
        n = nationality[0].title()
        out.append((msg("mm_nationality", nationality=n), msg("want_nationality", nationality=n)))
    named = named_publishers(claim)
    found = evidence_publisher(ctx, spec, ev)
    if named and found and found not in named:
        out.append((msg("mm_publisher", named=" / ".join(named), found=found), msg("want_publisher", named=named[0])))
    classes = claim_classes(claim)
    have = spec_class(ctx, spec)
    if classes and have and have not in classes and not (ev.bridge or spec.bridge):
        claimed = msg(f"class_{classes[0]}")
        out.append((msg("mm_class", claimed=claimed, found=msg(f"class_{have}")), msg("want_class", claimed=claimed)))
    place = _unfiltered_place(ctx, claim, spec)
    if place:
        out.append((msg("mm_place", place=place), msg("want_place", place=place)))
    if have == "encounters" and PEOPLE_UNIT.search(fold(claim.unit)):
        out.append((msg("mm_people_events"), msg("want_people")))
    agg = spec.aggregation
    if MONTHLY.search(text) and agg == "cumulative":
        out.append((msg("mm_monthly_cumulative"), msg("want_monthly", date=date_text)))
    if (
        CUMULATIVE.search(fold(claim.quantity))
        and agg == "sum"
        and spec.period is not None
        and spec.period.kind == "month"
    ):
        out.append((msg("mm_cumulative_monthly", period=spec.period.text), msg("want_cumulative", date=date_text)))
    if CHANGE.search(text) and re.search(r"percent|%", text) and agg in ("share", "ratio"):
        out.append((msg("mm_change_share"), msg("want_change")))
    if rank_in(f"{claim.quantity} {claim.quote}") and agg not in ("rank",):
        out.append((msg("mm_rank_sum"), msg("want_rank")))
    if PEAK.search(text) and agg not in ("max", "min"):
        out.append((msg("mm_peak_level"), msg("want_peak")))
    period = spec.period or claim.as_of
    if (
        ev.date[:10]
        and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", ev.date[:10])
        and ev.date < period.start.isoformat()[: len(ev.date)]
    ):
        out.append(
            (
                msg("mm_stale", date=ev.date, period=period.text),
                msg("want_published_figure", quantity=claim.quantity, date=date_text),
            )
        )
    return out


def _norm_url(url: str) -> tuple[str, str]:
    """(host + path, last path segment) with scheme, `www.`, `amp`, query and trailing slash removed."""
    parts = urlsplit(url.strip().lower())
    host = parts.netloc.removeprefix("www.").removeprefix("m.")
    segs = [s for s in parts.path.split("/") if s and s != "amp"]
    return host + "/" + "/".join(segs), (segs[-1] if segs else "")


def circular(ctx: Context, claim: Claim, ev: Evidence) -> list[str]:
    """The evidence's sources, when every one of them is the claim's own article or a copy of it (else [])."""
    if not claim.source_url or not ev.sources:
        return []
    urls = _source_urls(ctx)
    mine, slug = _norm_url(claim.source_url)
    hits = []
    for source in ev.sources:
        url = urls.get(source)
        if not url:
            return []
        theirs, their_slug = _norm_url(url)
        same = theirs == mine or (len(slug) >= 20 and their_slug == slug)
        if not same:
            return []
        hits.append(source)
    return sorted(hits)


def _source_urls(ctx: Context) -> dict[str, str]:
    cache = getattr(ctx, "_source_urls", None)
    if cache is None:
        rows = ctx.store.con.execute("SELECT source_id, source_url FROM sources").fetchall()
        cache = {str(s): str(u or "") for s, u in rows}
        ctx._source_urls = cache  # type: ignore[attr-defined]
    return cache


def ceiling_of(ctx: Context, dataset: str | None) -> str:
    """ "upper" when a dataset bridged to returns is a ceiling on them: every return was first an enrolment."""
    return "upper" if dataset_class(ctx, dataset) == "enrolments" else ""


def _unfiltered_place(ctx: Context, claim: Claim, spec: CheckSpec) -> str:
    """A city the claim names that the evidence does not select (a national figure for a claim about one city)."""
    from mppwatch.claims.shapes import TOTAL_VALUES

    cities: set[str] = set()
    for ds in ctx.return_datasets():
        cities |= {
            v for v in ctx.values(ds, "city") if fold(v) not in TOTAL_VALUES and " and " not in v and "," not in v
        }
    text = " " + fold(re.sub(r"[^\w\s]", " ", f"{claim.quantity} {claim.geography}")) + " "
    chosen = " ".join(fold(v) for f in (spec.where, spec.numerator, spec.versus) for vals in f.values() for v in vals)
    for city in sorted(cities, key=len, reverse=True):
        key = fold(city)
        if f" {key} " in text and key not in chosen:
            return city
    return ""
