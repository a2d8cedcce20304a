"""Runs and their results: per-replicate arrays, tidy frames with `quantiles()`, summary and answers.

All figures here are simulated estimates; every frame carries `attrs['simulated'] = True` and the source ids
of the inputs behind it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mppwatch.simulate.engine import FLOWS, OUTPUTS, Inputs, Model

CHUNK = 250  # replicates per chunk: each chunk has its own child seed, so results never depend on workers
LEVELS = (5, 50, 95)


class SimFrame(pd.DataFrame):
    """A tidy frame of simulated values, one row per replicate: `*keys, replicate, value`."""

    _metadata = ["keys"]

    @property
    def _constructor(self) -> type[SimFrame]:
        return SimFrame

    def quantiles(self, levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
        """Across replicates: `*keys, p5, p50, p95, mean` (linear interpolation, as numpy's default)."""
        keys = [c for c in self.columns if c not in ("replicate", "value")]
        grouped = self.groupby(keys, sort=False, dropna=False)["value"]
        out = grouped.mean().rename("mean").to_frame()
        for q in levels:
            out[f"p{q:g}"] = grouped.quantile(q / 100)
        out = out.reset_index()[[*keys, *[f"p{q:g}" for q in levels], "mean"]]
        out.attrs.update(self.attrs)
        return out


def _seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))


def _chunk(inputs: Inputs, size: int, seed: np.random.SeedSequence) -> tuple[dict[str, np.ndarray], np.ndarray]:
    out = Model(inputs, size, np.random.default_rng(seed)).run()
    return out.values, out.waits


def simulate_inputs(
    inputs: Inputs, replicates: int, seed: int | np.random.SeedSequence, workers: int = 1
) -> dict[str, Any]:
    """Run the model on resolved inputs: chunks of CHUNK replicates, each from its own child seed.

    With `workers > 1` the chunks run in that many processes; the numbers are the same either way.
    """
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    ss = _seed_sequence(seed)
    sizes = [CHUNK] * (replicates // CHUNK) + ([replicates % CHUNK] if replicates % CHUNK else [])
    children = ss.spawn(len(sizes))
    if workers > 1 and len(sizes) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(sizes)), mp_context=ctx) as pool:
            chunks = list(pool.map(_chunk, [inputs] * len(sizes), sizes, children))
    else:
        chunks = [_chunk(inputs, size, child) for size, child in zip(sizes, children, strict=True)]
    values = {k: np.concatenate([c[0][k] for c in chunks], axis=1) for k in chunks[0][0]}
    waits = np.sum([c[1] for c in chunks], axis=0)
    return {"values": values, "waits": waits}


