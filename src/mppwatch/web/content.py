"""What the dashboard pages show: each page's panels (chart + table + sources), read from the library functions.

This is the pages' only data access. Every figure comes from the same call the CLI makes (`metrics.series`,
`returns.returns`, `court.table`, `forecast`, `claims.check`, ...); a `Panel` carries the machine values, the
source ids behind them and the flags (estimate, suppressed, SYNTHETIC) that every renderer (page, zip, embed)
shows the same way. Nothing here formats for a language except the titles and notes it is given `_` for.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from mppwatch import catalog, metrics
from mppwatch import returns as returns_mod
from mppwatch.catalog import QueryError
from mppwatch.court import names
from mppwatch.errors import MppwatchError
from mppwatch.i18n import format_date, format_number, localise, translator
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store
from mppwatch.web import charts


def N_(text: str) -> str:
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return text


class Tr:
    """The page language: `_("...")` translates, `_.num(v)` and `_.date(d)` format for it (16,714 / 16 714)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.gettext: Callable[[str], str] = translator(lang)

    def __call__(self, text: str) -> str:
        return self.gettext(text)

    def num(self, value: Any) -> str:
        return format_number(round(float(value)), self.lang)

    def date(self, value: Any) -> str:
        return format_date(value if isinstance(value, dt.date) else str(value), self.lang)


def message(exc: BaseException, lang: str) -> str:
    """An error's one line in `lang`, as the CLI prints it: its own Spanish when it has one, else the template's."""
    render = getattr(exc, "render", None)
    if callable(render):
        return str(render(lang))
    return localise(str(exc), lang) or str(exc)


def dataset_for(store: Store, role: str, where: Sequence[tuple[str, str]] = (), by: Sequence[str] = ()) -> str:
    """The dataset playing `role` whose columns hold `where`'s values and `by`'s columns: a bundled (described)
    one first, as catalog.role_dataset prefers the curated table, then by name; when none holds them, the first
    (the query then says what it lacks). None playing the role is the catalogue's error saying how to load one."""
    records = catalog.catalog(store)
    names = sorted(catalog.role_datasets(store, role), key=lambda n: (records[n].origin != "bundled", n))
    for name in names:
        dims = records[name].dimensions
        if all(c in dims and v in dims[c].values for c, v in where) and all(b in dims for b in by):
            return name
    return names[0]


Gettext = Tr

MPP_BOOKOUTS = (("component", "CBP"), ("outcome", "Migrant Protection Protocols"))
NUMBER, TEXT, DATE, BOOL, URL, SOURCES = "number", "text", "date", "bool", "url", "sources"


@dataclass
class Column:
    """A table column: its key in the frame, its label, and how to show it (number, text, date, bool, url, sources)."""

    key: str
    label: str
    kind: str = TEXT
    values: dict[str, str] | None = None  # how machine values read on a page (verdicts); CSV keeps the machine value


@dataclass
class Panel:
    """One chart with its table, sources and flags: the unit of download, permalink and embed."""

    key: str
    title: str
    frame: pd.DataFrame
    columns: list[Column]
    source_ids: list[str]
    summary: str
    chart: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # units, as_of, estimate, suppression, synthetic

    def records(self) -> list[dict[str, Any]]:
        """The table's rows as plain Python values (NaN as None)."""
        out = []
        for row in self.frame[[c.key for c in self.columns]].itertuples(index=False):
            out.append({c.key: clean(v) for c, v in zip(self.columns, row, strict=True)})
        return out


