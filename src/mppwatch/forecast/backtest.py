"""Rolling-origin backtests: MASE, sMAPE and 80%/95% interval coverage per model, each against seasonal-naive.

Origins are the last `origins` training lengths that leave `horizon` months to score. At every origin each model,
its intervals and the `auto` choice use only the months before that origin (see `engine`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mppwatch.core.text import N_, Notes
from mppwatch.forecast.data import UNKNOWN_MODEL, ForecastError, History, Selection, histories, tidy
from mppwatch.forecast.engine import Engine
from mppwatch.forecast.models import CHOICES, SEASON, Z80, Z95, transform_for
from mppwatch.store import Store

MIN_ORIGIN = 4
SUMMARY_COLUMNS = [
    "model",
    "mase",
    "smape",
    "coverage_80",
    "coverage_95",
    "origins",
    "horizon",
    "mase_vs_snaive",
    "smape_vs_snaive",
    "method",
]


@dataclass
class BacktestResult:
    """`summary`: one row per model (and series); `errors`: every scored forecast; `notes`: what was decided."""

    summary: pd.DataFrame
    errors: pd.DataFrame
    notes: Notes = field(default_factory=Notes)

    def notes_in(self, lang: str) -> list[str]:
        """The notes in `lang` ('en' or 'es'), each rendered from its template."""
        return self.notes.in_lang(lang)


def mase_scale(y: np.ndarray, m: int = SEASON) -> float:
    """In-sample mean absolute seasonal-naive error (lag 1 when under two seasons or when that is zero)."""
    for lag in (m, 1):
        if len(y) > lag:
            scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
            if scale > 0:
                return scale
    return float("nan")


def smape(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Symmetric APE in percent (0..200); 0 where both are 0."""
    den = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den == 0, 0.0, 200.0 * np.abs(y - f) / den)


