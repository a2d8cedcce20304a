"""The generic reader for any CSV in the long convention: source_id, a period, dimensions, count.

Every family reader (cbp, ohss, inm, ...) is this reader with a fixed header and a few extra checks.
Bad input raises `InputError` naming the file, the line and the column; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from mppwatch.core.periods import DAY_RE as DAY_RE  # re-exported: claims.spec reads it here
from mppwatch.core.periods import MONTH_RE, YEAR_RE, PeriodError, fiscal_year_span, span
from mppwatch.errors import InputError
from mppwatch.store import sha256_of

PERIOD_COLUMNS = ("month", "as_of_date", "period_start", "period_end")
RESERVED = ("source_id", "count", "row_type", "flag", "note", *PERIOD_COLUMNS)
META_COLUMNS = ("note", "transcription", "period")  # describe a row; not dimensions (OHSS `period` = period_kind)
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
ROW_TYPE_RE = re.compile(r"^(detail|monthly|published_[a-z_]+)$")

OBSERVATION_COLUMNS = [
    "dataset", "line", "source_id", "period", "period_kind", "period_start", "period_end",
    "row_type", "flag", "note", "dim_keys", "dim_values", "meta_keys", "meta_values", "value",
]  # fmt: skip


@dataclass
class ParsedFile:
    """A validated file, ready to load: one row per data record, rows_in == len(frame)."""

    path: Path
    dataset: str
    sha256: str
    rows_in: int
    frame: pd.DataFrame
    dimensions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Family:
    """What a reader knows about one publisher's file layout."""

    name: str
    columns: tuple[str, ...] | None = None  # the exact header, or None for any long CSV
    row_types: frozenset[str] | None = None
    extra_check: Callable[[dict[str, str], int, str], None] | None = None


GENERIC = Family("generic")


def parse_span(text: str, file: str, line: int, column: str) -> tuple[str, date, date]:
    """Parse a YYYY, YYYY-MM or YYYY-MM-DD date into (precision, first day, last day) (`core.periods.span`)."""
    try:
        return span(text)
    except PeriodError as exc:
        raise InputError(file, line, column, str(exc)) from None


def _month_span(text: str, file: str, line: int) -> tuple[str, str, date, date]:
    """A `month` cell: YYYY-MM, or a printed range YYYY-MM..YYYY-MM."""
    parts = text.split("..")
    if len(parts) == 2 and all(MONTH_RE.match(p) for p in parts):
        _, start, _ = parse_span(parts[0], file, line, "month")
        _, _, end = parse_span(parts[1], file, line, "month")
        if end < start:
            raise InputError(file, line, "month", f"range {text!r} ends before it starts")
        return text, "month_range", start, end
    if not MONTH_RE.match(text):
        raise InputError(file, line, "month", f"{text!r} is not a month (expected YYYY-MM)")
    _, start, end = parse_span(text, file, line, "month")
    return text, "month", start, end


def _fiscal_year(record: dict[str, str], file: str, line: int) -> tuple[str, str, date, date]:
    text = record.get("fiscal_year", "")
    if not YEAR_RE.match(text):
        raise InputError(file, line, "fiscal_year", f"{text!r} is not a fiscal year (expected YYYY)")
    label = "FY" + (record.get("fy_label") or text)
    return label, "fiscal_year", *fiscal_year_span(int(text))


def row_period(record: dict[str, str], file: str, line: int) -> tuple[str, str, date, date]:
    """(period label, period kind, first day, last day) for one record."""
    if record.get("month"):
        return _month_span(record["month"], file, line)
    if record.get("as_of_date"):
        kind, start, end = parse_span(record["as_of_date"], file, line, "as_of_date")
        if record.get("period_start"):
            _, start, _ = parse_span(record["period_start"], file, line, "period_start")
        if record.get("period_end"):
            _, _, end = parse_span(record["period_end"], file, line, "period_end")
        if end < start:
            raise InputError(file, line, "period_end", "period ends before it starts")
        return record["as_of_date"], kind, start, end
    if record.get("period_start") and record.get("period_end"):
        kind, start, _ = parse_span(record["period_start"], file, line, "period_start")
        _, _, end = parse_span(record["period_end"], file, line, "period_end")
        if end < start:
            raise InputError(file, line, "period_end", "period ends before it starts")
        return f"{record['period_start']}..{record['period_end']}", "range", start, end
    if "fiscal_year" in record:
        return _fiscal_year(record, file, line)
    column = "month" if "month" in record else "as_of_date" if "as_of_date" in record else "period_start"
    raise InputError(file, line, column, "no period: the cell is empty")


def decode_csv(raw: bytes, file: str) -> str:
    """A CSV file's bytes as text: UTF-8 with or without a byte-order mark; a NUL byte or a non-UTF-8 byte is an
    error at its line and column (latin-1 and cp1252 exports are refused, not guessed)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul != -1:  # a NUL byte is a broken export or a binary file, never text a publisher printed
        raise InputError(file, *_place(raw, nul), "NUL byte (0x00) in the file: a broken export or not a CSV")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            file, *_place(raw, exc.start), f"not UTF-8: byte 0x{raw[exc.start]:02x} (re-save the file as UTF-8)"
        ) from None


def _place(raw: bytes, offset: int) -> tuple[int, str | None]:
    """(line, column name) of a byte offset in a CSV, for an error found before the file is parsed."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    first = raw.split(b"\n", 1)[0]
    sep = max((b",", b";", b"\t"), key=first.count)  # Kobo and Excel exports in some locales use ';'
    header = first.decode("utf-8", "replace").strip().split(sep.decode())
    field_index = raw[line_start:offset].count(sep)
    return raw[:offset].count(b"\n") + 1, header[field_index] if field_index < len(header) else None


