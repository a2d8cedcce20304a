"""A city's shelter load by date: beds, occupied, turned away, people in camps and estimated people waiting.

The rules, each in one place:
- A facility counts from the day it opened (`opened_on`) until it closed; a capacity dated before it opened is the
  planned stage (an announced capacity) and never counts as beds. A planned facility counts nothing. A facility
  added through the API without an opening date counts from its first report (or the day it was added).
- A facility's beds on a day are its latest capacity figure up to that day (the lower one when two sources print
  different figures on the same date); a facility with no capacity figure at all counts the register's capacity.
- A city's beds are the sum over its open facilities, or the latest city-wide/group figure when that is larger
  (a published group figure covers shelters the register does not list; of overlapping group labels, the most
  recent figure); `beds_basis` says which.
- Occupied is the same, from occupancy figures no older than 31 days. Camps are counted apart (`in_camps`): the
  most recent press estimate (camp labels overlap: "riverside camp", "INM-run camp" on one day are one population).
- People waiting is an estimate, and `waiting_method` says which one each row used:
  - `court`, when a court release is loaded: the MPP cases pending in immigration court on the month start with
    the city as their return city, as the court module publishes them (`court.pending_series`, the same figures as
    `court.pending_table`: perturbed, `<10` withheld, kept as they are). A row between month starts takes the
    figure of the month start before it (`waiting_as_of`). Cases are not people: EOIR gives a lead respondent and
    each rider a case of their own, so the figure counts respondents with an open case, not families; someone who
    left with a case still open is counted, someone without a case of their own is not. Month starts after the
    release month are not estimated from it.
  - `upper_bound`, when no release is loaded (or it has no case for the city): cumulative MPP returns to the city
    as of the date (`returns`' own as-of rule: snapshots, interpolated between them), with nobody subtracted for
    those who left: an upper bound.

The figures are few (tens per city), so the day loop is plain Python; the returns snapshots are read once per
state of the loaded data (a staff report does not change them).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from mppwatch import returns as returns_mod
from mppwatch.core.text import N_, fold
from mppwatch.errors import MppwatchError
from mppwatch.i18n import template
from mppwatch.shelters.register import NO_REGISTER, OCCUPANCY_WINDOW, city_name, unknown_city
from mppwatch.shelters.schema import has_register
from mppwatch.store import Store

COLUMNS = [
    "date", "beds", "beds_basis", "occupied", "occupied_basis", "occupied_is_estimate", "turned_away",
    "in_camps", "people_waiting_estimate", "waiting_method", "waiting_as_of", "sources",
]  # fmt: skip
COURT, UPPER_BOUND = "court", "upper_bound"
WAITING_METHOD = (
    "estimate (upper bound): cumulative MPP returns to the city as of the date, from INM's figures as the press "
    "relayed them, interpolated between snapshots; people who left the city are not subtracted, so this is an "
    "upper bound. Load a court release (`mppwatch court load PATH --release YYYY-MM`) or run the simulation "
    "(`mppwatch simulate scenarios/baseline_2019.toml`) for a better estimate"
)
COURT_METHOD = (
    "estimate: MPP cases pending in immigration court on the month start (waiting_as_of) whose return city is "
    "{city}, court release {release}; it counts cases, not people: EOIR gives a lead respondent and each rider a "
    "case of their own, so a family counts once per respondent with an open case, people without a case of their "
    "own are not counted and people who left with a case still open are; counts perturbed and small ones withheld "
    "(<10) by the court module's disclosure control, kept as published"
)
NAN = float("nan")
Row = dict[str, Any]


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _records(frame: pd.DataFrame) -> list[Row]:
    rows: list[Row] = frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[assignment]
    for row in rows:
        for col in ("date", "opened_on", "closed_on"):
            if col in row:
                row[col] = _day(row[col])
    return rows


def _figures(store: Store, city: str) -> list[Row]:
    return _records(
        store.query(
            "SELECT r.shelter_id, r.date, r.capacity, r.occupied, r.turned_away, r.is_estimate, r.source_id, "
            "s.scope, s.kind, s.status, s.opened_on, s.closed_on FROM occupancy_reports r "
            "JOIN shelters s ON s.id = r.shelter_id WHERE s.city = ? ORDER BY r.date, r.id",
            [city],
        )
    )


def _register_only(store: Store, city: str) -> list[Row]:
    """Facilities with a register capacity but no capacity figure at all (shelters added through the API)."""
    return _records(
        store.query(
            "SELECT id AS shelter_id, status, coalesce(opened_on, (SELECT min(r.date) FROM occupancy_reports r "
            "WHERE r.shelter_id = s.id), created_at::DATE) AS opened_on, closed_on, capacity FROM shelters s "
            "WHERE city = ? AND scope = 'facility' AND kind <> 'camp' AND capacity IS NOT NULL AND NOT EXISTS ("
            "  SELECT 1 FROM occupancy_reports r WHERE r.shelter_id = s.id AND r.capacity IS NOT NULL)",
            [city],
        )
    )


def _open_on(row: Row, day: date) -> bool:
    """The row's facility is open on `day`: not planned, opened by then (or no opening date), not yet closed."""
    if row["status"] == "planned":
        return False
    opened, closed = row["opened_on"], row["closed_on"]
    return (opened is None or opened <= day) and (closed is None or day < closed)