@dataclass
class Result:
    """A simulation: per-replicate daily arrays `(days, replicates, cities)` for every output."""

    scenario: str
    inputs: Inputs
    replicates: int
    seed: int
    values: dict[str, np.ndarray]
    waits_hist: np.ndarray  # (months, cities, kind, wait days): people summed over replicates
    synthetic: bool = False
    overrides: list[str] = field(default_factory=list)

    @property
    def cities(self) -> list[str]:
        return list(self.inputs.cities)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.inputs.dates.astype("datetime64[ns]"))

    @property
    def days(self) -> int:
        return self.inputs.days

    def _attrs(self) -> dict[str, Any]:
        return {
            "simulated": True,
            "scenario": self.scenario,
            "source_ids": list(self.inputs.sources),
            "synthetic": self.synthetic,
        }

    def series(self, output: str, city: str = "all") -> np.ndarray:
        """`(days, replicates)` values of one output for one city or `all`."""
        if output == "shelter_capacity":
            beds = self.inputs.beds
            col = beds.sum(axis=1) if city == "all" else beds[:, self.cities.index(city)]  # nan if any unknown
            return np.repeat(col[:, None], self.replicates, axis=1)
        arr = self.values[output]
        if city == "all":
            return arr.sum(axis=2, dtype=np.float64)  # nan (unknown beds) in any city makes the total unknown
        return arr[:, :, self.cities.index(city)].astype(np.float64)

    def outputs(self) -> list[str]:
        extra = [k for k in self.values if k not in OUTPUTS]  # left_<reason>
        return [*OUTPUTS[:5], "shelter_capacity", *OUTPUTS[5:], *extra]

    def frame(self, outputs: list[str] | None = None, cities: list[str] | None = None) -> SimFrame:
        """Tidy per-replicate frame: `date, city, output, replicate, value` (can be large)."""
        parts = []
        dates = self.dates
        for output in outputs or self.outputs():
            for city in cities or ["all", *self.cities]:
                arr = self.series(output, city)
                parts.append(
                    pd.DataFrame(
                        {
                            "date": np.repeat(dates.date, self.replicates),
                            "city": city,
                            "output": output,
                            "replicate": np.tile(np.arange(self.replicates), self.days),
                            "value": arr.ravel(),
                        }
                    )
                )
        out = SimFrame(pd.concat(parts, ignore_index=True))
        out.attrs.update(self._attrs())
        return out

    def daily(self, outputs: list[str] | None = None, levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
        """`date, city, output, p5, p50, p95, mean` for every day, city (and `all`) and output."""
        parts = []
        dates = self.dates.date
        for output in outputs or self.outputs():
            for city in ["all", *self.cities]:
                arr = self.series(output, city)
                row: dict[str, Any] = {"date": dates, "city": city, "output": output}
                qs = _quantiles(arr, levels)
                for q, col in zip(levels, qs, strict=True):
                    row[f"p{q:g}"] = col
                row["mean"] = _mean(arr)
                parts.append(pd.DataFrame(row))
        out = pd.concat(parts, ignore_index=True)
        if self.synthetic:  # every output made from synthetic data says so
            out.insert(0, "data", "SYNTHETIC")
        out.attrs.update(self._attrs())
        return out

    def monthly(self, outputs: list[str] | None = None) -> SimFrame:
        """Monthly totals of flow outputs per replicate: `month, city, output, replicate, value`."""
        month_idx, labels = self.inputs.month_index
        parts = []
        for output in outputs or [k for k in self.outputs() if _is_flow(k)]:
            for city in ["all", *self.cities]:
                arr = self.series(output, city)
                sums = np.zeros((len(labels), self.replicates))
                np.add.at(sums, month_idx, arr)
                parts.append(
                    pd.DataFrame(
                        {
                            "month": np.repeat(labels, self.replicates),
                            "city": city,
                            "output": output,
                            "replicate": np.tile(np.arange(self.replicates), len(labels)),
                            "value": sums.ravel(),
                        }
                    )
                )
        out = SimFrame(pd.concat(parts, ignore_index=True))
        out.attrs.update(self._attrs())
        return out

    def summary(self) -> pd.DataFrame:
        """Per city and output: the run's daily mean (p5/p95 across replicates), mean total (flows), mean last day."""
        rows = []
        for output in self.outputs():
            for city in ["all", *self.cities]:
                arr = self.series(output, city)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    run_mean = np.nanmean(arr, axis=0)  # over the days with a value (beds may be unknown)
                rows.append(
                    {
                        "city": city,
                        "output": output,
                        "mean": _scalar(np.nanmean(run_mean)) if np.isfinite(run_mean).any() else None,
                        "p5": _scalar(np.nanpercentile(run_mean, 5)) if np.isfinite(run_mean).any() else None,
                        "p95": _scalar(np.nanpercentile(run_mean, 95)) if np.isfinite(run_mean).any() else None,
                        "total": _scalar(arr.sum(axis=0).mean()) if _is_flow(output) else None,
                        "last_day": _scalar(np.nanmean(arr[-1])) if np.isfinite(arr[-1]).any() else None,
                    }
                )
        out = pd.DataFrame(rows)
        out.attrs.update(self._attrs())
        return out

    def waits(self) -> pd.DataFrame:
        """The distribution of waits in Mexico: `city, exit (completed|left), wait_days, people` (mean a replicate)."""
        hist = self.waits_hist.sum(axis=0) / self.replicates  # (C, kind, W)
        rows = []
        for j, city in enumerate(self.cities):
            for kind, label in enumerate(("completed", "left")):
                w = np.flatnonzero(hist[j, kind] > 0)
                rows.append(pd.DataFrame({"city": city, "exit": label, "wait_days": w, "people": hist[j, kind, w]}))
        out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
        out.attrs.update(self._attrs())
        return out

    def wait_quantiles(self) -> pd.DataFrame:
        """Mean and p5/p50/p95 of the wait by city and exit, from `waits()`."""
        rows = []
        table = self.waits()
        for (city, exit_), g in table.groupby(["city", "exit"], sort=False):
            cum = (g["people"].cumsum() / g["people"].sum()).to_numpy()
            pick = {f"p{q}": int(g["wait_days"].iloc[int(np.searchsorted(cum, q / 100))]) for q in LEVELS}
            mean = float((g["wait_days"] * g["people"]).sum() / g["people"].sum())
            rows.append({"city": city, "exit": exit_, **pick, "mean": mean, "people": float(g["people"].sum())})
        return pd.DataFrame(rows)

    def answers(self) -> dict[str, Any]:
        """Answers to the scenario's questions (dates are ISO; `null` when not reached in the window)."""
        out: dict[str, Any] = {}
        target = self.inputs.reach_target
        if target:
            cum = self.series("cumulative_returns")  # (T, R)
            reached = cum >= target
            first = np.where(reached.any(axis=0), reached.argmax(axis=0), np.iinfo(np.int64).max)
            dates = self.dates.date
            share = float(reached.any(axis=0).mean())

            def pick(q: float) -> str | None:
                k = np.quantile(first, q, method="inverted_cdf")
                return dates[int(k)].isoformat() if k < len(dates) else None

            out["cumulative_returns_reach"] = {
                "target": target,
                "p10": pick(0.10),
                "p50": pick(0.50),
                "p90": pick(0.90),
                "share_reached": share,
                "window_end": dates[-1].isoformat(),
            }
        return out

    def to_json(self) -> dict[str, Any]:
        """The output contract: scenario, replicates, seed, days, daily, summary, answers (+ provenance)."""
        from mppwatch.jsonable import records

        summary = self.summary()
        return {
            "scenario": self.scenario,
            "simulated": True,
            "synthetic": self.synthetic,
            "replicates": self.replicates,
            "seed": self.seed,
            "days": self.days,
            "start": self.dates[0].date().isoformat(),
            "end": self.dates[-1].date().isoformat(),
            "cities": self.cities,
            "overrides": self.overrides,
            "daily": records(self.daily()),
            "summary": {
                r["output"]: {k: r[k] for k in ("mean", "p5", "p95", "total", "last_day")}
                for r in records(summary[summary["city"] == "all"])
            },
            "summary_by_city": records(summary[summary["city"] != "all"]),
            "waits": records(self.wait_quantiles()),
            "answers": self.answers(),
            "sources": list(self.inputs.sources),
            "notes": list(self.inputs.notes),
        }


def _is_flow(output: str) -> bool:
    """A count of events a day (summed over months and runs) rather than a stock."""
    return output in FLOWS or output.startswith("left_")


def _quantiles(arr: np.ndarray, levels: tuple[float, ...]) -> list[np.ndarray]:
    """Per day across replicates; days whose value is unknown (nan) stay nan."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        qs = np.nanpercentile(arr, levels, axis=1) if np.isnan(arr).any() else np.percentile(arr, levels, axis=1)
    return list(qs)


def _mean(arr: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=1) if np.isnan(arr).any() else arr.mean(axis=1)


def _scalar(x: Any) -> float | None:
    v = float(x)
    return None if np.isnan(v) else v
