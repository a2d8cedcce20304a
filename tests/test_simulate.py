"""The simulation model: invariants, hand-computed cases, calibration to 2019 data, scenarios and the CLI."""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.errors import MppwatchError
from mppwatch.simulate import Result, ScenarioError, load_scenario, parse, prepare, run
from mppwatch.simulate.calibrate import beds_on, compare, shelter_capacity
from mppwatch.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def scenario(**changes: Any) -> dict[str, Any]:
    """A small one- or two-city scenario as a TOML-like dict; `changes` are dotted-key overrides."""
    raw: dict[str, Any] = {
        "scenario": {"name": "test", "start": date(2020, 1, 1), "days": 200},
        "arrivals": {"source": "ramp", "ramp": [{"from": date(2020, 1, 1), "per_day": 100}]},
        "split": {"shares": {"A": 0.6, "B": 0.4}},
        "cities": {"A": {"hearings_per_weekday": 80}, "B": {"hearings_per_weekday": 60}},
        "court": {"lead_days": 20, "continuance_days": 15, "hearings_per_case": [0.5, 0.3, 0.2]},
        "attrition": {"daily_hazard": 0.005},
        "shelter": {"need_share": 0.2},
    }
    for key, value in changes.items():
        node = raw
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return raw


def cum(result: Result, output: str) -> np.ndarray:
    return np.cumsum(result.values[output].astype(np.int64), axis=0)


# -- invariants ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("warm", [False, True])
def test_conservation_every_day(warm: bool) -> None:
    changes: dict[str, Any] = {}
    if warm:
        changes["warm_start"] = {"returned": 900, "waiting": {"A": 500, "B": 300}}
    result = run(parse(scenario(**changes)), replicates=30, seed=4)
    warm_waiting = np.array([500, 300]) if warm else np.zeros(2)
    lhs = cum(result, "arrivals") + warm_waiting
    rhs = result.values["waiting"].astype(np.int64) + cum(result, "completed") + cum(result, "left")
    assert (lhs == rhs).all()  # every day, replicate and city
    assert (result.values["waiting"] >= 0).all()
    # decisions: every hearing day, completed = relief + removal; backlog = booked - decided
    decided = cum(result, "completed") + cum(result, "in_absentia")
    assert (result.values["backlog"].astype(np.int64) == lhs - decided).all()
    assert cum(result, "left")[-1].sum() > 0 and cum(result, "completed")[-1].sum() > 0


def test_littles_law_in_steady_state() -> None:
    raw = scenario(
        scenario__days=700,
        split={"shares": {"A": 1.0}},
        cities={"A": {"hearings_per_weekday": 1000}},
        court={"lead_days": 30, "continuance_days": 20, "hearings_per_case": [0.5, 0.3, 0.2], "sitting_days": "all"},
        attrition={"daily_hazard": 0.004},
    )
    result = run(parse(raw), replicates=40, seed=11)
    month_idx, labels = result.inputs.month_index
    steady = month_idx >= 6  # the pipeline fills in under 100 days; use months 7 onwards
    waiting = result.values["waiting"][steady].mean()
    rate = result.values["arrivals"][steady].mean()
    hist = result.waits_hist[6:].sum(axis=(0, 1, 2))  # exits in the steady months, completed + left
    mean_wait = (np.arange(hist.size) * hist).sum() / hist.sum()
    assert waiting == pytest.approx(rate * mean_wait, rel=0.03)  # the bound
    assert waiting == pytest.approx(rate * mean_wait, rel=0.01)  # tighter: an off-by-one day would show
    # and the wait is what the process implies: hazard competes with L + (K-1)G
    assert 30 < mean_wait < 30 + 20 * 0.7 + 1


def test_unlimited_courts_no_attrition_wait_is_lead_time() -> None:
    raw = scenario(
        cities={"A": {"hearings_per_weekday": "unlimited"}, "B": {"hearings_per_weekday": "unlimited"}},
        court={"lead_days": 37, "hearings_per_case": [1.0], "sitting_days": "all"},
        attrition={"daily_hazard": 0.0},
    )
    result = run(parse(raw), replicates=10, seed=2)
    table = result.waits()
    assert set(table["exit"]) == {"completed"}
    assert set(table["wait_days"]) == {37}
    # every arrival of day t is decided on day t + 37, exactly
    arrivals, completed = result.values["arrivals"], result.values["completed"]
    assert (completed[37:] == arrivals[:-37]).all() and (completed[:37] == 0).all()
    assert result.values["left"].sum() == 0


