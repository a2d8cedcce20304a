"""Bench: `reconcile` and `series` through the query layer against the paths they replaced, in one process.

Loads the bundled data and both bundled OHSS workbooks into a fresh DuckDB file, then times:
1. `reconcile` over everything (cross-source checks included): the first call (cold: every dataset read and
   checked) and a repeat (warm: findings of unchanged loads are kept per load id), against the previous
   implementation (commit 19f2020, read from git), which reads and scans every dataset on every call.
2. `series` of the tour's query (CBP MPP book-outs, a year of months), median of many calls, against the
   previous `metrics.series`.
Both old and new answers are compared: the bench fails if they differ.

Targets (issue 12): reconcile <= 1 s warm, series <= 50 ms.
Run: .venv/bin/python bench/query.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mppwatch import metrics
from mppwatch import returns as returns_module
from mppwatch.publishers.load import load_workbook
from mppwatch.reconcile import reconcile
from mppwatch.sources.loader import load_bundled
from mppwatch.store import Store

ROOT = Path(__file__).resolve().parents[1]
OLD = "19f2020"  # the last commit before the query layer
WHERE = {"component": ["CBP"], "outcome": ["Migrant Protection Protocols"]}
DATASET = "ohss_swb_bookouts_by_agency_monthly"


def old_module(path: str, name: str) -> types.ModuleType:
    """The file as it was at OLD, imported as a module of its own (the current package beside it)."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{OLD}:{path}"], capture_output=True, text=True, check=True
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{OLD}:{path}"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    rows = {tuple(map(str, r)) for r in a.astype(str).itertuples(index=False)}
    return rows == {tuple(map(str, r)) for r in b.astype(str).itertuples(index=False)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30, help="series calls to take the median of")
    args = parser.parse_args()
    old_reconcile = old_module("src/mppwatch/reconcile.py", "_old_reconcile").reconcile
    # The old metrics imports a constant returns no longer has (analyses ask the catalogue for roles now).
    returns_module.DEFAULT_DATASETS = ("inm_mpp_returns_by_crossing_point_2019", "mexico_mpp_returns_city_snapshots")  # type: ignore[attr-defined]
    old_series = old_module("src/mppwatch/metrics.py", "_old_metrics").series
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store.open(db) as store:
            load_bundled(store)
            for book in sorted((ROOT / "data" / "publisher_files").glob("*.xlsx")):
                load_workbook(store, book)
            store.con.execute("CHECKPOINT")
        with Store.open(db, read_only=True) as store:
            rows = store.con.execute("SELECT count(*), count(DISTINCT dataset) FROM observations").fetchone()
            print(f"store: {rows[0]:,} observations in {rows[1]} datasets (bundled CSVs + 2 OHSS workbooks)")
            checks = metrics.cross_source_checks()
            t_old, f_old = timed(lambda: old_reconcile(store, cross_source=checks))
            t_cold, f_new = timed(lambda: reconcile(store, cross_source=checks))
            t_warm, f_warm = timed(lambda: reconcile(store, cross_source=checks))
            t_old2, _ = timed(lambda: old_reconcile(store, cross_source=checks))
            assert isinstance(f_old, pd.DataFrame) and isinstance(f_new, pd.DataFrame)
            assert isinstance(f_warm, pd.DataFrame)
            if not (same(f_old, f_new) and same(f_new, f_warm)):
                sys.exit("reconcile: the new findings differ from the old ones")
            print(f"reconcile ({len(f_new)} findings, same as before):")
            print(f"  old path        {t_old:7.3f} s (repeat {t_old2:.3f} s)")
            print(f"  new, cold       {t_cold:7.3f} s   {t_old / t_cold:6.1f}x faster")
            print(f"  new, warm       {t_warm:7.3f} s   {t_old2 / t_warm:6.1f}x faster   target <= 1 s: "
                  f"{'met' if t_warm <= 1 else 'MISSED'}")  # fmt: skip
            new_times, old_times = [], []
            for _ in range(args.repeat):
                t, new = timed(lambda: metrics.series(store, DATASET, WHERE, start="2019-01", end="2019-12"))
                new_times.append(t)
                t, old = timed(lambda: old_series(store, DATASET, WHERE, start="2019-01", end="2019-12"))
                old_times.append(t)
            assert isinstance(new, pd.DataFrame) and isinstance(old, pd.DataFrame)
            if not new[["period", "value"]].equals(old[["period", "value"]]):
                sys.exit("series: the new answer differs from the old one")
            n, o = statistics.median(new_times), statistics.median(old_times)
            print(f"series (CBP MPP book-outs, 12 months; median of {args.repeat}, same answer):")
            print(f"  old path        {o * 1000:7.1f} ms")
            print(f"  new             {n * 1000:7.1f} ms   {o / n:6.2f}x   target <= 50 ms: "
                  f"{'met' if n <= 0.05 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
