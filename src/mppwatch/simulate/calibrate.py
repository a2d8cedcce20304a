"""Turn a scenario into model inputs (arrays), reading the store only for what the scenario asks for.

Every number taken from the store keeps its source ids (`Inputs.sources`) and a line in `Inputs.notes`,
so a run can say where its arrivals, city split, shelter beds and warm start came from.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from mppwatch import metrics, query, returns
from mppwatch.catalog import QueryError, role_dataset, role_datasets
from mppwatch.core.text import N_, THEN, Notes, Number, Template
from mppwatch.core.text import fold as _fold
from mppwatch.errors import MppwatchError, reason_of
from mppwatch.simulate.engine import BIG, Inputs
from mppwatch.simulate.scenario import Arrivals, Scenario, ScenarioError, Shelter, Split
from mppwatch.store import Store


def _num(value: float) -> Number:
    """A whole figure in a note, formatted for the language it is shown in."""
    return Number(round(float(value)))


def _joined(parts: list[Template]) -> Template:
    """Sentences joined by "; " (core.text.THEN), each rendered in the note's language."""
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = Template(THEN, first=part, then=out)
    return out


def _need(
    store: Store | None, scenario: Scenario, key: str, dataset: str | None, role: str, columns: tuple[str, ...] = ()
) -> tuple[Store, str]:
    """The store and the dataset a scenario key reads: the one it names, else the loaded dataset playing `role`
    with `columns` (`catalog.role_dataset`: of several, the data package's; the notes name the one read)."""
    what = (
        Template(N_("dataset {dataset}"), dataset=repr(dataset))
        if dataset
        else Template(N_("the dataset with the role {role}"), role=repr(role))
    )
    if store is None:
        raise ScenarioError(scenario.file, key, N_("needs {what} from the store: run `mppwatch load` first"), what=what)
    if dataset is None:
        try:
            return store, role_dataset(store, role, key, columns)
        except QueryError as exc:
            raise ScenarioError(scenario.file, key, reason_of(exc)) from None
    if dataset not in store.datasets_loaded():
        raise ScenarioError(scenario.file, key, N_("needs {what}, not loaded: run `mppwatch load`"), what=what)
    return store, dataset


def prepare(scenario: Scenario, store: Store | None = None) -> Inputs:
    """Resolve a scenario into `Inputs`; `store` is needed only when the scenario names store data."""
    dates = pd.date_range(scenario.start, periods=scenario.days, freq="D")
    names = scenario.city_names
    sources: list[str] = []
    notes = Notes()  # English, and Spanish through notes.in_lang("es")
    total = _arrival_totals(scenario, store, dates, sources, notes)
    shares = _shares(scenario, store, dates, sources, notes)
    rate = total[:, None] * shares
    court = np.zeros((scenario.days + 1, len(names)), np.int64)
    sitting = np.ones(scenario.days, bool) if scenario.court.sitting_days == "all" else dates.day_of_week.values < 5
    for j, city in enumerate(scenario.cities):
        per_day = np.zeros(scenario.days, np.int64)  # no hearings before the court's first step
        for step in city.hearings:
            per_day[dates.date >= step.start] = BIG if math.isinf(step.per_weekday) else round(step.per_weekday)
        court[:-1, j] = np.where(sitting, per_day, 0)
        sources += list(city.sources)
    court[-1] = BIG
    beds = _beds(scenario, store, dates, sources, notes)
    warm_waiting, warm_returned = _warm(scenario, store, shares, sources, notes)
    synthetic = any("SYNTHETIC" in n for n in notes)
    sources += list(scenario.shelter.sources) + list(scenario.attrition_sources)
    return Inputs(
        cities=names,
        start=np.datetime64(scenario.start, "D"),
        rate=rate,
        noise=scenario.arrivals.noise,
        daily_cap=np.array([c.daily_cap for c in scenario.cities], float),
        court_capacity=court,
        beds=beds,
        warm_waiting=warm_waiting,
        warm_returned=warm_returned,
        lead_days=scenario.court.lead_days,
        continuance_days=scenario.court.continuance_days,
        hearings_pmf=np.array(scenario.court.hearings_per_case, float),
        relief_share=scenario.court.relief_share,
        daily_hazard=scenario.daily_hazard,
        leave_reasons=dict(scenario.leave_reasons),
        need_share=scenario.shelter.need_share,
        reach_target=scenario.reach_target,
        synthetic=synthetic,
        sources=sorted(set(s for s in sources if s)),
        notes=notes,
    )