def test_unlimited_courts_continuances_add_the_gap() -> None:
    raw = scenario(
        cities={"A": {"hearings_per_weekday": "unlimited"}, "B": {"hearings_per_weekday": "unlimited"}},
        court={"lead_days": 10, "continuance_days": 7, "hearings_per_case": [0.2, 0.5, 0.3], "sitting_days": "all"},
        attrition={"daily_hazard": 0.0},
    )
    result = run(parse(raw), replicates=20, seed=3)
    table = result.waits().groupby("wait_days")["people"].sum()
    assert set(table.index) == {10, 17, 24}
    # a case with k hearings completes after exactly 10 + 7(k-1) days, if that is inside the 200-day window
    expected = {w: p * (200 - w) for w, p in ((10, 0.2), (17, 0.5), (24, 0.3))}
    total = sum(expected.values())
    for wait, people in table.items():
        assert people / table.sum() == pytest.approx(expected[int(wait)] / total, abs=0.01)


def test_court_capacity_and_sitting_days() -> None:
    result = run(parse(scenario()), replicates=10, seed=5)
    hearings = result.values["hearings"]
    weekend = result.dates.day_of_week >= 5
    assert (hearings[weekend] == 0).all()
    assert hearings[:, :, 0].max() <= 80 and hearings[:, :, 1].max() <= 60
    assert hearings[~weekend][100:, :, 0].min() == 80  # demand above capacity: full dockets


def test_acceptance_cap_limits_returns() -> None:
    raw = scenario(cities={"A": {"hearings_per_weekday": 80, "daily_cap": 50}, "B": {"hearings_per_weekday": 60}})
    result = run(parse(raw), replicates=10, seed=6)
    assert result.values["arrivals"][:, :, 0].max() <= 50
    total = result.values["arrivals"] + result.values["not_returned"]
    assert total[:, :, 0].mean() == pytest.approx(60, rel=0.05)  # 100 a day, 60% to A
    assert result.values["not_returned"][:, :, 0].mean() == pytest.approx(10, rel=0.15)


def test_same_seed_same_result_and_chunking() -> None:
    sc = parse(scenario())
    a, b, c = run(sc, 30, seed=9), run(sc, 30, seed=9), run(sc, 30, seed=10)
    for k in a.values:
        assert np.array_equal(a.values[k], b.values[k], equal_nan=True)
    assert not np.array_equal(a.values["waiting"], c.values["waiting"])
    assert np.array_equal(a.waits_hist, b.waits_hist)


def test_quantiles_frame_matches_daily() -> None:
    result = run(parse(scenario(scenario__days=30)), replicates=12, seed=1)
    tidy = result.frame(outputs=["waiting", "arrivals"]).quantiles()
    daily = result.daily(outputs=["waiting", "arrivals"])
    assert list(tidy.columns) == ["date", "city", "output", "p5", "p50", "p95", "mean"]
    assert np.allclose(tidy[["p5", "p50", "p95", "mean"]].to_numpy(), daily[["p5", "p50", "p95", "mean"]].to_numpy())
    assert tidy.attrs["simulated"] is True


def test_shelter_overflow_against_beds() -> None:
    raw = scenario(
        cities={
            "A": {"hearings_per_weekday": 80, "shelter_beds": [{"from": date(2020, 3, 1), "beds": 50}]},
            "B": {"hearings_per_weekday": 60, "shelter_beds": 10},
        }
    )
    result = run(parse(raw), replicates=10, seed=1)
    over, demand = result.values["shelter_overflow"], result.values["shelter_demand"]
    before = result.dates < "2020-03-01"
    assert np.isnan(over[before, :, 0]).all()  # beds unknown before March
    assert np.allclose(over[~before, :, 0], np.maximum(demand[~before, :, 0] - 50, 0))
    assert np.allclose(over[:, :, 1], np.maximum(demand[:, :, 1] - 10, 0))
    share = demand.sum() / result.values["waiting"].sum()
    assert share == pytest.approx(0.2, abs=0.01)


# -- the article's question -------------------------------------------------------------------------------


