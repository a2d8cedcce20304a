"""From a selection in the store to clean monthly histories: one regular month grid per series, gaps handled.

Leading and trailing unpublished months are dropped (a series starts when it is first published and ends at the
last published month). Short interior gaps (up to two months) are filled log-linearly; after a longer gap only the
months since the gap are used, because a series that stops and restarts (MPP 1.0 / 2.0) has changed regime.
Every such decision is written to the series' `notes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mppwatch import metrics
from mppwatch.core.text import N_, Notes
from mppwatch.errors import MppwatchError
from mppwatch.store import Store

MAX_FILLED_GAP = 2


class ForecastError(MppwatchError):
    """A forecast request that cannot be answered (no data, too short, bad option); names the series."""


UNKNOWN_MODEL = N_("unknown model {model}; choose from {choices}")


@dataclass
class History:
    """One monthly series ready for modelling."""

    uid: str
    ds: pd.DatetimeIndex
    y: np.ndarray
    notes: Notes = field(default_factory=Notes)  # English, and in Spanish through `notes.in_lang("es")`

    @property
    def last(self) -> pd.Timestamp:
        return pd.Timestamp(self.ds[-1])


@dataclass(frozen=True)
class Selection:
    """What to read from the store: the same choices as `mppwatch series`."""

    dataset: str
    where: dict[str, list[str]] = field(default_factory=dict)
    by: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    row_type: str | None = "detail"
    edition: str | None = None


def tidy(store: Store, sel: Selection, end: str | None = None) -> pd.DataFrame:
    """`unique_id, ds, y` for the selection (monthly), up to `end` (default: the selection's own end)."""
    frame = metrics.series(
        store,
        sel.dataset,
        sel.where,
        list(sel.by),
        sel.start,
        end if end is not None else sel.end,
        sel.row_type,
        "month",
        sel.edition,
    )
    if frame.empty:
        raise ForecastError(N_("{dataset}: the selection has no monthly figures"), dataset=sel.dataset)
    out = metrics.to_tidy(frame, list(sel.by), name=sel.dataset)
    out["y"] = pd.to_numeric(out["y"], errors="coerce").astype(float)
    return out


def histories(frame: pd.DataFrame) -> list[History]:
    """Split a tidy frame into clean histories, one per unique_id."""
    out = []
    for uid, part in frame.groupby("unique_id", sort=True):
        out.append(clean(str(uid), part["ds"], part["y"].to_numpy(dtype=float)))
    return out


def clean(uid: str, ds: Sequence[pd.Timestamp] | pd.Series, y: np.ndarray) -> History:
    """A regular month grid without leading/trailing gaps; short gaps filled, long gaps cut (see module doc)."""
    s = pd.Series(np.asarray(y, dtype=float), index=pd.DatetimeIndex(pd.to_datetime(list(ds)))).sort_index()
    s = s.groupby(level=0).sum(min_count=1)
    notes = Notes()
    if s.notna().sum() == 0:
        raise ForecastError(N_("{uid}: no published values"), uid=uid)
    grid = pd.date_range(s.index.min(), s.index.max(), freq="MS")
    s = s.reindex(grid)
    valid = s.index[s.notna().to_numpy()]
    first, last = valid[0], valid[-1]
    if first != s.index[0]:
        notes.add(N_("starts {month} (nothing published before)"), month=f"{first:%Y-%m}")
    if last != s.index[-1]:
        notes.add(N_("ends {month} (nothing published after)"), month=f"{last:%Y-%m}")
    s = s.loc[first:last]
    missing = s.isna().to_numpy()
    if missing.any():
        runs = _runs(missing)
        long = [(a, b) for a, b in runs if b - a > MAX_FILLED_GAP]
        if long:
            a, b = long[-1]
            notes.add(
                N_("gap {first}..{last} unpublished: using {month} onwards only"),
                first=f"{s.index[a]:%Y-%m}",
                last=f"{s.index[b - 1]:%Y-%m}",
                month=f"{s.index[b]:%Y-%m}",
            )
            s = s.iloc[b:]
            missing = s.isna().to_numpy()
        if missing.any():
            short = _runs(missing)
            if bool((s.dropna() >= 0).all()):
                logged = pd.Series(np.log1p(s.to_numpy()), index=s.index).interpolate(limit_area="inside")
                s = pd.Series(np.expm1(logged.to_numpy()), index=s.index)
            else:
                s = s.interpolate(limit_area="inside")
            notes.add(N_("{n} unpublished month(s) filled by interpolation"), n=sum(b - a for a, b in short))
    return History(uid, pd.DatetimeIndex(s.index), s.to_numpy(dtype=float), notes)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where `mask` is true."""
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def month_label(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m}"