def _usable(rows: list[Row], column: str, day: date, window: Any) -> list[Row]:
    low = day - window if window is not None else date.min
    return [r for r in rows if r[column] is not None and low <= r["date"] <= day]


def _source(row: Row) -> str:
    return str(row["source_id"]) if row["source_id"] is not None else "staff report"


def _latest(rows: list[Row], column: str, day: date, window: Any = None) -> tuple[float, list[Row]]:
    """Per facility, its latest value of `column` up to `day` (lowest on ties), summed; with the rows used."""
    best: dict[Any, Row] = {}
    for r in _usable(rows, column, day, window):
        held = best.get(r["shelter_id"])
        if held is None or r["date"] > held["date"] or (r["date"] == held["date"] and r[column] < held[column]):
            best[r["shelter_id"]] = r
    if not best:
        return NAN, []
    return float(sum(r[column] for r in best.values())), list(best.values())


def _newest(rows: list[Row], column: str, day: date, window: Any = None) -> tuple[float, list[Row]]:
    """Group figures overlap (two labels for one network): the single most recent one up to `day`, lowest on ties."""
    have = _usable(rows, column, day, window)
    if not have:
        return NAN, []
    pick = min(have, key=lambda r: (-r["date"].toordinal(), r[column]))
    return float(pick[column]), [pick]


def _larger(facility: tuple[float, list[Row]], group: tuple[float, list[Row]]) -> tuple[float, str, list[Row]]:
    (f, fs), (g, gs) = facility, group
    if math.isnan(f) and math.isnan(g):
        return NAN, "", []
    if math.isnan(f) or (not math.isnan(g) and g > f):
        return g, "city-wide or group figure", gs
    return f, f"sum of {len(fs)} facilities", fs


IN_CAMPS_METHOD = template("estimate: press estimates of camp populations, with their sources")


