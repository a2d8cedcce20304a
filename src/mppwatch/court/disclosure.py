"""Disclosure control for court aggregates: the cell-key method (ONS, 2021 Census) plus suppression below 10.

Why: every court table is suppressed on its own, but two legal requests (two dates, a total and its cells, two
measures, two groupings) used to give a hidden count by subtraction. Perturbing every published count by an
amount that depends only on *which cases* are in the cell makes the same cell always show the same value (asking
again gives nothing new) while the difference of two cells is noise, not people. See docs/privacy.md.

The method, in one place:
- record key: every case (IDNCASE) gets a random integer 0..255 the first time a release holding it is loaded
  (`court_record_keys`, kept across releases, so an unchanged cell shows the same value in every release);
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

from mppwatch.errors import MppwatchError
from mppwatch.store import Store

MIN_THRESHOLD = 10
BASE = 256  # record keys and cell keys are 0..BASE-1
PERTURBATION_COUNTS = {-4: 10, -3: 20, -2: 32, -1: 40, 0: 52, 1: 40, 2: 32, 3: 20, 4: 10}  # keys per value, of BASE
MAX_PERTURBATION = max(PERTURBATION_COUNTS)
KEYS_DDL = "CREATE TABLE IF NOT EXISTS court_record_keys (idncase BIGINT NOT NULL, rkey USMALLINT NOT NULL)"


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
        raise MppwatchError(
            f"{what} {day.isoformat()}: court figures are published as of the first day of a month only "
            f"(disclosure control, docs/privacy.md); use {day.replace(day=1).isoformat()}"
        )


def has_keys(store: Store) -> bool:
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'court_record_keys'"
    ).fetchone()
    return bool(row and row[0])


def assign_record_keys(store: Store, release: str) -> int:
    """At load, inside its transaction: a random record key for every case of `release` that has none yet.

    Keys are drawn from the operating system's entropy (numpy's default generator). MPPWATCH_RECORD_KEY_SEED
    fixes them, for reproducible tests only (it needs MPPWATCH_TESTING too). Returns how many keys were added.
    """
    con = store.con
    con.execute(KEYS_DDL)
    ids = con.execute(
        """SELECT DISTINCT idncase FROM court_facts WHERE release = ? AND idncase NOT IN
           (SELECT idncase FROM court_record_keys) ORDER BY idncase""",
        [release],
    ).fetchnumpy()["idncase"]
    if not len(ids):
        return 0
    seed = os.environ.get("MPPWATCH_RECORD_KEY_SEED") if os.environ.get("MPPWATCH_TESTING") else None
    rng = np.random.default_rng(int(seed) if seed else None)
    import pyarrow as pa

    new_keys = pa.table(
        {"idncase": pa.array(ids, pa.int64()), "rkey": pa.array(rng.integers(0, BASE, len(ids)), pa.uint16())}
    )
    con.register("new_record_keys", new_keys)
    try:
        con.execute("INSERT INTO court_record_keys SELECT idncase, rkey FROM new_record_keys")
    finally:
        con.unregister("new_record_keys")
    return len(ids)


def require_keys(store: Store) -> None:
    if not has_keys(store):
        raise MppwatchError(
            "the court releases in this store were loaded before disclosure control: load them again "
            "(`mppwatch court load PATH --release YYYY-MM`)"
        )


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
