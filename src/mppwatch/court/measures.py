"""TRAC-style measures on court records: cases, completions, pending, in-absentia and representation rates, relief.

The unit is the case (IDNCASE). As of a date d (the whole release when no date is given):
- a case counts when one of its proceedings started (OSC date, else input date) on or before d;
- it is pending when any such proceeding has no completion date, or completed after d; otherwise completed;
- its decision is that of the proceeding completed last by d; `in_absentia` means that proceeding says ABSENTIA=Y;
- it is represented when a notice of appearance (E-28) is dated on or before d;
- it is awaiting its first hearing when it is pending and none of its hearings (schedule rows, any proceeding) is
  dated on or before d, nor on or before the first day of the release's month (a hearing dated later has not been
  held when the release was drawn: EOIR's schedule lists hearings to come). Whole release: d is that first day;
- it is transferred when its proceedings moved between hearing locations (cohort.py: a proceeding heard at another
  location than the first one, or naming a previous hearing location other than its own) by d (the moving
  proceeding's transfer-in date, else its input or OSC date; an undated move counts at every date).
Rates: in_absentia_rate = in absentia / completed; represented_rate = represented / cases;
awaiting_first_hearing_share = awaiting first hearing / pending; transferred_share = transferred / cases.

Privacy (court/disclosure.py, docs/privacy.md): every count is perturbed by the cell-key method, so the same cell
always shows the same value and the difference of two cells is noise; a count whose true or perturbed value is below
the threshold (10, never lower outside tests) prints as `<10`; a Total is a cell of its own, perturbed the same way;
a rate is perturbed numerator over perturbed denominator, withheld when either or their difference is below 10;
`as_of` is a month start.
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from mppwatch.court import disclosure
from mppwatch.court.names import add_names
from mppwatch.court.tables import RETURN_CITY
from mppwatch.court.texts import (
    BAD_BY,
    BAD_MEASURE,
    NO_RELEASE,
    NO_TRANSFERS,
    NOT_LOADED,
    OLDER_LOAD,
    SMALL_THRESHOLD,
)
from mppwatch.errors import MppwatchError
from mppwatch.store import Store

DIMENSIONS = (
    "nationality",
    "hearing_location",
    "base_city",
    "nta_month",
    "decision",
    "language",
    "custody",
    "return_city",
)
MEASURES = (
    "cases",
    "completed",
    "pending",
    "in_absentia_rate",
    "represented_rate",
    "relief_granted",
    "awaiting_first_hearing",
    "awaiting_first_hearing_share",
    "transferred",
    "transferred_share",
)
COUNTS = ("cases", "completed", "pending", "relief_granted", "awaiting_first_hearing", "transferred")
RATES = {  # published rate -> (numerator count, denominator count)
    "in_absentia_rate": ("in_absentia", "completed"),
    "represented_rate": ("represented", "cases"),
    "awaiting_first_hearing_share": ("awaiting_first_hearing", "pending"),
    "transferred_share": ("transferred", "cases"),
}
RELIEF_CODES = ("R",)  # DEC_CODE "RELIEF GRANTED" on removal proceedings
MIN_THRESHOLD = disclosure.MIN_THRESHOLD
SMALL = "<10"
WITHHELD = "suppressed"  # no longer produced: a hidden count reads `<10` whatever hides it
_DIM_SQL = {
    "nationality": "f.nationality",
    "hearing_location": "f.hearing_location",
    "base_city": "f.base_city",
    "nta_month": "strftime(f.nta_date, '%Y-%m')",
    "decision": "CASE WHEN {st}.open THEN 'PENDING' ELSE coalesce({st}.last_dec, 'NONE') END",
    "language": "f.language",
    "custody": "f.custody",
    "return_city": "f.return_city",
}


def group_sql(by: list[str], st: str = "st") -> str:
    """The SELECT list for the `by` dimensions; `st` names the relation holding each case's status."""
    return ", ".join(f"{_DIM_SQL[b].format(st=st)} AS {b}" for b in by)


