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
- People waiting is an estimate: cumulative MPP returns to the city as of the date (INM's figures, interpolated
  between snapshots by `metrics.returns`), with nobody subtracted for those who left: an upper bound.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from mppwatch import metrics
from mppwatch.core.text import fold
from mppwatch.errors import MppwatchError
from mppwatch.shelters.register import OCCUPANCY_WINDOW, city_name, unknown_city
from mppwatch.shelters.schema import has_register
from mppwatch.store import Store

COLUMNS = [
    "date", "beds", "beds_basis", "occupied", "occupied_basis", "occupied_is_estimate", "turned_away",
    "in_camps", "people_waiting_estimate", "sources",
]  # fmt: skip
WAITING_METHOD = (
    "estimate (upper bound): cumulative MPP returns to the city as of the date, from INM's figures as the press "
    "relayed them, interpolated between snapshots; people who left the city are not subtracted"
)


def _figures(store: Store, city: str) -> pd.DataFrame:
    return store.query(
        "SELECT r.shelter_id, r.date, r.capacity, r.occupied, r.turned_away, r.is_estimate, r.source_id, r.token_id, "
        "s.scope, s.kind, s.status, s.opened_on, s.closed_on, s.capacity AS register_capacity "
        "FROM occupancy_reports r JOIN shelters s ON s.id = r.shelter_id WHERE lower(s.city) = lower(?) "
        "ORDER BY r.date, r.id",
        [city],
    )


def _register_only(store: Store, city: str) -> pd.DataFrame:
    """Facilities with a register capacity but no capacity figure at all (shelters added through the API)."""
    frame = store.query(
        "SELECT id, status, coalesce(opened_on, (SELECT min(r.date) FROM occupancy_reports r WHERE r.shelter_id = s.id), "
        "created_at::DATE) AS opened_on, closed_on, capacity FROM shelters s WHERE lower(city) = lower(?) "
        "AND scope = 'facility' AND kind <> 'camp' AND capacity IS NOT NULL AND NOT EXISTS ("
        "  SELECT 1 FROM occupancy_reports r WHERE r.shelter_id = s.id AND r.capacity IS NOT NULL)",
        [city],
    )
    for col in ("opened_on", "closed_on"):
        frame[col] = frame[col].map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date())
    return frame


def _open_on(row: Any, day: date) -> bool:
    if row.status == "planned":
        return False
    if row.opened_on is not None and not pd.isna(row.opened_on) and day < row.opened_on:
        return False
    return row.closed_on is None or pd.isna(row.closed_on) or day < row.closed_on


def _latest(rows: pd.DataFrame, column: str, day: date, window: Any = None) -> tuple[float, list[str]]:
    """Per entry, the latest value of `column` up to `day` (lowest on ties); summed. Returns (total, sources)."""
    have = rows[rows[column].notna() & (rows["date"] <= day)]
    if window is not None:
        have = have[have["date"] >= day - window]
    if have.empty:
        return float("nan"), []
    last = have[have["date"] == have.groupby("shelter_id")["date"].transform("max")]
    pick = last.loc[last.groupby("shelter_id")[column].idxmin()]
    sources = sorted({str(s) if pd.notna(s) else "staff report" for s in pick["source_id"]})
    return float(pick[column].sum()), sources


def _newest(rows: pd.DataFrame, column: str, day: date, window: Any = None) -> tuple[float, list[str]]:
    """Group figures overlap (two labels for one network): the single most recent one up to `day`, lowest on ties."""
    have = rows[rows[column].notna() & (rows["date"] <= day)]
    if window is not None:
        have = have[have["date"] >= day - window]
    if have.empty:
        return float("nan"), []
    last = have[have["date"] == have["date"].max()]
    pick = last.loc[last[column].idxmin()]
    return float(pick[column]), [str(pick["source_id"]) if pd.notna(pick["source_id"]) else "staff report"]


def _larger(facility: tuple[float, list[str]], group: tuple[float, list[str]], n: int) -> tuple[float, str, list[str]]:
    f, fs = facility
    g, gs = group
    if pd.isna(f) and pd.isna(g):
        return float("nan"), "", []
    if pd.isna(f) or (not pd.isna(g) and g > f):
        return g, "city-wide or group figure", gs
    return f, f"sum of {n} facilities", fs


