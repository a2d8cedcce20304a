"""Forecast library on hand-made series: models, metrics, cleaning, no look-ahead, calibration, reach arithmetic."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from test_query import _english_left  # the one check of English left in Spanish text

from mppwatch.errors import MppwatchError
from mppwatch.forecast import ForecastError, backtest_history, clean, forecast_history
from mppwatch.forecast.backtest import mase_scale, origin_schedule, smape
from mppwatch.forecast.data import History
from mppwatch.forecast.engine import Engine
from mppwatch.forecast.models import Transform, drift, naive, snaive, transform_for
from mppwatch.forecast.plots import forecast_figure, write_figure
from mppwatch.forecast.reach import first_passing, month_quantile


def months(n: int, start: str = "2015-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def test_naive_family_by_hand() -> None:
    z = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0])
    assert naive(z, 3).path.tolist() == [14.0, 14.0, 14.0]
    # same month last year: z[-12:] = 4,3,5,...
    assert snaive(z, 3).path.tolist() == [4.0, 3.0, 5.0]
    # drift: last value + mean change (14-1)/13 = 1 per month
    assert np.allclose(drift(z, 3).path, [15.0, 16.0, 17.0])
    # under a year of history the seasonal-naive falls back to naive and says so
    short = snaive(z[:6], 2)
    assert short.path.tolist() == [6.0, 6.0] and "naive" in short.spec


def test_metrics_by_hand() -> None:
    y = np.array([10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 150])
    # seasonal differences at lag 12: 120 and 130 -> mean 125
    assert mase_scale(y) == pytest.approx(125.0)
    # under two seasons: lag 1 mean abs diff of [1, 3, 2] is 2
    assert mase_scale(np.array([1.0, 2.0, 5.0, 3.0])) == pytest.approx(2.0)
    assert smape(np.array([100.0, 0.0, 50.0]), np.array([100.0, 0.0, 150.0])).tolist() == [0.0, 0.0, 100.0]


def test_log_transform_round_trip_and_negatives() -> None:
    tf = transform_for(np.array([0.0, 5.0, 120.0]))
    assert tf.log and tf.inv(tf.fwd(np.array([0.0, 5.0, 269740.0]))).tolist() == [0.0, 5.0, 269740.0]
    assert not transform_for(np.array([-3.0, 4.0])).log


def test_clean_trims_fills_and_cuts() -> None:
    ds = months(12)
    y = np.array([np.nan, 100, np.nan, 400, 10, 10, np.nan, np.nan, np.nan, 7, 8, np.nan])
    h = clean("x", ds, y)
    # trailing NaN dropped; the 3-month gap is long, so only months from 2015-10 on are used
    assert h.ds[0] == pd.Timestamp("2015-10-01") and h.y.tolist() == [7.0, 8.0]
    assert any("gap" in n for n in h.notes) and any("ends" in n for n in h.notes)
    h2 = clean("x", ds[:5], y[:5])
    # one-month gap filled log-linearly: expm1((log1p(100)+log1p(400))/2) = sqrt(101*401) - 1
    assert h2.y[1] == pytest.approx(np.sqrt(101 * 401) - 1)
    assert h2.ds[0] == pd.Timestamp("2015-02-01")
    with pytest.raises(ForecastError):
        clean("x", ds[:3], np.array([np.nan, np.nan, np.nan]))


def test_origin_schedule() -> None:
    assert origin_schedule(30, 5, 6, step=1) == [20, 21, 22, 23, 24]
    spread = origin_schedule(131, 24, 6)
    assert len(spread) == 24 and spread[-1] == 125 and np.all(np.diff(spread) == np.diff(spread)[0])
    assert origin_schedule(8, 24, 6) == []


def _seasonal_series(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    season = 0.3 * np.sin(2 * np.pi * np.arange(n) / 12)
    level = 7 + np.cumsum(rng.normal(0, 0.08, n))
    return np.round(np.exp(level + season + rng.normal(0, 0.05, n)))


def test_no_look_ahead() -> None:
    """A forecast from origin o does not change when the months after o are changed."""
    y = _seasonal_series(34)
    o = 26
    y2 = y.copy()
    y2[o:] *= 3.0
    tf = Transform(log=True)
    preds = []
    for series in (y, y2):
        eng = Engine(tf.fwd(series), tf, hmax=6, k_in=12, h_cal=6)
        preds.append(eng.predict("auto", o, 6))
    assert preds[0].chosen == preds[1].chosen
    assert np.allclose(preds[0].path, preds[1].path) and np.allclose(preds[0].sigma, preds[1].sigma)


def test_intervals_nested_and_nonnegative_with_zeros() -> None:
    y = np.concatenate([_seasonal_series(26, seed=3), np.zeros(8)])
    hist = History("zeros", months(len(y)), y)
    frame, _, _ = forecast_history(hist, 6, ("auto", "ets", "sarima", "ensemble"), k_in=12)
    assert (frame[["y_hat", "lo-80", "lo-95"]].to_numpy() >= 0).all()
    assert (frame["lo-95"] <= frame["lo-80"]).all() and (frame["lo-80"] <= frame["y_hat"] + 1e-9).all()
    assert (frame["y_hat"] <= frame["hi-80"] + 1e-9).all() and (frame["hi-80"] <= frame["hi-95"]).all()
    assert frame["ds"].iloc[0] == pd.Timestamp("2017-11-01")


def test_calibrated_coverage_on_a_known_process() -> None:
    """On a random walk in logs (sd 0.1), naive intervals calibrated on past errors cover about as promised."""
    rng = np.random.default_rng(7)
    y = np.exp(8 + np.cumsum(rng.normal(0, 0.1, 240)))
    hist = History("rw", months(240, "2000-01-01"), y)
    res = backtest_history(hist, origins=60, horizon=3, models=("naive", "snaive"), k_in=36, step=3)
    row = res.summary.set_index("model").loc["naive"]
    assert 0.72 <= row["coverage_80"] <= 0.88
    assert 0.88 <= row["coverage_95"] <= 0.99
    # the naive forecast is the right model for a random walk: it beats seasonal-naive clearly
    assert row["mase_vs_snaive"] < 0.9


def test_short_series() -> None:
    hist = History("short", months(4), np.array([590.0, 2640.0, 5310.0, 4700.0]))
    frame, _, notes = forecast_history(hist, 3)
    assert frame["method"].iloc[0] == "naive" and frame["y_hat"].tolist() == [4700.0] * 3
    assert any("too short" in n for n in notes)
    with pytest.raises(ForecastError, match="too short"):
        backtest_history(History("tiny", months(5), np.ones(5)), origins=3, horizon=3)


def test_reach_arithmetic() -> None:
    cum = np.array([[1.0, 5.0, 9.0], [1.0, 2.0, 3.0], [6.0, 7.0, 8.0]])
    hit = first_passing(cum, 5.0)
    assert hit.tolist() == [1, -1, 0]
    ms = months(3, "2019-07-01")
    assert month_quantile(ms, hit, 0.3) == "2019-07"
    assert month_quantile(ms, hit, 0.6) == "2019-08"
    assert month_quantile(ms, hit, 0.9) == "after 2019-09"


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="PNG export needs Chromium")
def test_png_and_html_figures(tmp_path: Path) -> None:
    hist = pd.DataFrame({"unique_id": "s", "ds": months(30), "y": _seasonal_series(30)})
    frame, errors, _ = forecast_history(History("s", months(30), hist["y"].to_numpy()), 3, ("naive",), k_in=12)
    fig = forecast_figure(hist, frame, errors, "SYNTHETIC test")
    assert isinstance(fig, go.Figure) and len(fig.data) == 5  # history, 95% band, 80% band, forecast, errors
    png = write_figure(fig, tmp_path / "f.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    write_figure(fig, tmp_path / "sub" / "f.html")
    assert (tmp_path / "sub" / "plotly.min.js").stat().st_size > 1_000_000
    assert write_figure(fig, tmp_path / "f.svg").read_bytes().lstrip().startswith(b"<svg")  # SVG too (issue 15)
    with pytest.raises(MppwatchError, match=r"\.html, \.png or \.svg"):
        write_figure(fig, tmp_path / "f.pdf")


def test_forecast_notes_in_spanish() -> None:
    """Every note the cleaning, the engine and forecast/backtest/reach make has a Spanish form from its template."""
    ds = months(12)
    y = np.array([np.nan, 100, np.nan, 400, 10, 10, np.nan, np.nan, np.nan, 7, 8, np.nan])
    notes = clean("x", ds, y).notes
    assert notes == [
        "starts 2015-02 (nothing published before)",
        "ends 2015-11 (nothing published after)",
        "gap 2015-07..2015-09 unpublished: using 2015-10 onwards only",
    ]
    assert notes.in_lang("es") == [
        "empieza en 2015-02 (no hay nada publicado antes)",
        "termina en 2015-11 (no hay nada publicado después)",
        "hueco 2015-07..2015-09 sin publicar: solo se usa desde 2015-10",
    ]
    hist = History("short", months(4), np.array([590.0, 2640.0, 5310.0, 4700.0]))
    _, _, notes = forecast_history(hist, 3)
    assert notes == [
        "short auto: too short to choose by backtest (under 6 past origins): naive; "
        "intervals from the model's own spread (too short to backtest)"
    ]
    (spanish,) = notes.in_lang("es")
    assert spanish == (
        "short auto: demasiado corta para elegir por evaluación retrospectiva (menos de 6 orígenes pasados): naive; "
        "intervalos a partir de la dispersión del propio modelo (demasiado corta para evaluarla retrospectivamente)"
    )
    assert not _english_left(notes.message(notes[0]), spanish)
    bt = backtest_history(History("b", months(30), np.arange(30.0) + 10), origins=40, horizon=3, models=("naive",))
    assert (
        bt.notes_in("es")[0].startswith("b: solo caben ")
        and "orígenes en 30 meses (se pidieron 40)" in bt.notes_in("es")[0]
    )
    assert bt.notes[0].startswith("b: only ")


def test_reach_actual_note_reads_in_spanish(bundled_db: Path) -> None:
    """reach's actual_note column was English in a Spanish table; JSON/CSV keep the English sentence."""
    from typer.testing import CliRunner

    from mppwatch.cli import app

    args = ["--db", str(bundled_db), "reach", "ohss_swb_bookouts_by_agency_monthly", "-w", "component=CBP",
            "-w", "outcome=Migrant Protection Protocols", "--as-of", "2019-06", "--target", "60000"]  # fmt: skip
    spanish = CliRunner().invoke(app, ["--lang", "es", *args])
    assert spanish.exit_code == 0, spanish.output
    text = " ".join(spanish.stdout.replace("│", " ").split())
    assert "nota_observada" in text and "fecha_de_corte" in text
    assert "el total publicado llegó a" in text and "61 490 en 2020-03" in text and "published total" not in text
    assert "después de 2024-06" in text and "after" not in text  # p90 beyond the horizon
    csv = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert "published total reached 61,490 in 2020-03" in csv.stdout


def test_forecast_method_reads_in_spanish(bundled_db: Path) -> None:
    """The method column said 'snaive: naive (under a year of history)' in a Spanish table."""
    from typer.testing import CliRunner

    from mppwatch.cli import app

    args = ["--db", str(bundled_db), "forecast", "ohss_swb_bookouts_by_agency_monthly", "-w", "component=CBP",
            "-w", "outcome=Migrant Protection Protocols"]  # fmt: skip
    spanish = CliRunner().invoke(app, ["--lang", "es", *args])
    assert spanish.exit_code == 0, spanish.output
    assert "snaive: ingenuo (menos de un año de historia)" in spanish.stdout and "under a year" not in spanish.stdout
    csv = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert "snaive: naive (under a year of history)" in csv.stdout
