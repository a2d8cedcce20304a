"""Sweeps: the same seeds give the same numbers on threads, processes and a Dask LocalCluster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.errors import MppwatchError
from mppwatch.simulate import parse, run
from mppwatch.simulate.sweep import grid_points, parse_grid, sweep

SCENARIO = {
    "scenario": {"name": "sweep-test", "start": date(2020, 1, 1), "days": 60},
    "arrivals": {"source": "ramp", "ramp": [{"from": date(2020, 1, 1), "per_day": 50}]},
    "cities": {"A": {"hearings_per_weekday": 40}},
    "court": {"lead_days": 10, "continuance_days": 10, "hearings_per_case": [0.6, 0.4]},
    "attrition": {"daily_hazard": 0.01},
    "questions": {"cumulative_returns_reach": 2000},
}
GRID = parse_grid(["attrition.daily_hazard=0.0,0.02", "court.lead_days=5,15"])


def test_grid_parsing() -> None:
    assert GRID == [("attrition.daily_hazard", ["0.0", "0.02"]), ("court.lead_days", ["5", "15"])]
    assert grid_points(GRID)[1] == {"attrition.daily_hazard": "0.0", "court.lead_days": "15"}
    with pytest.raises(MppwatchError, match="KEY=V1,V2"):
        parse_grid(["nonsense"])


def test_executors_agree() -> None:
    sc = parse(SCENARIO)
    serial = sweep(sc, GRID, replicates=20, seed=5, workers=1)
    threads = sweep(sc, GRID, replicates=20, seed=5, executor="threads", workers=2)
    dask = sweep(sc, GRID, replicates=20, seed=5, dask="local", workers=2)
    pd.testing.assert_frame_equal(serial, threads)
    pd.testing.assert_frame_equal(serial, dask)
    assert serial["point"].nunique() == 4
    left = serial[serial["output"] == "left"].set_index("point")["total"]
    assert left[0] == 0 and left[1] == 0 and left[2] > 0  # hazard 0 makes nobody leave
    assert serial["reach_p50"].notna().all()
    # a grid point is a plain run with the point's child seed
    import numpy as np

    child = np.random.SeedSequence(5).spawn(4)[3]
    alone = run(sc.with_overrides(["attrition.daily_hazard=0.02", "court.lead_days=15"]), 20, child).summary()
    mine = serial[serial["point"] == 3].set_index("output")["mean"]
    assert np.allclose(alone[alone["city"] == "all"].set_index("output")["mean"].dropna(), mine.dropna())


def test_processes_agree_and_cli(tmp_path: Path) -> None:
    sc = parse(SCENARIO)
    grid = parse_grid(["court.lead_days=5,15"])
    serial = sweep(sc, grid, replicates=10, seed=1, workers=1)
    procs = sweep(sc, grid, replicates=10, seed=1, executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial, procs)
    scen = Path(__file__).resolve().parents[1] / "scenarios" / "article_june2019.toml"
    res = CliRunner().invoke(
        app,
        ["sweep", str(scen), "--grid", "attrition.daily_hazard=0.001,0.01", "--replicates", "5", "--set",
         "scenario.days=30", "--dask", "local", "--format", "csv"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("point,attrition.daily_hazard,output,mean")