def origin_schedule(n: int, origins: int, horizon: int, step: int | None = None) -> list[int]:
    """Training lengths to forecast from: the last ends `horizon` months before the end of the series.

    With `step=None` the origins are spread evenly back to the end of the third year (step = the whole months
    that fit), so the backtest samples the series' regimes rather than only its last `origins + horizon`
    months; `step=1` gives consecutive origins. Never earlier than `MIN_ORIGIN` months.
    """
    last = n - horizon
    if last < MIN_ORIGIN:
        return []
    if step is None:
        room = last - max(MIN_ORIGIN, 3 * SEASON)
        step = max(1, room // max(1, origins - 1)) if room > 0 else 1
    span = [last - step * k for k in range(origins) if last - step * k >= MIN_ORIGIN]
    return span[::-1]


def backtest_history(
    hist: History,
    origins: int = 24,
    horizon: int = 6,
    models: Sequence[str] = CHOICES,
    k_in: int = 24,
    step: int | None = None,
    refit: int = 6,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest one history from rolling origins; fewer origins when the series is short (noted)."""
    if horizon < 1 or origins < 1:
        raise ForecastError(N_("--origins and --horizon must be at least 1"))
    for mdl in models:
        if mdl not in CHOICES:
            raise ForecastError(UNKNOWN_MODEL, model=repr(mdl), choices=", ".join(CHOICES))
    n = len(hist.y)
    notes = Notes(hist.notes)
    span = origin_schedule(n, origins, horizon, step)
    if not span:
        raise ForecastError(
            N_("{uid}: {n} months is too short to backtest {horizon} months ahead"), uid=hist.uid, n=n, horizon=horizon
        )
    if len(span) < origins:
        notes.add(
            N_("{uid}: only {n} origins fit in {months} months (asked for {origins})"),
            uid=hist.uid,
            n=len(span),
            months=n,
            origins=origins,
        )
    tf = transform_for(hist.y)
    z = tf.fwd(hist.y)
    eng = Engine(z, tf, hmax=horizon, k_in=k_in, h_cal=horizon, refit=refit, anchor=span[-1])
    rows: list[dict[str, object]] = []
    picks: Counter[str] = Counter()
    for step, o in enumerate(span):
        actual = hist.y[o : o + horizon]
        scale = mase_scale(hist.y[:o])
        for mdl in models:
            try:
                pred = eng.predict(mdl, o, horizon)
            except Exception:
                continue
            if mdl == "auto":
                picks[pred.chosen] += 1
            yhat = tf.inv(pred.path)
            for j in range(horizon):
                rows.append(
                    {
                        "unique_id": hist.uid,
                        "model": mdl,
                        "origin": hist.ds[o - 1],
                        "h": j + 1,
                        "ds": hist.ds[o + j],
                        "y": actual[j],
                        "y_hat": yhat[j],
                        "lo-80": tf.inv(pred.path[j] - Z80 * pred.sigma[j]),
                        "hi-80": tf.inv(pred.path[j] + Z80 * pred.sigma[j]),
                        "lo-95": tf.inv(pred.path[j] - Z95 * pred.sigma[j]),
                        "hi-95": tf.inv(pred.path[j] + Z95 * pred.sigma[j]),
                        "scale": scale,
                    }
                )
        if progress:
            progress(step + 1, len(span))
    errors = pd.DataFrame(rows)
    summary = summarize(errors, horizon, picks)
    if picks:
        notes.add(
            N_("{uid}: auto picked {picks}"), uid=hist.uid, picks=", ".join(f"{k}×{v}" for k, v in picks.most_common())
        )
    return BacktestResult(summary, errors, notes)


def summarize(errors: pd.DataFrame, horizon: int, picks: Counter[str] | None = None) -> pd.DataFrame:
    """One row per (series, model): MASE (per-origin, averaged), sMAPE, coverage; ratios to seasonal-naive."""
    out = []
    for (uid, mdl), g in errors.groupby(["unique_id", "model"], sort=False):
        abs_err = (g["y"] - g["y_hat"]).abs()
        per_origin = (abs_err / g["scale"]).groupby(g["origin"]).mean()
        out.append(
            {
                "unique_id": uid,
                "model": mdl,
                "mase": float(per_origin.mean()),
                "smape": float(np.mean(smape(g["y"].to_numpy(), g["y_hat"].to_numpy()))),
                "coverage_80": float(((g["y"] >= g["lo-80"]) & (g["y"] <= g["hi-80"])).mean()),
                "coverage_95": float(((g["y"] >= g["lo-95"]) & (g["y"] <= g["hi-95"])).mean()),
                "origins": int(g["origin"].nunique()),
                "horizon": horizon,
            }
        )
    frame = pd.DataFrame(out)
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    base = frame[frame["model"] == "snaive"].set_index("unique_id")
    frame["mase_vs_snaive"] = frame["mase"] / frame["unique_id"].map(base["mase"])
    frame["smape_vs_snaive"] = frame["smape"] / frame["unique_id"].map(base["smape"])
    frame["method"] = [
        (", ".join(f"{k}×{v}" for k, v in picks.most_common()) if picks and m == "auto" else "") for m in frame["model"]
    ]
    return frame[[*SUMMARY_COLUMNS, "unique_id"]]


def backtest(
    store: Store,
    sel: Selection,
    origins: int = 24,
    horizon: int = 6,
    models: Sequence[str] = CHOICES,
    k_in: int = 24,
    step: int | None = None,
    refit: int = 6,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest every series of a selection; `summary` has one row per model (per series with `--by`)."""
    results = [
        backtest_history(h, origins, horizon, models, k_in, step, refit, progress) for h in histories(tidy(store, sel))
    ]
    summary = pd.concat([r.summary for r in results], ignore_index=True)
    if not sel.by:
        summary = summary.drop(columns="unique_id")
    errors = pd.concat([r.errors for r in results], ignore_index=True)
    notes = Notes()
    for r in results:
        notes += r.notes
    out = BacktestResult(summary, errors, notes)
    return out
