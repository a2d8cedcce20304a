"""Small reference tables: the source register (source_ids.csv) and EOIR's code lookups."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from mppwatch.core.text import N_
from mppwatch.errors import InputError
from mppwatch.sources.generic import FIELD_COUNT, MALFORMED_CSV, MISSING, decode_csv

SOURCE_COLUMNS = ("source_id", "source_url", "title", "retrieved_via", "note")
LOOKUP_COLUMNS = ("table", "column_hint", "code", "description")
EMPTY = N_("the file is empty")
NOT_EXPECTED = N_("unexpected column")
EMPTY_KEY = N_("empty key")
DUPLICATE_KEY = N_("duplicate key {key} (see line {line})")


def read_table(path: Path, columns: tuple[str, ...], key: tuple[str, ...], unique: bool = True) -> pd.DataFrame:
    """Read a small UTF-8 CSV with an exact header; empty keys, short rows and (if unique) duplicates are errors."""
    file = str(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(file, 1, None, EMPTY)
    text = decode_csv(raw, file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader)
    for col in columns:
        if col not in header:
            raise InputError(file, 1, col, MISSING)
    for col in header:
        if col not in columns:
            raise InputError(file, 1, col, NOT_EXPECTED)
    rows: list[list[str]] = []
    seen: dict[tuple[str, ...], int] = {}
    try:
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                missing = header[len(cells)] if len(cells) < len(header) else None
                raise InputError(file, reader.line_num, missing, FIELD_COUNT, expected=len(header), found=len(cells))
            record = dict(zip(header, cells, strict=True))
            k = tuple(record[c] for c in key)
            if not all(k):
                raise InputError(file, reader.line_num, key[0], EMPTY_KEY)
            if unique and k in seen:
                raise InputError(file, reader.line_num, None, DUPLICATE_KEY, key=k, line=seen[k])
            seen[k] = reader.line_num
            rows.append([record[c] for c in columns])
    except csv.Error as exc:
        raise InputError(file, reader.line_num, None, MALFORMED_CSV, reason=exc) from None
    return pd.DataFrame(rows, columns=list(columns))


def read_source_register(path: Path) -> pd.DataFrame:
    return read_table(path, SOURCE_COLUMNS, ("source_id",))


def read_eoir_lookups(path: Path) -> pd.DataFrame:
    # EOIR repeats codes, even whole rows (active and inactive entries), as its own tables do: keep them all.
    return read_table(path, LOOKUP_COLUMNS, ("table", "code"), unique=False)
