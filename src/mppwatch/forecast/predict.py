"""`forecast`: point forecasts with 80% and 95% intervals for every series of a selection (statsforecast style).

Output columns: `unique_id, ds, model, method, y_hat, lo-80, hi-80, lo-95, hi-95`. Every row is an estimate;
`method` says which model made it (for `auto`, the one chosen by the backtest inside the training window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mppwatch.core.text import N_, Notes
from mppwatch.errors import AT_LEAST_ONE, reason_of
from mppwatch.forecast.data import UNKNOWN_MODEL, ForecastError, History, Selection, histories, tidy
from mppwatch.forecast.engine import Engine, Prediction
from mppwatch.forecast.models import CHOICES, Z80, Z95, ModelUnavailable, Transform, transform_for
from mppwatch.store import Store

FORECAST_COLUMNS = ["unique_id", "ds", "model", "method", "y_hat", "lo-80", "hi-80", "lo-95", "hi-95"]


@dataclass
class ForecastResult:
    """`frame`: the forecasts; `history`: the data they were made from (tidy); `errors`: past forecast errors of
    the model used (its calibration backtest, same columns as `backtest`'s errors); `notes`: decisions made."""

    frame: pd.DataFrame
    history: pd.DataFrame
    errors: pd.DataFrame
    notes: Notes = field(default_factory=Notes)

    def notes_in(self, lang: str) -> list[str]:
        """The notes in `lang` ('en' or 'es'), each rendered from its template."""
        return self.notes.in_lang(lang)


def months_after(last: pd.Timestamp, h: int) -> pd.DatetimeIndex:
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=h, freq="MS")


def prediction_frame(hist: History, tf: Transform, pred: Prediction, h: int) -> pd.DataFrame:
    """One model's forecast as tidy rows with both intervals, on the original scale."""
    p, s = pred.path[:h], pred.sigma[:h]
    return pd.DataFrame(
        {
            "unique_id": hist.uid,
            "ds": months_after(hist.last, h),
            "model": pred.model,
            "method": pred.method,
            "y_hat": tf.inv(p),
            "lo-80": tf.inv(p - Z80 * s),
            "hi-80": tf.inv(p + Z80 * s),
            "lo-95": tf.inv(p - Z95 * s),
            "hi-95": tf.inv(p + Z95 * s),
        }
    )


def calibration_errors(hist: History, eng: Engine, pred: Prediction, origin: int, h: int) -> pd.DataFrame:
    """The past forecasts behind a prediction's intervals, in the backtest's error-frame columns."""
    name = pred.chosen
    rows = []
    for s in eng.inner_origins(origin):
        fit = eng.fit(name, s)
        if fit is None:
            continue
        for j in range(min(h, eng.h_cal, origin - s)):
            rows.append(
                {
                    "unique_id": hist.uid,
                    "model": pred.model,
                    "origin": hist.ds[s - 1],
                    "h": j + 1,
                    "ds": hist.ds[s + j],
                    "y": hist.y[s + j],
                    "y_hat": float(eng.tf.inv(fit.path[j : j + 1])[0]),
                }
            )
    return pd.DataFrame(rows)


def forecast_history(
    hist: History, horizon: int, models: Sequence[str] = ("auto",), k_in: int = 24
) -> tuple[pd.DataFrame, pd.DataFrame, Notes]:
    """Forecast one history with each model: (forecast rows, calibration errors, notes)."""
    if horizon < 1:
        raise ForecastError(AT_LEAST_ONE, option="--horizon")
    for mdl in models:
        if mdl not in CHOICES:
            raise ForecastError(UNKNOWN_MODEL, model=repr(mdl), choices=", ".join(CHOICES))
    notes = series_notes(hist)
    tf = transform_for(hist.y)
    eng = Engine(tf.fwd(hist.y), tf, hmax=horizon, k_in=k_in, h_cal=min(horizon, 12))
    origin = len(hist.y)
    frames, errors = [], []
    for mdl in models:
        try:
            pred = eng.predict(mdl, origin, horizon)
        except ModelUnavailable as exc:
            raise ForecastError(
                N_("{uid}: {reason} (history {first}..{last})"),
                uid=hist.uid,
                reason=reason_of(exc),
                first=f"{hist.ds[0]:%Y-%m}",
                last=f"{hist.last:%Y-%m}",
            ) from None
        if pred.note:
            notes.add(N_("{uid} {model}: {note}"), uid=hist.uid, model=mdl, note=pred.note)
        frames.append(prediction_frame(hist, tf, pred, horizon))
        errors.append(calibration_errors(hist, eng, pred, origin, horizon))
    return pd.concat(frames, ignore_index=True), pd.concat(errors, ignore_index=True), notes


def series_notes(hist: History) -> Notes:
    """A history's notes, each named by its series: "{uid}: {note}"."""
    notes = Notes()
    for text in hist.notes:
        notes.add(N_("{uid}: {note}"), uid=hist.uid, note=hist.notes.message(text))
    return notes


def forecast(store: Store, sel: Selection, horizon: int = 12, model: str = "auto", k_in: int = 24) -> ForecastResult:
    """Forecast every series of the selection `horizon` months past its last published month (or `sel.end`)."""
    models = list(CHOICES) if model == "all" else [model]
    data = tidy(store, sel)
    out, errs, notes = [], [], Notes()
    for hist in histories(data):
        f, e, n = forecast_history(hist, horizon, models, k_in)
        out.append(f)
        errs.append(e)
        notes += n
    frame = pd.concat(out, ignore_index=True)[FORECAST_COLUMNS]
    frame.attrs.update(data.attrs)
    frame.attrs["estimate"] = "forecast"
    return ForecastResult(frame, data, pd.concat(errs, ignore_index=True), notes)


def sample_paths(pred: Prediction, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Sample paths on the log scale: the point path plus a random walk scaled to the calibrated spread.

    Each path's deviation at horizon j has standard deviation `sigma[j]` (the backtest's), and deviations are
    correlated across months as in a random walk, so a path that starts high tends to stay high: what makes
    the spread of cumulative totals honest.
    """
    h = len(pred.path)
    steps = rng.standard_normal((n_paths, h)).cumsum(axis=1) / np.sqrt(np.arange(1, h + 1))
    return pred.path[None, :] + steps * pred.sigma[None, :]