@dataclass
class Page:
    """A rendered page's content: headline figures, panels, and anything else its template needs."""

    name: str
    title: str
    panels: list[Panel] = field(default_factory=list)
    headlines: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def clean(value: Any) -> Any:
    """A value for a table cell or JSON: NaN/NaT -> None, numpy scalars -> Python, dates -> ISO strings."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def split_ids(text: Any) -> list[str]:
    """`"A B"` (the store's space-separated source ids) -> ["A", "B"]."""
    return [s for s in str(text or "").split() if s and s != "nan"]


def all_ids(frame: pd.DataFrame, col: str) -> list[str]:
    return sorted({s for v in frame.get(col, pd.Series(dtype=object)) for s in split_ids(v)})


# ---------------------------------------------------------------- registers


def source_register(store: Store) -> dict[str, dict[str, Any]]:
    """source id -> title, url, note, datasets: the register every Sources tab reads."""
    frame = metrics.sources(store)
    return {str(r["source_id"]): {k: clean(r[k]) for k in frame.columns} for _, r in frame.iterrows()}


# ---------------------------------------------------------------- returns


def snapshot_frame(store: Store, datasets: Sequence[str]) -> pd.DataFrame:
    """Every usable cumulative snapshot, per city and for Mexico as a whole (`geo` = All)."""
    by_city = returns_mod.snapshots(store, datasets, by="city")
    total = returns_mod.snapshots(store, datasets, None)
    total["geo"] = returns_mod.ALL
    out = pd.concat([total, by_city], ignore_index=True)
    return out.sort_values(["geo", "date"]).reset_index(drop=True)


NO_SNAPSHOTS = N_("returns: no usable snapshot in {datasets}")


def snapshot_datasets(store: Store) -> list[str]:
    """The datasets `mppwatch returns` reads by default (the catalogue's returns_snapshots role); none is the
    catalogue's error saying how to load one."""
    return catalog.role_datasets(store, returns_mod.ROLE)


def last_snapshot_date(store: Store, datasets: Sequence[str]) -> dt.date:
    points = returns_mod.snapshots(store, datasets, None) if datasets else pd.DataFrame()
    if points.empty:
        raise QueryError(NO_SNAPSHOTS, datasets=", ".join(datasets))
    return max(points["date"])


def latest_city_date(store: Store, datasets: Sequence[str]) -> dt.date:
    """The last date with a snapshot for every city and the total: the returns page's default date."""
    points = snapshot_frame(store, datasets)
    if points.empty:
        raise QueryError(NO_SNAPSHOTS, datasets=", ".join(datasets))
    return min(max(g["date"]) for _, g in points.groupby("geo"))


def returns_total(store: Store, as_of: dt.date, datasets: Sequence[str], lang: str) -> dict[str, Any]:
    """The headline: cumulative returns to Mexico as of a date, with estimate flag, method (in `lang`) and sources."""
    frame = returns_mod.returns(store, as_of, None, datasets, lang)
    row = frame.iloc[0]
    return {
        "value": clean(row["value"]),
        "is_estimate": bool(row["is_estimate"]),
        "method": str(row["method"]),
        "source_ids": split_ids(row["source_ids"]),
        "as_of": as_of.isoformat(),
    }


def returns_by_city(store: Store, as_of: dt.date, datasets: Sequence[str], _: Gettext) -> Panel:
    frame = returns_mod.returns(store, as_of, "city", datasets, _.lang)
    frame["source_ids"] = frame["source_ids"].fillna("")
    estimates = [bool(v) for v in frame["is_estimate"]]
    chart = charts.bars(
        [str(c) for c in frame["city"]],
        [clean(v) for v in frame["value"]],
        estimates,
        _("estimate (interpolated)"),
        _("published snapshot"),
        _("persons returned"),
    )
    known = frame.dropna(subset=["value"])
    summary = "; ".join(f"{c}: {_.num(v)}" for c, v in zip(known["city"], known["value"], strict=True))
    summary = summary or _("no figure for this date")
    return Panel(
        key="by_city",
        title=_("Returns by city as of {date}").format(date=_.date(as_of)),
        frame=frame,
        columns=[
            Column("city", _("City")),
            Column("value", _("Persons returned"), NUMBER),
            Column("is_estimate", _("Estimate"), BOOL),
            Column("method", _("Method")),
            Column("source_ids", _("Sources"), SOURCES),
        ],
        source_ids=all_ids(frame, "source_ids"),
        summary=_("Cumulative MPP returns by city as of {date}: {figures}.").format(
            date=_.date(as_of), figures=summary
        ),
        chart=chart,
        notes=[_("Between two snapshots the figure is interpolated linearly and marked as an estimate.")],
        meta={"unit": "persons", "as_of": as_of.isoformat(), "estimate_column": "is_estimate"},
    )


def place(geo: Any, _: Gettext) -> str:
    """A snapshot's geography for people: the national total is 'Mexico (all points)'."""
    return _("Mexico (all points)") if geo == returns_mod.ALL else str(geo)


def snapshots_panel(store: Store, datasets: Sequence[str], _: Gettext) -> Panel:
    frame = snapshot_frame(store, datasets)
    frame = frame.rename(columns={"source_id": "source_ids"})
    geos = sorted(frame["geo"].unique(), key=lambda g: (g != returns_mod.ALL, g))
    lines = []
    for geo in geos:
        part = frame[frame["geo"] == geo]
        lines.append((place(geo, _), part))
    chart = charts.snapshot_lines(lines, _("published snapshot"), _("interpolated (estimate)"), _("persons returned"))
    latest = frame[frame["geo"] == returns_mod.ALL].tail(1)
    text = ""
    if len(latest):
        text = _("The latest published total is {value} on {date}.").format(
            value=_.num(latest["value"].iloc[0]), date=_.date(latest["date"].iloc[0])
        )
    return Panel(
        key="snapshots",
        title=_("INM's cumulative returns over time"),
        frame=frame,
        columns=[
            Column("geo", _("Place")),
            Column("date", _("Date"), DATE),
            Column("value", _("Persons returned"), NUMBER),
            Column("exact", _("Exact date"), BOOL),
            Column("source_ids", _("Sources"), SOURCES),
            Column("dataset", _("Dataset")),
        ],
        source_ids=all_ids(frame, "source_ids"),
        summary=_("{n} published snapshots of cumulative returns.").format(n=len(frame)) + " " + text,
        chart=chart,
        notes=[_("Lines between snapshots are linear interpolations: estimates, not published figures.")],
        meta={"unit": "persons", "estimate": "dashed lines are interpolations"},
    )


def last_known_panel(store: Store, datasets: Sequence[str], _: Gettext) -> Panel:
    frame = snapshot_frame(store, datasets).rename(columns={"source_id": "source_ids"})
    last = frame.sort_values("date").groupby("geo", sort=True).tail(1).sort_values("geo").reset_index(drop=True)
    return Panel(
        key="last_known",
        title=_("Last known figure per city"),
        frame=last,
        columns=[
            Column("geo", _("Place")),
            Column("date", _("Date"), DATE),
            Column("value", _("Persons returned"), NUMBER),
            Column("source_ids", _("Sources"), SOURCES),
        ],
        source_ids=all_ids(last, "source_ids"),
        summary="; ".join(
            f"{place(g, _)}: {_.num(v)} ({_.date(d)})"
            for g, v, d in zip(last["geo"], last["value"], last["date"], strict=True)
        ),
        chart=charts.bars(
            [place(g, _) for g in last["geo"]], [clean(v) for v in last["value"]], None, "", "", _("persons returned")
        ),
        meta={"unit": "persons"},
    )


# ---------------------------------------------------------------- series (explorer, encounters)


@dataclass(frozen=True)
class SeriesQuery:
    """The CLI's `series` choices, as URL parameters."""

    dataset: str
    where: tuple[tuple[str, str], ...] = ()
    by: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    row_type: str = "detail"
    period_kind: str | None = None
    edition: str | None = None

    def where_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for col, val in self.where:
            out.setdefault(col, []).append(val)
        return out


def series_panel(store: Store, q: SeriesQuery, _: Gettext, key: str = "series", title: str = "") -> Panel:
    """A dataset summed per period (the CLI's `series`, through the query layer) with its provenance."""
    from mppwatch import query

    sel = query.Selection(q.dataset, q.where_dict(), q.by, q.start, q.end, q.period_kind, q.row_type, q.edition)
    result = query.series(store, sel)
    frame, prov = result.frame, result.provenance
    source_ids = list(prov.source_ids)
    load_ids = list(prov.load_ids)
    title = title or prov.title.get(_.lang) or prov.title.get("en") or q.dataset
    groups: list[tuple[str, pd.DataFrame]] = []
    if q.by:
        for name, part in frame.groupby(list(q.by), sort=True, dropna=False):
            label = " / ".join(str(x) for x in (name if isinstance(name, tuple) else (name,)))
            groups.append((label, part))
    else:
        groups.append((q.dataset, frame))
    chart = charts.series_lines(groups[:20], _("value")) if len(frame) else None
    cols = [Column(b, _(b)) for b in q.by] + [Column("period", _("Period")), Column("value", _("Value"), NUMBER)]
    missing = int(frame["value"].isna().sum()) if len(frame) else 0
    notes = prov.notes_in(_.lang)
    if prov.is_estimate:
        notes.insert(0, _("These figures include estimates."))
    if missing:
        notes.append(_("{n} cells were not published (printed X or NA): shown empty, not as zero.").format(n=missing))
    if len(groups) > 20:
        notes.append(_("The chart draws the first 20 series; the table has all {n}.").format(n=len(groups)))
    if frame.empty:
        notes.append(_("No rows match this selection."))
    summary = _("{n} rows from {dataset}").format(n=len(frame), dataset=q.dataset)
    if len(frame) and not q.by:
        last = frame.dropna(subset=["value"]).tail(1)
        if len(last):
            summary += "; " + _("latest {period}: {value}").format(
                period=last["period"].iloc[0], value=_.num(last["value"].iloc[0])
            )
    return Panel(
        key=key,
        title=title or q.dataset,
        frame=frame,
        columns=cols,
        source_ids=source_ids,
        summary=summary + ".",
        chart=chart,
        notes=notes,
        meta={
            "dataset": q.dataset,
            "where": [f"{c}={v}" for c, v in q.where],
            "by": list(q.by),
            "from": q.start,
            "to": q.end,
            "row_type": q.row_type,
            "period_kind": q.period_kind,
            "edition": q.edition,
            "load_ids": load_ids,
            "provenance": prov.to_dict(),
            "estimate": prov.is_estimate,
            "suppressed": prov.suppressed,
            "empty_cells": "not published (X/NA), left empty",
        },
    )


def facets(store: Store, dataset: str, limit: int = 80) -> dict[str, list[str]]:
    """Each breakdown of a dataset with its published values (up to `limit`), from the catalogue."""
    rec = catalog.record(store, dataset)
    return {
        name: list(dim.values)[:limit]
        for name, dim in sorted(rec.dimensions.items())
        if name not in catalog.NOT_DIMENSIONS
    }


def datasets_catalogue(store: Store) -> dict[str, dict[str, Any]]:
    """Every dataset in the store: title and description in English and Spanish, origin, roles, coverage."""
    return {
        name: {
            "title": dict(rec.title),
            "description": dict(rec.description),
            "origin": rec.origin,
            "coverage": {lang: str(rec.coverage_text().render(lang)) for lang in ("en", "es")},
            "source_ids": list(rec.source_ids),
            "row_types": list(rec.row_types),
        }
        for name, rec in sorted(catalog.catalog(store).items())
    }


def latest_month(store: Store) -> dict[str, Any] | None:
    """The latest month of CBP's MPP book-outs (the `bookouts` dataset), the 'latest month' headline; None when
    no month is above zero. No dataset with the role raises `RoleMissing`."""
    dataset = dataset_for(store, "bookouts", MPP_BOOKOUTS)
    frame = metrics.series(store, dataset, {k: [v] for k, v in MPP_BOOKOUTS})
    frame = frame.dropna(subset=["value"])
    frame = frame[frame["value"] > 0]
    if frame.empty:
        return None
    row = frame.iloc[-1]
    return {"value": clean(row["value"]), "period": str(row["period"]), "source_ids": frame.attrs["source_ids"]}


# ---------------------------------------------------------------- court


def court_releases(store: Store) -> pd.DataFrame:
    from mppwatch import court

    return court.releases(store)


COURT_LABELS = {
    "cases": N_("cases"),
    "completed": N_("completed"),
    "pending": N_("pending"),
    "in_absentia_rate": N_("in absentia rate"),
    "first_hearing_cases": N_("cases with a first hearing"),
    "first_hearing_p10": N_("to first hearing, p10 days"),
    "first_hearing_median": N_("to first hearing, median days"),
    "first_hearing_p90": N_("to first hearing, p90 days"),
    "completion_cases": N_("completed cases"),
    "completion_p10": N_("to completion, p10 days"),
    "completion_median": N_("to completion, median days"),
    "completion_p90": N_("to completion, p90 days"),
    "hearing_location": N_("hearing location"),
    "nationality": N_("nationality"),
    "return_city": N_("return city"),
    # the names beside the codes, from the release's own lookups (court.names)
    "hearing_location_name": N_("hearing location (name)"),
    "nationality_name": N_("nationality (name)"),
    "base_city_name": N_("base city (name)"),
    "language_name": N_("language (name)"),
    "decision_name": N_("decision (name)"),
    "custody_name": N_("custody (name)"),
}


def court_label(col: str, _: Gettext) -> str:
    return _(COURT_LABELS.get(col, col))


COURT_BREAKDOWNS = {
    "hearing_location": ("hearing_location",),
    "nationality": ("nationality",),
    "nationality,hearing_location": ("nationality", "hearing_location"),
}


def court_panels(store: Store, release: str | None, by_key: str, _: Gettext) -> list[Panel]:
    """TRAC-style tables and waits, under the disclosure control the API applies (threshold >= 10)."""
    from mppwatch import court
    from mppwatch.court.measures import MIN_THRESHOLD

    if by_key not in COURT_BREAKDOWNS:
        raise MppwatchError(
            N_("by {value}: choose one of {choices}"), value=repr(by_key), choices=", ".join(COURT_BREAKDOWNS)
        )
    by = list(COURT_BREAKDOWNS[by_key])
    label = " × ".join(court_label(b, _) for b in by)
    frame = court.table(
        store, by, ["cases", "completed", "pending", "in_absentia_rate"], True, None, release, MIN_THRESHOLD
    )
    panels = [
        _court_panel(
            "table", _("MPP cases by {breakdown}").format(breakdown=label), frame, by, "cases", _, MIN_THRESHOLD
        )
    ]
    waits = court.waits(store, by, True, release, MIN_THRESHOLD)
    panels.append(
        _court_panel(
            "waits",
            _("Days from notice to appear to first hearing, by {breakdown} (median)").format(breakdown=label),
            waits,
            by,
            "first_hearing_median",
            _,
            MIN_THRESHOLD,
        )
    )
    rel = str(frame.attrs.get("release") or release or "")
    end = dt.date(int(rel[:4]), int(rel[5:7]), 1) if rel[:4].isdigit() else dt.date(2022, 12, 1)
    pending = court.pending_series(
        store, dt.date(2019, 2, 1), min(end, dt.date(2022, 12, 1)), "return_city", release, MIN_THRESHOLD
    )
    panels.append(_pending_panel(pending, _, MIN_THRESHOLD))
    return panels


def _withheld_free(values: pd.Series) -> list[Any]:
    """Numbers for a chart: a withheld cell ("<10") is a gap, never a zero."""
    return [clean(v) for v in pd.to_numeric(values, errors="coerce")]


def _court_notes(synthetic: bool, threshold: int, _: Gettext) -> list[str]:
    notes = [
        _("Counts below {n} are withheld (shown as <{n}); no case-level rows leave the store.").format(n=threshold)
    ]
    if synthetic:
        notes.insert(0, _("SYNTHETIC data, not real court records."))
    return notes


def _court_panel(
    key: str, title: str, frame: pd.DataFrame, by: list[str], chart_col: str, _: Gettext, threshold: int
) -> Panel:
    synthetic = bool(frame.attrs.get("synthetic"))
    release = str(frame.attrs.get("release", ""))
    named = {c for c in frame.columns if c.endswith(names.SUFFIX) and c.removesuffix(names.SUFFIX) in by}
    columns = [Column(c, court_label(c, _), TEXT if c in by or c in named else NUMBER) for c in frame.columns]
    chart = None
    if chart_col in frame.columns and len(frame):
        shown = names.for_output(frame, "table")  # a bar's label is "CIX – MPP COURT CALEXICO PORT"
        chart = charts.bars(
            [" / ".join(str(x) for x in r) for r in shown[by].itertuples(index=False)],
            _withheld_free(frame[chart_col]),
            None,
            "",
            "",
            court_label(chart_col, _),
        )
    return Panel(
        key=key,
        title=f"{title} ({release})",
        frame=frame,
        columns=columns,
        source_ids=[f"EOIR_CASE_DATA_{release}"],
        summary=_("{n} groups from EOIR release {release}.").format(n=len(frame), release=release),
        chart=chart,
        notes=_court_notes(synthetic, threshold, _),
        meta={"release": release, "synthetic": synthetic, "suppression": f"counts below {threshold} withheld"},
    )


def _pending_panel(frame: pd.DataFrame, _: Gettext, threshold: int) -> Panel:
    synthetic = bool(frame.attrs.get("synthetic"))
    release = str(frame.attrs.get("release", ""))
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    groups = []
    for city, part in frame.groupby("return_city", sort=True):
        groups.append(
            (
                str(city),
                pd.DataFrame(
                    {"period": [d.isoformat() for d in part["date"]], "value": _withheld_free(part["pending"])}
                ),
            )
        )
    return Panel(
        key="pending",
        title=_("MPP cases pending on the first of each month, by Mexican return city") + f" ({release})",
        frame=frame,
        columns=[
            Column("return_city", _("City")),
            Column("date", _("Date"), DATE),
            Column("pending", court_label("pending", _), NUMBER),
        ],
        source_ids=[f"EOIR_CASE_DATA_{release}"],
        summary=_("{n} groups from EOIR release {release}.").format(n=frame["return_city"].nunique(), release=release),
        chart=charts.series_lines(groups, court_label("pending", _)),
        notes=_court_notes(synthetic, threshold, _),
        meta={"release": release, "synthetic": synthetic, "suppression": f"counts below {threshold} withheld"},
    )


def court_backlog(store: Store) -> dict[str, Any] | None:
    """Cases pending in the latest release's MPP cohort, when a release is loaded (the overview's headline)."""
    from mppwatch import court
    from mppwatch.court.measures import MIN_THRESHOLD

    rel = court_releases(store)
    if rel.empty:
        return None
    frame = court.table(store, [], ["pending"], True, None, None, MIN_THRESHOLD)
    if frame.empty:
        return None
    return {
        "value": clean(frame["pending"].iloc[0]),
        "release": str(frame.attrs.get("release", "")),
        "synthetic": bool(frame.attrs.get("synthetic")),
    }


# ---------------------------------------------------------------- claims


def claims_files() -> list[str]:
    return sorted(p.name for p in bundled_data_dir().glob("claims_*.csv"))


def claims_panel(store: Store, file: str, lang: str, _: Gettext) -> Panel:
    from mppwatch.claims import check

    path = bundled_data_dir() / file
    if file not in claims_files():
        raise MppwatchError(
            N_("{file}: not a bundled claims file ({files})"), file=file, files=", ".join(claims_files())
        )
    result = check(store, path, load_missing=False)
    frame = result.frame(lang)
    return _claims_panel("verdicts", file, frame, result.error_lines(lang), _)


def _claims_panel(key: str, title: str, frame: pd.DataFrame, errors: list[str], _: Gettext) -> Panel:
    from mppwatch.claims.text import VERDICT_LABELS, label

    order = [
        "claim_id",
        "verdict",
        "value",
        "claimed_value",
        "tolerance",
        "evidence_date",
        "quote",
        "source_ids",
        "method",
    ]
    cols = [c for c in order if c in frame.columns]
    kinds = {"value": NUMBER, "claimed_value": NUMBER, "source_ids": SOURCES, "evidence_date": DATE}
    labels = {
        "claim_id": _("Claim"),
        "verdict": _("Verdict"),
        "value": _("Evidence value"),
        "claimed_value": _("Claimed"),
        "tolerance": _("Tolerance"),
        "evidence_date": _("Evidence date"),
        "source_ids": _("Sources"),
        "method": _("How it was checked"),
        "quote": _("Quote"),
    }
    verdicts = {v: label(VERDICT_LABELS, v, _.lang) for v in VERDICT_LABELS}
    counts = frame["verdict"].value_counts().sort_index().to_dict() if "verdict" in frame else {}
    chart = (
        charts.bars(
            [verdicts.get(str(k), str(k)) for k in counts], [int(v) for v in counts.values()], None, "", "", _("claims")
        )
        if len(counts) > 1
        else None
    )
    return Panel(
        key=key,
        title=title,
        frame=frame,
        columns=[Column(c, labels.get(c, c), kinds.get(c, TEXT), verdicts if c == "verdict" else None) for c in cols],
        source_ids=all_ids(frame, "source_ids"),
        summary="; ".join(f"{verdicts.get(str(k), str(k))}: {v}" for k, v in sorted(counts.items()))
        or _("no verdicts"),
        chart=chart,
        notes=errors,
        meta={"estimate_column": "is_estimate"},
    )


def check_typed_claim(store: Store, fields: dict[str, str], lang: str, _: Gettext) -> Panel:
    """A claim typed into the form, checked like a claims file row (same parsing, same refusals)."""
    from mppwatch.claims import check

    header = ["claim_id", "source_url", "quote", "quantity", "value", "unit", "as_of_date", "geography"]
    row = {"claim_id": "WEB1", "source_url": "", **{k: fields.get(k, "") for k in header[2:]}}
    with tempfile.TemporaryDirectory(prefix="mppwatch-claim-") as tmp:
        path = Path(tmp) / "claims_typed.csv"
        frame = pd.DataFrame([row], columns=header)
        frame.to_csv(path, index=False)
        result = check(store, path, load_missing=False)
        out = result.frame(lang)
        errors = [e.replace(str(path), _("typed claim")) for e in result.error_lines(lang)]
    return _claims_panel("typed", _("Your claim"), out, errors, _)


# ---------------------------------------------------------------- forecasts

# each preset: the role of its dataset and the selection (the dataset is the first with the role holding it)
FORECAST_PRESETS: dict[str, tuple[str, SeriesQuery]] = {
    "mpp_bookouts": ("bookouts", SeriesQuery("", MPP_BOOKOUTS)),
    "elpaso_apprehensions": (
        "apprehensions",
        SeriesQuery("", (("measure", "total_apprehensions"), ("location", "El Paso")), end="2019-03"),
    ),
}


def for_role(store: Store, role: str, q: SeriesQuery) -> SeriesQuery:
    """`q` on the first loaded dataset with `role` that holds its filters and breakdowns."""
    return replace(q, dataset=dataset_for(store, role, q.where, q.by))


BACKTEST_LABELS = {
    "model": N_("model"),
    "mase": "MASE",
    "smape": "sMAPE",
    "coverage_80": N_("80% interval coverage"),
    "coverage_95": N_("95% interval coverage"),
    "mase_vs_snaive": N_("MASE relative to seasonal naive"),
}


def forecast_results(store: Store, q: SeriesQuery, horizon: int) -> tuple[Any, Any]:
    """The forecast and its backtest (the slow part, the same in every language: cached by the pages)."""
    from mppwatch.forecast import Selection, backtest, forecast

    sel = Selection(q.dataset, q.where_dict(), (), q.start, q.end, q.row_type, q.edition)
    return forecast(store, sel, horizon, "auto"), backtest(store, sel, origins=12, horizon=min(horizon, 6))


def forecast_panels(results: tuple[Any, Any], q: SeriesQuery, _: Gettext) -> list[Panel]:
    """The forecast chart with both intervals, and the backtest table next to seasonal naive."""
    result, bt = results
    hist = result.history
    fc = result.frame
    chart = charts.forecast_chart(
        hist, fc, _("published"), _("forecast (estimate)"), _("80% interval"), _("95% interval")
    )
    clipped = bool(chart["layout"].get("meta", {}).get("clipped"))
    table = fc.copy()
    table["ds"] = pd.to_datetime(table["ds"]).dt.strftime("%Y-%m")
    lang = getattr(_, "lang", "en")
    if "method" in table.columns:  # the model in the page language ("snaive: naive (under a year of history)")
        table["method"] = [localise(str(m), lang) if isinstance(m, str) else m for m in table["method"]]
    source_ids = list(fc.attrs.get("source_ids", []))
    cols = [
        Column("ds", _("Month")),
        Column("method", _("Method")),
        Column("y_hat", _("Forecast"), NUMBER),
        Column("lo-80", _("80% low"), NUMBER),
        Column("hi-80", _("80% high"), NUMBER),
        Column("lo-95", _("95% low"), NUMBER),
        Column("hi-95", _("95% high"), NUMBER),
    ]
    first = table.iloc[0] if len(table) else None
    summary = _("Forecast, an estimate, for {n} months.").format(n=len(table))
    if first is not None:
        summary += " " + _("{month}: {value} (80% interval {lo} to {hi}).").format(
            month=first["ds"],
            value=_.num(first["y_hat"]),
            lo=_.num(first["lo-80"]),
            hi=_.num(first["hi-80"]),
        )
    fpanel = Panel(
        key="forecast",
        title=_("Forecast with 80% and 95% intervals"),
        frame=table,
        columns=cols,
        source_ids=source_ids,
        summary=summary,
        chart=chart,
        notes=[_("FORECAST: an estimate, not a published figure.")]
        + (
            [_("The chart's scale stops above the 80% interval; the table has the whole 95% interval.")]
            if clipped
            else []
        )
        + result.notes_in(_.lang),
        meta={"estimate": "forecast", "dataset": q.dataset, "where": [f"{c}={v}" for c, v in q.where]},
    )
    summ = bt.summary.copy()
    bcols = [c for c in ["model", "mase", "smape", "coverage_80", "coverage_95", "mase_vs_snaive"] if c in summ.columns]
    bpanel = Panel(
        key="backtest",
        title=_("Backtest: past errors against seasonal naive"),
        frame=summ,
        columns=[Column(c, _(BACKTEST_LABELS.get(c, c)), TEXT if c == "model" else NUMBER) for c in bcols],
        source_ids=source_ids,
        summary=_("Rolling-origin backtest: MASE per model and as a ratio to seasonal naive (below 1 is better)."),
        chart=charts.bars(
            [str(m) for m in summ["model"]],
            [clean(v) for v in summ["mase_vs_snaive"]],
            None,
            "",
            "",
            _("MASE relative to seasonal naive"),
        )
        if "mase_vs_snaive" in summ
        else None,
        notes=bt.notes_in(_.lang),
        meta={"estimate": "backtest of forecasts"},
    )
    return [fpanel, bpanel]


# ---------------------------------------------------------------- simulation


def scenario_files() -> dict[str, Path]:
    """The bundled scenarios (`scenarios/*.toml` beside `data/`)."""
    folder = bundled_data_dir().parent / "scenarios"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def scenario_descriptions(lang: str = "en") -> dict[str, tuple[str, str]]:
    """Each bundled scenario's own description (its TOML `[scenario] description`, or `description_es` for a
    Spanish page) with the language it is written in; a broken scenario is listed with its error in `lang`."""
    from mppwatch.simulate import ScenarioError, load_scenario

    out = {}
    for name, path in scenario_files().items():
        try:
            out[name] = load_scenario(path).description_in(lang)
        except ScenarioError as exc:
            out[name] = (message(exc, lang), lang)
    return out


def simulation_panels(result: Any, _: Gettext) -> list[Panel]:
    daily = result.daily(["cumulative_returns", "waiting"])
    panels = []
    for key, output, title in (
        ("cumulative", "cumulative_returns", _("Simulated cumulative returns (p5-p95 band)")),
        ("waiting", "waiting", _("Simulated people waiting in Mexico (p5-p95 band)")),
    ):
        part = daily[(daily["output"] == output) & (daily["city"] == "all")].copy()
        part["date"] = pd.to_datetime(part["date"]).dt.date
        chart = charts.bands(part, _("median (p50)"), _("p5-p95 band"), title)
        weekly = part.iloc[::7].reset_index(drop=True)
        last = part.iloc[-1] if len(part) else None
        summary = _("SIMULATED: an estimate.")
        if last is not None:
            summary += " " + _("On {date}: median {p50}, band {p5} to {p95}.").format(
                date=_.date(last["date"]),
                p50=_.num(last["p50"]),
                p5=_.num(last["p5"]),
                p95=_.num(last["p95"]),
            )
        panels.append(
            Panel(
                key=key,
                title=title,
                frame=weekly,
                columns=[
                    Column("date", _("Date"), DATE),
                    Column("p5", "p5", NUMBER),
                    Column("p50", "p50", NUMBER),
                    Column("p95", "p95", NUMBER),
                    Column("mean", _("Mean"), NUMBER),
                ],
                source_ids=sorted(set(result.inputs.sources)) if hasattr(result.inputs, "sources") else [],
                summary=summary,
                chart=chart,
                notes=[_("SIMULATED: every figure is an estimate from the model, not a published count.")],
                meta={"estimate": "simulated", "scenario": result.scenario, "replicates": result.replicates},
            )
        )
    return panels
