"""Cumulative MPP returns to Mexico as of any date, from dated snapshots (INM figures relayed by the press).

A snapshot is a published cumulative count since the programme began. Between two snapshots the figure is
interpolated linearly and labelled an estimate; the snapshot dates and source ids on each side are named.
What counts as a snapshot: `detail`, `published_total` and `published_component` rows whose period starts at the
programme's start (within a month), except figures that the note says count "ingresos"/re-entries rather than
persons (SOURCES.md: such figures include re-entries). Sub-period counts, approximate totals and multi-city
subtotals are not snapshots.

Which datasets hold snapshots is the catalogue's `returns_snapshots` role (INM's figures and the press's city
snapshots when bundled, plus any loaded returns file with cities), so `returns`, the claims checker and the
simulation's calibration read the same points and agree on every date. After a place's last snapshot nothing
is estimated; the last known figure is named with its date and source. The interpolation itself is
`core.periods.interpolate`.

Conflicting snapshots (issue 18: `returns --as-of` never decreases as the date moves forward). A cumulative count
cannot fall, so a snapshot lower than one published for an earlier date of the same place conflicts with it. The
rule (`split_conflicts`, applied in `snapshots`, so every reader of the snapshots agrees): the highest figure
published on or before a date is a floor for every later date; a later, lower snapshot is left out of the
interpolation, and every answer whose span it falls in names it beside the floor it is below. The higher figure
is the one kept because of which figures are weaker: in the bundled data every such lower figure is the weaker
one, dated only to its month ("approximate date": El Economista's July 2019 city table, 9,314 for Ciudad Juárez
against El Diario's 11,400 for 21 July, and 61 for Nuevo Laredo; CBS's 5,273 for May against La Jornada's 7,623
for 27 May), while the figure it undercuts is dated to the day; a month-dated figure may well be older than its
month's end. Figures that count "ingresos" (re-entries) are not snapshots at all (above). Where the higher
figure were the weaker one the floor would still hold (a published count is kept, never lowered), with the
conflict named, so a reader sees both figures. Published figures are never changed; a snapshot that does not
conflict still reads as published on its own date.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from mppwatch.catalog import QueryError, record, role_datasets, with_role
from mppwatch.core.periods import PeriodError, interpolate, parse_day
from mppwatch.core.text import N_, THEN, Number, Template, choices_text
from mppwatch.query import city_snapshot_rows
from mppwatch.store import Store

ROLE = "returns_snapshots"
SNAPSHOT_ROW_TYPES = ("detail", "published_total", "published_component")
NOT_PERSONS = re.compile(r"ingresos|re-?entr|reingres", re.IGNORECASE)
APPROXIMATE = re.compile(r"approximate|approx\.|roughly|undated", re.IGNORECASE)
ALL = "All"


def default_datasets(store: Store) -> list[str]:
    """The snapshot datasets `returns` reads by default: every loaded dataset with the `returns_snapshots` role."""
    return with_role(store, ROLE)


def check_datasets(store: Store, datasets: Sequence[str]) -> list[str]:
    """Snapshot datasets as the store names them; an unknown one, or one without cities, is an error."""
    out = []
    for name in datasets:
        rec = record(store, name)  # raises, listing the loaded datasets nearest first
        if "city" not in rec.dimensions:
            known = choices_text(name, default_datasets(store))
            raise QueryError(
                N_("returns: {dataset} holds no city snapshots; snapshot datasets: {known}"),
                dataset=rec.name,
                known=known,
            )
        out.append(rec.name)
    return out


def _usable(store: Store, datasets: Sequence[str], by: str | None) -> pd.DataFrame:
    """Every usable cumulative snapshot, conflicting or not: geography, date, value, exact (day-precise and not
    approximate), sources."""
    if not datasets:
        raise QueryError(N_("returns: name at least one snapshot dataset"))
    rows = city_snapshot_rows(store, list(datasets), SNAPSHOT_ROW_TYPES)
    missing = set(datasets) - set(rows["dataset"])
    if missing:
        raise QueryError(
            N_("returns: no snapshots loaded from {datasets} (run `mppwatch load`)"),
            datasets=", ".join(sorted(missing)),
        )
    rows = rows[~rows["note"].fillna("").str.contains(NOT_PERSONS)]
    starts = pd.to_datetime(rows["period_start"])
    programme_start = starts.mode().min()  # most snapshots count from the programme's first day
    rows = rows[starts <= programme_start + pd.Timedelta(days=31)].copy()
    rows["geo"] = rows["city"] if by == "city" else rows["city"].where(rows["city"] == ALL, None)
    if by == "city":
        rows = rows[(rows["city"] != ALL) & (rows["row_type"] == "detail")]
    else:
        rows = rows[rows["city"] == ALL]
    rows["date"] = pd.to_datetime(rows["period_end"]).dt.date
    rows["exact"] = (rows["period_kind"] == "day") & ~rows["note"].fillna("").str.contains(APPROXIMATE)
    rows.attrs["programme_start"] = programme_start.date()
    return rows[["geo", "date", "value", "exact", "source_id", "dataset", "period"]].reset_index(drop=True)


def snapshots(store: Store, datasets: Sequence[str] | None = None, by: str | None = None) -> pd.DataFrame:
    """The usable cumulative snapshots (geography, date, value, exact, sources) without the conflicting ones.

    `datasets` None: every dataset with the `returns_snapshots` role (none loaded is an error naming the role).
    A snapshot lower than one published for an earlier date of the same place is left out (module docstring);
    `conflicts` lists those.
    """
    return split_conflicts(_usable(store, _names(store, datasets), by))[0]


def conflicts(store: Store, datasets: Sequence[str] | None = None, by: str | None = None) -> pd.DataFrame:
    """The snapshots left out because a higher figure was published for an earlier date of the same place."""
    return split_conflicts(_usable(store, _names(store, datasets), by))[1]


# per geography: (its kept snapshots by date, its conflicts), and the programme's start
Prepared = tuple[dict[str, tuple[pd.DataFrame, pd.DataFrame]], date]
_PREPARED: weakref.WeakKeyDictionary[Store, dict[tuple[Any, ...], Prepared]] = weakref.WeakKeyDictionary()


def _prepared(store: Store, names: Sequence[str], by: str | None) -> Prepared:
    """Each geography's kept snapshots by date and its conflicts: what `returns` reads for any date.

    Read once per read-only store, whose contents cannot change while it is open (a claims check asks for many
    dates; none of this depends on the date). A writable store is read each time."""
    memo = _PREPARED.setdefault(store, {}) if getattr(store, "read_only", False) else {}
    key = (tuple(names), by)
    if key not in memo:
        points, left_out = split_conflicts(_usable(store, names, by))
        per_geo = {
            str(geo): (_by_date(group), left_out[left_out["geo"] == geo])
            for geo, group in points.groupby("geo", sort=True)
        }
        memo[key] = (per_geo, points.attrs["programme_start"])
    return memo[key]


def _names(store: Store, datasets: Sequence[str] | None) -> list[str]:
    """The snapshot datasets asked for, or those playing the role (an error naming the role when none does)."""
    return list(datasets) if datasets is not None else role_datasets(store, ROLE)


CONFLICT_COLUMNS = ["geo", "date", "value", "exact", "sources", "floor", "floor_date", "floor_sources"]


def split_conflicts(points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept snapshots, conflicts): per place, in date order, a date whose figure (the median of that date's
    snapshots) is below the highest figure kept on an earlier date is a conflict; the kept figures never fall.

    Each conflict names its value, sources and whether its date is exact, and the floor it is below (the
    highest earlier figure, its date and sources).
    """
    drop: list[int] = []
    found: list[dict[str, Any]] = []
    for geo, group in points.groupby("geo", sort=True):
        floor: tuple[float, object, list[str]] | None = None  # (value, date, sources) kept so far
        for day, same in group.groupby("date", sort=True):
            value = float(same["value"].median())
            sources = sorted(set(same["source_id"]))
            if floor is not None and value < floor[0]:
                drop.extend(same.index)
                exact = bool(same["exact"].all())
                found.append(dict(zip(CONFLICT_COLUMNS, (geo, day, value, exact, sources, *floor), strict=True)))
            elif floor is None or value > floor[0]:
                floor = (value, day, sources)
    kept = points.drop(index=drop).reset_index(drop=True)
    kept.attrs = dict(points.attrs)
    return kept, pd.DataFrame(found, columns=CONFLICT_COLUMNS)


