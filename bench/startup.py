"""Bench: start-up of the command line, as wall time of the whole process, against `python -c pass`.

Targets (issue 15): `mppwatch --help` <= 0.4 s and `mppwatch series ...` on a loaded store <= 0.8 s.
Each command runs `--repeat` times (default 7) in a fresh process; the bench prints the median and the best,
and the median as a ratio to the bare interpreter. It loads the bundled data into a temporary store first
(a few seconds, not timed) and writes nothing else.

Run: .venv/bin/python bench/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
MPPWATCH = str(BIN / "mppwatch")
TARGETS = {"mppwatch --help": 0.4, "mppwatch series": 0.8}


def wall(cmd: list[str], env: dict[str, str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        env = {**os.environ, "MPPWATCH_DB": db}
        subprocess.run([MPPWATCH, "load", "--format", "csv"], env=env, stdout=subprocess.DEVNULL, check=True)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "mppwatch --help": [MPPWATCH, "--help"],
            "mppwatch series": [
                MPPWATCH,
                "series",
                "ohss_swb_bookouts_by_agency_monthly",
                "--where",
                "component=CBP",
                "--from",
                "2019-01",
                "--to",
                "2019-12",
            ],
        }
        results = {name: wall(cmd, env, args.repeat) for name, cmd in cases.items()}
    base = statistics.median(results["python -c pass"])
    print(f"{'command':<18} {'median s':>9} {'best s':>8} {'x python':>9}  target")
    for name, times in results.items():
        med = statistics.median(times)
        target = TARGETS.get(name)
        verdict = "" if target is None else f"<= {target} s {'ok' if med <= target else 'MISSED'}"
        print(f"{name:<18} {med:>9.3f} {min(times):>8.3f} {med / base:>9.1f}  {verdict}")


if __name__ == "__main__":
    main()
