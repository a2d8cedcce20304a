"""The MPP cohort and one row of facts per case, built once per release at load time.

A case is in the MPP cohort if it carries case identifier MP or RM, or if any of its proceedings (current or
previous hearing location) or hearings was at an MPP hearing location (CIX ENP MPB MPL OPP SYP TUM; never the
test location MPP). Membership is decided over the whole history, so a case stays in the cohort after a transfer.

`hearing_location` of a case is its first MPP location when it has one (the MPP court that heard it), else the
location of its first proceeding; `nta_date` is the earliest OSC (Notice to Appear) date of its proceedings.
The case's status over the whole release (open, last decision, in absentia) is stored too, so that whole-release
tables, what the dashboard reads most, need no pass over the proceedings; `open` is NULL for a case with none.

`transferred`: the case moved between hearing locations. Its proceedings are heard at more than one location (one
differs from the location of the first proceeding that has one), or a proceeding names a previous hearing location
(PREV_HEARING_LOC) other than its own. `transfer_date` is the earliest such proceeding's transfer-in date (else its
input date, else its OSC date; NULL when it has none). Schedule rows at another location do not count on their
own: a change of venue is recorded on the proceedings. `transferred` is NULL only in a store built before it was kept.
"""

from __future__ import annotations

from mppwatch.court.tables import MPP_CASE_IDENTIFIERS, MPP_HEARING_LOCATIONS, RETURN_CITY
from mppwatch.store import Store

FACTS_DDL = """
CREATE TABLE IF NOT EXISTS court_facts (
    release VARCHAR NOT NULL, idncase BIGINT NOT NULL, mpp BOOLEAN NOT NULL, mpp_via VARCHAR,
    hearing_location VARCHAR, base_city VARCHAR, return_city VARCHAR, nta_date DATE,
    nationality VARCHAR, language VARCHAR, custody VARCHAR, first_hearing DATE,
    represented BOOLEAN NOT NULL, rep_date DATE,
    open BOOLEAN, last_dec VARCHAR, last_abs VARCHAR, transferred BOOLEAN, transfer_date DATE
)"""
STATUS_COLUMNS = {
    "open": "BOOLEAN",
    "last_dec": "VARCHAR",
    "last_abs": "VARCHAR",
    "transferred": "BOOLEAN",
    "transfer_date": "DATE",
}
PROCEEDING_STATUS_DDL = """
CREATE TABLE IF NOT EXISTS court_proceeding_status (
    release VARCHAR NOT NULL, idncase BIGINT, single BOOLEAN NOT NULL, s TIMESTAMP NOT NULL, c TIMESTAMP,
    k BIGINT, dec VARCHAR, ab VARCHAR
)"""