# -- arrivals ----------------------------------------------------------------------------------------


def _arrival_totals(
    scenario: Scenario, store: Store | None, dates: pd.DatetimeIndex, sources: list[str], notes: Notes
) -> np.ndarray:
    arr = scenario.arrivals
    days = dates.date
    total = np.zeros(len(dates))
    if arr.source == "ramp":
        for step in arr.ramp:
            total[days >= step.start] = step.per_day
        steps = [Template(N_("{n}/day from {date}"), n=_num(s.per_day), date=s.start.isoformat()) for s in arr.ramp]
        notes.add(N_("arrivals: ramp {steps}"), steps=_joined(steps))
        return total * arr.scale
    st, dataset = _need(store, scenario, "arrivals.dataset", arr.dataset, Arrivals.ROLE, tuple(arr.where))
    first, last = days[0], days[-1]
    try:
        frame = metrics.series(
            st, dataset, {k: list(v) for k, v in arr.where.items()}, None, f"{first:%Y-%m}", f"{last:%Y-%m}"
        )
    except MppwatchError as exc:
        raise ScenarioError(scenario.file, "arrivals", reason_of(exc)) from None
    sources += frame.attrs.get("source_ids", [])
    periods = frame["period"].astype(str)
    if not periods.str.fullmatch(r"\d{4}-\d{2}").all():
        raise ScenarioError(scenario.file, "arrivals.dataset", N_("{dataset} is not a monthly series"), dataset=dataset)
    values = dict(zip(periods, frame["value"], strict=True))
    month_keys = pd.Index(dates.strftime("%Y-%m"))
    published: set[str] = set()
    for month in sorted(set(month_keys)):
        value = values.get(month)
        if value is None or pd.isna(value):
            continue
        published.add(month)
        y, m = map(int, month.split("-"))
        total[month_keys == month] = float(value) / calendar.monthrange(y, m)[1]
    where = ", ".join(f"{k}={'|'.join(v)}" for k, v in arr.where.items())
    notes.add(
        N_("arrivals: {dataset} ({where}) monthly totals spread evenly over each month's days"),
        dataset=dataset,
        where=where,
    )
    filled = np.zeros(len(dates), bool)
    for i, fill in enumerate(arr.fill):
        span = pd.date_range(fill.start, fill.end, freq="D").strftime("%Y-%m")
        clash = sorted(set(span) & published)
        if clash:
            raise ScenarioError(
                scenario.file,
                f"arrivals.fill[{i}]",
                N_("{dataset} publishes {months}: fill only unpublished months"),
                dataset=dataset,
                months=", ".join(clash),
            )
        mask = (days >= fill.start) & (days <= fill.end)
        total[mask] = fill.total / fill.days
        filled |= mask
        sources.append(fill.source)
        notes.add(
            N_(
                "arrivals: {n} returned {start}..{end} ({source}) spread evenly over those {days} days "
                "({inside} in the window)"
            ),
            n=_num(fill.total),
            start=fill.start.isoformat(),
            end=fill.end.isoformat(),
            source=fill.source or Template(N_("scenario")),
            days=fill.days,
            inside=int(mask.sum()),
        )
    missing = sorted({m for m, f in zip(month_keys, filled, strict=True) if m not in published and not f})
    if missing:
        notes.add(
            N_("arrivals: no published value for {months}: zero arrivals assumed there"), months=", ".join(missing)
        )
    return total * arr.scale


