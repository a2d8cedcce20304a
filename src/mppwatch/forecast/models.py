"""Base forecasting models on a transformed monthly series: seasonal-naive, naive, drift, ETS, SARIMA, ensemble.

Every model takes the transformed history `z` (log1p of counts, see `transform`) and returns a `Fit`: a point path
of `h` months and a fallback spread per horizon (from its own in-sample one-step errors). The spread used for
intervals normally comes from the rolling backtest (see `backtest.calibrate`); the model's own spread is used only
when the series is too short to backtest. ETS and SARIMA are statsmodels' state-space models with small fixed
specifications (no order search), so a backtest refits them quickly at every origin.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mppwatch.core.text import N_
from mppwatch.errors import TranslatableError
from mppwatch.i18n import template

# the model specs with words in them: the method column of a Spanish table translates them (output.PROSE_COLUMNS)
SHORT_NAIVE = template("naive (under a year of history)")
ETS_CONSTANT = template("ets (constant series)")
SARIMA_CONSTANT = template("sarima (constant series)")
template("{model}: naive (under a year of history)")  # snaive's spec under `auto` (engine: "{name}: {spec}")

SEASON = 12
BASE_MODELS = ("snaive", "naive", "drift", "ets", "sarima")
ENSEMBLE_MEMBERS = ("drift", "ets", "sarima")
MODELS = (*BASE_MODELS, "ensemble")
CHOICES = ("auto", *MODELS)


class ModelUnavailable(TranslatableError):
    """The model cannot be fitted on this history (too short, or statsmodels failed): a template and fields."""


NO_DATA = N_("no data")
NEEDS = N_("{model} needs {n} months")
FAILED = N_("{spec} failed: {reason}")
NOT_FINITE = N_("{spec} gave non-finite forecasts")
TWO_MEMBERS = N_("ensemble needs two members")


@dataclass(frozen=True)
class Fit:
    """A point path on the transformed scale, the model's own one-step spread per horizon, and what was fitted."""

    path: np.ndarray
    sigma: np.ndarray
    spec: str
    params: np.ndarray | None = None


@dataclass(frozen=True)
class Transform:
    """log1p for non-negative series (counts, zeros allowed), identity otherwise."""

    log: bool

    def fwd(self, y: np.ndarray) -> np.ndarray:
        return np.log1p(y) if self.log else np.asarray(y, dtype=float)

    def inv(self, z: np.ndarray | float) -> np.ndarray:
        """Back to the original scale, rounded to 10 significant digits (no 269740.00000000023 from exp/log)."""
        if self.log:
            out = np.expm1(np.clip(z, -50.0, 50.0)).clip(min=0.0)
        else:
            out = np.asarray(z, dtype=float)
        return _round_sig(np.asarray(out, dtype=float))


def _round_sig(x: np.ndarray, digits: int = 10) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(np.where(x == 0, 1, x)))))
    scale = 10.0 ** (digits - 1 - mag)
    return np.where(np.isfinite(x), np.round(x * scale) / scale, x)


def transform_for(y: np.ndarray) -> Transform:
    """Counts get a log scale (multiplicative seasonality and spread); anything with negatives stays as is."""
    return Transform(log=bool(np.nanmin(y) >= 0))


