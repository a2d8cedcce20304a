"""Print a tidy frame as a Rich table, CSV or JSON: the one way every command shows its result."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from typing import Any

import pandas as pd

from mppwatch.jsonable import records

__all__ = ["Format", "emit", "records", "to_csv"]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def to_csv(frame: pd.DataFrame) -> str:
    """CSV with whole floats as integers and other floats at 12 significant digits (no 1056.1499999999999)."""
    out = io.StringIO()
    plain = frame.copy()
    for col in plain.columns:
        if pd.api.types.is_float_dtype(plain[col]):
            vals = plain[col]
            if vals.dropna().apply(float.is_integer).all():
                plain[col] = vals.astype("Int64")
    plain.to_csv(out, index=False, lineterminator="\n", float_format="%.12g")
    return out.getvalue()


def emit(frame: pd.DataFrame, fmt: Format | str = Format.table, title: str | None = None) -> None:
    """Write `frame` to stdout in the chosen format."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        sys.stdout.write(to_csv(frame))
    elif fmt is Format.json:
        sys.stdout.write(json.dumps(records(frame), ensure_ascii=False, indent=1) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for col in frame.columns:
            numeric = pd.api.types.is_numeric_dtype(frame[col])
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in records(frame):
            table.add_row(*[_cell(v) for v in row.values()])
        Console(width=200).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