# -- city split --------------------------------------------------------------------------------------


def _shares(
    scenario: Scenario, store: Store | None, dates: pd.DatetimeIndex, sources: list[str], notes: Notes
) -> np.ndarray:
    names = scenario.city_names
    days = dates.date
    out = np.zeros((len(dates), len(names)))
    for step in scenario.split.steps:
        row = np.array([step.shares.get(n, 0.0) for n in names])
        out[days >= step.start] = row
        sources += list(step.sources)
    out[days < scenario.split.steps[0].start] = [scenario.split.steps[0].shares.get(n, 0.0) for n in names]
    if scenario.split.source == "trac":
        st, dataset = _need(store, scenario, "split.dataset", scenario.split.dataset, Split.ROLE, ("hearing_location",))
        frame = metrics.series(st, dataset, by=["hearing_location"])
        sources += frame.attrs.get("source_ids", [])
        court_of = {_fold(c.court): j for j, c in enumerate(scenario.cities)}
        month_keys = pd.Index(dates.strftime("%Y-%m"))
        used = []
        for month, group in frame.groupby("period"):
            counts = np.zeros(len(names))
            for loc, value in zip(group["hearing_location"], group["value"], strict=True):
                j = court_of.get(_fold(str(loc)))
                if j is not None and pd.notna(value):
                    counts[j] += float(value)
            mask = np.asarray(month_keys == month)
            if counts.sum() > 0 and mask.any():
                out[mask] = counts / counts.sum()
                used.append(str(month))
        if used:
            notes.add(
                N_("split: monthly shares of {dataset} cases by hearing location for {months}"),
                dataset=dataset,
                months=", ".join(used),
            )
        notes.add(N_("split: scenario shares (split.steps) for the other months"))
    return out


# -- shelters ------------------------------------------------------------------------------------------


BED_COLUMNS = ("city", "shelter", "measure")  # what query.bed_figures reads


def shelter_capacity(store: Store, dataset: str | None = None) -> pd.DataFrame:
    """The shelter register's bed capacities: city, shelter, as_of (as printed), start, beds, source_id, aggregate.

    `dataset` None: the one loaded dataset with the `shelter_beds` role. Rows for shelters that were only planned are left out. `aggregate` marks city-wide figures (names with
    "all", "city-wide" or "shelters"), which stand for the whole city rather than one shelter.
    """
    rows = query.bed_figures(store, dataset or role_dataset(store, Shelter.ROLE, "shelter.dataset", BED_COLUMNS))
    rows = rows[~rows["shelter"].str.lower().str.startswith("planned")].copy()
    name = rows["shelter"].str.lower()
    rows["aggregate"] = name.str.startswith("all") | name.str.contains("city-wide") | name.str.contains("shelters")
    return rows.rename(columns={"period": "as_of", "period_start": "start", "value": "beds"})[
        ["city", "shelter", "as_of", "start", "beds", "source_id", "aggregate"]
    ].reset_index(drop=True)


def beds_on(register: pd.DataFrame, city: str, day: date) -> tuple[float, list[str], list[str]]:
    """Beds in `city` on `day`: the latest city-wide figure if the city has any, else the sum of each
    shelter's latest figure (the lower one when two sources print different figures on one date).
    Returns the beds, the source ids and the as-of dates as printed (a month stays a month)."""
    rows = register[(register["city"].map(_fold) == _fold(city)) & (register["start"].dt.date <= day)]
    if rows.empty:
        return math.nan, [], []
    agg = rows[rows["aggregate"]]
    if not agg.empty:
        last = agg[agg["start"] == agg["start"].max()]
        pick = last.loc[[last["beds"].idxmin()]]
        return float(pick["beds"].iloc[0]), list(pick["source_id"]), list(pick["as_of"])
    latest = rows[rows["start"] == rows.groupby("shelter")["start"].transform("max")]
    pick = latest.loc[latest.groupby("shelter")["beds"].idxmin()]
    return float(pick["beds"].sum()), list(pick["source_id"]), sorted(set(pick["as_of"]))


