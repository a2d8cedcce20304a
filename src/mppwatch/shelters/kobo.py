"""Import a KoboToolbox export of a daily occupancy form (CSV or XLSX) into the register.

Kobo names a question inside a group by its path (`group_occupancy/occupied`) and adds its own columns
(`_uuid`, `_submission_time`, `_id`, `_index`, ...). A map file (TOML) says which column holds which report field
and, when the form asks for the shelter as a choice list, which register id each choice is:

    [columns]
    shelter = "group_shelter/shelter"      # a register id, or a choice name listed under [shelters]
    date = "group_shelter/report_date"     # optional: else the date part of _submission_time
    occupied = "group_occupancy/occupied"
    turned_away = "group_occupancy/turned_away"
    arrivals = "group_movement/arrivals"     # optional
    departures = "group_movement/departures" # optional
    note = "note"                            # optional
    [shelters]
    cim_leona_vicario = 4

Every row is checked before anything is written; a bad row is named by file, line and column and nothing is
written. The import is one transaction and idempotent by `_uuid`: the same export again changes nothing.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mppwatch.core.text import N_
from mppwatch.errors import InputError
from mppwatch.shelters import register
from mppwatch.shelters.register import ReportError
from mppwatch.shelters.schema import ensure_schema
from mppwatch.sources.generic import CANNOT_READ, FIELD_COUNT, MALFORMED_CSV, decode_csv
from mppwatch.sources.loader import NO_SUCH_FILE
from mppwatch.store import Store

FIELDS = ("shelter", "date", "occupied", "turned_away", "arrivals", "departures", "note")
REQUIRED = ("shelter", "occupied")
MAX_ROWS = 100_000
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class KoboResult:
    """What an import did, by row: added, replaced (an edited submission) or unchanged."""

    file: str
    rows: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KoboMap:
    columns: dict[str, str]
    shelters: dict[str, int]


def read_map(path: str | Path) -> KoboMap:
    """The map file: [columns] field -> Kobo column, [shelters] choice -> register id; errors name the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), None, None, CANNOT_READ, reason=exc.strerror) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), getattr(exc, "lineno", None), None, N_("not TOML: {reason}"), reason=exc) from None
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise InputError(str(path), None, "columns", N_("missing [columns] table"))
    unknown = sorted(set(columns) - set(FIELDS) - {"uuid", "submission_time"})
    if unknown:
        raise InputError(
            str(path), None, f"columns.{unknown[0]}", N_("unknown field (one of {fields})"), fields=", ".join(FIELDS)
        )
    for name in REQUIRED:
        if not isinstance(columns.get(name), str):
            raise InputError(str(path), None, f"columns.{name}", N_("required: the Kobo column that holds it"))
    shelters = data.get("shelters", {})
    if not isinstance(shelters, dict) or not all(isinstance(v, int) for v in shelters.values()):
        raise InputError(str(path), None, "shelters", N_("expected choice = register id (a whole number)"))
    cols = {"uuid": "_uuid", "submission_time": "_submission_time", **{k: str(v) for k, v in columns.items()}}
    return KoboMap(cols, {str(k): int(v) for k, v in shelters.items()})


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line, record)]) from a Kobo CSV (`;` or `,`, as exported) or XLSX (the first sheet)."""
    file = str(path)
    lines: list[tuple[int, list[str]]] = []
    if path.stat().st_size > MAX_BYTES:
        raise InputError(file, None, None, N_("larger than {mb} MB"), mb=MAX_BYTES // 2**20)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken workbook
            raise InputError(file, None, None, N_("not a readable .xlsx workbook: {reason}"), reason=exc) from None
        sheet = book.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        lines = list(enumerate(table, start=1))  # a sheet row number is its line
    elif path.suffix.lower() == ".csv":
        text = decode_csv(path.read_bytes(), file)
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                lines.append((reader.line_num, cells))
        except csv.Error as exc:
            raise InputError(file, reader.line_num, None, MALFORMED_CSV, reason=exc) from None
    else:
        raise InputError(file, None, None, N_("expected a Kobo export ending .csv or .xlsx"))
    if not lines:
        raise InputError(file, 1, None, N_("empty: expected a header row"))
    header = [h.strip() for h in lines[0][1]]
    records = []
    for line, cells in lines[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise InputError(file, line, None, FIELD_COUNT, expected=len(header), found=len(cells))
        records.append((line, dict(zip(header, (c.strip() for c in cells), strict=True))))
        if len(records) > MAX_ROWS:
            raise InputError(file, line, None, N_("more than {n} rows"), n=MAX_ROWS)
    return header, records


def _payload(
    record: dict[str, str], kmap: KoboMap, file: str, line: int, known: set[int]
) -> tuple[int, str, dict[str, Any]]:
    cols = kmap.columns
    uuid = record.get(cols["uuid"], "")
    if not uuid:
        raise InputError(file, line, cols["uuid"], N_("empty _uuid: cannot tell this submission from another"))
    choice = record.get(cols["shelter"], "")
    if choice in kmap.shelters:
        shelter_id = kmap.shelters[choice]
    elif choice.isdigit():
        shelter_id = int(choice)
    else:
        raise InputError(
            file,
            line,
            cols["shelter"],
            N_("'{choice}' is neither a register id nor a choice in [shelters]"),
            choice=choice,
        )
    if shelter_id not in known:
        raise InputError(
            file, line, cols["shelter"], N_("no shelter with id {shelter} in the register"), shelter=shelter_id
        )
    day = record.get(cols["date"], "") if "date" in cols else ""
    if not day:
        stamp = record.get(cols["submission_time"], "")
        day = stamp[:10]
        if not day:
            column = cols.get("date", cols["submission_time"])
            raise InputError(file, line, column, N_("no date and no _submission_time"))
    payload: dict[str, Any] = {"date": day[:10]}
    for name in ("occupied", "turned_away", "arrivals", "departures", "note"):
        if name in cols:
            payload[name] = record.get(cols[name], "")
    try:  # the register's own checks, so a row is refused here exactly when the API would refuse it
        register._date(payload["date"])
        for name in register.COUNTS:
            register._count(payload, name, required=(name == "occupied"))
        register._text(payload, "note", 2000)
    except ReportError as exc:
        column = cols.get(exc.field, cols["submission_time"] if exc.field == "date" else exc.field)
        raise InputError(file, line, column, exc.reason_message) from None
    return shelter_id, uuid, payload


def import_kobo(store: Store, path: str | Path, map_path: str | Path) -> KoboResult:
    """Check every row of a Kobo export, then store them in one transaction (idempotent by `_uuid`)."""
    path = Path(path)
    file = str(path)
    kmap = read_map(map_path)
    if not path.exists():
        raise InputError(file, None, None, NO_SUCH_FILE)
    header, records = _rows(path)
    for name, column in kmap.columns.items():
        needed = name != "submission_time" or "date" not in kmap.columns
        if needed and column not in header:
            raise InputError(file, 1, column, N_("no such column in the export (the map's {name})"), name=name)
    ensure_schema(store)
    known = {int(r[0]) for r in store.con.execute("SELECT id FROM shelters WHERE scope = 'facility'").fetchall()}
    checked = []
    seen: dict[str, int] = {}
    for line, record in records:
        shelter_id, uuid, payload = _payload(record, kmap, file, line, known)
        if uuid in seen:
            raise InputError(
                file, line, kmap.columns["uuid"], N_("_uuid {uuid} repeats line {line}"), uuid=uuid, line=seen[uuid]
            )
        seen[uuid] = line
        checked.append((line, shelter_id, uuid, payload))
    result = KoboResult(path.name, rows=len(checked))
    with store.transaction():
        for line, shelter_id, uuid, payload in checked:
            written = register.add_report(store, shelter_id, payload, None, origin="kobo", kobo_uuid=uuid)
            if written.unchanged:
                result.unchanged += 1
            elif written.replaced:
                result.replaced += 1
            else:
                result.added += 1
            result.warnings += [f"{file}:{line}: {w}" for w in written.warnings()]
    return result
