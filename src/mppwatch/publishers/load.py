"""Store a publisher's workbook: every table becomes dataset `ohss_<sheet-slug>`, one load per edition.

All tables of a workbook are written in one transaction (all or nothing). Each (dataset, edition) is its
own load, keyed `dataset@edition` in `loads`, so editions sit side by side and reloading one edition
replaces only that edition's rows. The same file loaded twice changes nothing.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from mppwatch.core.text import N_
from mppwatch.errors import InputError
from mppwatch.sources.ohss_workbook import SheetTable, Workbook, read_workbook
from mppwatch.store import Store, sha256_of

SHEETS_DDL = """
CREATE TABLE IF NOT EXISTS publisher_sheets (
    load_id BIGINT NOT NULL,
    publisher VARCHAR NOT NULL,
    edition VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    sheet VARCHAR NOT NULL,
    title VARCHAR,
    measure VARCHAR,
    category VARCHAR,
    header_cell VARCHAR,
    dimensions VARCHAR,
    rows BIGINT,
    footnotes VARCHAR,  -- JSON {marker: text}
    symbols VARCHAR,    -- JSON {symbol: flag}
    notes VARCHAR
)"""

RESULT_COLUMNS = ["dataset", "edition", "sheet", "rows", "load_id", "status", "message"]


def load_key(dataset: str, edition: str) -> str:
    """The `loads.dataset` key of one edition of one table: `ohss_cbp_swb_book_outs_by_agency@2024-08`."""
    return f"{dataset}@{edition}"


def load_workbook(
    store: Store,
    path: str | Path,
    edition: str | None = None,
    retrieved_via: str = "mppwatch load-workbook",
    source_url: str | None = None,
) -> pd.DataFrame:
    """Read a workbook, then store every table (see `store_workbook`); nothing is written if reading fails.

    A file whose sha256 is already the current load of every table of its edition is skipped unread.
    """
    path = Path(path)
    if path.is_file() and (done := _already_loaded(store, sha256_of(path), edition)) is not None:
        return done
    return store_workbook(store, read_workbook(path, edition), retrieved_via=retrieved_via, source_url=source_url)


def _already_loaded(store: Store, sha: str, edition: str | None) -> pd.DataFrame | None:
    rows = store.con.execute(
        """SELECT l.dataset, l.load_id, l.rows, l.sha256 FROM loads l
           WHERE l.kind = 'workbook' AND l.status = 'current'
             AND split_part(l.dataset, '@', 2) IN (
                 SELECT split_part(dataset, '@', 2) FROM loads
                 WHERE kind = 'workbook' AND status = 'current' AND sha256 = ?)
           ORDER BY l.load_id""",
        [sha],
    ).fetchall()
    editions = {str(r[0]).split("@", 1)[1] for r in rows}
    if not rows or len(editions) != 1 or (edition is not None and edition not in editions):
        return None
    if any(r[3] != sha for r in rows):
        return None  # another file is current for some table of this edition: read and compare properly
    results = []
    for dataset_key, load_id, n, _ in rows:
        dataset, ed = str(dataset_key).split("@", 1)
        sheet = store.con.execute("SELECT sheet FROM publisher_sheets WHERE load_id = ?", [load_id]).fetchone()
        results.append(_result(dataset, ed, sheet[0] if sheet else "", int(n), int(load_id), "skipped"))
    frame = pd.DataFrame(results, columns=RESULT_COLUMNS)
    frame["rows"] = frame["rows"].astype("int64")
    return frame


def store_workbook(
    store: Store,
    book: Workbook,
    retrieved_via: str = "mppwatch load-workbook",
    source_url: str | None = None,
    on_table: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Write a read workbook in one transaction; one row per table: dataset, edition, rows, load_id, status."""
    results: list[dict[str, object]] = []
    pending = []
    for table in book.tables:
        key = load_key(table.dataset, book.edition)
        current = store.current_load(key)
        if current and current[1] == book.sha256:
            results.append(_result(table.dataset, book.edition, table.sheet, len(table.rows), current[0], "skipped"))
        else:
            pending.append((table, current is not None))
    for title in book.missing:
        results.append(_result("", book.edition, "", 0, None, "missing", f"listed in the contents, not found: {title}"))
    if pending:
        with store.transaction() as con:
            con.execute(SHEETS_DDL)
            _ensure_source(store, book, retrieved_via, source_url)
            load_ids: list[int] = []
            for table, replaced in pending:
                if on_table:
                    on_table(table.sheet)
                load_id = store.begin_load(
                    book.path.name, book.sha256, load_key(table.dataset, book.edition), len(table.rows), kind="workbook"
                )
                load_ids.append(load_id)
                store.delete_observations(table.dataset, book.edition)
                con.execute(
                    "DELETE FROM publisher_sheets WHERE dataset = ? AND edition = ?", [table.dataset, book.edition]
                )
                con.execute(
                    "INSERT INTO publisher_sheets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        load_id, book.publisher, book.edition, table.dataset, table.sheet, table.title,
                        table.measure, table.category, table.header_cell, ",".join(table.dimensions),
                        len(table.rows), json.dumps(table.footnotes, ensure_ascii=False),
                        json.dumps(table.symbols, ensure_ascii=False), "\n".join(table.notes),
                    ],
                )  # fmt: skip
                con.register("incoming_workbook", _arrow(book, table, load_id))
                con.execute(_insert_sql(table.dimensions))
                con.unregister("incoming_workbook")
                status = "replaced" if replaced else "loaded"
                results.append(_result(table.dataset, book.edition, table.sheet, len(table.rows), load_id, status))
            expected = sum(len(t.rows) for t, _ in pending)
            written = store.observation_count(load_ids)
            if written != expected:
                raise InputError(
                    str(book.path),
                    None,
                    None,
                    N_("{read} cells read but {written} written; nothing loaded"),
                    read=expected,
                    written=written,
                )
    frame = pd.DataFrame(results, columns=RESULT_COLUMNS)
    frame["rows"] = frame["rows"].astype("int64")
    return frame