def _beds(
    scenario: Scenario, store: Store | None, dates: pd.DatetimeIndex, sources: list[str], notes: Notes
) -> np.ndarray:
    days = dates.date
    out = np.full((len(dates), len(scenario.cities)), np.nan)
    for j, city in enumerate(scenario.cities):
        for step in city.beds:
            out[days >= step.start, j] = step.beds
            sources += step.source.split()  # a register step cites all its figures' ids, space-separated
    if scenario.shelter.capacity == "store":
        st, dataset = _need(store, scenario, "shelter.capacity", scenario.shelter.dataset, Shelter.ROLE, BED_COLUMNS)
        register = shelter_capacity(st, dataset)
        for j, city in enumerate(scenario.cities):
            if city.beds:
                continue  # the scenario's own figures win
            changes = sorted(
                {d for d in register.loc[register["city"].map(_fold) == _fold(city.name), "start"].dt.date}
            )
            cited: list[Template] = []
            last = math.nan
            for k, change in enumerate(changes):
                beds, ids, as_of = beds_on(register, city.name, change)
                end = changes[k + 1] if k + 1 < len(changes) else date.max
                mask = (days >= change) & (days < end)
                if mask.any():
                    out[mask, j] = beds
                    sources += ids
                    if beds != last:
                        cited.append(
                            Template(
                                N_("{beds} as of {date} ({sources})"),
                                beds=_num(beds),
                                date="/".join(as_of),
                                sources=" ".join(ids),
                            )
                        )
                    last = beds
            unknown = Template(N_("no capacity in the register (unknown)"))
            notes.add(N_("shelter beds {city}: {beds}"), city=city.name, beds=_joined(cited) if cited else unknown)
    return out


# -- warm start ----------------------------------------------------------------------------------------


def _warm(
    scenario: Scenario, store: Store | None, shares: np.ndarray, sources: list[str], notes: Notes
) -> tuple[np.ndarray, np.ndarray]:
    ws = scenario.warm_start
    names = scenario.city_names
    waiting = np.array([ws.waiting.get(n, 0.0) for n in names])
    if ws.source == "court":
        court = _court_pending(scenario, store, notes)
        if court is not None:
            waiting = court
        else:
            notes.add(N_("warm start: no court records loaded; using the scenario's warm_start.waiting"))
    if ws.source != "none":
        sources += list(ws.sources)
    returned_total = ws.returned if ws.source != "none" else 0.0
    weights = waiting if waiting.sum() > 0 else (shares[0] if len(shares) else np.ones(len(names)))
    returned = returned_total * weights / weights.sum() if weights.sum() > 0 else np.zeros(len(names))
    if ws.source != "none":
        notes.add(
            N_(
                "warm start: {waiting} waiting on {date}, {returned} returned before (split over cities like the waiting)"
            ),
            waiting=_num(waiting.sum()),
            date=scenario.start.isoformat(),
            returned=_num(returned_total),
        )
    return waiting, returned