def test_article_crossing_date_matches_hand_calculation() -> None:
    # By hand: 10,393 returned by ~7 June; 1,000 a day from 10 June; 60,000 needs ceil(49,607 / 1,000) = 50 days,
    # the 50th being 10 June + 49 days = 29 July 2019.
    days_needed = math.ceil((60000 - 10393) / 1000)
    expected = (date(2019, 6, 10) + timedelta(days=days_needed - 1)).isoformat()
    assert expected == "2019-07-29"
    exact = run(load_scenario(SCENARIOS / "article_june2019.toml", ["arrivals.noise='none'"]), 5, seed=1)
    reach = exact.answers()["cumulative_returns_reach"]
    assert reach["p10"] == reach["p50"] == reach["p90"] == expected
    noisy = run(SCENARIOS / "article_june2019.toml", 50, seed=1).answers()["cumulative_returns_reach"]
    assert noisy["p50"] == expected
    assert noisy["target"] == 60000 and noisy["share_reached"] == 1.0


# -- calibration to 2019 --------------------------------------------------------------------------------


def test_baseline_monthly_returns_within_15_percent_of_ohss(store: Store) -> None:
    result = run(SCENARIOS / "baseline_2019.toml", 20, seed=3, store=store)
    table = compare(result, store)
    months = table[(table["measure"] == "monthly_returns") & table["period"].between("2019-04", "2019-12")]
    assert list(months["period"]) == [f"2019-{m:02d}" for m in range(4, 13)]
    assert (months["rel_error"].abs() < 0.15).all(), months[["period", "sim_mean", "observed", "rel_error"]]
    shares = table[table["measure"] == "city_share"]
    assert {"Tijuana", "Mexicali", "Ciudad Juárez"} <= set(shares["city"])
    assert "OHSS_IELP_2024-08" in result.inputs.sources
    assert "TRAC_2019-08-26_TABLE1" in result.inputs.sources


def test_baseline_fills_the_months_ohss_does_not_publish(store: Store) -> None:
    # OHSS prints Jan-Feb 2019 as "X"; INM counted 157 returned to Tijuana 29 Jan - 28 Feb 2019 (31 days).
    sc = load_scenario(SCENARIOS / "baseline_2019.toml", ["arrivals.noise='none'"])
    result = run(sc, 2, seed=1, store=store)
    cum = result.series("cumulative_returns")
    day = {d: i for i, d in enumerate(result.dates.date.astype(str))}
    assert (cum[day["2019-01-31"]] == round(3 * 157 / 31)).all()  # 3 of the 31 days: 15.2 -> 15
    assert (cum[day["2019-02-28"]] == 157).all()
    # OHSS from March on: 590 + 2,640 + 5,310 + 4,700 + 11,270 + 11,970 + 7,620 + 4,860 + 3,630 + 3,090 = 55,680
    assert (cum[day["2019-12-31"]] == 157 + 55680).all()
    assert "ELSOLDETIJUANA_2019-03_TIJUANA_RETURNS" in result.inputs.sources
    assert any("157 returned 2019-01-29..2019-02-28" in n for n in result.inputs.notes)
    assert not any("no published value" in n for n in result.inputs.notes)
    # a fill may not replace a published month
    with pytest.raises(ScenarioError, match=r"arrivals\.fill\[0\]: .* publishes 2019-03"):
        prepare(sc.with_overrides(["arrivals.fill=[{from=2019-02-01, to=2019-03-05, total=10}]"]), store)
    with pytest.raises(ScenarioError, match=r"arrivals\.fill: fill is for days a series does not publish"):
        parse(scenario(arrivals__fill=[{"from": date(2020, 1, 1), "to": date(2020, 1, 2), "total": 5}]), "x.toml")
    with pytest.raises(ScenarioError, match=r"arrivals\.fill\[0\]\.to: 2019-01-01 is before"):
        sc.with_overrides(["arrivals.fill=[{from=2019-01-29, to=2019-01-01, total=10}]"])


