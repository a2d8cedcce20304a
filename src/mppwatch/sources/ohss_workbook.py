"""Reader for DHS OHSS "Immigration Enforcement and Legal Processes Monthly Tables" workbooks (XLSX).

Every sheet holds one table: a title ("... by Agency and Sector or Field Office: Fiscal Years 2014 to
2024 YTD (August 2024)"), an optional row of merged group headings, a header row that starts
"Fiscal Year | Month", then one "Total" row per fiscal year followed by its months, then notes rows
(footnote definitions glued to their number, symbol legends such as "X Not applicable.", "Notes:",
"Source:"). Tables are found by their header text, not by fixed coordinates, so a moved header or a
renamed sheet still reads; anything that cannot be read raises `WorkbookError` naming sheet and cell.

The result is long and tidy: one row per published cell, with its dimensions as labelled on the sheet
(footnote digits stripped and kept apart), the fiscal year, the period and the cell address. Each column's
row type says where it sits in the sheet's hierarchy (group totals, totals groups, subtotals, totals that the
notes say include unprinted parts), read from the sheet's own structure: see `_hierarchy`.
"""

from __future__ import annotations

import calendar
import math
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from mppwatch.core.text import N_, Field, Template, ascii_fold
from mppwatch.errors import InputError, reason_in
from mppwatch.store import sha256_of

PUBLISHER = "OHSS"
DATASET_PREFIX = "ohss_"

# The publisher's catalogue, read off the July and August 2024 editions: table title -> sheet name.
# A sheet that was renamed keeps its dataset name when its title is one of these.
KNOWN_TITLES: dict[str, str] = {
    "Nationwide CBP Encounters by Encounter Type and Region": "CBP Encounter by Type + Region",
    "CBP SW Border Encounters by Agency and Selected Citizenship": "SWB Encounters by Citizenship",
    "CBP SW Border Encounters by Agency and Family Status": "SWB Encounters by Family Status",
    "CBP SW Border Encounters by Agency and Sector or Field Office": "SWB Enc by Sector+Field Ofc",
    "Nationwide USBP Encounters by Top 100 Citizenships": "Nationwide USBP",
    "Nationwide OFO Enforcement Encounters by Top 100 Citizenships": "Nationwide OFO",
    "SW Border USBP Encounters by Top 100 Citizenships": "SWB USBP",
    "CBP One Appointments": "CBP One Appointments",
    "CBP SW Border Encounters Book-Outs by Agency": "CBP SWB Book-Outs by Agency",
    "CBP SW Border Encounters Book-Outs by Family Status": "CBP SWB Book-Outs by Family",
    "CBP SW Border Encounters Book-Outs by Selected Citizenship": "CBP SWB Book-Outs by Citp",
    "ERO Administrative Arrests by Selected Citizenship": "ERO Arrests by Citizenship",
    "ERO Administrative Arrests by Criminality": "ERO Arrests by Criminality",
    "Book-Ins to ICE Detention by Selected Citizenship": "ICE Book-Ins by Citizenship",
    "Book-Ins to ICE Detention by Criminality": "ICE Book-Ins by Criminality",
    "Book-Ins to ICE Detention by Initial Arresting Agency": "ICE Book-Ins by Arrest Agency",
    "ICE Book-Outs by Criminality": "ICE Book-Outs by Criminality",
    "ICE Book-Outs by Initial Arresting Agency": "ICE Book-Outs by Arrest Agency",
    "ICE ERO Removals and Returns by Selected Citizenship": "ICE ERO R&R by Citizenship",
    "ICE ERO Removals and Returns by Criminality": "ICE ERO R&R by Criminality",
    "ICE ERO Removals and Returns by Initial Arresting Agency": "ICE ERO R&R by Arrest Agcy",
    "DHS Repatriations by Type": "DHS Repats by Type",
    "DHS Removals by Criminality": "DHS Removals by Criminality",
    "DHS Removals by Initial Arresting Agency": "DHS Removals by Arrest Agcy",
    "DHS Removals by Selected Citizenship": "DHS Removals by Citizenship",
    "DHS Enforcement Returns by Selected Citizenship": "DHS Enf Returns by Citizenship",
    "DHS Administrative Returns by Selected Citizenship": "DHS Adm Returns by Citizens",
    "SW Border Credible Fear Screenings Referred to USCIS by Selected Citizenship": "SWB CF Filed by Citp",
    "SW Border Credible Fear Screenings Completed by Result": "SWB CF Completed by Result",
    "Nationwide Credible Fear Screenings Referred to USCIS by Selected Citizenship": "Nationwide CF Filed by Citp",
    "Nationwide Credible Fear Screenings Completed by Result": "Nationwide CF by Result",
    "Confirmed CHNV Beneficiaries by Process": "CHNV I-134",
    "CHNV Parole Process Advance Travel Authorizations by Process": "CHNV Travel Authorization",
    "Confirmed CHNV Paroles by Process": "CHNV Paroles",
}
_KNOWN_BY_KEY = {re.sub(r"\W+", " ", t).strip().casefold(): s for t, s in KNOWN_TITLES.items()}