def _court_pending(scenario: Scenario, store: Store | None, notes: Notes) -> np.ndarray | None:
    """Pending MPP cases by return city from loaded court records, or None when there are none."""
    if store is None:
        return None
    try:
        from mppwatch.court import pending  # type: ignore[attr-defined]  # optional at run time
    except ImportError:
        return None
    as_of = scenario.start - timedelta(days=1)
    try:
        frame = pending(store, as_of, release=scenario.warm_start.release, mpp_only=True)
    except MppwatchError as exc:
        notes.add(N_("warm start: court records not used ({reason})"), reason=str(exc))
        return None
    by_city = {_fold(c.name): j for j, c in enumerate(scenario.cities)}
    by_court = {_fold(c.court): j for j, c in enumerate(scenario.cities)}
    out = np.zeros(len(scenario.cities))
    unmatched = 0.0
    for row in frame.itertuples(index=False):
        j = by_city.get(_fold(str(getattr(row, "return_city", "") or "")))
        if j is None:
            j = by_court.get(_fold(str(getattr(row, "hearing_location", "") or "")))
        value = float(row.pending)  # type: ignore[arg-type]
        if j is None:
            unmatched += value
        else:
            out[j] += value
    release = str(frame.attrs.get("release") or scenario.warm_start.release or "latest")
    if frame.attrs.get("synthetic") and "SYNTHETIC" not in release.upper():
        release += " SYNTHETIC"
    notes.add(
        N_("warm start: {n} pending MPP cases on {date} from court release {release}"),
        n=_num(out.sum()),
        date=as_of.isoformat(),
        release=release,
    )
    if unmatched:
        notes.add(N_("warm start: {n} pending cases matched no scenario city and were left out"), n=_num(unmatched))
    return out


# -- simulated against observed --------------------------------------------------------------------

OHSS_WHERE = {"component": ["CBP"], "outcome": ["Migrant Protection Protocols"]}  # in the bookouts dataset


def _snapshot_datasets(store: Store) -> list[str]:
    """The datasets of cumulative returns snapshots (the catalogue's `returns_snapshots` role); none: no rows."""
    try:
        return role_datasets(store, returns.ROLE)
    except QueryError:
        return []


def compare(result: Any, store: Store) -> pd.DataFrame:
    """Simulated against observed: OHSS monthly CBP MPP book-outs (returns) for the months inside the window,
    INM's cumulative returns since the programme began on each exact, day-dated snapshot inside it (e.g.
    62,144 by 2019-12-31), and INM city shares of cumulative returns on each snapshot date inside it (cities of
    the scenario only).

    Columns: `measure, period, city, sim_p5, sim_p50, sim_p95, sim_mean, observed, error, rel_error, source_id`.
    """
    try:
        bookouts = role_dataset(store, Arrivals.ROLE, "arrivals.dataset", tuple(OHSS_WHERE))
    except QueryError as exc:
        raise MppwatchError(N_("--compare: {reason}"), reason=reason_of(exc)) from None
    dates = result.dates
    rows: list[dict[str, Any]] = []
    monthly = result.monthly(["arrivals"])
    sim = monthly[monthly["city"] == "all"].quantiles()
    full = {m for m in sim["month"] if _full_month(m, dates)}
    obs = metrics.series(store, bookouts, OHSS_WHERE, None, f"{dates[0]:%Y-%m}", f"{dates[-1]:%Y-%m}")
    obs_by = dict(zip(obs["period"].astype(str), obs["value"], strict=True))
    ohss_ids = " ".join(obs.attrs.get("source_ids", []))
    for r in sim.itertuples(index=False):
        if r.month not in full:
            continue
        rows.append(_row("monthly_returns", r.month, "all", r.p5, r.p50, r.p95, r.mean, obs_by.get(r.month), ohss_ids))
    rows += _cumulative_totals(result, store)
    rows += _city_shares(result, store)
    out = pd.DataFrame(
        rows,
        columns=[
            "measure", "period", "city", "sim_p5", "sim_p50", "sim_p95", "sim_mean",
            "observed", "error", "rel_error", "source_id",
        ],
    )  # fmt: skip
    out.attrs.update({"simulated": True, "scenario": result.scenario})
    return out


def _full_month(month: str, dates: pd.DatetimeIndex) -> bool:
    first = pd.Timestamp(month + "-01")
    last = first + pd.offsets.MonthEnd(0)
    return bool(dates[0] <= first and dates[-1] >= last)


