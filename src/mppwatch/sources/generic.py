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
from mppwatch.core.text import N_, Template
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

# what a reader says about a bad cell, line or header (after the file, line and column it names)
REVERSED_RANGE = N_("range '{text}' ends before it starts")
NOT_A_MONTH = N_("'{text}' is not a month (expected YYYY-MM)")
NOT_A_FISCAL_YEAR = N_("'{text}' is not a fiscal year (expected YYYY)")
REVERSED_PERIOD = N_("period ends before it starts")
NO_PERIOD = N_("no period: the cell is empty")
NUL_BYTE = N_("NUL byte (0x00) in the file: a broken export or not a CSV")
NOT_UTF8 = N_("not UTF-8: byte {byte} (re-save the file as UTF-8)")
CANNOT_READ = N_("cannot read: {reason}")
EMPTY_FILE = N_("the file is empty (expected a header row and data rows)")
UNREADABLE_HEADER = N_("unreadable header: {reason}")
TRUNCATED_LINE = N_("truncated last line: {found} of {expected} fields")
FIELD_COUNT = N_("expected {expected} fields, found {found}")
MALFORMED_CSV = N_("malformed CSV: {reason}")
OPEN_QUOTE = N_("a quote opened on line {line} is never closed (truncated file?)")
NO_ROWS = N_("no data rows after the header")
TWICE = N_("column appears twice in the header")
NAMELESS = N_("empty column name in the header")
NOT_IN_LAYOUT = N_("missing column (the {family} layout has {columns})")
UNEXPECTED = N_("unexpected column for the {family} layout")
MISSING = N_("missing column")
NO_PERIOD_COLUMN = N_("missing period column (month, as_of_date, period_start/period_end)")
NO_PERIOD_END = N_("missing column (period_start needs period_end)")
EMPTY_SOURCE = N_("empty source_id")
UNKNOWN_SOURCE = N_(
    "unknown source_id '{value}' (register it: load --source-id ID --source-url URL --title TITLE, "
    "or a source_ids.csv beside the file)"
)
UNKNOWN_ROW_TYPE = N_("unknown row_type '{value}'")
BAD_ROW_TYPE = N_("'{value}': expected detail, monthly or published_*")
NOT_A_NUMBER = N_("'{value}' is not a number")
NEGATIVE = N_("negative count {value}")
DUPLICATE = N_("duplicate key: same source, period and dimensions as line {line}")


def parse_span(text: str, file: str, line: int, column: str) -> tuple[str, date, date]:
    """Parse a YYYY, YYYY-MM or YYYY-MM-DD date into (precision, first day, last day) (`core.periods.span`)."""
    try:
        return span(text)
    except PeriodError as exc:
        raise InputError(file, line, column, Template(exc.template, **exc.fields)) from None


def _month_span(text: str, file: str, line: int) -> tuple[str, str, date, date]:
    """A `month` cell: YYYY-MM, or a printed range YYYY-MM..YYYY-MM."""
    parts = text.split("..")
    if len(parts) == 2 and all(MONTH_RE.match(p) for p in parts):
        _, start, _ = parse_span(parts[0], file, line, "month")
        _, _, end = parse_span(parts[1], file, line, "month")
        if end < start:
            raise InputError(file, line, "month", REVERSED_RANGE, text=text)
        return text, "month_range", start, end
    if not MONTH_RE.match(text):
        raise InputError(file, line, "month", NOT_A_MONTH, text=text)
    _, start, end = parse_span(text, file, line, "month")
    return text, "month", start, end


def _fiscal_year(record: dict[str, str], file: str, line: int) -> tuple[str, str, date, date]:
    text = record.get("fiscal_year", "")
    if not YEAR_RE.match(text):
        raise InputError(file, line, "fiscal_year", NOT_A_FISCAL_YEAR, text=text)
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
            raise InputError(file, line, "period_end", REVERSED_PERIOD)
        return record["as_of_date"], kind, start, end
    if record.get("period_start") and record.get("period_end"):
        kind, start, _ = parse_span(record["period_start"], file, line, "period_start")
        _, _, end = parse_span(record["period_end"], file, line, "period_end")
        if end < start:
            raise InputError(file, line, "period_end", REVERSED_PERIOD)
        return f"{record['period_start']}..{record['period_end']}", "range", start, end
    if "fiscal_year" in record:
        return _fiscal_year(record, file, line)
    column = "month" if "month" in record else "as_of_date" if "as_of_date" in record else "period_start"
    raise InputError(file, line, column, NO_PERIOD)