def test_compare_against_inm_cumulative_totals(store: Store) -> None:
    sc = load_scenario(SCENARIOS / "baseline_2019.toml", ["arrivals.noise='none'"])
    table = compare(run(sc, 2, seed=1, store=store), store)
    cum = table[table["measure"] == "cumulative_returns"].set_index("period")
    # INM's exact, day-dated national totals inside 2019-01-29..2019-12-31 (approximate ones are left out)
    assert list(cum.index) == [
        "2019-04-17", "2019-05-01", "2019-05-27", "2019-06-05", "2019-06-08", "2019-06-12",
        "2019-06-24", "2019-06-30", "2019-07-07", "2019-10-31", "2019-12-31",
    ]  # fmt: skip
    year = cum.loc["2019-12-31"]
    assert year["observed"] == 62144 and year["source_id"] == "TVBUS_2020-01-30"
    assert year["sim_mean"] == year["sim_p50"] == 55837  # no noise: 157 + OHSS Mar-Dec 55,680
    assert year["error"] == 55837 - 62144 and year["rel_error"] == pytest.approx(-6307 / 62144)
    # city shares: INM's persons by city; TVBUS's calendar-2019 'ingresos' by city include re-entries: left out
    shares = table[table["measure"] == "city_share"]
    assert sorted(set(shares["period"])) == ["2019-06-05", "2019-06-12", "2019-06-24", "2019-06-30", "2019-07-07"]
    july = shares[shares["source_id"] == "LAJORNADA_2019-07-08_INM"].set_index("city")["observed"]
    assert july.to_dict() == pytest.approx(
        {"Tijuana": 6217 / 18503, "Mexicali": 3637 / 18503, "Ciudad Juárez": 8649 / 18503}
    )
    # the article's projection, warm-started from 10,393 on 8 June with no arrivals that day, against INM
    art = load_scenario(SCENARIOS / "article_june2019.toml", ["arrivals.noise='none'"])
    table = compare(run(art, 2, seed=1, store=store), store)
    cum = table[table["measure"] == "cumulative_returns"].set_index("period")
    assert list(cum.index) == ["2019-06-08", "2019-06-12", "2019-06-24", "2019-06-30", "2019-07-07"]
    assert cum.loc["2019-06-08", "sim_mean"] == 10393 and cum.loc["2019-06-08", "observed"] == 11037
    assert cum.loc["2019-07-07", "sim_mean"] == 10393 + 28 * 1000  # 10 June .. 7 July
    # a run that starts mid-year without saying how many were returned before it is not compared
    late = art.with_overrides(["warm_start.source='none'"])
    table = compare(run(late, 2, seed=1, store=store), store)
    assert "cumulative_returns" not in set(table["measure"])


def test_baseline_needs_its_datasets(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="ohss_swb_bookouts_by_agency_monthly"):
        prepare(load_scenario(SCENARIOS / "baseline_2019.toml"), None)
    with Store.open(tmp_path / "empty.duckdb") as empty, pytest.raises(ScenarioError, match="run `mppwatch load`"):
        prepare(load_scenario(SCENARIOS / "baseline_2019.toml"), empty)


def test_shelter_register_capacity(store: Store) -> None:
    register = shelter_capacity(store)
    assert not register["shelter"].str.lower().str.startswith("planned").any()
    beds, ids, as_of = beds_on(register, "Ciudad Juárez", date(2019, 7, 1))
    assert beds == 900 and ids == ["INFONAVIT_2022-12_JUAREZ_SHELTERS"] and as_of == ["2019-06"]
    assert beds_on(register, "ciudad juarez", date(2019, 8, 15))[0] == 1600
    beds, ids, as_of = beds_on(register, "Tijuana", date(2019, 12, 20))  # 3,000 and 3,200 printed the same day
    assert beds == 3000 and ids == ["ZETA_2019-12-11_CARMENSERDAN"] and as_of == ["2019-12-11"]
    assert math.isnan(beds_on(register, "Tijuana", date(2019, 6, 1))[0])
    assert register.loc[register["city"] == "Mexicali", "as_of"].iloc[0] == "2022-10"  # precision kept


# -- warm start ------------------------------------------------------------------------------------------