def _result(
    dataset: str, edition: str, sheet: str, rows: int, load_id: int | None, status: str, message: str = ""
) -> dict[str, object]:
    if not message:
        message = {
            "skipped": "unchanged",
            "loaded": f"{rows} cells",
            "replaced": f"{rows} cells (replaces this edition's earlier load)",
        }.get(status, status)
    return {
        "dataset": dataset, "edition": edition, "sheet": sheet, "rows": rows,
        "load_id": load_id, "status": status, "message": message,
    }  # fmt: skip


def _ensure_source(store: Store, book: Workbook, retrieved_via: str, source_url: str | None) -> None:
    """Register the edition's source id (OHSS_IELP_YYYY-MM) unless the source register already has it."""
    if book.source_id in store.known_source_ids():
        return
    year, month = (int(x) for x in book.edition.split("-"))
    title = f"DHS OHSS Immigration Enforcement and Legal Processes Monthly Tables ({calendar.month_name[month]} {year})"
    store.con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?)",
        [book.source_id, source_url or book.path.name, title, retrieved_via, f"workbook sha256 {book.sha256}"],
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _insert_sql(dimensions: list[str]) -> str:
    """Observations from one table's flat columns; the dims and meta maps are built in SQL (fast)."""
    keys = ["fiscal_year", "fy_label", *dimensions, "edition"]
    values = ["fiscal_year", "fy_label", *(f"d{i}" for i in range(len(dimensions))), "edition"]
    dims = f"map([{', '.join(_literal(k) for k in keys)}], [{', '.join(values)}])"
    meta = (
        "CASE WHEN footnotes = '' THEN map(['sheet', 'cell'], [sheet, cell]) "
        "ELSE map(['sheet', 'cell', 'footnotes'], [sheet, cell, footnotes]) END"
    )
    return f"""INSERT INTO observations
        SELECT load_id, dataset, line, source_id, period, period_kind, period_start, period_end, row_type,
               flag, NULL, {dims}, {meta}, value
        FROM incoming_workbook"""


def _arrow(book: Workbook, table: SheetTable, load_id: int) -> pa.Table:
    """One table's cells as flat Arrow columns (dimension values in d0, d1, ...)."""
    rows = table.rows
    n = len(rows)
    columns: dict[str, pa.Array] = {
        "load_id": pa.array([load_id] * n, pa.int64()),
        "dataset": pa.array([table.dataset] * n, pa.string()),
        "line": pa.array([r["line"] for r in rows], pa.int64()),
        "source_id": pa.array([book.source_id] * n, pa.string()),
        "period": pa.array([r["period"] for r in rows], pa.string()),
        "period_kind": pa.array([r["period_kind"] for r in rows], pa.string()),
        "period_start": pa.array([r["period_start"] for r in rows], pa.date32()),
        "period_end": pa.array([r["period_end"] for r in rows], pa.date32()),
        "row_type": pa.array([r["row_type"] for r in rows], pa.string()),
        "flag": pa.array([r["flag"] for r in rows], pa.string()),
        "fiscal_year": pa.array([r["fiscal_year"] for r in rows], pa.string()),
        "fy_label": pa.array([r["fy_label"] for r in rows], pa.string()),
        "edition": pa.array([book.edition] * n, pa.string()),
        "sheet": pa.array([table.sheet] * n, pa.string()),
        "cell": pa.array([r["cell"] for r in rows], pa.string()),
        "footnotes": pa.array([r["footnotes"] for r in rows], pa.string()),
        "value": pa.array([r["value"] for r in rows], pa.float64()),
    }
    for i, name in enumerate(table.dimensions):
        columns[f"d{i}"] = pa.array([r["dims"][name] for r in rows], pa.string())
    return pa.table(columns)


def workbook_sheets(store: Store, edition: str | None = None) -> pd.DataFrame:
    """The tables read from workbooks: dataset, edition, sheet, title, category, dimensions, rows, header cell."""
    if not store.con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'publisher_sheets'"
    ).fetchone():
        return pd.DataFrame(
            columns=["dataset", "edition", "sheet", "title", "category", "dimensions", "rows", "header_cell", "load_id"]
        )
    where, params = ("WHERE edition = ?", [edition]) if edition else ("", [])
    return store.query(
        f"""SELECT dataset, edition, sheet, title, category, dimensions, rows, header_cell, load_id
            FROM publisher_sheets {where} ORDER BY edition, load_id""",
        params,
    )
