"""JSON-ready values from tidy frames: shared by analysis results (a simulation's JSON) and by the outputs."""

from __future__ import annotations

import math
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime) and value.time() == time(0):  # a month or a day, not an instant
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records: NaN becomes null, dates become ISO strings (midnight as a plain date), whole floats stay
    floats."""
    cols = list(frame.columns)
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in frame.itertuples(index=False, name=None)]