def conflict_message(conflict: Mapping[Any, Any]) -> Template:
    """The sentence naming a left-out snapshot and the floor it is below, in any language (`.render(lang)`)."""
    return Template(
        CONFLICT if conflict["exact"] else CONFLICT_APPROXIMATE,
        value=Number(round(float(conflict["value"]))),
        sources=" ".join(conflict["sources"]),
        date=conflict["date"],
        floor=Number(round(float(conflict["floor"]))),
        floor_date=conflict["floor_date"],
        floor_sources=" ".join(conflict["floor_sources"]),
    )


def conflict_text(conflict: Mapping[Any, Any], lang: str = "en") -> str:
    """`conflict_message` as text in `lang`."""
    return conflict_message(conflict).render(lang)


CONFLICT = N_(
    "{value} ({sources}, {date}) is below {floor} published for {floor_date} ({floor_sources}): "
    "the higher figure is kept as a floor"
)
CONFLICT_APPROXIMATE = N_(
    "{value} ({sources}, {date}, approximate date) is below {floor} published for {floor_date} "
    "({floor_sources}): the higher figure is kept as a floor"
)


def _message(row: Mapping[str, Any]) -> Template:
    message = row.get("_method")
    return message if isinstance(message, Template) else Template(str(row["method"]))


def _at(
    points: pd.DataFrame | None,
    as_of: date,
    start: date,
    left_out: pd.DataFrame | None = None,
    by_date: pd.DataFrame | None = None,
) -> dict[str, object]:
    """The figure at `as_of` from one geography's snapshots (conflicts left out), naming the conflicts in its span.

    `by_date` is `_by_date(points)` when the caller has it already."""
    if by_date is None:
        assert points is not None
        by_date = _by_date(points)
    row = _at_kept(by_date, as_of, start)
    if left_out is not None and not left_out.empty:
        # The span the answer stands on: strictly between its snapshots, or after the last one up to the day.
        lo, hi = row["before_date"] or date.min, row["after_date"]
        dates = left_out["date"]
        within = left_out[(dates > lo) & ((dates < hi) if hi is not None else (dates <= as_of))]
        if not within.empty:
            message = _message(row)
            # The conflicts first, each a sentence of its own, then the method they qualify.
            for c in reversed(within.sort_values("date").to_dict("records")):
                message = Template(THEN, first=conflict_message(c), then=message)
            row["_method"], row["method"] = message, message.english()
    return row