def check_threshold(threshold: int) -> int:
    """The suppression threshold: at least 10, unless MPPWATCH_TESTING is set (tests use tiny fixtures)."""
    if threshold < MIN_THRESHOLD and not os.environ.get("MPPWATCH_TESTING"):
        raise MppwatchError(SMALL_THRESHOLD, value=threshold, minimum=MIN_THRESHOLD)
    if threshold < 1:
        raise MppwatchError(option="--threshold")
    return threshold


def releases(store: Store) -> pd.DataFrame:
    """Court releases loaded, newest first."""
    if not _has(store, "court_releases"):
        return pd.DataFrame(columns=["release", "synthetic", "source", "loaded_at"])
    return store.query("SELECT * FROM court_releases ORDER BY release DESC")


def rejects(store: Store, release: str | None = None) -> pd.DataFrame:
    """Lines a load could not parse, or repaired: file, line, reason (the raw line stays in the store)."""
    rel = resolve_release(store, release)
    frame = store.query("SELECT file, line, reason FROM court_rejects WHERE release = ? ORDER BY file, line", [rel])
    frame.attrs.update(release=rel, synthetic=is_synthetic(store, rel))
    return frame


def _has(store: Store, table: str) -> bool:
    row = store.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()
    return bool(row and row[0])


def resolve_release(store: Store, release: str | None = None) -> str:
    """The stored release id for `release` (YYYY-MM finds its -SYNTHETIC twin), or the latest one."""
    known = list(releases(store)["release"])
    if not known:
        raise MppwatchError(NO_RELEASE)
    if not _has(store, "court_proceeding_status"):
        raise MppwatchError(OLDER_LOAD)
    disclosure.require_keys(store)
    if release is None:
        return str(known[0])
    for cand in (release, f"{release}-SYNTHETIC"):
        if cand in known:
            return cand
    raise MppwatchError(NOT_LOADED, release=repr(release), known=", ".join(known))


def is_synthetic(store: Store, release: str) -> bool:
    row = store.con.execute("SELECT synthetic FROM court_releases WHERE release = ?", [release]).fetchone()
    return bool(row and row[0])


