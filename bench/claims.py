"""Bench: time per claim of `claims check` once the store is open, against one `metrics.returns` call.

Loads the bundled data into a fresh DuckDB file, opens it, then checks every bundled claims file without its
spec (every claim inferred from its own columns: the slowest path) and with it, several rounds each, and prints
the median time per claim. The baseline, timed in the same process, is one `metrics.returns` call (a national
as-of figure), the unit a claim about returns is built on: the ratio says how many such calls a claim costs.

Target (issue 14): <= 50 ms per claim once the store is open.
Run: .venv/bin/python bench/claims.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from mppwatch import metrics
from mppwatch.claims import check
from mppwatch.sources.loader import bundled_data_dir, load_bundled
from mppwatch.store import Store

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = bundled_data_dir()
    files = sorted(data.glob("claims_*.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with Store.open(path) as store:
            load_bundled(store)
        empty = Path(tmp) / "none.spec.toml"
        empty.write_text("", encoding="utf-8")
        with Store.open(path, read_only=True) as store:
            baseline = []
            for i in range(20):
                t0 = time.perf_counter()
                metrics.returns(store, date(2019, 6, 1 + i))
                baseline.append(time.perf_counter() - t0)
            base_ms = 1000 * statistics.median(baseline)
            print(f"baseline: metrics.returns as of a day, median of 20: {base_ms:.1f} ms")
            worst = 0.0
            for label, spec in (("inferred (no spec)", empty), ("with the bundled specs", None)):
                per_claim: list[float] = []
                n = 0
                for _ in range(args.rounds):
                    for f in files:
                        t0 = time.perf_counter()
                        result = check(store, f, spec, load_missing=False)
                        elapsed = time.perf_counter() - t0
                        n = max(n, len(result.verdicts))
                        per_claim.append(1000 * elapsed / max(len(result.verdicts), 1))
                ms = statistics.median(per_claim)
                worst = max(worst, max(per_claim))
                print(
                    f"{label}: {ms:.1f} ms per claim (median over {args.rounds} rounds of {len(files)} files, "
                    f"slowest file {max(per_claim):.1f} ms per claim); {ms / base_ms:.1f}x one returns() call"
                )
            verdict = "met" if worst <= TARGET_MS else "MISSED"
            print(f"target <= {TARGET_MS:.0f} ms per claim: {verdict} (slowest file {worst:.1f} ms per claim)")


if __name__ == "__main__":
    main()
