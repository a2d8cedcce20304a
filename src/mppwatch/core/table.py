"""A small table of plain Python values: what `query.series` computes, so a command prints it without pandas.

Importing pandas costs about half a second, more than the rest of `mppwatch series` together; a `Table` holds
the same columns and becomes a pandas frame (`to_frame`) only when someone asks for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Table:
    """Named columns of plain values (str, float, None); `numbers` names the float columns (float64 in pandas)."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]
    numbers: frozenset[str] = frozenset()

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, JSON-ready (None for a missing value)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_frame(self) -> pd.DataFrame:
        """The pandas frame: float64 for `numbers` (None becomes NaN), pandas' default string type for the rest."""
        import pandas as pd

        data = {
            col: pd.Series([row[i] for row in self.rows], dtype="float64" if col in self.numbers else "str")
            for i, col in enumerate(self.columns)
        }
        return pd.DataFrame(data, columns=list(self.columns))