# What a title's "by ..." phrase becomes as a dimension name; the agency is `component`, as in the CSVs.
DIM_ALIASES = {
    "agency": "component",
    "sector_or_field_office": "location",
    "selected_citizenship": "citizenship",
    "top_100_citizenships": "citizenship",
    "citizenships": "citizenship",
    "initial_arresting_agency": "arresting_agency",
}
RESERVED_DIMS = ("fiscal_year", "fy_label", "edition")
DEFAULT_SYMBOLS = {"X": "not_applicable", "NA": "not_available"}

MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    MONTHS[calendar.month_name[_i].casefold()] = _i
    MONTHS[calendar.month_abbr[_i].casefold()] = _i
MONTHS["sept"] = 9
MONTH_NAME_RE = "|".join(calendar.month_name[i] for i in range(1, 13))
EDITION_RE = re.compile(rf"\(\s*({MONTH_NAME_RE})\s+(\d{{4}})\s*\)\s*$", re.IGNORECASE)
FILE_EDITION_RE = re.compile(rf"({MONTH_NAME_RE})[-_ ]?(\d{{4}})", re.IGNORECASE)
FY_RE = re.compile(r"^\s*(?:FY\s*)?(\d{4})(\s*YTD)?\s*$", re.IGNORECASE)
FOOTNOTE_DEF_RE = re.compile(r"^(\d{1,2})\s*([^\d\s].*)$", re.DOTALL)
LEGEND_RE = re.compile(r"^([A-Z]{1,3}|[*†‡§–—-])\s+([A-Za-z][^.]{0,40})\.$")  # 'X Not applicable.'
MARKER_RE = re.compile(r"^(.*?[^\d\s])(\d{1,2})$", re.DOTALL)
NUMBER_TEXT_RE = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
TOTAL_LABEL_RE = re.compile(r"^total\b", re.IGNORECASE)
SUM_DEFINITION_RE = re.compile(r"\bsum of\b", re.IGNORECASE)  # footnote 4: 'The sum of Title 8 removals and ...'
# 'Columns do not add to total because total includes encounters with unknown family status.'
UNLISTED_RE = re.compile(
    r"\b(?:columns|rows|categories|components)\s+do(?:es)?\s+not\s+(?:add|sum)\s+(?:up\s+)?to\s+(?:the\s+)?totals?\b[^.]*",
    re.IGNORECASE,
)
ROW_DETAIL = "detail"
ROW_TOTAL = "published_total"
ROW_SUBTOTAL = "published_subtotal"  # an intermediate total: neither a total reconcile checks nor a part
ROW_COMPONENT = "published_component"  # a printed part of a total that is itself a total over another level
ROW_TOTAL_INCL_UNLISTED = "published_total_incl_unlisted"  # includes parts not printed (the sheet's notes say so)


class WorkbookError(InputError):
    """A workbook that cannot be read, located at file, sheet and cell; `reason` a template with `fields`."""

    def __init__(self, file: str, sheet: str | None, cell: str | None, reason: str, /, **fields: Field) -> None:
        self.sheet, self.cell = sheet, cell
        super().__init__(file, None, f"{sheet}!{cell}" if sheet and cell else sheet, reason, **fields)

    def render(self, lang: str) -> str:
        reason = reason_in(self.reason_message, lang)
        if self.sheet and self.cell:
            return Template(AT_CELL, file=self.file, sheet=repr(self.sheet), cell=self.cell, reason=reason).render(lang)
        if self.sheet:
            return Template(AT_SHEET, file=self.file, sheet=repr(self.sheet), reason=reason).render(lang)
        return f"{self.file}: {reason}"


AT_CELL = N_("{file}: sheet {sheet}, cell {cell}: {reason}")
AT_SHEET = N_("{file}: sheet {sheet}: {reason}")
NO_SUCH_FILE = N_("no such file")
EMPTY = N_("the file is empty (not an XLSX workbook)")
NOT_A_ZIP = N_("not an XLSX workbook: not a zip archive (truncated download or wrong file?)")
NO_WORKBOOK_PART = N_("a zip archive without xl/workbook.xml: not an XLSX workbook")
UNREADABLE = N_("not a readable XLSX workbook: {reason} (truncated?)")
UNREADABLE_PART = N_("not a readable XLSX workbook: {reason}")
BAD_CHECKSUM = N_("corrupt XLSX workbook: part {part} fails its checksum (truncated?)")
UNREADABLE_SHEET = N_("unreadable sheet: {reason}")
NOT_DATA = N_("unexpected value {value} in a data cell")
NOT_A_COUNT = N_("{value} is not a count")
NEGATIVE = N_("negative count {value}")
NOT_A_SYMBOL = N_("'{value}' is neither a number nor a symbol the sheet defines ({known})")
NO_VALUE_COLUMNS = N_("no value columns after 'Fiscal Year' and 'Month'")
AFTER_NOTES = N_("a data row after the notes that start at row {row}")
NO_DATA_ROWS = N_("no data rows (expected 'Total' or a month name)")
NO_HEADING = N_("values under an empty column heading")
REPEATED_COLUMN = N_("column '{column}' repeats column {other}")
NOT_A_FISCAL_YEAR = N_("'{value}' is not a fiscal year")
FISCAL_YEAR_TWICE = N_("fiscal year {year} appears twice")
MONTH_FIRST = N_("a month before any fiscal year")
TOTAL_ALONE = N_("a 'Total' row without its fiscal year")
MONTH_TWICE = N_("{month} appears twice in FY{year}")
NOT_AN_EDITION = N_("'{value}' is not an edition (expected YYYY-MM)")
NO_TABLE = N_("no table found: no 'Fiscal Year' | 'Month' header row and not a table of contents")
NO_TABLES = N_("no tables found: is this an OHSS monthly tables workbook?")
NO_EDITION = N_("cannot tell the edition from the titles or the file name; pass --edition YYYY-MM")