def _rms(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0


def _rw_sigma(step: float, h: int) -> np.ndarray:
    return step * np.sqrt(np.arange(1, h + 1))


def naive(z: np.ndarray, h: int) -> Fit:
    """The last value carried forward; spread grows like a random walk."""
    if len(z) < 1:
        raise ModelUnavailable(NO_DATA)
    step = _rms(np.diff(z)) if len(z) > 1 else 0.0
    return Fit(np.full(h, z[-1]), _rw_sigma(step, h), "naive")


def snaive(z: np.ndarray, h: int, m: int = SEASON) -> Fit:
    """The same month last year; needs a full year of history, else it is the naive forecast."""
    if len(z) < m + 1:
        fit = naive(z, h)
        return Fit(fit.path, fit.sigma, SHORT_NAIVE)
    last = z[-m:]
    path = np.array([last[j % m] for j in range(h)])
    step = _rms(z[m:] - z[:-m])
    sigma = step * np.sqrt(np.ceil(np.arange(1, h + 1) / m))
    return Fit(path, sigma, f"snaive(m={m})")


def drift(z: np.ndarray, h: int) -> Fit:
    """Random walk with drift: the average monthly change since the start, extended."""
    if len(z) < 3:
        raise ModelUnavailable(NEEDS, model="drift", n=3)
    d = np.diff(z)
    mu = float(np.mean(d))
    step = _rms(d - mu)
    n = len(z)
    j = np.arange(1, h + 1)
    sigma = step * np.sqrt(j * (1 + j / (n - 1)))
    return Fit(z[-1] + mu * j, sigma, "drift")


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn()


def ets(z: np.ndarray, h: int, m: int = SEASON, params: np.ndarray | None = None) -> Fit:
    """statsmodels ETSModel: additive errors, no trend, additive seasonality from three years of history.

    On the log scale this is multiplicative level and seasonality. Trends are left to `drift` and `sarima`:
    extrapolated trends on volatile administrative counts overshoot. With `params` the model is only
    smoothed with those parameters (a backtest re-estimates them every few origins), not re-estimated.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(z)
    if n < 10:
        raise ModelUnavailable(NEEDS, model="ets", n=10)
    if np.ptp(z) == 0:
        return Fit(np.full(h, z[-1]), np.zeros(h), ETS_CONSTANT)
    seasonal = n >= 3 * m
    spec = f"ETS(A,N,{'A' if seasonal else 'N'})"
    try:
        model = ETSModel(z, error="add", seasonal="add" if seasonal else None, seasonal_periods=m if seasonal else None)
        if params is not None and len(params) == len(model.param_names):
            res = _quiet(lambda: model.smooth(params))
        else:
            res = _quiet(lambda: model.fit(disp=False, maxiter=200))
        path = np.asarray(res.forecast(h), dtype=float)
        resid = np.asarray(res.resid, dtype=float)
        fitted = np.asarray(res.params, dtype=float)
    except Exception as exc:  # statsmodels raises many kinds on degenerate data
        raise ModelUnavailable(FAILED, spec=spec, reason=exc) from None
    if not np.all(np.isfinite(path)):
        raise ModelUnavailable(NOT_FINITE, spec=spec)
    return Fit(path, _rw_sigma(_rms(resid[1:]), h), spec, fitted)


def sarima(z: np.ndarray, h: int, m: int = SEASON, params: np.ndarray | None = None) -> Fit:
    """statsmodels SARIMAX (1,1,0)(1,0,0)m from three years of history, else ARIMA(1,1,0); no order search.

    A seasonal AR term (not a seasonal difference) keeps the fit fast and stable on series with breaks.
    With `params` the model is only filtered with those parameters.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    n = len(z)
    if n < 8:
        raise ModelUnavailable(NEEDS, model="sarima", n=8)
    if np.ptp(z) == 0:
        return Fit(np.full(h, z[-1]), np.zeros(h), SARIMA_CONSTANT)
    seasonal = n >= 3 * m
    order = (1, 1, 0)
    sorder = (1, 0, 0, m) if seasonal else (0, 0, 0, 0)
    spec = f"SARIMA(1,1,0)(1,0,0){m}" if seasonal else "ARIMA(1,1,0)"
    try:
        model = SARIMAX(z, order=order, seasonal_order=sorder)
        if params is not None and len(params) == len(model.param_names):
            res = _quiet(lambda: model.filter(params))
        else:
            res = _quiet(lambda: model.fit(disp=False, maxiter=50))
        fc = res.get_forecast(h)
        path = np.asarray(fc.predicted_mean, dtype=float)
        sigma = np.sqrt(np.asarray(fc.var_pred_mean, dtype=float))
        fitted = np.asarray(res.params, dtype=float)
    except Exception as exc:
        raise ModelUnavailable(FAILED, spec=spec, reason=exc) from None
    if not (np.all(np.isfinite(path)) and np.all(np.isfinite(sigma))):
        raise ModelUnavailable(NOT_FINITE, spec=spec)
    return Fit(path, sigma, spec, fitted)


def fit_base(name: str, z: np.ndarray, h: int, m: int = SEASON, params: np.ndarray | None = None) -> Fit:
    """Fit one base model by name (`params`: reuse estimated parameters, for ets and sarima)."""
    if name == "naive":
        return naive(z, h)
    if name == "snaive":
        return snaive(z, h, m)
    if name == "drift":
        return drift(z, h)
    if name == "ets":
        return ets(z, h, m, params)
    if name == "sarima":
        return sarima(z, h, m, params)
    raise ValueError(f"unknown base model {name!r}")


def combine(fits: list[Fit]) -> Fit:
    """The ensemble: the mean of its members' paths (on the log scale), their spreads averaged."""
    if len(fits) < 2:
        raise ModelUnavailable(TWO_MEMBERS)
    path = np.mean([f.path for f in fits], axis=0)
    sigma = np.mean([f.sigma for f in fits], axis=0)
    return Fit(path, sigma, "mean(" + ", ".join(f.spec for f in fits) + ")")


def z_quantile(level: float) -> float:
    """The two-sided standard-normal quantile for a central interval of `level` percent."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 200.0)


Z80 = z_quantile(80)
Z95 = z_quantile(95)