def _by_date(points: pd.DataFrame) -> pd.DataFrame:
    """One geography's snapshots per date: the median value, whether every one is exact, and their sources."""
    return (
        points.groupby("date")
        .agg(value=("value", "median"), exact=("exact", "all"), sources=("source_id", lambda s: sorted(set(s))))
        .sort_index()
    )


def _at_kept(by_date: pd.DataFrame, as_of: date, start: date) -> dict[str, object]:
    """The figure at `as_of` from one geography's snapshots by date (`_by_date`): exact, interpolated or unknown."""
    if as_of in by_date.index:
        hit = by_date.loc[as_of]
        method = Template(N_("snapshot") if hit["exact"] else N_("snapshot with an approximate date"))
        return _row(hit["value"], not hit["exact"], list(hit["sources"]), as_of, as_of, method)
    before = by_date[by_date.index < as_of]
    after = by_date[by_date.index > as_of]
    if after.empty:
        if before.empty:
            return _row(None, False, [], None, None, Template(N_("no snapshot on or after this date: not estimated")))
        last, last_row = before.index[-1], before.iloc[-1]
        method = Template(
            N_("no snapshot on or after this date: not estimated; last known: {value} on {date} ({sources})"),
            value=Number(round(float(last_row["value"]))),
            date=last,
            sources=" ".join(last_row["sources"]),
        )
        return _row(None, False, [], last, None, method)
    after_date, after_row = after.index[0], after.iloc[0]
    if as_of < start:
        return _row(0.0, False, [], None, after_date, Template(N_("before the programme began on {date}"), date=start))
    if before.empty:
        # Cities joined the programme on different dates, so a ramp from zero would be invented.
        method = Template(N_("before the first snapshot ({date}): not estimated"), date=after_date)
        return _row(None, False, [], None, after_date, method)
    before_date, before_row = before.index[-1], before.iloc[-1]
    sources = list(before_row["sources"])
    method = Template(
        N_("linear interpolation between snapshots of {before} and {after}"), before=before_date, after=after_date
    )
    value = interpolate((before_date, float(before_row["value"])), (after_date, float(after_row["value"])), as_of)
    return _row(round(value), True, sorted({*sources, *after_row["sources"]}), before_date, after_date, method)


def _row(
    value: object, estimate: bool, sources: list[str], before: date | None, after: date | None, method: Template
) -> dict:
    """One answer. A blank value (nothing known, or after the last snapshot) is no estimate: `is_estimate` False."""
    return {
        "value": value,
        "is_estimate": bool(estimate),
        "source_ids": " ".join(sources),
        "before_date": before,
        "after_date": after,
        "method": method.english(),
        "_method": method,  # the template the method column is rendered from (`returns(..., lang=)`)
    }


def returns(
    store: Store,
    as_of: date | str,
    by: str | None = None,
    datasets: Sequence[str] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Cumulative MPP returns as of a date: columns (`city`), value, is_estimate, source_ids, before/after_date, method.

    `datasets` replaces the default snapshot datasets (`default_datasets`: the catalogue's `returns_snapshots`).
    `method` is written in `lang` ('en' or 'es'), from its template: no English is left in a Spanish method.
    """
    if by not in (None, "city"):
        raise QueryError(N_("returns --by {by}: only 'city' is supported"), by=repr(by))
    try:
        day = parse_day(as_of, "returns --as-of")
    except PeriodError as exc:
        raise QueryError(exc.template, **exc.fields) from None
    names = check_datasets(store, datasets) if datasets else role_datasets(store, ROLE)
    per_geo, start = _prepared(store, names, by)
    out = []
    for geo, (by_date, left_out) in per_geo.items():
        out.append({**({"city": geo} if by == "city" else {}), **_at(None, day, start, left_out, by_date)})
    frame = pd.DataFrame(out)
    frame["method"] = [message.render(lang) for message in frame.pop("_method")]
    frame["value"] = frame["value"].astype("float64")
    frame.attrs["as_of"] = day.isoformat()
    return frame