@dataclass
class SheetTable:
    """One table read from one sheet: its identity, its layout facts and its cells as tidy rows."""

    sheet: str
    dataset: str
    title: str
    measure: str
    header_cell: str
    dimensions: list[str]
    footnotes: dict[str, str]
    symbols: dict[str, str]
    notes: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    category: str | None = None


@dataclass
class Workbook:
    """A whole workbook read into memory: nothing here has touched a database."""

    path: Path
    sha256: str
    edition: str
    publisher: str
    tables: list[SheetTable]
    contents: list[dict[str, Any]] = field(default_factory=list)  # the table of contents, as printed
    missing: list[str] = field(default_factory=list)  # titles listed in the contents but not found

    @property
    def source_id(self) -> str:
        return f"OHSS_IELP_{self.edition}"

    def frame(self) -> pd.DataFrame:
        """Every cell of every table as one long frame (dimensions spread into columns)."""
        records = []
        for table in self.tables:
            for row in table.rows:
                records.append(
                    {
                        "dataset": table.dataset,
                        "sheet": table.sheet,
                        "title": table.title,
                        "measure": table.measure,
                        "edition": self.edition,
                        **{k: v for k, v in row.items() if k != "dims"},
                        **row["dims"],
                    }
                )
        return pd.DataFrame.from_records(records)

    def table(self, name: str) -> SheetTable:
        """A table by sheet name or dataset name."""
        for table in self.tables:
            if name in (table.sheet, table.dataset):
                return table
        raise KeyError(name)


