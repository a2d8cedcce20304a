"""Forecasts with honest uncertainty for any monthly series in the store.

`forecast` (point forecasts with 80%/95% intervals), `backtest` (rolling origins: MASE, sMAPE, coverage, each
against seasonal-naive) and `reach` (when a cumulative total passes N, from sample paths). Models are
seasonal-naive, naive, drift, ETS and SARIMA (statsmodels) and their ensemble; `auto` chooses by a backtest inside
the training window. Intervals are calibrated on the model's own past errors. Everything here is an estimate.
"""

from mppwatch.forecast.backtest import BacktestResult, backtest, backtest_history
from mppwatch.forecast.data import ForecastError, History, Selection, clean, histories, tidy
from mppwatch.forecast.models import CHOICES, MODELS
from mppwatch.forecast.predict import ForecastResult, forecast, forecast_history
from mppwatch.forecast.reach import ReachResult, reach

__all__ = [
    "CHOICES",
    "MODELS",
    "BacktestResult",
    "ForecastError",
    "ForecastResult",
    "History",
    "ReachResult",
    "Selection",
    "backtest",
    "backtest_history",
    "clean",
    "forecast",
    "forecast_history",
    "histories",
    "reach",
    "tidy",
]
