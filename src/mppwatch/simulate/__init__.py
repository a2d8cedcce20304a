"""Simulate the MPP pipeline: arrivals, return cities, courts, waiting, shelters (a stochastic day-step model).

`Scenario` is read from TOML (`load_scenario`), `run(scenario, replicates, seed, store=None)` returns a `Result`
whose tidy frames (`daily()`, `frame()`, `monthly()`) carry simulated p5/p50/p95 bands; `frame()` and
`monthly()` are per-replicate `SimFrame`s with a `quantiles()` method.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mppwatch.simulate.calibrate import prepare
from mppwatch.simulate.engine import OUTPUTS, Inputs, Model
from mppwatch.simulate.result import Result, SimFrame, simulate_inputs
from mppwatch.simulate.scenario import Scenario, ScenarioError, apply_overrides, parse
from mppwatch.simulate.scenario import load as load_scenario
from mppwatch.store import Store

__all__ = [
    "OUTPUTS",
    "Inputs",
    "Model",
    "Result",
    "Scenario",
    "ScenarioError",
    "SimFrame",
    "apply_overrides",
    "load_scenario",
    "parse",
    "prepare",
    "run",
    "run_inputs",
    "simulate",
]


def run_inputs(
    inputs: Inputs,
    replicates: int,
    seed: int | np.random.SeedSequence,
    scenario: str = "",
    synthetic: bool = False,
    overrides: list[str] | None = None,
    workers: int = 1,
) -> Result:
    """Simulate resolved inputs (no store needed: this is what sweep workers call)."""
    out = simulate_inputs(inputs, replicates, seed, workers)
    synthetic = synthetic or inputs.synthetic
    if synthetic and "SYNTHETIC" not in scenario.upper():
        scenario = f"{scenario} (SYNTHETIC inputs)"
    seed_value = int(seed.entropy) if isinstance(seed, np.random.SeedSequence) else int(seed)  # type: ignore[arg-type]
    return Result(
        scenario=scenario,
        inputs=inputs,
        replicates=replicates,
        seed=seed_value,
        values=out["values"],
        waits_hist=out["waits"],
        synthetic=synthetic,
        overrides=list(overrides or []),
    )


def run(
    scenario: Scenario | str | Path,
    replicates: int = 100,
    seed: int = 0,
    store: Store | None = None,
    days: int | None = None,
    overrides: list[str] | None = None,
    workers: int = 1,
) -> Result:
    """Run a scenario (a `Scenario` or a TOML path); `store` is read only for data the scenario names."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    items = list(overrides or [])
    if days is not None:
        items.append(f"scenario.days={int(days)}")
    if items:
        scenario = scenario.with_overrides(items)
    inputs = prepare(scenario, store)
    return run_inputs(inputs, replicates, seed, scenario.name, scenario.synthetic, items, workers)


simulate = run  # the `mppwatch simulate` command's library function, by its command name
