"""How long cases wait: days from the Notice to Appear (OSC date) to the first hearing and to completion,
and how many MPP cases are pending on a date, by hearing location and by the Mexican city people waited in.

Every count published here goes through court/disclosure.py (cell-key perturbation, `<10` below the threshold).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mppwatch.court import disclosure
from mppwatch.court.measures import (
    DIMENSIONS,
    MIN_THRESHOLD,
    case_status_sql,
    check_threshold,
    fill_unknown,
    group_sql,
    is_synthetic,
    resolve_release,
)
from mppwatch.court.names import add_names
from mppwatch.court.tables import RETURN_CITY
from mppwatch.court.texts import BAD_BY, PENDING_BY, REVERSED, SERIES_BY
from mppwatch.errors import MppwatchError
from mppwatch.store import Store

WAIT_COLUMNS = (
    "first_hearing_cases",
    "first_hearing_p10",
    "first_hearing_median",
    "first_hearing_p90",
    "completion_cases",
    "completion_p10",
    "completion_median",
    "completion_p90",
)


def raw_waits(store: Store, release: str, by: list[str], mpp_only: bool = True) -> pd.DataFrame:
    """Unsuppressed wait quantiles per group, with the cell keys of the two counts (internal)."""
    for b in by:
        if b not in DIMENSIONS:
            raise MppwatchError(BAD_BY, value=repr(b), choices=", ".join(DIMENSIONS))
    groups = group_sql(by)
    sql = f"""
        WITH st AS ({case_status_sql(None)}),
        w AS (
            SELECT f.*, st.open, st.last_c, st.last_dec, k.rkey,
                   CASE WHEN f.first_hearing >= f.nta_date THEN date_diff('day', f.nta_date, f.first_hearing) END AS fh,
                   CASE WHEN NOT st.open AND st.last_c::DATE >= f.nta_date
                        THEN date_diff('day', f.nta_date, st.last_c::DATE) END AS comp
            FROM st JOIN court_facts f ON f.release = $rel AND f.idncase = st.idncase
            LEFT JOIN court_record_keys k ON k.release = $rel AND k.idncase = f.idncase
            WHERE {"f.mpp" if mpp_only else "true"}
        )
        SELECT {groups.replace("f.", "w.").replace("st.", "w.") + "," if groups else ""}
               count(fh) AS first_hearing_cases,
               quantile_cont(fh, 0.1) AS first_hearing_p10, median(fh) AS first_hearing_median,
               quantile_cont(fh, 0.9) AS first_hearing_p90,
               count(comp) AS completion_cases,
               quantile_cont(comp, 0.1) AS completion_p10, median(comp) AS completion_median,
               quantile_cont(comp, 0.9) AS completion_p90,
               {disclosure.key_sql("fh IS NOT NULL", "w.rkey")} AS ck_first_hearing_cases,
               {disclosure.key_sql("comp IS NOT NULL", "w.rkey")} AS ck_completion_cases
        FROM w {"GROUP BY ALL ORDER BY ALL" if by else ""}"""
    return fill_unknown(store.con.execute(sql, {"rel": release}).df(), by)


def waits(
    store: Store,
    by: list[str] | None = None,
    mpp_only: bool = True,
    release: str | None = None,
    threshold: int = MIN_THRESHOLD,
) -> pd.DataFrame:
    """Median, p10 and p90 days from NTA to first hearing and to completion; counts perturbed, small groups withheld."""
    k = check_threshold(threshold)
    rel = resolve_release(store, release)
    frame = raw_waits(store, rel, list(by or []), mpp_only)
    for stage in ("first_hearing", "completion"):
        n = frame[f"{stage}_cases"]
        shown = [disclosure.publish(v, c, k) for v, c in zip(n, frame[f"ck_{stage}_cases"], strict=True)]
        ok = pd.Series([not isinstance(v, str) for v in shown], index=frame.index)
        for q in ("p10", "median", "p90"):
            frame[f"{stage}_{q}"] = frame[f"{stage}_{q}"].where(ok).round(1)
        frame[f"{stage}_cases"] = shown
    frame = add_names(store, rel, frame.drop(columns=["ck_first_hearing_cases", "ck_completion_cases"]), list(by or []))
    frame.attrs["release"] = rel
    frame.attrs["synthetic"] = is_synthetic(store, rel)
    return frame


def pending(store: Store, as_of: dt.date, release: str | None = None, mpp_only: bool = True) -> pd.DataFrame:
    """Cases pending on `as_of` by hearing location and return city (unsuppressed: for models, never print raw).

    Columns: hearing_location (EOIR code), return_city (None where MPP sent nobody back to a known city), pending.
    Raises MppwatchError when no court release is loaded.
    """
    frame = _pending_counts(store, as_of, release, mpp_only)
    out = frame[["hearing_location", "return_city", "pending"]]
    out.attrs.update(frame.attrs)
    return out


def _pending_counts(store: Store, as_of: dt.date, release: str | None, mpp_only: bool) -> pd.DataFrame:
    """`pending` with the cell key `ck` of each count (internal)."""
    rel = resolve_release(store, release)
    frame = store.con.execute(
        f"""WITH st AS ({case_status_sql(as_of)})
            SELECT f.hearing_location, f.return_city, count(*)::BIGINT AS pending, {disclosure.key_sql()} AS ck
            FROM st JOIN court_facts f ON f.release = $rel AND f.idncase = st.idncase
            LEFT JOIN court_record_keys k ON k.release = $rel AND k.idncase = f.idncase
            WHERE st.open AND {"f.mpp" if mpp_only else "true"}
            GROUP BY ALL ORDER BY pending DESC, hearing_location""",
        {"rel": rel},
    ).df()
    frame.attrs["release"] = rel
    frame.attrs["synthetic"] = is_synthetic(store, rel)
    frame.attrs["as_of"] = as_of.isoformat()
    return frame


def pending_table(
    store: Store,
    as_of: dt.date,
    by: str = "hearing_location",
    release: str | None = None,
    threshold: int = MIN_THRESHOLD,
) -> pd.DataFrame:
    """Pending MPP cases on a date (a month start) by hearing location or by return city, for publication."""
    if by not in ("hearing_location", "return_city"):
        raise MppwatchError(PENDING_BY)
    k = check_threshold(threshold)
    disclosure.check_as_of(as_of, k, "pending on")
    raw = _pending_counts(store, as_of, release, True)
    grouped = raw.assign(**{by: raw[by].fillna("none/unknown")}).groupby(by, as_index=False)[["pending", "ck"]].sum()
    shown = [disclosure.publish(v, c, k) for v, c in zip(grouped["pending"], grouped["ck"], strict=True)]
    out = add_names(store, raw.attrs["release"], grouped[[by]].assign(pending=shown), [by])
    out.attrs.update(raw.attrs)
    return out


def pending_series(
    store: Store,
    start: dt.date,
    end: dt.date,
    by: str | None = "return_city",
    release: str | None = None,
    threshold: int = MIN_THRESHOLD,
) -> pd.DataFrame:
    """MPP cases pending on the first day of each month from `start` to `end`: columns `by`, date, pending.

    One pass over the proceedings' start and completion dates kept at load (a range join against the month grid) gives the same counts as `pending` on
    each date, so a timeline for the dashboard or a forecast costs one query, not one per month. Under disclosure
    control like every court count: the same month and place gives the same perturbed value as `pending_table`."""
    if by not in (None, "hearing_location", "return_city"):
        raise MppwatchError(SERIES_BY)
    k = check_threshold(threshold)
    first, last = start.replace(day=1), end.replace(day=1)
    if last < first:
        raise MppwatchError(REVERSED, end=end, start=start)
    rel = resolve_release(store, release)
    group = f"coalesce(f.{by}, 'none/unknown') AS {by}, " if by else ""
    raw = store.con.execute(
        f"""WITH grid AS (
                SELECT unnest(generate_series(DATE '{first}', DATE '{last}', INTERVAL 1 MONTH))::TIMESTAMP AS t),
            p AS (SELECT idncase, s, c FROM court_proceeding_status WHERE release = $rel),
            open AS (SELECT DISTINCT g.t, p.idncase FROM p JOIN grid g ON p.s <= g.t AND (p.c IS NULL OR p.c > g.t))
            SELECT {group}g.t::DATE AS date, count(o.idncase)::BIGINT AS pending, {disclosure.key_sql()} AS ck
            FROM grid g
            LEFT JOIN (open o JOIN court_facts f ON f.release = $rel AND f.idncase = o.idncase AND f.mpp
                       LEFT JOIN court_record_keys k ON k.release = $rel AND k.idncase = o.idncase) ON o.t = g.t
            GROUP BY ALL ORDER BY ALL""",
        {"rel": rel},
    ).df()
    raw["date"] = pd.to_datetime(raw["date"]).dt.date
    if by:  # a month with no pending case anywhere has a row without a group: drop it, keep the full grid per group
        raw = raw[raw[by].notna()]
        grid = pd.MultiIndex.from_product(
            [sorted(raw[by].unique()), list(pd.date_range(first, last, freq="MS").date)], names=[by, "date"]
        )
        raw = raw.set_index([by, "date"]).reindex(grid, fill_value=0).reset_index()
    shown = [disclosure.publish(v, c, k) for v, c in zip(raw["pending"], raw["ck"], strict=True)]
    out = add_names(store, rel, raw.drop(columns=["ck"]).assign(pending=shown), [by] if by else [])
    out.attrs.update(release=rel, synthetic=is_synthetic(store, rel))
    return out.reset_index(drop=True)


__all__ = ["RETURN_CITY", "WAIT_COLUMNS", "pending", "pending_series", "pending_table", "waits"]