def test_warm_start_from_court_records(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    import pandas as pd

    import mppwatch.court as court

    calls: list[Any] = []

    def fake_pending(st: Store, as_of: date, release: str | None = None, mpp_only: bool = True) -> pd.DataFrame:
        calls.append((as_of, release, mpp_only))
        return pd.DataFrame(
            {
                "hearing_location": ["SYP", "ENP", "XXX"],
                "return_city": ["Tijuana", "", "Nowhere"],
                "pending": [700, 300, 5],
            }
        )

    monkeypatch.setattr(court, "pending", fake_pending, raising=False)
    raw = scenario(
        cities={"Tijuana": {"hearings_per_weekday": 80}, "Ciudad Juárez": {"hearings_per_weekday": 60, "court": "ENP"}},
        split={"shares": {"Tijuana": 1, "Ciudad Juárez": 1}},
        warm_start={"source": "court", "waiting": {"Tijuana": 1}},
    )
    inputs = prepare(parse(raw), store)
    assert calls == [(date(2019, 12, 31), None, True)]
    assert list(inputs.warm_waiting) == [700, 300]
    assert any("matched no scenario city" in n for n in inputs.notes)
    result = run(parse(raw), 5, seed=1, store=store)
    day0 = result.values["waiting"][0].astype(int) - result.values["arrivals"][0].astype(int)
    assert (day0.sum(axis=1) == 1000).all()

    def no_release(*args: Any, **kwargs: Any) -> None:
        raise MppwatchError("no court release loaded")

    monkeypatch.setattr(court, "pending", no_release, raising=False)
    fallback = prepare(parse(raw), store)
    assert list(fallback.warm_waiting) == [1, 0]
    assert any("court records not used" in n for n in fallback.notes)


# -- scenarios -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_scenarios_parse(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.days > 0 and sc.cities


def test_scenario_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"court\.lead_dayz: unknown key"):
        parse(scenario(court__lead_dayz=3), "x.toml")
    with pytest.raises(ScenarioError, match=r"attrition\.daily_hazard: .*out of range"):
        parse(scenario(attrition__daily_hazard=2), "x.toml")
    with pytest.raises(ScenarioError, match=r"court\.hearings_per_case: probabilities sum to 0.9"):
        parse(scenario(court__hearings_per_case=[0.5, 0.4]), "x.toml")
    with pytest.raises(ScenarioError, match=r"split\.shares\.C: not a city"):
        parse(scenario(split={"shares": {"A": 1, "C": 1}}), "x.toml")
    with pytest.raises(ScenarioError, match=r"arrivals\.source: 'poisson' is not one of ramp, series"):
        parse(scenario(arrivals__source="poisson"), "x.toml")
    with pytest.raises(ScenarioError, match=r"cities\.A\.hearings_per_weekday: missing"):
        parse(scenario(cities={"A": {}, "B": {"hearings_per_weekday": 3}}), "x.toml")
    with pytest.raises(ScenarioError, match="SYNTHETIC"):
        parse(scenario(scenario__synthetic=True), "x.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="bad.toml: not valid TOML"):
        load_scenario(bad)


def test_overrides() -> None:
    sc = load_scenario(SCENARIOS / "article_june2019.toml", ["court.lead_days=30", "scenario.days=10"])
    assert sc.court.lead_days == 30 and sc.days == 10
    assert sc.with_overrides(['cities."Ciudad Juárez".hearings_per_weekday=5']).cities[2].hearings_per_weekday == 5
    with pytest.raises(ScenarioError, match=r"court\.lead_days: expected a whole number"):
        sc.with_overrides(["court.lead_days=soon"])


# -- CLI -------------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_json_contract_without_a_database(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    args = ["--db", str(db), "simulate", str(SCENARIOS / "article_june2019.toml"), "--replicates", "8"]
    res = runner.invoke(app, [*args, "--seed", "1", "--days", "60", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"scenario", "replicates", "seed", "days", "daily", "summary", "answers"} <= set(out)
    assert out["simulated"] is True and out["days"] == 60 and not db.exists()
    outputs = {r["output"] for r in out["daily"]}
    assert {"arrivals", "cumulative_returns", "waiting", "shelter_demand", "shelter_overflow"} <= outputs
    assert {"hearings", "completed", "left"} <= outputs
    first = out["daily"][0]
    assert set(first) == {"date", "city", "output", "p5", "p50", "p95", "mean"} and first["date"] == "2019-06-08"
    assert out["answers"]["cumulative_returns_reach"]["p50"] == "2019-07-29"


def test_cli_out_dir_and_errors(tmp_path: Path) -> None:
    scen = str(SCENARIOS / "article_june2019.toml")
    res = runner.invoke(app, ["simulate", scen, "--replicates", "3", "--days", "20", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "o").iterdir()} == {"daily.csv", "summary.csv", "waits.csv", "result.json"}
    meta = json.loads((tmp_path / "o" / "result.json").read_text())
    assert meta["simulated"] is True and "CBS_2019-06-08_INM" in meta["sources"]
    with pytest.raises(ScenarioError, match="court.lead_days"):
        runner.invoke(app, ["simulate", scen, "--set", "court.lead_days=-3"], catch_exceptions=False)


def test_cli_compare(bundled_db: Path) -> None:
    scen = str(SCENARIOS / "baseline_2019.toml")
    res = runner.invoke(
        app, ["--db", str(bundled_db), "simulate", scen, "--replicates", "5", "--compare", "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    header = res.stdout.splitlines()[0].split(",")
    assert header[:4] == ["measure", "period", "city", "sim_p5"] and "rel_error" in header


def test_workers_give_the_same_numbers() -> None:
    sc = parse(scenario(scenario__days=15))
    one = run(sc, 260, seed=8)  # two chunks: 250 + 10
    two = run(sc, 260, seed=8, workers=2)
    for k in one.values:
        assert np.array_equal(one.values[k], two.values[k], equal_nan=True)
    assert np.array_equal(one.waits_hist, two.waits_hist)


def test_warm_start_from_a_synthetic_court_release(fresh_db: Path, tmp_path: Path) -> None:
    from mppwatch import court

    court.synth_eoir(tmp_path / "SYNTHETIC_rel", 3000, seed=2)
    with Store.open(fresh_db) as st:
        court.load(st, tmp_path / "SYNTHETIC_rel", "2026-01")
    raw = scenario(
        scenario__start=date(2019, 11, 1),
        scenario__days=20,
        cities={c: {"hearings_per_weekday": 50} for c in ("Tijuana", "Mexicali", "Ciudad Juárez")},
        split={"shares": {"Tijuana": 1, "Mexicali": 1, "Ciudad Juárez": 1}},
        warm_start={"source": "court"},
    )
    with Store.open(fresh_db, read_only=True) as st:
        expected = court.pending(st, date(2019, 10, 31))
        result = run(parse(raw), 3, seed=1, store=st)
    by_city = expected.groupby("return_city")["pending"].sum()
    wanted = [float(by_city.get(c, 0)) for c in result.cities]
    assert sum(wanted) > 0 and list(result.inputs.warm_waiting) == wanted
    assert result.synthetic and "SYNTHETIC" in result.scenario
    assert (result.daily(outputs=["waiting"])["data"] == "SYNTHETIC").all()
    assert any("SYNTHETIC" in n for n in result.inputs.notes)


def test_leave_reasons_split_the_leavers() -> None:
    raw = scenario(attrition={"daily_hazard": 0.01, "reasons": {"home": 2, "crossed": 1, "moved_on": 1}})
    result = run(parse(raw), 20, seed=3)
    parts = sum(result.values[f"left_{k}"].astype(np.int64) for k in ("home", "crossed", "moved_on"))
    assert np.array_equal(parts, result.values["left"].astype(np.int64))
    share = result.values["left_home"].sum() / result.values["left"].sum()
    assert share == pytest.approx(0.5, abs=0.02)
    assert "left_crossed" in set(result.daily()["output"]) and "left_home" in set(result.summary()["output"])
    with pytest.raises(ScenarioError, match=r"attrition\.reasons\.Home: reason names"):
        parse(scenario(attrition={"reasons": {"Home": 1}}), "x.toml")


def test_court_capacity_steps() -> None:
    raw = scenario(
        cities={
            "A": {"hearings_per_weekday": [{"from": date(2020, 3, 2), "per_weekday": 30}]},
            "B": {
                "hearings_per_weekday": [
                    {"from": date(2020, 1, 1), "per_weekday": 10},
                    {"from": date(2020, 4, 1), "per_weekday": 70},
                ]
            },
        }
    )
    result = run(parse(raw), 5, seed=2)
    hearings = result.values["hearings"]
    before_a = result.dates < "2020-03-02"
    assert (hearings[before_a, :, 0] == 0).all() and hearings[~before_a, :, 0].max() == 30
    b_early = result.dates < "2020-04-01"
    assert hearings[b_early, :, 1].max() == 10 and hearings[~b_early, :, 1].max() == 70
    with pytest.raises(ScenarioError, match=r"cities\.A\.hearings_per_weekday: \[0\]"):
        parse(
            scenario(
                cities={
                    "A": {"hearings_per_weekday": [{"from": "soon", "per_weekday": 3}]},
                    "B": {"hearings_per_weekday": 1},
                }
            ),
            "x.toml",
        )


# -- roles, not file names ---------------------------------------------------------------------------------


def test_a_scenario_without_a_dataset_reads_the_bookouts_role(fresh_db: Path, tmp_path: Path) -> None:
    """arrivals.source = 'series' with no dataset: the one loaded dataset playing `bookouts`, whatever its name."""
    from mppwatch.sources.loader import load_file

    raw = scenario(
        scenario__start=date(2019, 6, 1),
        scenario__days=30,
        arrivals={"source": "series", "noise": "none", "where": {"component": "CBP"}},
    )
    sc = parse(raw, "x.toml")
    assert sc.arrivals.dataset is None and sc.needs_store == ["role:bookouts"]
    with Store.open(tmp_path / "empty.duckdb") as empty:
        with pytest.raises(ScenarioError, match=r"arrivals\.dataset: no loaded dataset plays the role 'bookouts'"):
            prepare(sc, empty)
        mine = tmp_path / "my_bookouts.csv"  # a user's own file, its role from its name
        mine.write_text(
            "source_id,month,component,count\nZETA_2019-04_TIJUANA_SHELTERS,2019-06,CBP,3000\n", encoding="utf-8"
        )
        load_file(empty, mine)
        inputs = prepare(sc, empty)
        assert inputs.rate.sum() == pytest.approx(3000)  # 30 days of 3,000 / 30
        assert (
            inputs.sources == ["ZETA_2019-04_TIJUANA_SHELTERS"]
            and "arrivals: my_bookouts (component=CBP)" in inputs.notes[0]
        )
    with Store.open(fresh_db) as store:  # the bundled book-outs too: the data package's table is read, and named
        load_file(store, mine)
        inputs = prepare(sc, store)
        assert inputs.rate.sum() == pytest.approx(30 * 208_640 / 2 / 30)  # CBP June 2019, all outcomes
        assert inputs.notes[0].startswith("arrivals: ohss_swb_bookouts_by_agency_monthly (component=CBP)")
        named = prepare(sc.with_overrides(["arrivals.dataset='my_bookouts'"]), store)
        assert named.rate.sum() == pytest.approx(3000)
    with Store.open(tmp_path / "two.duckdb") as two:  # two files of yours and no data-package table: none guessed
        other = tmp_path / "other_bookouts.csv"
        other.write_text(mine.read_text(encoding="utf-8"), encoding="utf-8")
        load_file(two, mine)
        load_file(two, other)
        with pytest.raises(
            ScenarioError, match=r"my_bookouts, other_bookouts; name the one to use \(arrivals\.dataset"
        ):
            prepare(sc, two)


def test_city_shares_read_the_snapshot_role(fresh_db: Path, tmp_path: Path) -> None:
    """compare's city shares come from every `returns_snapshots` dataset, a user's own included."""
    from mppwatch.simulate.calibrate import _snapshot_datasets
    from mppwatch.sources.loader import load_file

    mine = tmp_path / "my_city_returns.csv"
    mine.write_text(
        "source_id,as_of_date,city,count\nZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,Tijuana,100\n", encoding="utf-8"
    )
    with Store.open(fresh_db) as store:
        load_file(store, mine)
        assert _snapshot_datasets(store) == [
            "inm_mpp_returns_by_crossing_point_2019", "mexico_mpp_returns_city_snapshots", "my_city_returns"
        ]  # fmt: skip
    with Store.open(tmp_path / "empty.duckdb") as empty:
        assert _snapshot_datasets(empty) == []


def test_compare_reads_the_data_packages_bookouts_beside_a_workbook(fresh_db: Path) -> None:
    """A loaded OHSS workbook adds sheets named like book-outs (with component and outcome): the observed series
    stays the data package's table, named by its source id, instead of an error or a guess."""
    from mppwatch.publishers.load import load_workbook

    with Store.open(fresh_db) as store:
        load_workbook(store, sorted((ROOT / "data" / "publisher_files").glob("*.xlsx"))[-1])
        table = compare(run(SCENARIOS / "baseline_2019.toml", 2, seed=1, store=store), store)
    months = table[table["measure"] == "monthly_returns"].set_index("period")
    assert months.loc["2019-08", "observed"] == 11970 and months.loc["2019-08", "source_id"] == "OHSS_IELP_2024-08"


def test_input_notes_read_in_spanish(store: Store) -> None:
    """Every note `prepare` makes for the baseline (series arrivals, a fill, TRAC shares, register beds, warm start)
    is rendered from its template: the English stays as before, the Spanish has no English sentence left."""
    inputs = prepare(load_scenario(SCENARIOS / "baseline_2019.toml"), store)
    notes = inputs.notes
    assert any(n.startswith("arrivals: 157 returned 2019-01-29..2019-02-28") for n in notes)
    spanish = notes.in_lang("es")
    assert len(spanish) == len(notes) and all(es != en for es, en in zip(spanish, notes, strict=True))
    assert any(s.startswith("llegadas: 157 devueltas del 2019-01-29 al 2019-02-28") for s in spanish)
    juarez = "camas de albergue en Ciudad Juárez: 600 al 2018-11 (INFONAVIT_2022-12_JUAREZ_SHELTERS); 900 al 2019-06"
    assert any(s.startswith(juarez) for s in spanish), spanish
    english_words = r"\b(arrivals|returned|spread|shelter beds|as of|warm start|waiting|monthly shares|months)\b"
    assert not [s for s in spanish if re.search(english_words, s)], spanish
    ramp = prepare(parse(scenario(), "x.toml"))
    assert ramp.notes == ["arrivals: ramp 100/day from 2020-01-01"]
    assert ramp.notes.in_lang("es") == ["llegadas: rampa 100/día desde 2020-01-01"]


def test_capacity_from_reports_cites_each_source_once_and_counts_steps(tmp_path: Path) -> None:
    """`simulate --capacity-from reports`: a register step cites several ids ("A B"), which were one item of the
    sources (so A and B showed twice), and Mexicali's single figure read "1 steps"."""
    from mppwatch.shelters.feeds import with_register_capacity
    from mppwatch.shelters.seed import seed
    from mppwatch.simulate.calibrate import prepare

    with Store.open(tmp_path / "s.duckdb") as store:
        seed(store)
        scen = load_scenario(ROOT / "scenarios" / "shelter_stress_2019.toml", ["scenario.days=40"])
        fed, notes = with_register_capacity(scen, store)
        sources = prepare(fed, store).sources
    assert all(" " not in s for s in sources) and len(sources) == len(set(sources))
    assert "ELDIARIODECHIHUAHUA_2019-07-23_JUAREZ" in sources and "ZETA_2019-12-11_CARMENSERDAN" in sources
    mexicali = next(n for n in notes if n.startswith("Mexicali"))
    assert (
        mexicali == "Mexicali: shelter beds from the register from 2022-10-01 (1,102); the scenario's own before that"
    )
    assert (
        notes.in_lang("es")[1]
        == "Mexicali: camas de albergue del registro desde 2022-10-01 (1102); antes, las del escenario"
    )
    assert "steps" not in " ".join(notes.in_lang("es"))


@pytest.mark.parametrize(
    "override",
    [
        "scenario.days=-3",  # out of range
        "scenario.days=abc",  # not a whole number
        "scenario.start=2019-02-30",  # not a date
        "scenario.nonsense=1",  # unknown key
        "scenario.days.x=1",  # a value, not a table
    ],
)
def test_scenario_errors_read_in_spanish(override: str) -> None:
    """ScenarioError messages were English only (f-strings); now templates with a Spanish form."""
    from test_query import _english_left  # the same check the query errors pass

    with pytest.raises(ScenarioError) as info:
        load_scenario(ROOT / "scenarios" / "baseline_2019.toml", [override])
    error = info.value
    english, spanish = str(error), error.render("es")
    assert spanish != english and spanish.startswith(str(ROOT / "scenarios" / "baseline_2019.toml"))
    assert not _english_left(error.message, spanish), spanish
    assert not re.search(r"\b(expected|got|out of range|unknown key|is a value)\b", spanish), spanish


def test_a_missing_scenario_file_reads_in_spanish(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "none.toml")
    assert info.value.render("es") == f"{tmp_path / 'none.toml'}: no existe ese archivo de escenario"
    assert str(info.value) == f"{tmp_path / 'none.toml'}: no such scenario file"
