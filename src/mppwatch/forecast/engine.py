"""Fits cached per origin, empirical interval calibration, and the `auto` choice, all without look-ahead.

Parameters of ETS and SARIMA are re-estimated every `refit` origins (counted back from `anchor`, the last origin
of interest, which is always estimated afresh) and only filtered in between: the estimate used at an origin
never saw data after that origin.

An origin is a training length `o`: the model sees `z[:o]` and forecasts `z[o], z[o+1], ...`. Every fit is made
once per (model, origin) and reused: the outer backtest, the inner backtests that calibrate intervals and choose
`auto`, and the final forecast all draw from the same cache.

Intervals are honest by construction: at origin `o` the spread at horizon `j` is the conformal 80% quantile of the
model's absolute errors at horizon `j` from the previous `k_in` origins (only errors whose outcome month is inside
`z[:o]`), read as a normal scale on the log scale. Where too few errors exist (short series) the model's own
spread is used, and the result says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mppwatch.core.text import N_, THEN, Template
from mppwatch.forecast.models import (
    BASE_MODELS,
    ENSEMBLE_MEMBERS,
    MODELS,
    SEASON,
    Z80,
    Fit,
    ModelUnavailable,
    Transform,
    combine,
    fit_base,
)

MIN_TRAIN = 3  # months of history before any model is tried
MIN_ERRORS = 8  # errors at a horizon before the empirical spread is trusted
MIN_SELECT = 6  # inner origins before `auto` chooses by backtest
FALLBACK = "naive"
PARAMETRIC = ("ets", "sarima")  # re-estimated every `refit` origins, states updated at every origin


@dataclass(frozen=True)
class Prediction:
    """A model's forecast from one origin: point path and spread (log scale), and how they were obtained."""

    model: str
    chosen: str
    method: str
    path: np.ndarray
    sigma: np.ndarray
    calibrated: bool
    note: Template | None = None  # how the model was chosen or its spread obtained (English and Spanish)


