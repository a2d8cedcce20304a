"""Bench: the vectorised day-step model against the same model written per person in SimPy.

1. Both models run one city with the same parameters; the bench prints the mean outputs of each, their
   relative differences (target: within 2%) and the speed ratio per replicate (target: >= 300x).
2. Wall time of 1,000 replicates x 730 days x 1,000 arrivals a day over three cities (target: <= 60 s, 2 cores).

Run: .venv/bin/python bench/simulate.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from mppwatch.simulate import load_scenario, parse, prepare, run_inputs
from mppwatch.simulate.engine import Inputs

ROOT = Path(__file__).resolve().parents[1]

PARAMS: dict[str, Any] = {
    "scenario": {"name": "bench", "start": date(2020, 1, 1), "days": 365},
    "arrivals": {"source": "ramp", "ramp": [{"from": date(2020, 1, 1), "per_day": 200}]},
    "cities": {"A": {"hearings_per_weekday": 420}},
    "court": {
        "lead_days": 30,
        "continuance_days": 21,
        "hearings_per_case": [0.5, 0.3, 0.2],
        "relief_share": 0.2,
        "sitting_days": "weekdays",
    },
    "attrition": {"daily_hazard": 0.004},
    "shelter": {"need_share": 0.2},
}
COMPARED = ("waiting", "shelter_demand", "hearings", "completed", "relief", "in_absentia", "left", "backlog")


# -- the per-person reference model ------------------------------------------------------------------------


@dataclass
class PersonModel:
    """The same MPP pipeline with each asylum seeker a SimPy process (one city, one replicate).

    Within a day: arrivals (t+0.0), hearings (t+0.1), the court clerk books hearings FIFO per stream,
    first hearings before continuances (t+0.2), people leave (t+0.3), the day's totals are taken (t+0.9).
    """

    inp: Inputs
    rng: np.random.Generator
    env: simpy.Environment = field(default_factory=simpy.Environment)

    def __post_init__(self) -> None:
        T = self.inp.days
        self.T = T
        self.free = self.inp.court_capacity[:, 0].astype(np.int64).copy()
        self.ptr = [0, 0]
        self.requests: list[tuple[int, int, int, simpy.Event]] = []  # (stream, stage, earliest, event)
        self.hz = self.inp.stage_hazard
        self.daily = {k: np.zeros(T) for k in COMPARED}
        self.waiting = 0
        self.backlog = 0
        self.beds_needed = 0

    def person(self, needs_bed: bool) -> Any:
        env, inp, rng = self.env, self.inp, self.rng
        self.waiting += 1
        self.backlog += 1
        self.beds_needed += needs_bed
        stage, stream, earliest = 0, 0, math.floor(env.now) + inp.lead_days
        while True:
            booked = env.event()
            self.requests.append((stream, stage, earliest, booked))
            day = yield booked
            today = math.floor(env.now)
            gone = rng.geometric(inp.daily_hazard) if inp.daily_hazard > 0 else math.inf
            if gone <= day - today - 1:  # leaves before the hearing: an in-absentia order that day
                if day < self.T:
                    self.daily["hearings"][day] += 1
                    self.daily["in_absentia"][day] += 1
                yield env.timeout(today + gone + 0.3 - env.now)
                self.daily["left"][today + gone] += 1
                self.waiting -= 1
                self.beds_needed -= needs_bed
                if day < self.T:
                    yield env.timeout(day + 0.1 - env.now)
                    self.backlog -= 1
                return
            if day >= self.T:
                return
            yield env.timeout(day + 0.1 - env.now)
            self.daily["hearings"][day] += 1
            if rng.random() < self.hz[stage]:
                self.daily["completed"][day] += 1
                self.daily["relief"][day] += rng.random() < inp.relief_share
                self.waiting -= 1
                self.backlog -= 1
                self.beds_needed -= needs_bed
                return
            stage, stream, earliest = stage + 1, 1, day + inp.continuance_days

    def clerk(self) -> Any:
        while True:
            yield self.env.timeout(0.2 if self.env.now == 0 else 1.0)
            pending = sorted(self.requests, key=lambda r: (r[0], r[1]))
            self.requests = []
            for stream, _stage, earliest, event in pending:
                day = max(self.ptr[stream], min(earliest, self.T))
                while self.free[day] == 0:
                    day += 1
                self.free[day] -= 1
                self.ptr[stream] = day
                event.succeed(day)

    def arrivals(self) -> Any:
        for t in range(self.T):
            for _ in range(self.rng.poisson(self.inp.rate[t, 0])):
                self.env.process(self.person(bool(self.rng.random() < self.inp.need_share)))
            yield self.env.timeout(1.0)

    def observe(self) -> Any:
        yield self.env.timeout(0.9)
        for t in range(self.T):
            self.daily["waiting"][t] = self.waiting
            self.daily["backlog"][t] = self.backlog
            self.daily["shelter_demand"][t] = self.beds_needed
            yield self.env.timeout(1.0)

    def run(self) -> dict[str, np.ndarray]:
        for proc in (self.arrivals(), self.clerk(), self.observe()):
            self.env.process(proc)
        self.env.run(until=self.T)
        return self.daily


def means(daily: dict[str, np.ndarray]) -> dict[str, float]:
    return {k: float(np.mean(v)) for k, v in daily.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test, not the targets)")
    args = parser.parse_args()
    inp = prepare(parse(PARAMS))
    n_simpy, n_vec = (2, 100) if args.quick else (4, 500)

    t0 = time.perf_counter()
    ref = [PersonModel(inp, np.random.default_rng(seed)).run() for seed in range(n_simpy)]
    t_simpy = (time.perf_counter() - t0) / n_simpy
    ref_means = {k: float(np.mean([means(r)[k] for r in ref])) for k in COMPARED}

    t0 = time.perf_counter()
    vec = run_inputs(inp, n_vec, seed=1)
    t_vec = (time.perf_counter() - t0) / n_vec
    vec_means = {k: float(vec.values[k].astype(np.float64).mean()) for k in COMPARED}

    print(f"model: 1 city, {PARAMS['arrivals']['ramp'][0]['per_day']} arrivals/day, {inp.days} days")
    print(f"{'output (daily mean)':<22}{'SimPy':>12}{'numpy':>12}{'diff':>9}")
    worst = 0.0
    for k in COMPARED:
        diff = vec_means[k] / ref_means[k] - 1 if ref_means[k] else 0.0
        worst = max(worst, abs(diff))
        print(f"{k:<22}{ref_means[k]:>12,.1f}{vec_means[k]:>12,.1f}{diff:>+9.2%}")
    print(f"largest difference: {worst:.2%} (target <= 2%): {'ok' if worst <= 0.02 else 'MISSED'}")
    ratio = t_simpy / t_vec
    print(
        f"time per replicate: SimPy {t_simpy:.3f} s ({n_simpy} replicates), "
        f"numpy {t_vec * 1000:.2f} ms ({n_vec} replicates): {ratio:,.0f}x (target >= 300x): "
        f"{'ok' if ratio >= 300 else 'MISSED'}"
    )

    big = load_scenario(
        ROOT / "scenarios" / "article_june2019.toml",
        ["scenario.days=730", "arrivals.ramp=[{from=2019-06-08, per_day=1000}]", "warm_start.source='none'"],
    )
    big_inp = prepare(big)
    reps = 200 if args.quick else 1000
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = run_inputs(big_inp, reps, seed=1, workers=2)  # chunks of 250 replicates on 2 processes
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    arrivals = res.values["arrivals"].sum(axis=(0, 2)).mean() / big_inp.days
    print(
        f"full model, 3 cities: {reps} replicates x {big_inp.days} days x {arrivals:,.0f} arrivals/day: "
        f"{wall:.1f} s wall on 2 processes (target <= 60 s for 1,000 replicates): "
        f"{'ok' if wall <= 60 or reps < 1000 else 'MISSED'}"
    )
    print(
        f"  CPU time in the worker processes: {cpu:.1f} s (wall >= CPU / 2 on an idle 2-core machine; "
        f"load average now {os.getloadavg()[0]:.1f})"
    )
    left = res.values["left"].sum(axis=(0, 2)).mean() / res.values["arrivals"].sum(axis=(0, 2)).mean()
    print(f"  (courts far below demand there: {left:.0%} of arrivals leave before a decision; each leaver is drawn)")


if __name__ == "__main__":
    main()