def fill_unknown(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The `by` columns of a grouped frame with a missing code read UNKNOWN (names come later: names.add_names)."""
    for b in by:
        frame[b] = frame[b].astype(object).where(frame[b].notna(), "UNKNOWN")
    return frame


def case_status_sql(as_of: dt.date | None) -> str:
    """Per-case status as of a date: open?, and the last completed proceeding's date, decision and absentia flag.

    A case counts once one of its proceedings has started; it is open while one of those has no completion by
    then. "Last" is the latest completion, ties broken by the higher IDNPROCEEDING (`k`, one integer key, which
    arg_max takes half again as fast as a struct). Cases with one proceeding, most of them, need no grouping.
    Reads `court_proceeding_status`, built at load ($rel is the release).
    """
    d = f"TIMESTAMP '{as_of.isoformat()}'" if as_of else "TIMESTAMP 'infinity'"
    done = f"c <= {d}"
    return f"""
        SELECT idncase, (c IS NULL OR c > {d}) AS open, CASE WHEN {done} THEN c END AS last_c,
               CASE WHEN {done} THEN dec END AS last_dec, CASE WHEN {done} THEN ab END AS last_abs
        FROM court_proceeding_status WHERE release = $rel AND single AND s <= {d}
        UNION ALL
        SELECT idncase, bool_or(c IS NULL OR c > {d}), max(c) FILTER (WHERE {done}),
               arg_max_null(dec, k) FILTER (WHERE {done}), arg_max_null(ab, k) FILTER (WHERE {done})
        FROM court_proceeding_status WHERE release = $rel AND NOT single AND s <= {d}
        GROUP BY idncase"""


def _status_stored(store: Store, release: str) -> bool:
    """Whether `court_facts` holds the whole-release case status for `release` (stores loaded since it was kept)."""
    have = {r[0] for r in store.con.execute("SELECT column_name FROM (DESCRIBE court_facts)").fetchall()}
    if "open" not in have:
        return False
    row = store.con.execute("SELECT bool_or(open IS NOT NULL) FROM court_facts WHERE release = ?", [release]).fetchone()
    return bool(row and row[0])


def hearings_held_by(release: str, as_of: dt.date | None) -> dt.date:
    """The last day a hearing can have been held: `as_of`, but never after the first day of the release's month."""
    drawn = dt.date(int(release[:4]), int(release[5:7]), 1)
    return drawn if as_of is None else min(as_of, drawn)


def _transfers_column(store: Store) -> bool:
    have = {r[0] for r in store.con.execute("SELECT column_name FROM (DESCRIBE court_facts)").fetchall()}
    return "transferred" in have


def require_transfers(store: Store, release: str) -> None:
    """Transfers are kept in `court_facts` since they were measured: an older release must be loaded again."""
    ok = _transfers_column(store)
    if ok:
        row = store.con.execute(
            "SELECT bool_and(transferred IS NOT NULL) FROM court_facts WHERE release = ?", [release]
        ).fetchone()
        ok = bool(row is None or row[0] is None or row[0])
    if not ok:
        raise MppwatchError(NO_TRANSFERS, release=release)


def raw_counts(
    store: Store, release: str, by: list[str], as_of: dt.date | None = None, mpp_only: bool = False
) -> pd.DataFrame:
    """Unsuppressed counts per group, with each count's cell key `ck_<count>` (internal: never print this frame)."""
    for b in by:
        if b not in DIMENSIONS:
            raise MppwatchError(BAD_BY, value=repr(b), choices=", ".join(DIMENSIONS))
    d = f"DATE '{as_of.isoformat()}'" if as_of else "DATE '9999-12-31'"
    relief = ", ".join(f"'{c}'" for c in RELIEF_CODES)
    if as_of is None and _status_stored(store, release):  # the status kept at load: no pass over proceedings
        source = "court_facts f LEFT JOIN court_record_keys k ON k.release = $rel AND k.idncase = f.idncase WHERE f.release = $rel AND f.open IS NOT NULL AND"
        st = "f"
    else:
        source = (
            f"({case_status_sql(as_of)}) st JOIN court_facts f ON f.release = $rel AND f.idncase = st.idncase "
            "LEFT JOIN court_record_keys k ON k.release = $rel AND k.idncase = f.idncase WHERE"
        )
        st = "st"
    groups = group_sql(by, st)
    rep = f"f.represented AND (f.rep_date <= {d} OR ({'true' if as_of is None else 'false'}))"
    held = f"DATE '{hearings_held_by(release, as_of).isoformat()}'"
    moved = (
        "f.transferred" if as_of is None else f"f.transferred AND (f.transfer_date IS NULL OR f.transfer_date <= {d})"
    )
    counts = {
        "cases": None,
        "completed": f"NOT {st}.open",
        "pending": f"{st}.open",
        "in_absentia": f"NOT {st}.open AND {st}.last_abs = 'Y'",
        "represented": rep,
        "relief_granted": f"NOT {st}.open AND {st}.last_dec IN ({relief})",
        "awaiting_first_hearing": f"{st}.open AND (f.first_hearing IS NULL OR f.first_hearing > {held})",
        "transferred": moved if _transfers_column(store) else "NULL",
    }
    selects = ", ".join(
        f"count(*){f' FILTER (WHERE {c})' if c else ''} AS {m}, {disclosure.key_sql(c)} AS ck_{m}"
        for m, c in counts.items()
    )
    sql = f"""
        SELECT {groups + "," if groups else ""} {selects}
        FROM {source} {"f.mpp" if mpp_only else "true"}
        {"GROUP BY ALL" if by else ""}"""
    frame = fill_unknown(store.con.execute(sql, {"rel": release}).df(), by)
    if by and len(frame):  # a missing code and a code UNKNOWN are one group: add them up (cell keys too), sorted
        frame = frame.groupby(by, as_index=False, dropna=False, sort=True).sum(numeric_only=True)
        for m in counts:
            frame[f"ck_{m}"] = frame[f"ck_{m}"] % disclosure.BASE
    return frame.reset_index(drop=True)


def _keys(raw: pd.DataFrame, m: str, k: int) -> pd.Series:
    """The cell keys of count `m`; only a test (threshold below 10, exact counts) may pass a frame without them."""
    if f"ck_{m}" in raw:
        return raw[f"ck_{m}"]
    if not disclosure.exact_mode(k):
        raise RuntimeError(f"internal: no cell keys for {m!r}; counts cannot be published without them")  # a bug
    return pd.Series(0, index=raw.index)


def suppress(
    raw: pd.DataFrame, by: list[str], measures: list[str], threshold: int, total: bool = False
) -> pd.DataFrame:
    """The publishable table: perturbed counts, `<10` below the threshold, rates from perturbed counts.

    A Total row is the cell of all the rows' cases (their counts add up, and so do their cell keys), published like
    any other cell, so the total minus the visible cells gives noise, not the hidden cells.
    """
    k = check_threshold(threshold)
    out = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    pub, rate, rates = disclosure.publish, disclosure.publish_rate, RATES
    for m in measures:
        if m in COUNTS:
            out[m] = [pub(n, c, k) for n, c in zip(raw[m], _keys(raw, m, k), strict=True)]
        elif m in rates:
            num, den = rates[m]
            out[m] = [
                rate(a, ca, b, cb, k)
                for a, ca, b, cb in zip(raw[num], _keys(raw, num, k), raw[den], _keys(raw, den, k), strict=True)
            ]
        else:
            raise MppwatchError(BAD_MEASURE, value=repr(m), choices=", ".join(MEASURES))
    if total and by:
        row: dict[str, object] = {b: "Total" for b in by}

        def cell(m: str) -> tuple[int, int]:
            return int(raw[m].sum()), int(_keys(raw, m, k).sum()) % disclosure.BASE

        for m in measures:
            if m in rates:
                num, den = rates[m]
                row[m] = rate(*cell(num), *cell(den), k)
            else:
                row[m] = pub(*cell(m), k)
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    for m in measures:
        if m in rates:
            out[m] = pd.to_numeric(out[m], errors="coerce").astype(float)
    return out


def table(
    store: Store,
    by: list[str] | None = None,
    measures: list[str] | None = None,
    mpp_only: bool = False,
    as_of: dt.date | None = None,
    release: str | None = None,
    threshold: int = MIN_THRESHOLD,
    total: bool = False,
) -> pd.DataFrame:
    """The TRAC-style table: `by` columns (codes, each followed by `<col>_name` where it is coded: names.py) then
    `measures`, under disclosure control. attrs: release, synthetic, unnamed (codes without a name)."""
    by = list(by or [])
    measures = list(measures or ["cases"])
    for m in measures:
        if m not in MEASURES:
            raise MppwatchError(BAD_MEASURE, value=repr(m), choices=", ".join(MEASURES))
    check_threshold(threshold)
    disclosure.check_as_of(as_of, threshold)
    rel = resolve_release(store, release)
    if any(m.startswith("transferred") for m in measures):
        require_transfers(store, rel)
    raw = raw_counts(store, rel, by, as_of, mpp_only)
    out = add_names(store, rel, suppress(raw, by, measures, threshold, total), by)
    out.attrs["release"] = rel
    out.attrs["synthetic"] = is_synthetic(store, rel)
    return out


__all__ = [
    "COUNTS",
    "DIMENSIONS",
    "MEASURES",
    "RATES",
    "RETURN_CITY",
    "raw_counts",
    "releases",
    "resolve_release",
    "suppress",
    "table",
]