class Engine:
    """Forecasts of one transformed series from any origin, with a per-(model, origin) fit cache."""

    def __init__(
        self,
        z: np.ndarray,
        tf: Transform,
        hmax: int,
        k_in: int = 24,
        h_cal: int = 12,
        m: int = SEASON,
        refit: int = 6,
        anchor: int | None = None,
    ) -> None:
        self.z = np.asarray(z, dtype=float)
        self.tf = tf
        self.hmax = hmax
        self.k_in = k_in
        self.h_cal = max(1, min(h_cal, hmax))
        self.m = m
        self.refit = max(1, refit)
        self.anchor = len(self.z) if anchor is None else anchor
        self._fits: dict[tuple[str, int], Fit | None] = {}
        self.fits_made = 0

    # -- fits ---------------------------------------------------------------------------------------------------
    def fit(self, name: str, origin: int) -> Fit | None:
        """The model fitted on `z[:origin]` (None when it cannot be fitted there)."""
        key = (name, origin)
        if key not in self._fits:
            self._fits[key] = self._make(name, origin)
        return self._fits[key]

    def _make(self, name: str, origin: int) -> Fit | None:
        if origin < MIN_TRAIN and name != "naive":
            return None
        if origin < 1:
            return None
        try:
            if name == "ensemble":
                members = [f for f in (self.fit(n, origin) for n in ENSEMBLE_MEMBERS) if f is not None]
                return combine(members)
            params = None
            if name in PARAMETRIC:
                base = origin - ((self.anchor - origin) % self.refit) if origin <= self.anchor else origin
                if base != origin and (prior := self.fit(name, base)) is not None:
                    params = prior.params
            if params is None:
                self.fits_made += 1
            return fit_base(name, self.z[:origin], self.hmax, self.m, params)
        except ModelUnavailable:
            return None

    # -- calibration --------------------------------------------------------------------------------------------
    def inner_origins(self, origin: int) -> range:
        return range(max(MIN_TRAIN, origin - self.k_in), origin)

    def errors(self, name: str, origin: int, h: int) -> np.ndarray:
        """Log-scale errors `(inner origin, horizon)` of `name` before `origin`; NaN where not observable."""
        inner = self.inner_origins(origin)
        out = np.full((len(inner), h), np.nan)
        for i, s in enumerate(inner):
            fit = self.fit(name, s)
            if fit is None:
                continue
            j = min(h, origin - s)
            out[i, :j] = self.z[s : s + j] - fit.path[:j]
        return out

    def sigma(self, name: str, origin: int, fit: Fit, h: int) -> tuple[np.ndarray, bool]:
        """Spread per horizon 1..h: empirical from the inner backtest where possible, else the model's own."""
        err = self.errors(name, origin, self.h_cal)
        sig = np.full(self.h_cal, np.nan)
        for j in range(self.h_cal):
            e = np.abs(err[:, j][np.isfinite(err[:, j])])
            n = len(e)
            if n >= MIN_ERRORS:
                q = min(1.0, math.ceil((n + 1) * 0.8) / n)
                sig[j] = float(np.quantile(e, q, method="higher")) / Z80
        good = np.flatnonzero(np.isfinite(sig))
        if len(good) == 0:
            return fit.sigma[:h].copy(), False
        j0 = int(good[-1])
        sig = np.fmax.accumulate(np.where(np.isfinite(sig), sig, 0.0)[: j0 + 1])
        steps = np.arange(1, h + 1)
        out = np.empty(h)
        k = min(h, j0 + 1)
        out[:k] = sig[:k]
        if h > j0 + 1:
            out[j0 + 1 :] = sig[j0] * np.sqrt(steps[j0 + 1 :] / (j0 + 1))
        return out, True

    # -- choice -------------------------------------------------------------------------------------------------
    def choose(self, origin: int, h: int, candidates: tuple[str, ...] = MODELS) -> tuple[str, Template]:
        """`auto`: the candidate with the smallest mean absolute error (original units) over the inner backtest."""
        hh = min(h, self.h_cal)
        errs = {c: self.errors(c, origin, hh) for c in candidates}
        avail = {c: {i for i in range(e.shape[0]) if np.isfinite(e[i, 0])} for c, e in errs.items()}
        eligible = [c for c in candidates if len(avail[c]) >= MIN_SELECT]
        if not eligible:
            return FALLBACK, Template(
                N_("too short to choose by backtest (under {n} past origins): {model}"), n=MIN_SELECT, model=FALLBACK
            )
        common = set.intersection(*(avail[c] for c in eligible))
        rows = sorted(common)
        inner = self.inner_origins(origin)
        scores: dict[str, float] = {}
        for c in eligible:
            total, count = 0.0, 0
            for i in rows:
                s = inner[i]
                fit = self.fit(c, s)
                assert fit is not None
                j = min(hh, origin - s)
                actual = self.tf.inv(self.z[s : s + j])
                total += float(np.abs(actual - self.tf.inv(fit.path[:j])).sum())
                count += j
            scores[c] = total / count
        best = min(eligible, key=lambda c: (scores[c], candidates.index(c)))
        return best, Template(N_("chosen by backtest over {n} origins"), n=len(rows))

    # -- prediction ---------------------------------------------------------------------------------------------
    def predict(self, model: str, origin: int, h: int) -> Prediction:
        """A forecast of `h` months from `origin` with calibrated spread; `auto` chooses first."""
        note: Template | None = None
        name = model
        if model == "auto":
            name, note = self.choose(origin, h)
        fit = self.fit(name, origin)
        if fit is None and model == "auto":
            name, note = FALLBACK, Template(N_("{model} unavailable: {fallback}"), model=name, fallback=FALLBACK)
            fit = self.fit(name, origin)
        if fit is None:
            raise ModelUnavailable(N_("{model} cannot be fitted on {n} months"), model=model, n=origin)
        sig, calibrated = self.sigma(name, origin, fit, h)
        if not calibrated:
            spread = Template(N_("intervals from the model's own spread (too short to backtest)"))
            note = Template(THEN, first=note, then=spread) if note else spread
        method = fit.spec
        if model == "auto" and not fit.spec.startswith(name):
            method = f"{name}: {fit.spec}"
        return Prediction(model, name, method, fit.path[:h].copy(), sig, calibrated, note)


def available_models() -> tuple[str, ...]:
    return ("auto", *BASE_MODELS, "ensemble")