def read_long_csv(
    path: str | Path,
    dataset: str | None = None,
    family: Family = GENERIC,
    known_sources: Iterable[str] | None = None,
) -> ParsedFile:
    """Read and validate a long CSV; raise InputError at the first problem, with its file, line and column."""
    path = Path(path)
    file = str(path)
    dataset = dataset or path.stem
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(file, None, None, f"cannot read: {exc.strerror}") from None
    if not raw.strip():
        raise InputError(file, 1, None, "the file is empty (expected a header row and data rows)")
    text = decode_csv(raw, file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(file, 1, None, f"unreadable header: {exc}") from None
    header = [h.strip() for h in header]
    _check_header(header, family, file)
    known = set(known_sources) if known_sources else None
    ends_with_newline = text.endswith(("\n", "\r"))
    dimensions = [c for c in header if c not in RESERVED and c not in META_COLUMNS]
    rows: list[list[object]] = []
    seen: dict[tuple[str, ...], int] = {}
    line = 1
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line is not a record
            if len(cells) != len(header):
                last = not ends_with_newline and reader.line_num == text.count("\n") + 1
                missing = header[len(cells)] if len(cells) < len(header) else None
                if last and len(cells) < len(header):
                    raise InputError(file, line, missing, f"truncated last line: {len(cells)} of {len(header)} fields")
                raise InputError(file, line, missing, f"expected {len(header)} fields, found {len(cells)}")
            record = dict(zip(header, (c.strip() for c in cells), strict=True))
            rows.append(_observation(record, dimensions, dataset, file, line, family, known, seen))
    except csv.Error as exc:  # the bad record starts on the line after the last one read whole
        start = line + 1
        reason = f"malformed CSV: {exc}"
        if "unexpected end of data" in str(exc):
            reason = f"a quote opened on line {start} is never closed (truncated file?)"
        raise InputError(file, start, None, reason) from None
    if not rows:
        raise InputError(file, 2, None, "no data rows after the header")
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    return ParsedFile(path, dataset, sha256_of(path), len(rows), frame, dimensions)


def _check_header(header: list[str], family: Family, file: str) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InputError(file, 1, duplicated[0], "column appears twice in the header")
    if "" in header:
        raise InputError(file, 1, f"#{header.index('') + 1}", "empty column name in the header")
    if family.columns is not None:
        missing = [c for c in family.columns if c not in header]
        if missing:
            raise InputError(
                file, 1, missing[0], f"missing column (the {family.name} layout has {', '.join(family.columns)})"
            )
        unexpected = [c for c in header if c not in family.columns]
        if unexpected:
            raise InputError(file, 1, unexpected[0], f"unexpected column for the {family.name} layout")
    for required in ("source_id", "count"):
        if required not in header:
            raise InputError(file, 1, required, "missing column")
    if not any(c in header for c in ("month", "as_of_date", "period_start", "fiscal_year")):
        raise InputError(file, 1, "month", "missing period column (month, as_of_date, period_start/period_end)")
    if "period_start" in header and "period_end" not in header:
        raise InputError(file, 1, "period_end", "missing column (period_start needs period_end)")


def _observation(
    record: dict[str, str],
    dimensions: list[str],
    dataset: str,
    file: str,
    line: int,
    family: Family,
    known: set[str] | None,
    seen: dict[tuple[str, ...], int],
) -> list[object]:
    source_id = record["source_id"]
    if not source_id:
        raise InputError(file, line, "source_id", "empty source_id")
    if known is not None and source_id not in known:
        raise InputError(
            file,
            line,
            "source_id",
            f"unknown source_id {source_id!r} (register it: load --source-id ID --source-url URL --title TITLE, "
            "or a source_ids.csv beside the file)",
        )
    row_type = record.get("row_type") or "detail"
    if family.row_types is not None and row_type not in family.row_types:
        raise InputError(file, line, "row_type", f"unknown row_type {row_type!r}")
    if not ROW_TYPE_RE.match(row_type):
        raise InputError(file, line, "row_type", f"{row_type!r}: expected detail, monthly or published_*")
    if record.get("fiscal_year") and not YEAR_RE.match(record["fiscal_year"]):
        raise InputError(file, line, "fiscal_year", f"{record['fiscal_year']!r} is not a fiscal year (expected YYYY)")
    period, kind, start, end = row_period(record, file, line)
    count = (
        record["count"].replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", record["count"]) else record["count"]
    )
    value: float | None = None
    if count:
        if not NUMBER_RE.match(count):
            raise InputError(file, line, "count", f"{record['count']!r} is not a number")
        value = float(count)
        if value < 0:
            raise InputError(file, line, "count", f"negative count {record['count']}")
    if family.extra_check is not None:
        family.extra_check(record, line, file)
    dim_values = [record[d] for d in dimensions]
    meta_keys = [m for m in META_COLUMNS if m in record and m != "note"]
    key = (source_id, period, record.get("period_start", ""), record.get("period_end", ""), row_type, *dim_values)
    if key in seen:
        raise InputError(file, line, None, f"duplicate key: same source, period and dimensions as line {seen[key]}")
    seen[key] = line
    return [
        dataset, line, source_id, period, kind, start, end, row_type,
        record.get("flag") or None, record.get("note") or None, dimensions, dim_values,
        meta_keys, [record[m] for m in meta_keys], value,
    ]  # fmt: skip
