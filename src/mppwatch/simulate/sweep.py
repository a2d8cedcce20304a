"""Sweeps: run a scenario over a grid of overrides, on this machine (concurrent.futures) or on Dask.

Each grid point is one task that carries all its replicates and its own seed (child `i` of
`SeedSequence(seed)`), and inputs are resolved from the store in the calling process, so a point gives
the same numbers whichever executor runs it.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.simulate.calibrate import prepare
from mppwatch.simulate.engine import Inputs
from mppwatch.simulate.scenario import Scenario, ScenarioError
from mppwatch.store import Store


def parse_grid(items: Sequence[str]) -> list[tuple[str, list[str]]]:
    """`["court.lead_days=30,60"]` -> `[("court.lead_days", ["30", "60"])]`."""
    grid = []
    for item in items:
        if "=" not in item:
            raise MppwatchError(N_("--grid {item}: expected KEY=V1,V2,..."), item=repr(item))
        key, values = item.split("=", 1)
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not vals:
            raise MppwatchError(N_("--grid {item}: no values"), item=repr(item))
        grid.append((key.strip(), vals))
    return grid


def grid_points(grid: Sequence[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """The cartesian product of the grid, as `{key: value}` per point, in a fixed order."""
    keys = [k for k, _ in grid]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*[v for _, v in grid])]


def run_point(inputs: Inputs, replicates: int, seed: np.random.SeedSequence, name: str) -> dict[str, Any]:
    """One grid point (a worker task): summary rows for `all` and the answers; small enough to ship back."""
    from mppwatch.simulate import run_inputs

    result = run_inputs(inputs, replicates, seed, name)
    summary = result.summary()
    return {"summary": summary[summary["city"] == "all"].drop(columns="city"), "answers": result.answers()}


def _local(kind: str, workers: int) -> Executor:
    if kind == "threads":
        return ThreadPoolExecutor(max_workers=workers)
    if kind == "processes":
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    raise MppwatchError(N_("--executor {kind}: expected processes or threads"), kind=repr(kind))


def _dask_map(address: str, workers: int, fn: Callable[..., Any], *args: Sequence[Any]) -> list[Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise MppwatchError(N_("--dask needs dask[distributed]: pip install 'mppwatch[dask]'")) from None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
        with cluster, Client(cluster) as client:
            return list(client.gather(client.map(fn, *args, pure=False)))
    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        raise MppwatchError(
            N_("--dask {address}: cannot reach the scheduler ({reason})"), address=address, reason=exc
        ) from None
    with client:
        return list(client.gather(client.map(fn, *args, pure=False)))


def sweep(
    scenario: Scenario,
    grid: Sequence[tuple[str, list[str]]],
    replicates: int = 100,
    seed: int = 0,
    store: Store | None = None,
    dask: str | None = None,
    executor: str = "processes",
    workers: int = 2,
) -> pd.DataFrame:
    """Run every grid point; rows `point, <grid keys>, output, mean, p5, p95, total, last_day` (+ reach answers)."""
    points = grid_points(grid)
    if not points:
        raise MppwatchError(N_("--grid: at least one KEY=V1,V2 is needed"))
    inputs = []
    for point in points:
        try:
            inputs.append(prepare(scenario.with_overrides([f"{k}={v}" for k, v in point.items()]), store))
        except ScenarioError as exc:
            raise ScenarioError(
                exc.file, exc.key, N_("{reason} (grid point {point})"), reason=exc.message, point=point
            ) from None
    seeds = np.random.SeedSequence(seed).spawn(len(points))
    args = (inputs, [replicates] * len(points), seeds, [scenario.name] * len(points))
    if dask:
        results = _dask_map(dask, workers, run_point, *args)
    elif len(points) == 1 or workers <= 1:
        results = [run_point(*a) for a in zip(*args, strict=True)]
    else:
        with _local(executor, workers) as pool:
            results = list(pool.map(run_point, *args))
    frames = []
    for i, (point, res) in enumerate(zip(points, results, strict=True)):
        frame = res["summary"].copy()
        reach = res["answers"].get("cumulative_returns_reach")
        for k, v in reversed(point.items()):
            frame.insert(0, k, v)
        frame.insert(0, "point", i)
        if reach:
            frame["reach_p50"] = reach["p50"]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update({"simulated": True, "scenario": scenario.name, "seed": seed, "replicates": replicates})
    return out