def shelter_load(store: Store, city: str) -> pd.DataFrame:
    """The city's shelter load on every date a figure changes (see the module's rules); estimates say so."""
    if not has_register(store):
        raise MppwatchError("no shelter register in this store yet (run `mppwatch shelters seed`)")
    known = city_name(store, city)
    if known is None:
        raise MppwatchError(unknown_city(store, city))
    city = known
    figures = _figures(store, city)
    if figures.empty:
        raise MppwatchError(f"no shelter figures for city {city!r}")
    figures["date"] = pd.to_datetime(figures["date"]).dt.date
    for col in ("opened_on", "closed_on"):
        figures[col] = figures[col].map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date())
    planned = figures.apply(lambda r: r.opened_on is not None and r.date < r.opened_on, axis=1)
    figures.loc[planned, "capacity"] = None  # a capacity announced before opening is kept in the store, never counted
    registered = _register_only(store, city)
    days = sorted(
        set(figures["date"])
        | set(figures["opened_on"].dropna())
        | set(figures["closed_on"].dropna())
        | set(registered["opened_on"].dropna())
        | set(registered["closed_on"].dropna())
    )
    out = []
    for day in days:
        live = figures[figures.apply(lambda r, d=day: _open_on(r, d), axis=1)]
        fac = live[(live["scope"] == "facility") & (live["kind"] != "camp")]
        grp = live[live["scope"] == "group"]
        camps = live[live["kind"] == "camp"]
        fac_beds = _latest(fac, "capacity", day)
        n = int(fac[fac["capacity"].notna() & (fac["date"] <= day)]["shelter_id"].nunique())
        plain = registered[registered.apply(lambda r, d=day: _open_on(r, d), axis=1)]
        if not plain.empty:  # facilities known only by the register's capacity (added through the API)
            extra = float(plain["capacity"].sum())
            fac_beds = (extra + (0 if pd.isna(fac_beds[0]) else fac_beds[0]), [*fac_beds[1], "register"])
            n += len(plain)
        beds, beds_basis, beds_src = _larger(fac_beds, _newest(grp, "capacity", day), n)
        recent = fac[fac["occupied"].notna() & (fac["date"] <= day) & (fac["date"] >= day - OCCUPANCY_WINDOW)]
        occ, occ_basis, occ_src = _larger(
            _latest(fac, "occupied", day, OCCUPANCY_WINDOW),
            _newest(grp, "occupied", day, OCCUPANCY_WINDOW),
            int(recent["shelter_id"].nunique()),
        )
        if occ_basis.startswith("sum"):
            occ_basis += " reporting in the last 31 days"
        used = live[live["date"] <= day]
        occ_est = bool(used[used["occupied"].notna() & used["source_id"].isin(occ_src)]["is_estimate"].any())
        today = live[(live["date"] == day) & live["turned_away"].notna()]
        camp, camp_src = _newest(camps, "occupied", day, OCCUPANCY_WINDOW)
        out.append(
            {
                "date": day, "beds": beds, "beds_basis": beds_basis, "occupied": occ, "occupied_basis": occ_basis,
                "occupied_is_estimate": occ_est,
                "turned_away": float(today["turned_away"].sum()) if not today.empty else float("nan"),
                "in_camps": camp, "people_waiting_estimate": _waiting(store, city, day),
                "sources": " ".join(sorted(set(beds_src) | set(occ_src) | set(camp_src))),
            }
        )  # fmt: skip
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame.attrs["waiting_method"] = WAITING_METHOD
    frame.attrs["in_camps_method"] = "estimate: press estimates of camp populations, with their sources"
    return frame


def _waiting(store: Store, city: str, day: date) -> float:
    """Cumulative returns to the city as of `day` (an interpolated estimate), or NaN where none is published."""
    try:
        frame = metrics.returns(store, day.isoformat(), "city", metrics.DEFAULT_RETURN_DATASETS)
    except MppwatchError:
        return float("nan")
    rows = frame[frame["city"].map(lambda c: fold(str(c))) == fold(city)]
    return float(rows["value"].iloc[0]) if not rows.empty and pd.notna(rows["value"].iloc[0]) else float("nan")