def slug(text: str) -> str:
    """`'SWB Enc by Sector+Field Ofc'` -> `'swb_enc_by_sector_field_ofc'`."""
    return re.sub(r"[^a-z0-9]+", "_", ascii_fold(text)).strip("_")


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) -> 'B4'."""
    return f"{column_letter(col)}{row + 1}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _norm(value: Any) -> str:
    return _text(value).casefold()


def edition_from_title(title: str) -> str | None:
    """`'...: Fiscal Years 2014 to 2024 YTD (August 2024)'` -> `'2024-08'`."""
    if m := EDITION_RE.search(title):
        return f"{int(m[2]):04d}-{MONTHS[m[1].casefold()]:02d}"
    return None


def edition_from_name(name: str) -> str | None:
    """`'...-tables-august-2024.xlsx'` -> `'2024-08'`."""
    found = FILE_EDITION_RE.findall(name)
    if not found:
        return None
    month, year = found[-1]
    return f"{int(year):04d}-{MONTHS[month.casefold()]:02d}"


# -- opening -------------------------------------------------------------------------------------


def check_xlsx(path: Path) -> None:
    """Fail clearly unless `path` is a complete XLSX archive (a zip with a workbook part and sound CRCs)."""
    file = str(path)
    if not path.is_file():
        raise InputError(file, None, None, NO_SUCH_FILE)
    if path.stat().st_size == 0:
        raise InputError(file, None, None, EMPTY)
    if not zipfile.is_zipfile(path):
        raise InputError(file, None, None, NOT_A_ZIP)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise InputError(file, None, None, NO_WORKBOOK_PART)
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise InputError(file, None, None, UNREADABLE, reason=exc) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(file, None, None, UNREADABLE, reason=exc) from None
    if bad is not None:
        raise InputError(file, None, None, BAD_CHECKSUM, part=bad)


def _merges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges per sheet name, as 0-based (row1, col1, row2, col2); read-only openpyxl does not give them."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        try:
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        except KeyError:
            return out
        targets = {
            m["id"]: m["target"]
            for m in re.finditer(r'<Relationship\b[^>]*?\bId="(?P<id>[^"]+)"[^>]*?\bTarget="(?P<target>[^"]+)"', rels)
        }
        targets.update(
            {
                m["id"]: m["target"]
                for m in re.finditer(
                    r'<Relationship\b[^>]*?\bTarget="(?P<target>[^"]+)"[^>]*?\bId="(?P<id>[^"]+)"', rels
                )
            }
        )
        for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", book):
            attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m[1]))
            name = _unescape(attrs.get("name", ""))
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            target = targets.get(rid or "")
            if not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            try:
                data = archive.read(part)
            except KeyError:
                continue
            out[name] = [
                (int(r1) - 1, column_index(c1.decode()), int(r2) - 1, column_index(c2.decode()))
                for c1, r1, c2, r2 in MERGE_RE.findall(data)
            ]
    return out


def _unescape(text: str) -> str:
    return (
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
    )


def _load_rows(path: Path) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    file = str(path)
    handle = open(path, "rb")  # a handle, so a workbook under any file name (a download's .part) reads
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged parts
        handle.close()
        raise InputError(file, None, None, UNREADABLE_PART, reason=f"{type(exc).__name__}: {exc}") from None
    try:
        sheets = []
        for ws in book.worksheets:
            try:
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
            except Exception as exc:
                raise WorkbookError(
                    file, ws.title, None, UNREADABLE_SHEET, reason=f"{type(exc).__name__}: {exc}"
                ) from None
            width = max((len(r) for r in rows), default=0)
            sheets.append((ws.title, [r + [None] * (width - len(r)) for r in rows]))
        return sheets
    finally:
        book.close()
        handle.close()


# -- reading one table -----------------------------------------------------------------------------


@dataclass
class _Header:
    row: int
    col: int  # the 'Fiscal Year' column; 'Month' is col + 1


def _find_headers(rows: list[list[Any]]) -> list[_Header]:
    found = []
    for i, row in enumerate(rows):
        for j in range(len(row) - 1):
            if isinstance(row[j], str) and _norm(row[j]) == "fiscal year" and _norm(row[j + 1]) == "month":
                found.append(_Header(i, j))
                break
    return found


def _group_row(rows: list[list[Any]], header: _Header, top: int, last: int | None = None) -> int | None:
    """The row right above the header when it holds group headings: text over value columns only."""
    h, j = header.row, header.col
    if h - 1 < top:
        return None
    above = rows[h - 1]
    end = last + 1 if last is not None else len(above)
    if not any(_text(v) for v in above[: j + 2]) and any(_text(v) for v in above[j + 2 : end]):
        return h - 1
    return None


def _is_note(text: str) -> bool:
    return bool(
        FOOTNOTE_DEF_RE.match(text)
        or LEGEND_RE.match(text)
        or re.match(r"^(notes?|source|sources)\s*:", text, re.IGNORECASE)
        or re.match(r"^return to table of contents", text, re.IGNORECASE)
        or text.startswith("*")
    )


def _find_title(rows: list[list[Any]], top: int, bottom: int) -> tuple[str, int | None]:
    """The nearest title-like text in rows [top, bottom): not a note, not the link back to the contents."""
    for i in range(bottom - 1, top - 1, -1):
        for value in rows[i]:
            text = _text(value)
            if text and not _is_note(text) and not isinstance(value, int | float):
                return text, i
    return "", None


def _split_marker(label: str, defined: set[str]) -> tuple[str, list[str]]:
    """`'T8 repatriations1'` -> `('T8 repatriations', ['1'])` when footnote 1 is defined under the table.

    With no footnote defined at all, digits glued to a lowercase letter or ')' still count as markers.
    """
    m = MARKER_RE.match(label)
    if not m or len(m[1].strip()) < 2:
        return label, []
    base, digits = m[1].rstrip(), m[2]
    if digits in defined:
        return base, [digits]
    if len(digits) == 2 and all(d in defined for d in digits):
        return base, list(digits)
    if not defined and re.search(r"[a-z)]$", base):
        return base, [digits]
    return label, []


def _title_parts(title: str) -> tuple[str, list[str]]:
    """`'CBP SW Border Encounters by Agency and Sector or Field Office: ...'` -> (measure, ['Agency', ...])."""
    core = title.split(":")[0].strip()
    m = re.search(r"^(.*?)\s+by\s+(.+)$", core, re.IGNORECASE)
    if not m:
        return core, []
    return m[1].strip(), [p.strip() for p in re.split(r"\s+and\s+", m[2]) if p.strip()]


def _dim_name(phrase: str) -> str:
    name = slug(phrase)
    return DIM_ALIASES.get(name, name) or "category"


def _dimension_names(measure: str, by: list[str], levels: int) -> list[str]:
    if levels == 1:
        return [_dim_name(" and ".join(by))] if by else ["category"]
    if len(by) >= 2:
        names = [_dim_name(by[0]), _dim_name(" and ".join(by[1:]))]
    elif len(by) == 1:
        name = _dim_name(by[0])
        names = [name, "outcome"] if "book-out" in measure.casefold() else [f"{name}_group", name]
    else:
        names = ["group", "category"]
    if names[0] == names[1]:
        names[0] += "_group"
    return [n if n not in RESERVED_DIMS else f"{n}_dim" for n in names]


def _group_spans(
    rows: list[list[Any]], group_row: int, first_col: int, last_col: int, merges: list[tuple[int, int, int, int]]
) -> dict[int, tuple[str, int]]:
    """Group heading per value column: merged ranges when the file has them, else carried right."""
    out: dict[int, tuple[str, int]] = {}
    row = rows[group_row]
    spans = [(c1, c2) for r1, c1, r2, c2 in merges if r1 <= group_row <= r2 and c2 >= first_col]
    if spans:
        for col in range(first_col, last_col + 1):
            text = _text(row[col]) if col < len(row) else ""
            if text:
                out[col] = (text, col)
        for c1, c2 in spans:
            text = _text(row[c1]) if c1 < len(row) else ""
            if text:
                for col in range(max(c1, first_col), min(c2, last_col) + 1):
                    out[col] = (text, c1)
        return out
    current: tuple[str, int] | None = None
    for col in range(first_col, last_col + 1):
        text = _text(row[col]) if col < len(row) else ""
        if text:
            current = (text, col)
        if current:
            out[col] = current
    return out


@dataclass
class _Column:
    col: int
    dims: list[str]  # values per dimension level, as labelled (markers stripped)
    markers: list[str]
    row_type: str


@dataclass
class _Head:
    """A value column as printed: its group heading (if any) and its own label, footnote markers apart."""

    col: int
    group: str  # the group heading, '' when the column has none
    leaf: str
    markers: list[str]  # the group's markers, then the label's
    leaf_markers: list[str] = field(default_factory=list)


def _level_phrases(measure: str, by: list[str], levels: int) -> list[str]:
    """The title's wording for each dimension level (as `_dimension_names` assigns them); '' for none."""
    if levels == 1:
        return [" and ".join(by)]
    if len(by) >= 2:
        return [by[0], " and ".join(by[1:])]
    if len(by) == 1:
        return [by[0], ""] if "book-out" in measure.casefold() else [by[0], by[0]]
    return ["", ""]