def decode_csv(raw: bytes, file: str) -> str:
    """A CSV file's bytes as text: UTF-8 with or without a byte-order mark; a NUL byte or a non-UTF-8 byte is an
    error at its line and column (latin-1 and cp1252 exports are refused, not guessed)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul != -1:  # a NUL byte is a broken export or a binary file, never text a publisher printed
        raise InputError(file, *_place(raw, nul), NUL_BYTE)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(file, *_place(raw, exc.start), NOT_UTF8, byte=f"0x{raw[exc.start]:02x}") from None


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
        raise InputError(file, None, None, CANNOT_READ, reason=exc.strerror) from None
    if not raw.strip():
        raise InputError(file, 1, None, EMPTY_FILE)
    text = decode_csv(raw, file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(file, 1, None, UNREADABLE_HEADER, reason=exc) from None
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
                    raise InputError(file, line, missing, TRUNCATED_LINE, found=len(cells), expected=len(header))
                raise InputError(file, line, missing, FIELD_COUNT, expected=len(header), found=len(cells))
            record = dict(zip(header, (c.strip() for c in cells), strict=True))
            rows.append(_observation(record, dimensions, dataset, file, line, family, known, seen))
    except csv.Error as exc:  # the bad record starts on the line after the last one read whole
        start = line + 1
        reason = Template(MALFORMED_CSV, reason=exc)
        if "unexpected end of data" in str(exc):
            reason = Template(OPEN_QUOTE, line=start)
        raise InputError(file, start, None, reason) from None
    if not rows:
        raise InputError(file, 2, None, NO_ROWS)
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    return ParsedFile(path, dataset, sha256_of(path), len(rows), frame, dimensions)


def _check_header(header: list[str], family: Family, file: str) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InputError(file, 1, duplicated[0], TWICE)
    if "" in header:
        raise InputError(file, 1, f"#{header.index('') + 1}", NAMELESS)
    if family.columns is not None:
        missing = [c for c in family.columns if c not in header]
        if missing:
            raise InputError(file, 1, missing[0], NOT_IN_LAYOUT, family=family.name, columns=", ".join(family.columns))
        unexpected = [c for c in header if c not in family.columns]
        if unexpected:
            raise InputError(file, 1, unexpected[0], UNEXPECTED, family=family.name)
    for required in ("source_id", "count"):
        if required not in header:
            raise InputError(file, 1, required, MISSING)
    if not any(c in header for c in ("month", "as_of_date", "period_start", "fiscal_year")):
        raise InputError(file, 1, "month", NO_PERIOD_COLUMN)
    if "period_start" in header and "period_end" not in header:
        raise InputError(file, 1, "period_end", NO_PERIOD_END)


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
        raise InputError(file, line, "source_id", EMPTY_SOURCE)
    if known is not None and source_id not in known:
        raise InputError(file, line, "source_id", UNKNOWN_SOURCE, value=source_id)
    row_type = record.get("row_type") or "detail"
    if family.row_types is not None and row_type not in family.row_types:
        raise InputError(file, line, "row_type", UNKNOWN_ROW_TYPE, value=row_type)
    if not ROW_TYPE_RE.match(row_type):
        raise InputError(file, line, "row_type", BAD_ROW_TYPE, value=row_type)
    if record.get("fiscal_year") and not YEAR_RE.match(record["fiscal_year"]):
        raise InputError(file, line, "fiscal_year", NOT_A_FISCAL_YEAR, text=record["fiscal_year"])
    period, kind, start, end = row_period(record, file, line)
    count = (
        record["count"].replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", record["count"]) else record["count"]
    )
    value: float | None = None
    if count:
        if not NUMBER_RE.match(count):
            raise InputError(file, line, "count", NOT_A_NUMBER, value=record["count"])
        value = float(count)
        if value < 0:
            raise InputError(file, line, "count", NEGATIVE, value=record["count"])
    if family.extra_check is not None:
        family.extra_check(record, line, file)
    dim_values = [record[d] for d in dimensions]
    meta_keys = [m for m in META_COLUMNS if m in record and m != "note"]
    key = (source_id, period, record.get("period_start", ""), record.get("period_end", ""), row_type, *dim_values)
    if key in seen:
        raise InputError(file, line, None, DUPLICATE, line=seen[key])
    seen[key] = line
    return [
        dataset, line, source_id, period, kind, start, end, row_type,
        record.get("flag") or None, record.get("note") or None, dimensions, dim_values,
        meta_keys, [record[m] for m in meta_keys], value,
    ]  # fmt: skip