def _row(
    measure: str, period: str, city: str, p5: float, p50: float, p95: float, mean: float, observed: Any, ids: str
) -> dict[str, Any]:
    obs = float(observed) if observed is not None and pd.notna(observed) else None
    err = mean - obs if obs is not None else None
    rel = err / obs if err is not None and obs else None
    return {
        "measure": measure,
        "period": period,
        "city": city,
        "sim_p5": p5,
        "sim_p50": p50,
        "sim_p95": p95,
        "sim_mean": mean,
        "observed": obs,
        "error": err,
        "rel_error": rel,
        "source_id": ids,
    }


def _cumulative_totals(result: Any, store: Store) -> list[dict[str, Any]]:
    """INM's national cumulative returns (exact, day-dated snapshots) against simulated cumulative returns.

    Only when the simulated total also counts from the programme's start: the run starts within a month of
    it, or the scenario's warm start says how many were returned before the run.
    """
    loaded = _snapshot_datasets(store)
    if not loaded:
        return []
    snaps = returns.snapshots(store, loaded)
    dates = result.dates
    programme_start = pd.Timestamp(snaps.attrs["programme_start"])
    counts_from_start = dates[0] <= programme_start + pd.Timedelta(days=31) or result.inputs.warm_returned.sum() > 0
    if not counts_from_start:
        return []
    cum = result.series("cumulative_returns")  # (T, R)
    rows = []
    for snap in snaps[snaps["exact"]].sort_values(["date", "source_id"]).itertuples(index=False):
        day = pd.Timestamp(str(snap.date))
        if not dates[0] <= day <= dates[-1]:
            continue
        sim = cum[int((day - dates[0]).days)]
        p5, p50, p95 = np.percentile(sim, (5, 50, 95))
        rows.append(
            _row(
                "cumulative_returns",
                day.date().isoformat(),
                "all",
                p5,
                p50,
                p95,
                float(sim.mean()),
                snap.value,
                str(snap.source_id),
            )
        )
    return rows


def _city_shares(result: Any, store: Store) -> list[dict[str, Any]]:
    """INM city snapshots (day-dated, cumulative from before the window) against simulated city shares.

    Figures whose note says they count "ingresos" (re-entries after US hearings included) are not counts of
    persons returned, the simulated measure, and are left out as in `mppwatch returns`.
    """
    loaded = _snapshot_datasets(store)
    if not loaded:
        return []
    dates = result.dates
    snaps = query.day_snapshots(store, loaded)
    snaps = snaps[~snaps["note"].fillna("").str.contains(returns.NOT_PERSONS)]
    col_of = {_fold(c): j for j, c in enumerate(result.cities)}
    snaps["j"] = snaps["city"].map(lambda c: col_of.get(_fold(str(c))))
    snaps = snaps[snaps["j"].notna()]
    start = dates[0].date()
    rows: list[dict[str, Any]] = []
    cum = result.values["cumulative_returns"].astype(np.float64)  # (T, R, C)
    for (source_id, as_of), g in snaps.groupby(["source_id", "as_of"], sort=True):
        day = pd.Timestamp(str(as_of))
        if len(g) < 2 or not dates[0] <= day <= dates[-1] or (g["period_start"].dt.date > start).any():
            continue
        t = int((day - dates[0]).days)
        cols = g["j"].astype(int).to_numpy()
        sim = cum[t][:, cols]  # (R, n)
        share = sim / np.maximum(sim.sum(axis=1, keepdims=True), 1e-12)
        observed = g["value"].to_numpy(float) / g["value"].sum()
        for k, (city, obs) in enumerate(zip(g["city"], observed, strict=True)):
            p5, p50, p95 = np.percentile(share[:, k], (5, 50, 95))
            rows.append(
                _row(
                    "city_share",
                    day.date().isoformat(),
                    str(city),
                    p5,
                    p50,
                    p95,
                    share[:, k].mean(),
                    obs,
                    str(source_id),
                )
            )
    return rows