def _stems(text: str) -> set[str]:
    """Crude word stems (first five letters) for matching a note's wording with a dimension's."""
    return {w[:5] for w in re.findall(r"[a-z]+", text.casefold()) if len(w) >= 4} - {"total"}


def _unlisted_levels(notes: list[str], measure: str, phrases: list[str]) -> set[int]:
    """Levels whose totals the notes say include parts the sheet does not print.

    'Columns do not add to total because total includes encounters with unknown family status' names the
    family-status level; a note that names no level of the sheet applies to all of them.
    """
    levels: set[int] = set()
    for note in notes:
        for m in UNLISTED_RE.finditer(note):
            words = _stems(m[0]) - _stems(measure)
            named = {k for k, phrase in enumerate(phrases) if _stems(phrase) & words}
            levels |= named or set(range(len(phrases)))
    return levels


def _main_total(labelled: list[_Head], heading: str) -> _Head | None:
    """The group's own total among its 'Total ...' columns: 'Total', the heading itself, 'Total <heading>', else the first."""
    for wanted in ("total", heading.casefold(), f"total {heading}".casefold()):
        for h in labelled:
            if h.leaf.casefold() == wanted:
                return h
    return labelled[0] if labelled else None


def _hierarchy(
    heads: list[_Head],
    names: list[str],
    by: list[str],
    measure: str,
    footnotes: dict[str, str],
    notes: list[str],
) -> list[_Column]:
    """Dimension values and row type of every column, from the sheet's own structure.

    - In each group (or the whole sheet when there are no groups) the column labelled 'Total ...' is the
      group's total; further 'Total ...' columns, and columns whose footnote defines them as a "sum of"
      others, are subtotals (`published_subtotal`), never parts.
    - A group headed 'Total ...' (or a column with no heading) on a sheet whose groups are not agencies holds
      totals across the groups. A column whose label recurs in other groups totals that label over them and
      is a `published_component` of the grand total, which reconcile then checks against these printed
      components (as the bundled CSVs check 'Total CBP' against CBP's outcomes). A column found in no other
      group is a part with no breakdown: a detail that is its own group.
    - On agency sheets 'Total CBP' is the component CBP with its own details, as in the bundled CSVs.
    - When the notes say columns do not add to the total (it includes parts not printed), a total summed over
      that level is `published_total_incl_unlisted`: reconcile checks it only as a lower bound of its printed parts.
    """
    grouped = len(names) == 2
    phrases = _level_phrases(measure, by, len(names))
    unlisted = _unlisted_levels(notes, measure, phrases)
    summed = {h.col for h in heads if any(SUM_DEFINITION_RE.search(footnotes.get(m, "")) for m in h.leaf_markers)}
    if not grouped:
        main = _main_total([h for h in heads if TOTAL_LABEL_RE.match(h.leaf)], "")
        out = []
        for h in heads:
            if h is main:
                row_type = ROW_TOTAL_INCL_UNLISTED if unlisted else ROW_TOTAL
            elif TOTAL_LABEL_RE.match(h.leaf) or h.col in summed:
                row_type = ROW_SUBTOTAL
            else:
                row_type = ROW_DETAIL
            out.append(_Column(h.col, [h.leaf], h.markers, row_type))
        return out
    component = names[0] == "component"
    members: dict[str, list[_Head]] = {}
    for h in heads:
        if component:
            value = re.sub(r"^Total\s+", "", h.group)
            if not value and (m := re.match(r"^Total\s+(\S+)$", h.leaf)):
                value = m[1]
        else:
            value = h.group
        members.setdefault(value or "Total", []).append(h)
    totals_groups = set() if component else {g for g in members if TOTAL_LABEL_RE.match(g)}
    plain_leaves = {h.leaf.casefold() for g, hs in members.items() if g not in totals_groups for h in hs}
    columns: list[_Column] = []
    for group, hs in members.items():
        heading = hs[0].group if hs[0].group else group
        labelled = [h for h in hs if TOTAL_LABEL_RE.match(h.leaf)]
        main = _main_total(labelled, heading)
        across = [h for h in hs if h is not main and h not in labelled and h.col not in summed]
        across = [h for h in across if h.leaf.casefold() in plain_leaves]
        own = group in totals_groups and any(
            h is not main and h not in labelled and h.col not in summed and h not in across for h in hs
        )
        for h in hs:
            leaf = "Total" if h.leaf.casefold() == f"total {group}".casefold() else h.leaf
            values = [group, leaf]
            if h is main:
                # summed over the leaf level: its own group's parts, or its components; else over both levels
                within = group not in totals_groups or (bool(across) and not own)
                complete = 1 not in unlisted if within else not unlisted
                row_type = ROW_TOTAL if complete else ROW_TOTAL_INCL_UNLISTED
            elif h in labelled or h.col in summed:
                row_type = ROW_SUBTOTAL
            elif group in totals_groups and h in across:
                if not own:
                    row_type = ROW_COMPONENT
                else:
                    row_type = ROW_TOTAL_INCL_UNLISTED if 0 in unlisted else ROW_TOTAL
            elif group in totals_groups:
                row_type, values = ROW_DETAIL, [h.leaf, h.leaf]
            else:
                row_type = ROW_DETAIL
            columns.append(_Column(h.col, values, h.markers, row_type))
    return sorted(columns, key=lambda c: c.col)


