"""What changed between two releases: records added, removed and changed per table, overall and for the MPP cohort.

TRAC stopped following records that vanish between releases; this keeps them visible. A record is identified by
its table's key (IDNCASE, IDNPROCEEDING, IDNSCHEDULE, ...); "changed" means the same key with any field different.
The MPP rows count records of cases in the cohort of either release. Counts are published under the same disclosure
control as the court tables (court/disclosure.py): each record carries its case's record key, a count is perturbed
by its cell key and reads `<10` when its true or perturbed value is below 10 (zero included).
"""

from __future__ import annotations

import pandas as pd

from mppwatch.court import disclosure
from mppwatch.court.measures import MIN_THRESHOLD, _has, check_threshold, is_synthetic, resolve_release
from mppwatch.court.tables import SPECS
from mppwatch.court.texts import SAME_RELEASE
from mppwatch.errors import MppwatchError
from mppwatch.store import Store


def _keyed(spec_table: str, key: str, release: str) -> str:
    return (
        f"SELECT {key} AS k, any_value(IDNCASE) AS idncase, bit_xor(hash(t)) AS h "
        f"FROM (SELECT * EXCLUDE (release) FROM {spec_table} WHERE release = '{release}') t GROUP BY {key}"
    )


COUNTS = {"in_a": "ha IS NOT NULL", "in_b": "hb IS NOT NULL", "added": "ha IS NULL", "removed": "hb IS NULL"}
COUNTS["changed"] = "ha <> hb"


def diff(store: Store, release_a: str, release_b: str, threshold: int = MIN_THRESHOLD) -> pd.DataFrame:
    """One row per table and scope (all, mpp): records in A, in B, added, removed, changed (published counts)."""
    k = check_threshold(threshold)
    a, b = resolve_release(store, release_a), resolve_release(store, release_b)
    if a == b:
        raise MppwatchError(SAME_RELEASE, a=release_a, b=release_b)
    rows = []
    cohort = f"SELECT idncase FROM court_facts WHERE release IN ('{a}', '{b}') AND mpp"
    for spec in SPECS:
        if not _has(store, spec.table):
            continue
        sql = f"""
            WITH a AS ({_keyed(spec.table, spec.key, a)}), b AS ({_keyed(spec.table, spec.key, b)}),
            j AS (SELECT coalesce(a.k, b.k) AS k, coalesce(a.idncase, b.idncase) AS idncase,
                         a.h AS ha, b.h AS hb FROM a FULL OUTER JOIN b ON a.k = b.k)
            SELECT s.scope, {", ".join(f"count(*) FILTER (WHERE {c}) AS {m}" for m, c in COUNTS.items())},
                   {", ".join(disclosure.key_sql(c, "r.rkey") for c in COUNTS.values())}
            FROM j LEFT JOIN (SELECT idncase, any_value(rkey) AS rkey FROM court_record_keys
                              WHERE release IN ('{a}', '{b}') GROUP BY idncase) r ON r.idncase = j.idncase
            CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'mpp') s
            WHERE s.scope = 'all' OR j.idncase IN ({cohort})
            GROUP BY s.scope ORDER BY s.scope"""
        for scope, *values in store.con.execute(sql).fetchall():
            n, keys = values[: len(COUNTS)], values[len(COUNTS) :]
            row: dict[str, object] = {"table": spec.stem, "scope": scope}
            for m, v, ck in zip(COUNTS, n, keys, strict=True):
                row[m] = disclosure.publish(v, ck, k)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["table", "scope", "in_a", "in_b", "added", "removed", "changed"])
    frame.attrs.update(release_a=a, release_b=b, synthetic=is_synthetic(store, a) or is_synthetic(store, b))
    return frame


def removed_ids(
    store: Store, release_a: str, release_b: str, table: str | None = None, mpp_only: bool = False
) -> pd.DataFrame:
    """The keys present in A and gone from B (`court diff --list`): table, key, id, idncase."""
    a, b = resolve_release(store, release_a), resolve_release(store, release_b)
    frames = []
    for spec in SPECS:
        if (table and table.lower() not in (spec.stem.lower(), spec.table)) or not _has(store, spec.table):
            continue
        cohort = (
            f"AND idncase IN (SELECT idncase FROM court_facts WHERE release IN ('{a}', '{b}') AND mpp)"
            if mpp_only
            else ""
        )
        frames.append(
            store.con.execute(
                f"""SELECT '{spec.stem}' AS "table", '{spec.key}' AS key, k AS id, idncase FROM ({_keyed(spec.table, spec.key, a)})
                WHERE k NOT IN (SELECT {spec.key} FROM {spec.table} WHERE release = '{b}' AND {spec.key} IS NOT NULL)
                {cohort} ORDER BY id"""
            ).df()
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["table", "key", "id", "idncase"])
    out.attrs.update(release_a=a, release_b=b, synthetic=is_synthetic(store, a) or is_synthetic(store, b))
    return out
