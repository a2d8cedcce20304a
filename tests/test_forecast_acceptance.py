"""Acceptance: the OHSS southwest-border backtest, the seed's 60,000 projection, and the CLI on an unseen file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mppwatch.forecast import BacktestResult, Selection, backtest, forecast, reach
from mppwatch.store import Store

ENCOUNTERS = Selection(
    "ohss_swb_encounters_by_sector_field_office_monthly",
    {"component": ["CBP"], "location": ["Total"]},
    row_type="published_total",
)
MPP = Selection(
    "ohss_swb_bookouts_by_agency_monthly", {"component": ["CBP"], "outcome": ["Migrant Protection Protocols"]}
)
MW = [str(Path(sys.executable).parent / "mppwatch")]


@pytest.fixture(scope="module")
def swb(bundled_db: Path) -> BacktestResult:
    """The issue's backtest, run once: 24 origins, 6 months ahead, FY2014-FY2024."""
    with Store.open(bundled_db, read_only=True) as store:
        return backtest(store, ENCOUNTERS, origins=24, horizon=6)


def test_swb_backtest_auto_beats_seasonal_naive(swb: BacktestResult) -> None:
    s = swb.summary.set_index("model")
    assert list(swb.summary.columns[:7]) == [
        "model",
        "mase",
        "smape",
        "coverage_80",
        "coverage_95",
        "origins",
        "horizon",
    ]
    assert set(s.index) == {"auto", "snaive", "naive", "drift", "ets", "sarima", "ensemble"}
    assert (s["origins"] == 24).all() and (s["horizon"] == 6).all()
    assert s.loc["auto", "mase"] <= 0.9 * s.loc["snaive", "mase"]
    assert 0.70 <= s.loc["auto", "coverage_80"] <= 0.90
    assert s.loc["auto", "coverage_95"] >= s.loc["auto", "coverage_80"]
    assert s.loc["snaive", "mase_vs_snaive"] == pytest.approx(1.0)


def test_swb_backtest_scores_recompute(swb: BacktestResult) -> None:
    """The summary is what the error rows say: MASE per origin averaged, coverage as a share of outcomes."""
    e = swb.errors[swb.errors["model"] == "auto"]
    assert len(e) == 24 * 6 and e["origin"].nunique() == 24
    assert (e["ds"] > e["origin"]).all()  # every scored month lies after its origin
    mase = ((e["y"] - e["y_hat"]).abs() / e["scale"]).groupby(e["origin"]).mean().mean()
    cov = ((e["y"] >= e["lo-80"]) & (e["y"] <= e["hi-80"])).mean()
    row = swb.summary.set_index("model").loc["auto"]
    assert row["mase"] == pytest.approx(mase) and row["coverage_80"] == pytest.approx(cov)
    # the published total for Sep 2023 is in the error rows as published
    assert e.loc[e["ds"] == pd.Timestamp("2023-09-01"), "y"].iloc[0] == 269740


def test_seed_projection_60000(bundled_db: Path) -> None:
    with Store.open(bundled_db, read_only=True) as store:
        sel = Selection(MPP.dataset, MPP.where, end="2019-06")
        res = reach(store, sel, 60000, seed=1)
        res36 = reach(store, sel, 36000, seed=1)
    row = res.summary.iloc[0]
    # published CBP MPP book-outs Mar-Jun 2019: 590 + 2,640 + 5,310 + 4,700
    assert row["start_total"] == 13240 and row["as_of"] == "2019-06"
    assert row["p10"] <= row["p50"] <= row["p90"] and row["p10"] >= "2019-07"
    # what happened: 61,490 reached in March 2020 (Jul 11,270, Aug 11,970, ... Mar 2,100)
    assert row["actual"] == "2020-03" and "61,490" in row["actual_note"]
    # the book-outs passed 36,000 only at the end of August 2019 (36,480)
    assert res36.summary.iloc[0]["actual"] == "2019-08"
    probs = res.distribution["probability"]
    assert probs.sum() == pytest.approx(row["prob_within_horizon"])
    assert any("too short" in n for n in res.notes)  # four months: the fallback is said out loud


def test_reach_as_of_a_year_reads_it_as_series_does(bundled_db: Path) -> None:
    """`--as-of 2019` ends in December 2019 (as `series --to 2019`): the start total is Mar-Dec 2019's book-outs,
    590 + 2,640 + 5,310 + 4,700 + 11,270 + 11,970 + 7,620 + 4,860 + 3,630 + 3,090 = 55,680, and the as-of month
    is 2019-12 (it was read as 2019-01, a month before the first figure it had summed)."""
    with Store.open(bundled_db, read_only=True) as store:
        row = reach(store, Selection(MPP.dataset, MPP.where, end="2019"), 60000, seed=1).summary.iloc[0]
    assert row["start_total"] == 55680 and row["as_of"] == "2019-12"
    assert row["actual"] == "2020-03"  # 55,680 + Jan-Mar 2020 (1,960 + 1,750 + 2,100) = 61,490