def shelter_load(store: Store, city: str) -> pd.DataFrame:
    """The city's shelter load on every date a figure changes (see the module's rules); estimates say so."""
    if not has_register(store):
        raise MppwatchError(NO_REGISTER)
    known = city_name(store, city)
    if known is None:
        raise MppwatchError(unknown_city(store, city))
    city = known
    figures = _figures(store, city)
    if not figures:
        raise MppwatchError(N_("no shelter figures for city '{city}'"), city=city)
    for r in figures:
        if r["opened_on"] is not None and r["date"] < r["opened_on"]:
            r["capacity"] = None  # a capacity announced before opening is kept in the store, never counted
    registered = _register_only(store, city)
    days = sorted(
        {r["date"] for r in figures}
        | {r[c] for r in [*figures, *registered] for c in ("opened_on", "closed_on") if r[c] is not None}
    )
    court = _court_waiting(store, city, days[0], days[-1])
    if court is not None:
        days = sorted(set(days) | {d for d in court[0] if days[0] <= d <= days[-1]})
    waiting = _waiting(store, city)
    out = []
    for day in days:
        live = [r for r in figures if _open_on(r, day)]
        fac = [r for r in live if r["scope"] == "facility" and r["kind"] != "camp"]
        grp = [r for r in live if r["scope"] == "group"]
        camps = [r for r in live if r["kind"] == "camp"]
        fac_beds = _latest(fac, "capacity", day)
        plain = [r for r in registered if _open_on(r, day)]
        if plain:  # facilities known only by the register's capacity (added through the API)
            total = (0.0 if math.isnan(fac_beds[0]) else fac_beds[0]) + sum(r["capacity"] for r in plain)
            fac_beds = (total, [*fac_beds[1], *plain])
        beds, beds_basis, beds_rows = _larger(fac_beds, _newest(grp, "capacity", day))
        occ, occ_basis, occ_rows = _larger(
            _latest(fac, "occupied", day, OCCUPANCY_WINDOW), _newest(grp, "occupied", day, OCCUPANCY_WINDOW)
        )
        if occ_basis.startswith("sum"):
            occ_basis += " reporting in the last 31 days"
        camp, camp_rows = _newest(camps, "occupied", day, OCCUPANCY_WINDOW)
        today = [r["turned_away"] for r in live if r["date"] == day and r["turned_away"] is not None]
        sources = {_source(r) if "source_id" in r else "register" for r in [*beds_rows, *occ_rows, *camp_rows]}
        out.append(
            {
                "date": day, "beds": beds, "beds_basis": beds_basis, "occupied": occ, "occupied_basis": occ_basis,
                "occupied_is_estimate": any(bool(r["is_estimate"]) for r in occ_rows),
                "turned_away": float(sum(today)) if today else NAN, "in_camps": camp,
                **_waiting_on(day, court, waiting), "sources": " ".join(sorted(sources)),
            }
        )  # fmt: skip
    frame = pd.DataFrame(out, columns=COLUMNS)
    used = set(frame["waiting_method"])
    methods = {UPPER_BOUND: WAITING_METHOD}
    if court is not None:
        methods[COURT] = COURT_METHOD.format(city=city, release=court[1])
        frame.attrs.update(court_release=court[1], court_synthetic=court[2])
    frame.attrs["waiting_methods"] = {k: v for k, v in methods.items() if k in used}
    frame.attrs["waiting_method"] = "; ".join(f"{k}: {v}" for k, v in frame.attrs["waiting_methods"].items())
    frame.attrs["in_camps_method"] = IN_CAMPS_METHOD
    return frame


_WAITING: OrderedDict[tuple[object, ...], dict[date, float]] = OrderedDict()
_WAITING_LOCK = threading.Lock()


def _waiting(store: Store, city: str) -> Callable[[date], float]:
    """Cumulative returns to the city as of a day, as `returns` gives them (exact, interpolated, or NaN where it
    estimates nothing), the snapshots read once per state of the loads (staff reports do not change them)."""
    state = store.con.execute("SELECT count(*), max(load_id) FROM loads").fetchone()
    key = (str(store.path), state, fold(city))
    with _WAITING_LOCK:
        memo = _WAITING.get(key)
        if memo is None:
            memo = _WAITING[key] = {}
            while len(_WAITING) > 64:
                _WAITING.popitem(last=False)
    points: list[Any] = []  # read on first need: [frame or None, programme start]

    def at(day: date) -> float:
        if day in memo:
            return memo[day]
        if not points:
            try:
                names = returns_mod.default_datasets(store)
                snaps = returns_mod.snapshots(store, names, "city") if names else None
            except MppwatchError:
                snaps = None
            mine = None if snaps is None else snaps[snaps["geo"].map(lambda c: fold(str(c))) == fold(city)]
            points.extend([mine, None if snaps is None else snaps.attrs["programme_start"]])
        mine, start = points
        value = None if mine is None or mine.empty else returns_mod._at(mine, day, start)["value"]  # returns' rule
        memo[day] = NAN if value is None else float(value)  # type: ignore[arg-type]
        return memo[day]

    return at