def _value(raw: Any, symbols: dict[str, str], file: str, sheet: str, cell: str) -> tuple[float | None, str | None]:
    if isinstance(raw, bool):
        raise WorkbookError(file, sheet, cell, NOT_DATA, value=repr(raw))
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise WorkbookError(file, sheet, cell, NOT_A_COUNT, value=repr(raw))
        if raw < 0:
            raise WorkbookError(file, sheet, cell, NEGATIVE, value=raw)
        return float(raw), None
    text = _text(raw)
    if text == "":
        return None, "blank"
    if text in symbols:
        return None, symbols[text]
    if NUMBER_TEXT_RE.match(text):
        number = float(text.replace(",", ""))
        if number < 0:
            raise WorkbookError(file, sheet, cell, NEGATIVE, value=text)
        return number, None
    known = ", ".join(sorted(symbols)) or "none"
    raise WorkbookError(file, sheet, cell, NOT_A_SYMBOL, value=text, known=known)


def _read_table(
    file: str,
    sheet: str,
    rows: list[list[Any]],
    header: _Header,
    end: int,
    title_top: int,
    merges: list[tuple[int, int, int, int]],
) -> SheetTable:
    h, j = header.row, header.col
    head = rows[h]
    last = max((c for c in range(j + 2, len(head)) if _text(head[c])), default=None)
    if last is None:
        raise WorkbookError(file, sheet, cell_name(h, j + 2), NO_VALUE_COLUMNS)
    # A group-heading row sits right above the header, with text only over the value columns.
    group_row = _group_row(rows, header, title_top, last)
    title, _ = _find_title(rows, title_top, group_row if group_row is not None else h)
    # Notes under the table: footnote definitions, symbol legends, free notes; they end the data.
    data_rows: list[int] = []
    notes: list[str] = []
    footnotes: dict[str, str] = {}
    symbols = dict(DEFAULT_SYMBOLS)
    notes_started: int | None = None
    for i in range(h + 1, end):
        row = rows[i]
        month = _norm(row[j + 1]) if j + 1 < len(row) else ""
        if month in MONTHS or month == "total":
            if notes_started is not None:
                raise WorkbookError(file, sheet, cell_name(i, j + 1), AFTER_NOTES, row=notes_started + 1)
            data_rows.append(i)
            continue
        texts = [(c, _text(v)) for c, v in enumerate(row) if _text(v)]
        if not texts:
            continue
        col, text = texts[0]
        if notes_started is None:
            notes_started = i
        if m := FOOTNOTE_DEF_RE.match(text):
            footnotes[m[1]] = m[2].strip()
        elif m := LEGEND_RE.match(text):
            symbols[m[1]] = slug(m[2])
        else:
            notes.append(text)
    if not data_rows:
        raise WorkbookError(file, sheet, cell_name(h + 1, j + 1), NO_DATA_ROWS)
    defined = set(footnotes)
    measure, by = _title_parts(title) if title else (sheet, [])
    names = _dimension_names(measure, by, 2 if group_row is not None else 1)
    groups = _group_spans(rows, group_row, j + 2, last, merges) if group_row is not None else {}
    heads: list[_Head] = []
    for c in range(j + 2, last + 1):
        raw_label = _text(head[c])
        if not raw_label:
            for i in data_rows:
                if _text(rows[i][c]):
                    raise WorkbookError(file, sheet, cell_name(h, c), NO_HEADING)
            continue
        leaf, leaf_markers = _split_marker(raw_label, defined)
        markers = list(leaf_markers)
        group = ""
        if group_row is not None:
            group_text, _ = groups.get(c, ("", c))
            group, group_markers = _split_marker(group_text, defined) if group_text else ("", [])
            markers = group_markers + markers
        heads.append(_Head(c, group, leaf, markers, leaf_markers))
    columns = _hierarchy(heads, names, by, measure, footnotes, notes)
    seen_keys: dict[tuple[str, ...], str] = {}
    for column in columns:
        key = tuple(column.dims)
        if key in seen_keys:
            raise WorkbookError(
                file, sheet, cell_name(h, column.col), REPEATED_COLUMN, column=" / ".join(key), other=seen_keys[key]
            )
        seen_keys[key] = column_letter(column.col)
    # Fiscal years and months.
    table = SheetTable(
        sheet=sheet,
        dataset="",
        title=title or sheet,
        measure=measure,
        header_cell=cell_name(h, j),
        dimensions=names,
        footnotes=footnotes,
        symbols=symbols,
        notes=notes,
    )
    letters = [column_letter(c.col) for c in columns]
    fy: int | None = None
    fy_label = ""
    fy_months: dict[int, set[int]] = {}
    pending_totals: list[dict[str, Any]] = []
    for i in data_rows:
        row = rows[i]
        fy_cell = row[j]
        if _text(fy_cell):
            if isinstance(fy_cell, int | float) and float(fy_cell).is_integer():
                fy, fy_label = int(fy_cell), str(int(fy_cell))
            elif m := FY_RE.match(_text(fy_cell)):
                fy = int(m[1])
                fy_label = re.sub(r"^FY\s*", "", _text(fy_cell), flags=re.IGNORECASE)
            else:
                raise WorkbookError(file, sheet, cell_name(i, j), NOT_A_FISCAL_YEAR, value=_text(fy_cell))
            if fy in fy_months:
                raise WorkbookError(file, sheet, cell_name(i, j), FISCAL_YEAR_TWICE, year=fy)
            fy_months[fy] = set()
        if fy is None:
            raise WorkbookError(file, sheet, cell_name(i, j), MONTH_FIRST)
        month_text = _norm(row[j + 1])
        if month_text == "total":
            if not _text(fy_cell):
                raise WorkbookError(file, sheet, cell_name(i, j), TOTAL_ALONE)
            period, kind = f"FY{fy_label}", "fiscal_year"
            start, stop = date(fy - 1, 10, 1), date(fy, 9, 30)
        else:
            num = MONTHS[month_text]
            if num in fy_months[fy]:
                raise WorkbookError(file, sheet, cell_name(i, j + 1), MONTH_TWICE, month=_text(row[j + 1]), year=fy)
            fy_months[fy].add(num)
            year = fy - 1 if num >= 10 else fy
            period, kind = f"{year:04d}-{num:02d}", "month"
            start, stop = date(year, num, 1), date(year, num, calendar.monthrange(year, num)[1])
        for column, letter in zip(columns, letters, strict=True):
            cell = f"{letter}{i + 1}"
            raw = row[column.col]
            value: float | None
            flag: str | None
            if type(raw) is int:  # the common case, checked first
                if raw < 0:
                    raise WorkbookError(file, sheet, cell, NEGATIVE, value=raw)
                value, flag = float(raw), None
            else:
                value, flag = _value(raw, symbols, file, sheet, cell)
            record: dict[str, Any] = {
                "fiscal_year": str(fy),
                "fy_label": fy_label,
                "period": period,
                "period_kind": kind,
                "period_start": start,
                "period_end": stop,
                "row_type": column.row_type,
                "value": value,
                "flag": flag,
                "dims": dict(zip(names, column.dims, strict=True)),
                "footnotes": ",".join(column.markers),
                "cell": cell,
                "line": i + 1,
            }
            table.rows.append(record)
            if kind == "fiscal_year":
                pending_totals.append(record)
    # A year-to-date total covers only the months printed under it.
    for record in pending_totals:
        months = fy_months.get(int(record["fiscal_year"]), set())
        if "ytd" in record["fy_label"].casefold() and months:
            fy_num = int(record["fiscal_year"])
            last_month = max(months, key=lambda m: (m < 10, m))
            year = fy_num - 1 if last_month >= 10 else fy_num
            record["period_end"] = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return table


