"""Print a tidy frame as a Rich table, CSV or JSON: the one way every command shows its result.

Tables are for people: numbers and dates follow the language (16,714 / 16 714; 30 Jun 2019 / 30 jun 2019) and
column headers go through the catalog. CSV and JSON are for machines and never change with the language.
pandas is imported only when a frame is written, so importing this module (every command module does) is cheap,
and a plain `Table` (what `query.series` gives) prints as a table without it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Collection
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mppwatch import i18n
from mppwatch.core.table import Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Format", "emit", "records", "to_csv", "cell", "set_lang", "current_lang"]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


_LANG = {"lang": "en"}

# columns whose cells are sentences the program wrote (not data), translated in tables
PROSE_COLUMNS = frozenset({"method", "actual_note", "p10", "p50", "p90"})  # reach: "after 2024-06"


def set_lang(lang: str) -> None:
    """The language tables use when a command does not say (the CLI sets it once from --lang / the locale)."""
    _LANG["lang"] = i18n.resolve_lang(lang)


def current_lang() -> str:
    """The language set by `set_lang` (en until then)."""
    return _LANG["lang"]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records (see `mppwatch.jsonable.records`)."""
    from mppwatch.jsonable import records as _records

    return _records(frame)


def to_csv(frame: pd.DataFrame) -> str:
    """CSV with whole floats as integers and other floats at 12 significant digits (no 1056.1499999999999)."""
    import pandas as pd

    out = io.StringIO()
    plain = frame.copy()
    for col in plain.columns:
        if pd.api.types.is_float_dtype(plain[col]):
            vals = plain[col]
            if vals.dropna().apply(float.is_integer).all():
                plain[col] = vals.astype("Int64")
    plain.to_csv(out, index=False, lineterminator="\n", float_format="%.12g")
    return out.getvalue()


def _numeric_columns(frame: pd.DataFrame | Table) -> set[str]:
    """The columns a table right-aligns: numbers, not booleans."""
    if isinstance(frame, Table):
        return set(frame.numbers)
    import pandas as pd

    return {
        c for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    }  # fmt: skip


def emit(
    frame: pd.DataFrame | Table,
    fmt: Format | str = Format.table,
    title: str | None = None,
    *,
    lang: str | None = None,
    whole: Collection[str] = (),
    note: str | None = None,
    title_in_lang: bool = False,
) -> None:
    """Write `frame` (a pandas frame, or a plain `Table`, which prints as a table without pandas) to stdout.

    `whole` names columns of people or events shown as whole numbers in the table (an estimate's 4,245.84 people
    print as 4,246); CSV and JSON keep the exact value. `note` prints under the table (table format only).
    `title_in_lang`: the title is already in the reader's language (a catalogue title), not an English sentence.
    """
    fmt = Format(fmt)
    if fmt is not Format.table:
        plain = frame.to_frame() if isinstance(frame, Table) else frame  # one CSV and JSON writer, pandas'
        text = to_csv(plain) if fmt is Format.csv else json.dumps(records(plain), ensure_ascii=False, indent=1) + "\n"
        sys.stdout.write(text)
    else:
        from rich.console import Console
        from rich.table import Table as RichTable

        lang = lang or current_lang()
        _ = i18n.translator(lang)
        table = RichTable(show_lines=False, caption=i18n.localise(note, lang), caption_justify="left")
        columns = list(frame.columns)
        numeric = _numeric_columns(frame)
        for col in columns:
            table.add_column(_(str(col)), justify="right" if col in numeric else "left")
        whole_idx = {i for i, c in enumerate(columns) if c in whole}
        prose_idx = {i for i, c in enumerate(columns) if c in PROSE_COLUMNS}
        for row in frame.records() if isinstance(frame, Table) else records(frame):
            cells = [cell(v, lang, i in whole_idx) for i, v in enumerate(row.values())]
            for i in prose_idx:
                cells[i] = i18n.localise(cells[i], lang) or ""
            table.add_row(*cells)
        console = Console(width=200)
        if title:  # a line of its own: a long title squeezed over a narrow table wraps mid-word
            shown = title if title_in_lang else i18n.localise(title, lang)
            console.print(shown, markup=False, highlight=False, style="italic")
        console.print(table)


def cell(value: Any, lang: str = "en", whole: bool = False) -> str:
    """One table cell in `lang`: grouped numbers (3 decimals unless whole), dates as 30 Jun 2019, None as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n.translator(lang)("yes" if value else "no")
    if isinstance(value, int | float):
        return i18n.format_number(round(value) if whole else value, lang)
    if isinstance(value, str) and _is_iso_date(value):
        return i18n.format_date(value, lang)
    if isinstance(value, dt.date):
        return i18n.format_date(value, lang)
    return str(value)


def _is_iso_date(text: str) -> bool:
    """`2019-06-30` (a day), not `2019-06` (a month label) nor a timestamp with a time of day."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
