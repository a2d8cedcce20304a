"""The register feeds the simulation: `simulate --capacity-from reports` takes each city's beds from it."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.shelters import register
from mppwatch.shelters.feeds import capacity_steps, with_register_capacity
from mppwatch.shelters.seed import seed
from mppwatch.simulate import load_scenario
from mppwatch.simulate.calibrate import prepare
from mppwatch.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "shelter_stress_2019.toml"


def test_register_beds_replace_the_scenarios(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    with Store.open(db) as store:
        seed(store)
        steps = [(s.start, s.beds) for s in capacity_steps(store, "Ciudad Juárez")]
        # city-wide 600 then 900; the federal centre counts from its opening on 1 Aug 2019 (3,000 + Fierro's 60)
        assert steps[:3] == [(date(2018, 11, 1), 600), (date(2019, 6, 1), 900), (date(2019, 8, 1), 3060)]
        scen = load_scenario(SCENARIO, ["scenario.days=90"])
        fed, notes = with_register_capacity(scen, store)
        inputs = prepare(fed, store)
        j = fed.city_names.index("Ciudad Juárez")
        day = [d.date() for d in pd.to_datetime(inputs.dates)]
        assert inputs.beds[day.index(date(2019, 7, 31)), j] == 900
        assert inputs.beds[day.index(date(2019, 8, 1)), j] == 3060
        assert any(n.startswith("Nuevo Laredo: no beds in the register") for n in notes)
        k = fed.city_names.index("Nuevo Laredo")  # no register beds: the scenario's own stay
        np.testing.assert_array_equal(inputs.beds[:, k], prepare(scen, store).beds[:, k])
        # a new shelter and its report raise Tijuana's beds from the day it reports
        new = register.create_shelter(
            store, {"name": "Casa Nueva", "city": "Tijuana", "kind": "shelter", "capacity": 150, "status": "open"}, None
        )
        register.add_report(store, new.id, {"date": "2021-12-08", "occupied": 90}, None)
        last = capacity_steps(store, "Tijuana")[-1]
        assert (last.start, last.beds) == (date(2021, 12, 8), 3130 + 150)
        assert not math.isnan(last.beds)


def test_simulate_capacity_from_reports_command(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    with Store.open(db) as store:
        seed(store)
    r = CliRunner().invoke(
        app,
        ["--db", str(db), "simulate", str(SCENARIO), "--replicates", "2", "--days", "40", "--capacity-from", "reports",
         "--format", "csv"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Ciudad Juárez: shelter beds from the register from 2018-11-01" in r.stderr
    bad = CliRunner().invoke(app, ["--db", str(db), "simulate", str(SCENARIO), "--capacity-from", "rumours"])
    assert bad.exit_code != 0
