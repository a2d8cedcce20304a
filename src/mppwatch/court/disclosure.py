"""Disclosure control for court aggregates: the cell-key method (ONS, 2021 Census) plus suppression below 10.

Why: every court table is suppressed on its own, but two legal requests (two dates, a total and its cells, two
measures, two groupings) used to give a hidden count by subtraction. Perturbing every published count by an
amount that depends only on *which cases* are in the cell makes the same cell always show the same value (asking
again gives nothing new) while the difference of two cells is noise, not people. See docs/privacy.md.

The method, in one place:
- record key: every case (IDNCASE) of a release gets a random integer 0..255 at load (`court_record_keys`); a case
  already keyed in another real release keeps its key, so an unchanged cell shows the same value in every release
  (a SYNTHETIC release's keys are a fixed hash of the case id, so the tour shows the same figures everywhere);
- cell key: the sum of the record keys of the cases (or, for `court diff`, the case of each record) counted in a
  cell, modulo 256;
- perturbation: a fixed table `ptable()[n mod 256][cell key]` with values -4..+4 (10, 20, 32, 40, 52, 40, 32, 20, 10
  keys of 256: 20% zero, mean 0, variance 3.97), laid out by a SHA-256 of (n, key) so it never changes;
- publication: a count is shown only when the true count and the perturbed count are both at least 10; otherwise it
  reads `<10`. Totals are cells of their own (the union of their rows' cases), perturbed in the same way; rates are
  perturbed numerator over perturbed denominator, shown only when both and their difference are at least 10;
- `as_of` dates are month starts only (the grain of the pending series), so a table cannot be stepped day by day.

Tests of the measures' definitions lower the threshold below 10 (possible only with MPPWATCH_TESTING set); a
threshold below 10 publishes exact counts and any date, so those tests can count by hand. The CLI refuses such a
threshold and the API never accepts one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os

import numpy as np

from mppwatch.court.texts import NO_KEYS, NOT_A_MONTH_START
from mppwatch.errors import MppwatchError
from mppwatch.store import Store

MIN_THRESHOLD = 10
BASE = 256  # record keys and cell keys are 0..BASE-1
PERTURBATION_COUNTS = {-4: 10, -3: 20, -2: 32, -1: 40, 0: 52, 1: 40, 2: 32, 3: 20, 4: 10}  # keys per value, of BASE
MAX_PERTURBATION = max(PERTURBATION_COUNTS)
KEYS_DDL = (
    "CREATE TABLE IF NOT EXISTS court_record_keys (release VARCHAR NOT NULL, idncase BIGINT NOT NULL, "
    "rkey USMALLINT NOT NULL)"
)


@functools.cache
def ptable() -> np.ndarray:
    """[n, ck]: the perturbation of a cell of true count n (mod BASE) and cell key ck. Fixed forever (built on first
    use: 65,536 SHA-256 digests, about 0.1 s)."""
    values = np.repeat(
        np.array(list(PERTURBATION_COUNTS), dtype=np.int64), np.array(list(PERTURBATION_COUNTS.values()))
    )
    assert len(values) == BASE
    table = np.empty((BASE, BASE), dtype=np.int64)
    for n in range(BASE):
        digests = [hashlib.sha256(f"mppwatch-ptable:{n}:{ck}".encode()).digest() for ck in range(BASE)]
        order = sorted(range(BASE), key=digests.__getitem__)
        table[n, order] = values
    return table


def exact_mode(threshold: int) -> bool:
    """Whether a threshold asks for exact counts: below 10, which only tests may ask for."""
    return threshold < MIN_THRESHOLD


def perturbed(n: int, ck: int) -> int:
    """The published value of a cell of true count n and cell key ck (before suppression); never negative."""
    if n <= 0:
        return 0
    return max(0, n + int(ptable()[n % BASE, ck % BASE]))


def publish(n: int, ck: int, threshold: int) -> int | str:
    """A count as published: perturbed, or `<10` when the true or the perturbed count is below the threshold."""
    n = int(n)
    if exact_mode(threshold):
        return n if n >= threshold else f"<{threshold}"
    p = perturbed(n, int(ck))
    return p if n >= threshold and p >= threshold else f"<{threshold}"


def publish_rate(num: int, num_ck: int, den: int, den_ck: int, threshold: int) -> float | None:
    """num/den from the published (perturbed) counts, withheld when either, or their difference, is below it."""
    pn, pd_ = publish(num, num_ck, threshold), publish(den, den_ck, threshold)
    if isinstance(pn, str) or isinstance(pd_, str) or pd_ - pn < threshold or den - num < threshold:
        return None
    return round(min(pn / pd_, 1.0), 4)


def check_as_of(day: dt.date | None, threshold: int, what: str = "as_of") -> None:
    """`as_of` dates are month starts: a table published for every day would show people one by one."""
    if day is not None and day.day != 1 and not exact_mode(threshold):
        raise MppwatchError(NOT_A_MONTH_START, what=what, day=day.isoformat(), first=day.replace(day=1).isoformat())


def has_keys(store: Store) -> bool:
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'court_record_keys' AND column_name = 'release'"
    ).fetchone()
    return bool(row and row[0])


def _synthetic_keys(ids: np.ndarray) -> np.ndarray:
    """Record keys for a SYNTHETIC release: a fixed hash of the case id (splitmix64), so that the tour and the
    tests show the same figures on every machine. Real releases never use it."""
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(BASE)).astype(np.uint16)


def assign_record_keys(store: Store, release: str) -> int:
    """At load, inside its transaction: a record key for every case of `release` that has none yet.

    A real release's keys are random (the operating system's entropy, numpy's default generator); a case seen in
    another real release keeps the key it had there, so an unchanged cell shows the same value in every release.
    A SYNTHETIC release's keys are a fixed hash of the case id (`_synthetic_keys`). MPPWATCH_RECORD_KEY_SEED, with
    MPPWATCH_TESTING set, draws either kind from a seed instead, for tests that replay several draws.
    Returns how many keys were added.
    """
    con = store.con
    con.execute(KEYS_DDL)
    synthetic = release.endswith("-SYNTHETIC")
    frame = con.execute(
        """SELECT DISTINCT f.idncase, k.rkey FROM court_facts f
           LEFT JOIN (SELECT idncase, any_value(rkey) AS rkey FROM court_record_keys
                      WHERE release <> $rel AND release LIKE '%-SYNTHETIC' = $syn GROUP BY idncase) k
                  ON k.idncase = f.idncase
           WHERE f.release = $rel AND f.idncase NOT IN (SELECT idncase FROM court_record_keys WHERE release = $rel)
           ORDER BY f.idncase""",
        {"rel": release, "syn": synthetic},
    ).fetchnumpy()
    ids = np.asarray(frame["idncase"], dtype=np.int64)
    if not len(ids):
        return 0
    seed = os.environ.get("MPPWATCH_RECORD_KEY_SEED") if os.environ.get("MPPWATCH_TESTING") else None
    if seed:
        keys = np.random.default_rng(int(seed)).integers(0, BASE, len(ids)).astype(np.uint16)
    elif synthetic:
        keys = _synthetic_keys(ids)
    else:
        keys = np.random.default_rng().integers(0, BASE, len(ids)).astype(np.uint16)
    prev = frame["rkey"]  # the key in another release of the same kind, where there is one
    if np.ma.isMaskedArray(prev):
        have, values = ~np.ma.getmaskarray(prev), np.ma.filled(prev, 0)
    else:
        values = np.asarray(prev, dtype=np.float64)
        have = ~np.isnan(values)
        values = np.nan_to_num(values)
    keys[have] = values[have].astype(np.uint16)
    import pyarrow as pa

    new_keys = pa.table({"idncase": pa.array(ids, pa.int64()), "rkey": pa.array(keys, pa.uint16())})
    con.register("new_record_keys", new_keys)
    try:
        con.execute("INSERT INTO court_record_keys SELECT $rel, idncase, rkey FROM new_record_keys", {"rel": release})
    finally:
        con.unregister("new_record_keys")
    return len(ids)


def require_keys(store: Store) -> None:
    if not has_keys(store):
        raise MppwatchError(NO_KEYS)


def key_sql(cond: str | None = None, rkey: str = "k.rkey") -> str:
    """SQL for the cell key of the rows matching `cond` (all rows when None): sum of record keys mod BASE."""
    filt = f" FILTER (WHERE {cond})" if cond else ""
    return f"(coalesce(sum({rkey}){filt}, 0) % {BASE})::INTEGER"


__all__ = [
    "BASE",
    "MAX_PERTURBATION",
    "MIN_THRESHOLD",
    "ptable",
    "assign_record_keys",
    "check_as_of",
    "exact_mode",
    "key_sql",
    "perturbed",
    "publish",
    "publish_rate",
]