def test_reach_cli_prints_distribution_next_to_actual(bundled_db: Path) -> None:
    out = subprocess.run(
        [*MW, "--db", str(bundled_db), "reach", MPP.dataset, "--where", "component=CBP"]
        + ["--where", "outcome=Migrant Protection Protocols", "--as-of", "2019-06", "--target", "60000"]
        + ["--start-total", "16714", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    row = json.loads(out.stdout)[0]
    assert {"p10", "p50", "p90", "actual", "actual_note"} <= row.keys()
    assert row["start_total"] == 16714
    # from INM's 16,714 at 30 June, the book-outs add up past 60,000 in January 2020 (16,714 + 44,400)
    assert row["actual"] == "2020-01"
    assert "starting from 16,714" in out.stderr


def _synthetic_file(path: Path) -> None:
    rng = np.random.default_rng(11)
    ds = pd.date_range("2016-01-01", periods=60, freq="MS")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source_id", "month", "region", "count"])
        for region, base in (("North", 500.0), ("South", 80.0)):
            level = np.log(base) + np.cumsum(rng.normal(0, 0.05, len(ds)))
            season = 0.25 * np.cos(2 * np.pi * ds.month / 12)
            for d, v in zip(ds, np.exp(level + season), strict=True):
                w.writerow(["SYNTHETIC_FORECAST_TEST", f"{d:%Y-%m}", region, int(round(v))])


def test_cli_on_an_unseen_file(tmp_path: Path) -> None:
    """`mppwatch load FILE` then forecast / backtest / reach with --by, as a user would on new data."""
    src = tmp_path / "SYNTHETIC_regions.csv"
    _synthetic_file(src)
    db = tmp_path / "u.duckdb"
    subprocess.run([*MW, "--db", str(db), "load", str(src)], check=True, capture_output=True)
    common = ["SYNTHETIC_regions", "--by", "region", "--format", "csv"]
    fc = subprocess.run(
        [*MW, "--db", str(db), "forecast", *common, "--horizon", "4", "--model", "ensemble", "--as-of", "2019-12"]
        + ["--plot", str(tmp_path / "fc.html")],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.DictReader(fc.stdout.splitlines()))
    assert list(rows[0])[:9] == ["unique_id", "ds", "model", "method", "y_hat", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert {r["unique_id"] for r in rows} == {"North", "South"} and len(rows) == 8
    assert rows[0]["ds"].startswith("2020-01")  # as-of 2019-12: the forecast starts the month after
    html = (tmp_path / "fc.html").read_text()
    assert 'src="plotly.min.js"' in html and len(html) < 500_000 and (tmp_path / "plotly.min.js").exists()
    bt = subprocess.run(
        [*MW, "--db", str(db), "backtest", *common, "--origins", "6", "--horizon", "3", "--models", "snaive,naive"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.DictReader(bt.stdout.splitlines()))
    assert list(rows[0])[:7] == ["model", "mase", "smape", "coverage_80", "coverage_95", "origins", "horizon"]
    assert {(r["unique_id"], r["model"]) for r in rows} == {
        (u, m) for u in ("North", "South") for m in ("snaive", "naive")
    }
    bad = subprocess.run(
        [*MW, "--db", str(db), "forecast", "SYNTHETIC_regions", "--model", "magic"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "unknown model" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_forecast_as_of_uses_no_later_data(bundled_db: Path) -> None:
    with Store.open(bundled_db, read_only=True) as store:
        res = forecast(
            store,
            Selection(ENCOUNTERS.dataset, ENCOUNTERS.where, row_type="published_total", end="2019-06"),
            3,
            "snaive",
        )
    assert res.history["ds"].max() == pd.Timestamp("2019-06-01")
    # seasonal-naive from June 2019: July-September 2018 as published
    f = res.frame
    assert f["ds"].iloc[0] == pd.Timestamp("2019-07-01") and f["model"].iloc[0] == "snaive"
    assert f["y_hat"].tolist() == res.history.set_index("ds").loc["2018-07-01":"2018-09-01", "y"].tolist()


def test_since_cuts_at_a_policy_break(bundled_db: Path) -> None:
    """`--since` (Selection.start) drops the months before a break: drift is then the change since the cut."""
    with Store.open(bundled_db, read_only=True) as store:
        cut = forecast(store, Selection(MPP.dataset, MPP.where, start="2020-04", end="2021-01"), 2, "drift")
        whole = forecast(store, Selection(MPP.dataset, MPP.where, end="2021-01"), 2, "drift")
    assert cut.history["ds"].min() == pd.Timestamp("2020-04-01")
    # on the log1p scale: last value plus the mean monthly change, from 170 (Apr 2020) to 540 (Jan 2021), 9 steps
    step = (np.log1p(540) - np.log1p(170)) / 9
    assert cut.frame["y_hat"].tolist() == pytest.approx([np.expm1(np.log1p(540) + k * step) for k in (1, 2)])
    # without the cut the drift runs from 590 (Mar 2019, the first published month): a slight fall instead
    step_all = (np.log1p(540) - np.log1p(590)) / 22
    assert whole.frame["y_hat"].tolist() == pytest.approx([np.expm1(np.log1p(540) + k * step_all) for k in (1, 2)])


def test_reach_cli_notes_in_spanish(bundled_db: Path) -> None:
    """Under --lang es the notes on stderr are Spanish sentences made from their templates."""
    out = subprocess.run(
        [*MW, "--db", str(bundled_db), "--lang", "es", "reach", MPP.dataset, "--where", "component=CBP"]
        + ["--where", "outcome=Migrant Protection Protocols", "--as-of", "2019-06", "--target", "60000"]
        + ["--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    notes = [line for line in out.stderr.splitlines() if line.startswith("nota: ")]  # the prefix in Spanish too
    assert notes[0] == "nota: ohss_swb_bookouts_by_agency_monthly: empieza en 2019-03 (no hay nada publicado antes)"
    assert "note: " not in out.stderr
    assert "demasiado corta para elegir por evaluación retrospectiva (menos de 6 orígenes pasados)" in notes[1]
    assert not any("too short" in n or "nothing published" in n for n in notes)