def build_proceeding_status(store: Store, release: str) -> None:
    """The few proceeding columns a case's status needs, with whether the case has only one proceeding.

    Most cases have one proceeding, whose status needs no grouping; `case_status_sql` groups only the others.
    `s` is the start (OSC date, else input date), `c` the completion, `k` the ordering key of completions.
    """
    con = store.con
    con.execute(PROCEEDING_STATUS_DDL)
    con.execute("DELETE FROM court_proceeding_status WHERE release = ?", [release])
    con.execute(
        """INSERT INTO court_proceeding_status
           SELECT $rel, IDNCASE, count(*) OVER (PARTITION BY IDNCASE) = 1,
                  coalesce(OSC_DATE, INPUT_DATE, TIMESTAMP '1900-01-01'), COMP_DATE,
                  epoch(COMP_DATE)::BIGINT * 1000000000 + IDNPROCEEDING, trim(DEC_CODE), trim(ABSENTIA)
           FROM court_proceeding WHERE release = $rel""",
        {"rel": release},
    )


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def build_facts(store: Store, release: str) -> int:
    """(Re)build `court_facts` for one release from its proceedings, hearings, identifiers and representatives."""
    from mppwatch.court.measures import case_status_sql

    build_proceeding_status(store, release)
    con = store.con
    con.execute(FACTS_DDL)
    for col, kind in STATUS_COLUMNS.items():  # a store made before the status was kept
        con.execute(f"ALTER TABLE court_facts ADD COLUMN IF NOT EXISTS {col} {kind}")
    con.execute("DELETE FROM court_facts WHERE release = ?", [release])
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}

    def table(name: str, cols: str) -> str:
        # a release without an optional table behaves as if the table were empty
        return (
            f"(SELECT {cols} FROM {name} WHERE release = $rel)" if name in existing else f"(SELECT {cols} WHERE false)"
        )

    mpp = _in(MPP_HEARING_LOCATIONS)
    cities = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in RETURN_CITY.items())
    sched = table("court_schedule", "IDNCASE, IDNPROCEEDING, HEARING_LOC_CODE, ADJ_DATE")
    ident = table("court_case_identifier", "IDNCASE, CASE_ID")
    reps = table("court_reps_assigned", "IDNCASE, E_28_DATE, INS_TA_DATE_ASSIGNED")
    case = table("court_case", "IDNCASE, NAT, LANG, CUSTODY, E_28_DATE")
    con.execute(
        f"""
        INSERT INTO court_facts
        WITH p AS (
            SELECT IDNCASE, IDNPROCEEDING, coalesce(OSC_DATE, INPUT_DATE) AS start, trim(HEARING_LOC_CODE) AS loc,
                   trim(PREV_HEARING_LOC) AS prev, trim(BASE_CITY_CODE) AS base, NAT, LANG, CUSTODY,
                   coalesce(TRANS_IN_DATE, INPUT_DATE, OSC_DATE)::DATE AS moved
            FROM court_proceeding WHERE release = $rel
        ),
        s AS (SELECT * FROM {sched}),
        at_mpp AS (
            SELECT IDNCASE, min_by(loc, k) AS loc FROM (
                SELECT IDNCASE, loc, IDNPROCEEDING * 2 AS k FROM p WHERE loc IN {mpp}
                UNION ALL SELECT IDNCASE, prev, IDNPROCEEDING * 2 - 1 FROM p WHERE prev IN {mpp}
                UNION ALL SELECT IDNCASE, trim(HEARING_LOC_CODE), IDNPROCEEDING * 2 FROM s WHERE trim(HEARING_LOC_CODE) IN {mpp}
            ) GROUP BY IDNCASE
        ),
        ident AS (SELECT DISTINCT IDNCASE FROM {ident} WHERE trim(CASE_ID) IN {_in(MPP_CASE_IDENTIFIERS)}),
        firstp AS (
            SELECT IDNCASE, min_by(loc, IDNPROCEEDING) AS loc, min_by(base, IDNPROCEEDING) AS base,
                   min(start)::DATE AS nta, min_by(NAT, IDNPROCEEDING) AS nat, min_by(LANG, IDNPROCEEDING) AS lang,
                   max_by(CUSTODY, IDNPROCEEDING) AS custody
            FROM p GROUP BY IDNCASE
        ),
        firsth AS (SELECT IDNCASE, min(ADJ_DATE)::DATE AS d FROM s GROUP BY IDNCASE),
        moves AS (
            SELECT p.IDNCASE, min(p.moved) AS d FROM p JOIN firstp USING (IDNCASE)
            WHERE nullif(p.loc, '') <> nullif(firstp.loc, '')
               OR (nullif(p.prev, '') IS NOT NULL AND nullif(p.prev, '') IS DISTINCT FROM nullif(p.loc, ''))
            GROUP BY p.IDNCASE
        ),
        rep AS (
            SELECT IDNCASE, min(d)::DATE AS d FROM (
                SELECT IDNCASE, coalesce(E_28_DATE, try_cast(INS_TA_DATE_ASSIGNED AS TIMESTAMP)) AS d FROM {reps}
                UNION ALL SELECT IDNCASE, E_28_DATE FROM {case} WHERE E_28_DATE IS NOT NULL
            ) GROUP BY IDNCASE
        ),
        c AS (SELECT IDNCASE, any_value(NAT) AS nat, any_value(LANG) AS lang, any_value(CUSTODY) AS custody
              FROM {case} GROUP BY IDNCASE),
        st AS ({case_status_sql(None)}),
        ids AS (SELECT IDNCASE FROM firstp UNION SELECT IDNCASE FROM c)
        SELECT $rel, ids.IDNCASE,
               (at_mpp.IDNCASE IS NOT NULL OR ident.IDNCASE IS NOT NULL) AS mpp,
               CASE WHEN at_mpp.IDNCASE IS NOT NULL AND ident.IDNCASE IS NOT NULL THEN 'identifier+location'
                    WHEN ident.IDNCASE IS NOT NULL THEN 'identifier'
                    WHEN at_mpp.IDNCASE IS NOT NULL THEN 'location' END,
               coalesce(at_mpp.loc, firstp.loc) AS hearing_location,
               firstp.base,
               CASE coalesce(at_mpp.loc, firstp.loc) {cities} ELSE NULL END,
               firstp.nta,
               trim(coalesce(c.nat, firstp.nat)), trim(coalesce(c.lang, firstp.lang)),
               trim(coalesce(c.custody, firstp.custody)),
               firsth.d,
               rep.IDNCASE IS NOT NULL, rep.d,
               st.open, st.last_dec, st.last_abs,
               moves.IDNCASE IS NOT NULL, moves.d
        FROM ids
        LEFT JOIN at_mpp USING (IDNCASE) LEFT JOIN ident USING (IDNCASE) LEFT JOIN firstp USING (IDNCASE)
        LEFT JOIN firsth USING (IDNCASE) LEFT JOIN rep USING (IDNCASE) LEFT JOIN c USING (IDNCASE)
        LEFT JOIN moves USING (IDNCASE) LEFT JOIN st ON st.idncase = ids.IDNCASE
        """,
        {"rel": release},
    )
    from mppwatch.court.disclosure import assign_record_keys

    assign_record_keys(store, release)  # disclosure control: a random key per case, kept across releases
    row = con.execute("SELECT count(*) FROM court_facts WHERE release = ?", [release]).fetchone()
    return int(row[0]) if row else 0


def cohort(store: Store, release: str | None = None) -> list[int]:
    """IDNCASE of every MPP case in a release (the latest by default): for notebooks and tests."""
    from mppwatch.court.measures import resolve_release

    rel = resolve_release(store, release)
    return [
        int(r[0])
        for r in store.con.execute(
            "SELECT idncase FROM court_facts WHERE release = ? AND mpp ORDER BY idncase", [rel]
        ).fetchall()
    ]