def _read_contents(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """The table of contents: Category | Table | Starting Date, as printed."""
    for i, row in enumerate(rows):
        norms = [_norm(v) for v in row]
        if "category" in norms and "table" in norms:
            c_cat, c_table = norms.index("category"), norms.index("table")
            c_start = norms.index("starting date") if "starting date" in norms else None
            out = []
            for row2 in rows[i + 1 :]:
                title = _text(row2[c_table]) if c_table < len(row2) else ""
                if not title:
                    continue
                category = _text(row2[c_cat])
                if not category:
                    continue
                out.append(
                    {
                        "category": category,
                        "title": title,
                        "starting_date": _text(row2[c_start]) if c_start is not None else "",
                    }
                )
            return out
    return []


def _title_key(title: str) -> str:
    return re.sub(r"\W+", " ", title.split(":")[0]).strip().casefold()


def read_workbook(path: str | Path, edition: str | None = None) -> Workbook:
    """Read every table of an OHSS monthly-tables workbook; raise `InputError`/`WorkbookError` at the first problem."""
    path = Path(path)
    file = str(path)
    check_xlsx(path)
    if edition is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", edition):
        raise InputError(file, None, "--edition", NOT_AN_EDITION, value=edition)
    sheets = _load_rows(path)
    merges = _merges(path)
    tables: list[SheetTable] = []
    contents: list[dict[str, Any]] = []
    for name, rows in sheets:
        headers = _find_headers(rows)
        if not headers:
            if found := _read_contents(rows):
                contents = found
                continue
            if not any(_text(v) for r in rows for v in r):
                continue  # an empty sheet
            raise WorkbookError(file, name, "A1", NO_TABLE)
        # Each table runs from its preamble (title, group headings) to the next table's preamble.
        starts = []
        for k, header in enumerate(headers):
            top = max(headers[k - 1].row + 1 if k else 0, header.row - 4)
            above = _group_row(rows, header, top)
            bottom = above if above is not None else header.row
            _, title_row = _find_title(rows, top, bottom)
            starts.append((top, title_row if title_row is not None else bottom))
        for k, header in enumerate(headers):
            end = starts[k + 1][1] if k + 1 < len(headers) else len(rows)
            tables.append(_read_table(file, name, rows, header, end, starts[k][0], merges.get(name, [])))
    if not tables:
        raise InputError(file, None, None, NO_TABLES)
    _name_datasets(tables)
    _infer_citizenship(tables)
    categories = {_title_key(c["title"]): c["category"] for c in contents}
    for table in tables:
        table.category = categories.get(_title_key(table.title))
    found_titles = {_title_key(t.title) for t in tables}
    missing = [c["title"] for c in contents if _title_key(c["title"]) not in found_titles]
    chosen = edition or _edition_of(tables, path)
    if chosen is None:
        raise InputError(file, None, None, NO_EDITION)
    return Workbook(path, sha256_of(path), chosen, PUBLISHER, tables, contents, missing)


def _edition_of(tables: list[SheetTable], path: Path) -> str | None:
    votes = Counter(e for t in tables if (e := edition_from_title(t.title)))
    if votes:
        return votes.most_common(1)[0][0]
    return edition_from_name(path.name)


def _name_datasets(tables: list[SheetTable]) -> None:
    """`ohss_<sheet-slug>`, using the catalogue's sheet name when a known title sits on a renamed sheet."""
    used: Counter[str] = Counter()
    for table in tables:
        canonical = _KNOWN_BY_KEY.get(_title_key(table.title), table.sheet)
        base = DATASET_PREFIX + slug(canonical)
        used[base] += 1
        table.dataset = base if used[base] == 1 else f"{base}_{used[base]}"


def _infer_citizenship(tables: list[SheetTable]) -> None:
    """A dimension the title does not name ('category') is `citizenship` when its labels are citizenships elsewhere."""
    countries = {row["dims"]["citizenship"] for t in tables if "citizenship" in t.dimensions for row in t.rows}
    countries -= {"Total", "Other", "Others", "All Other"}
    for table in tables:
        for level, name in enumerate(table.dimensions):
            if name != "category":
                continue
            labels = {row["dims"][name] for row in table.rows} - {"Total", "Other", "Others", "All Other"}
            if labels and len(labels & countries) >= 0.8 * len(labels) and "citizenship" not in table.dimensions:
                table.dimensions[level] = "citizenship"
                for row in table.rows:
                    row["dims"]["citizenship"] = row["dims"].pop(name)
