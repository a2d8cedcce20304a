"""`reach`: when will a cumulative total pass N? A distribution of months from simulated sample paths.

The total starts from what was published up to the as-of month (or `start_total`, e.g. another agency's count
on that date), and adds each sample path's monthly values. The answer is the distribution of the first month in
which the running total reaches the target: p10/p50/p90 and the probability of getting there within the horizon.
When the store holds months after the as-of month, the result shows beside it when the published series
actually passed the target, so a projection can be judged against what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mppwatch.core.periods import parse_bound
from mppwatch.core.text import N_, Notes, Number
from mppwatch.forecast.data import UNKNOWN_MODEL, ForecastError, Selection, histories, tidy
from mppwatch.forecast.engine import Engine
from mppwatch.forecast.models import CHOICES, transform_for
from mppwatch.forecast.predict import months_after, sample_paths, series_notes
from mppwatch.i18n import template
from mppwatch.store import Store

SUMMARY_COLUMNS = [
    "unique_id",
    "as_of",
    "start_total",
    "target",
    "model",
    "method",
    "p10",
    "p50",
    "p90",
    "prob_within_horizon",
    "horizon_end",
    "actual",
    N_("actual_note"),  # a sentence per row: tables show it in the reader's language (output.PROSE_COLUMNS)
]

# the actual_note sentences, registered so a Spanish table translates them (i18n.localise)
ALREADY = template("already reached at the as-of month")
NO_LATER = template("no published months after the as-of month in the store")
REACHED = template("published total reached {total} in {month}")
NOT_REACHED = template("not reached: published total {total} by {month}")
AFTER = template("after {month}")  # a p10/p50/p90 cell beyond the horizon


@dataclass
class ReachResult:
    """`summary`: one row per series; `distribution`: probability per month; `fan`: cumulative-total quantiles
    per month (for plots); `history`: the cumulative published totals; `notes`: decisions made."""

    summary: pd.DataFrame
    distribution: pd.DataFrame
    fan: pd.DataFrame
    history: pd.DataFrame
    notes: Notes = field(default_factory=Notes)

    def notes_in(self, lang: str) -> list[str]:
        """The notes in `lang` ('en' or 'es'), each rendered from its template."""
        return self.notes.in_lang(lang)


def month_quantile(months: pd.DatetimeIndex, hit: np.ndarray, q: float) -> str:
    """The first month by which a share `q` of paths has reached the target; 'after END' when fewer have."""
    n = len(hit)
    reached = np.sort(hit[hit >= 0])
    k = int(np.ceil(q * n))
    if k <= len(reached) and k >= 1:
        return f"{months[reached[k - 1]]:%Y-%m}"
    return AFTER.format(month=f"{months[-1]:%Y-%m}")


def first_passing(cum: np.ndarray, target: float) -> np.ndarray:
    """Per row, the index of the first column >= target, or -1."""
    hit = cum >= target
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def reach(
    store: Store,
    sel: Selection,
    target: float,
    start_total: float | None = None,
    model: str = "auto",
    max_months: int = 60,
    n_paths: int = 4000,
    seed: int = 0,
    k_in: int = 24,
) -> ReachResult:
    """The month in which the cumulative total passes `target`, for each series of the selection (see module doc).

    `sel.end` is the as-of month: no observation after it is used for the projection.
    """
    if model not in CHOICES:
        raise ForecastError(UNKNOWN_MODEL, model=repr(model), choices=", ".join(CHOICES))
    if max_months < 1 or n_paths < 10:
        raise ForecastError(N_("--max-months must be at least 1 and --paths at least 10"))
    data = tidy(store, sel)
    later = _later(store, sel)
    rng = np.random.default_rng(seed)
    rows, dist, fans, hists, notes = [], [], [], [], Notes()
    for hist in histories(data):
        raw = data[data["unique_id"] == hist.uid]
        observed = float(np.nansum(raw["y"].to_numpy(dtype=float)))
        total0 = observed if start_total is None else float(start_total)
        as_of = _as_of_month(sel.end) if sel.end else hist.last
        notes += series_notes(hist)
        if start_total is not None:
            notes.add(
                N_("{uid}: starting from {total} (given) instead of the {observed} published"),
                uid=hist.uid,
                total=Number(round(total0)),
                observed=Number(round(observed)),
            )
        tf = transform_for(hist.y)
        eng = Engine(tf.fwd(hist.y), tf, hmax=max_months, k_in=k_in, h_cal=min(12, max_months))
        pred = eng.predict(model, len(hist.y), max_months)
        if pred.note:
            notes.add(N_("{uid}: {note}"), uid=hist.uid, note=pred.note)
        months = months_after(hist.last, max_months)
        monthly = tf.inv(sample_paths(pred, n_paths, rng))
        cum = total0 + monthly.cumsum(axis=1)
        hit = first_passing(cum, target)
        counts = np.bincount(hit[hit >= 0], minlength=max_months)
        prob = counts / n_paths
        dist.append(
            pd.DataFrame(
                {"unique_id": hist.uid, "month": months, "probability": prob, "cumulative_probability": prob.cumsum()}
            )
        )
        fans.append(
            pd.DataFrame(
                {
                    "unique_id": hist.uid,
                    "ds": months,
                    **{f"p{q}": np.percentile(cum, q, axis=0) for q in (2.5, 10, 50, 90, 97.5)},
                }
            ).rename(columns={"p2.5": "p2_5", "p97.5": "p97_5"})
        )
        cum_hist = raw[["ds", "y"]].copy()
        cum_hist["cumulative"] = cum_hist["y"].fillna(0).cumsum() + (total0 - observed)
        cum_hist["unique_id"] = hist.uid
        hists.append(cum_hist)
        actual, actual_note = _actual(later.get(hist.uid), as_of, total0, target)
        if total0 >= target:
            notes.add(
                N_("{uid}: the total {total} had already reached {target} by {month}"),
                uid=hist.uid,
                total=Number(round(total0)),
                target=Number(round(target)),
                month=f"{as_of:%Y-%m}",
            )
        rows.append(
            {
                "unique_id": hist.uid,
                "as_of": f"{as_of:%Y-%m}",
                "start_total": total0,
                "target": float(target),
                "model": model,
                "method": pred.method,
                "p10": month_quantile(months, hit, 0.10),
                "p50": month_quantile(months, hit, 0.50),
                "p90": month_quantile(months, hit, 0.90),
                "prob_within_horizon": float((hit >= 0).mean()),
                "horizon_end": f"{months[-1]:%Y-%m}",
                "actual": actual,
                "actual_note": actual_note,
            }
        )
    summary = pd.DataFrame(rows)[SUMMARY_COLUMNS]
    summary.attrs.update(data.attrs)
    summary.attrs["estimate"] = "projection from simulated paths"
    return ReachResult(
        summary,
        pd.concat(dist, ignore_index=True),
        pd.concat(fans, ignore_index=True),
        pd.concat(hists, ignore_index=True),
        notes,
    )


def _as_of_month(end: str) -> pd.Timestamp:
    """The month an `--as-of` bound ends in, read as `series --to` reads it (core.periods): 2019 is 2019-12."""
    last = parse_bound(end, end=True, option="--as-of")
    assert last is not None
    return pd.Timestamp(last.year, last.month, 1)


def _later(store: Store, sel: Selection) -> dict[str, pd.Series]:
    """Published months after the as-of month, per series (empty when the store has none)."""
    if not sel.end:
        return {}
    full = tidy(store, Selection(sel.dataset, sel.where, sel.by, sel.start, None, sel.row_type, sel.edition))
    cut = _as_of_month(sel.end)
    out = {}
    for uid, part in full.groupby("unique_id"):
        after = part[part["ds"] > cut]
        if len(after):
            out[str(uid)] = pd.Series(after["y"].to_numpy(dtype=float), index=pd.DatetimeIndex(after["ds"]))
    return out


def _actual(after: pd.Series | None, as_of: pd.Timestamp, total0: float, target: float) -> tuple[str, str]:
    """When the published series passed the target after `as_of` (same starting total), or how far it got."""
    if total0 >= target:
        return f"{as_of:%Y-%m}", ALREADY
    if after is None or after.notna().sum() == 0:
        return "", NO_LATER
    cum = total0 + after.fillna(0).cumsum()
    passed = cum[cum >= target]
    if len(passed):
        month = passed.index[0]
        return f"{month:%Y-%m}", REACHED.format(total=f"{cum[month]:,.0f}", month=f"{month:%Y-%m}")
    last = after.index[after.notna().to_numpy()][-1]
    return "", NOT_REACHED.format(total=f"{cum[last]:,.0f}", month=f"{last:%Y-%m}")