Court = tuple[dict[date, float | str], str, bool]


def _court_waiting(store: Store, city: str, first: date, last: date) -> Court | None:
    """The city's published pending MPP cases (by return city) on each month start from `first` to `last`, capped
    at the release month, with the release id and whether it is synthetic; None without a release or a case there."""
    from mppwatch.court.measures import is_synthetic, releases, resolve_release
    from mppwatch.court.waits import pending_series

    if releases(store).empty:
        return None
    try:
        release = resolve_release(store)
    except MppwatchError:
        return None
    try:
        cap = date.fromisoformat(release[:7] + "-01")
    except ValueError:
        cap = last
    start, end = first.replace(day=1), min(last, cap)
    if end < start:
        return None
    series = pending_series(store, start, end, by="return_city", release=release)
    mine = series[series["return_city"].map(lambda c: fold(str(c))) == fold(city)]
    if mine.empty:
        return None
    values = {d: (v if isinstance(v, str) else float(v)) for d, v in zip(mine["date"], mine["pending"], strict=True)}
    return values, release, is_synthetic(store, release)


def _waiting_on(day: date, court: Court | None, upper: Callable[[date], float]) -> Row:
    """People waiting on `day`: the court figure of the month start up to it, else the returns upper bound."""
    if court is not None:
        month = day.replace(day=1)
        if month in court[0]:
            return {"people_waiting_estimate": court[0][month], "waiting_method": COURT, "waiting_as_of": month}
    value = upper(day)
    return {
        "people_waiting_estimate": value,
        "waiting_method": "" if math.isnan(value) else UPPER_BOUND,
        "waiting_as_of": None if math.isnan(value) else day,
    }


def waiting_labels(lang: str) -> dict[str, str]:
    """The short name of each `waiting_method`, in `lang` (for the CLI, the API and the city page)."""
    from mppwatch.i18n import translator

    _ = translator(lang)
    return {
        COURT: _("estimate from court records: MPP cases pending with this return city (cases, not people)"),
        UPPER_BOUND: _("upper bound: cumulative returns, nobody who left subtracted"),
        "": _("no estimate"),
    }


def waiting_notes(frame: pd.DataFrame, lang: str) -> dict[str, str]:
    """How each `waiting_method` in `frame` was made, in `lang`."""
    from mppwatch.i18n import translator

    _ = translator(lang)
    out = {}
    if COURT in frame.attrs.get("waiting_methods", {}):
        release = str(frame.attrs["court_release"])
        out[COURT] = _(
            "Estimate: MPP cases pending in immigration court on the month start (waiting_as_of) with this city as "
            "their return city, court release {release}{synthetic}. It counts cases, not people: EOIR gives a lead "
            "respondent and each rider a case of their own, so a family counts once per respondent with an open "
            "case; people without a case of their own are not counted, and people who left with a case still open "
            "are. Counts are perturbed and small ones withheld (<10) by the court module's disclosure control."
        ).format(
            release=release,
            synthetic="" if "SYNTHETIC" in release or not frame.attrs["court_synthetic"] else " (SYNTHETIC)",
        )
    if UPPER_BOUND in frame.attrs.get("waiting_methods", {}):
        out[UPPER_BOUND] = _(
            "This is an upper bound: cumulative MPP returns to the city as of the date, with nobody subtracted for those who "
            "left. Loading a court release (mppwatch court load) or running the simulation (mppwatch simulate "
            "scenarios/baseline_2019.toml) gives a better estimate."
        )
    return out
