"""`court validate`: what a stored release holds, checked against itself and against EOIR's own Count.txt.

The peer eoir-database publishes this as a hand-written VALIDATION.md; here the loader's own counts make it:
- rows: per table, lines in, loaded, repaired, rejected, and Count.txt's figure when the release carried one;
- orphans: proceedings without a case, hearings without a proceeding, identifiers and representation rows
  without a case. These count rows that point at nothing, not people, and carry no attribute of anyone, so they
  are shown exactly, small ones too (ORPHANS_NOTE says so under the table);
- lookup coverage: per coded column, the distinct codes, how many the release's Lookup/ files name, the share;
- dates: per date column, the first and last month (months, not days: a single record's date is not shown),
  the rows without a date and the rows dated before 1950 or after the load;
- cohort: the MPP cohort and all cases.
Release-level totals only (no cell is small enough to need disclosure control, and no case row leaves the store).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mppwatch.court.tables import BY_STEM, CODED_COLUMNS, SPECS
from mppwatch.i18n import template
from mppwatch.store import Store

COUNT_TXT_DDL = """
CREATE TABLE IF NOT EXISTS court_count_txt (
    release VARCHAR NOT NULL, file VARCHAR NOT NULL, "table" VARCHAR NOT NULL, count_txt BIGINT NOT NULL,
    rows_in BIGINT, matches BOOLEAN
)"""
COLUMNS = ["section", "table", "column", "measure", "value"]
ORPHANS_NOTE = template(
    "orphans are rows that point at no case or proceeding of the release: counts of records, not of people, shown "
    "exactly (they carry no attribute of anyone)"
)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.])")


def parse_count_txt(text: str) -> dict[str, int]:
    """Table stem -> row count from EOIR's Count.txt.

    Its layout is not documented; a line is read when it names one of the five tables (any case, with or without
    `.csv`) and holds one whole number (thousands separators allowed), e.g. `A_TblCase 12,345,678` or
    `tbl_schedule.csv: 52000000`. The figure is taken as data rows, header excluded. Other lines are ignored."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        words = {w.lower().removesuffix(".csv") for w in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", line)}
        stems = [BY_STEM[w].stem for w in words if w in BY_STEM]
        numbers = _NUMBER.findall(line)
        if len(stems) == 1 and len(numbers) == 1:
            out[stems[0]] = int(numbers[0].replace(",", ""))
    return out


def _rows(store: Store, rel: str) -> list[list[Any]]:
    out: list[list[Any]] = []
    have_txt = _has(store, "court_count_txt")
    counts = store.con.execute(
        """SELECT "table", file, rows_in, rows_loaded, rows_repaired, rows_rejected FROM court_load_counts
           WHERE release = ? ORDER BY load_id""",
        [rel],
    ).fetchall()
    txt = {}
    if have_txt:
        txt = {
            t: (n, m)
            for t, n, m in store.con.execute(
                'SELECT "table", count_txt, matches FROM court_count_txt WHERE release = ?', [rel]
            ).fetchall()
        }
    for table, _file, rows_in, loaded, repaired, rejected in counts:
        for measure, value in (
            ("rows_in", rows_in), ("loaded", loaded), ("repaired", repaired), ("rejected", rejected),
        ):  # fmt: skip
            out.append(["rows", table, None, measure, int(value)])
        stem = next(s.stem for s in SPECS if s.table == table)
        if stem in txt:
            out.append(["rows", table, None, "count_txt", int(txt[stem][0])])
            out.append(["rows", table, None, "count_txt_matches", bool(txt[stem][1])])
        else:
            out.append(["rows", table, None, "count_txt", None])
    return out


def _has(store: Store, table: str) -> bool:
    row = store.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()
    return bool(row and row[0])


def _orphans(store: Store, rel: str, tables: set[str]) -> list[list[Any]]:
    checks = [
        ("court_proceeding", "IDNCASE", "court_case", "IDNCASE", "proceedings without a case"),
        ("court_schedule", "IDNPROCEEDING", "court_proceeding", "IDNPROCEEDING", "hearings without a proceeding"),
        ("court_case_identifier", "IDNCASE", "court_case", "IDNCASE", "identifiers without a case"),
        ("court_reps_assigned", "IDNCASE", "court_case", "IDNCASE", "representation rows without a case"),
    ]
    out: list[list[Any]] = []
    for child, key, parent, pkey, label in checks:
        if child not in tables or parent not in tables:
            continue
        row = store.con.execute(
            f"""SELECT count(*) FROM {child} c WHERE c.release = $rel AND c.{key} IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM {parent} p WHERE p.release = $rel AND p.{pkey} = c.{key})""",
            {"rel": rel},
        ).fetchone()
        out.append(["orphans", child, key, label, int(row[0]) if row else 0])
    return out


def _coverage(store: Store, rel: str, tables: set[str]) -> list[list[Any]]:
    lookups = {
        str(r[0]).lower(): str(r[0])
        for r in store.con.execute("SELECT DISTINCT lookup FROM court_lookups WHERE release = ?", [rel]).fetchall()
    }
    out: list[list[Any]] = []
    for spec in SPECS:
        if spec.table not in tables:
            continue
        have = {r[0] for r in store.con.execute(f"SELECT column_name FROM (DESCRIBE {spec.table})").fetchall()}
        for column, lookup in CODED_COLUMNS.items():
            if column not in have:
                continue
            name = lookups.get(lookup.lower())
            if name is None:
                out.append(["lookup coverage", spec.table, column, f"codes named ({lookup} not in release)", None])
                continue
            row = store.con.execute(
                f"""WITH c AS (SELECT DISTINCT trim("{column}") AS code FROM {spec.table}
                               WHERE release = $rel AND nullif(trim("{column}"), '') IS NOT NULL),
                         l AS (SELECT DISTINCT trim(code) AS code FROM court_lookups
                               WHERE release = $rel AND lookup = $lookup AND nullif(description, '') IS NOT NULL)
                    SELECT count(*), count(l.code) FROM c LEFT JOIN l USING (code)""",
                {"rel": rel, "lookup": name},
            ).fetchone()
            codes, named = (int(row[0]), int(row[1])) if row else (0, 0)
            out.append(["lookup coverage", spec.table, column, "codes", codes])
            out.append(["lookup coverage", spec.table, column, f"codes named in {name}", named])
            out.append(
                ["lookup coverage", spec.table, column, "share named", round(named / codes, 4) if codes else None]
            )
    return out


def _dates(store: Store, rel: str, tables: set[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for spec in SPECS:
        if spec.table not in tables:
            continue
        for column in spec.dates + spec.soft_dates:
            d = f'TRY_CAST("{column}" AS TIMESTAMP)'  # a store made before a date was typed holds it as text
            row = store.con.execute(
                f"""SELECT strftime(min({d}) FILTER (WHERE {d} >= TIMESTAMP '1950-01-01'), '%Y-%m'),
                           strftime(max({d}) FILTER (WHERE {d} <= now()::TIMESTAMP), '%Y-%m'),
                           count(*) FILTER (WHERE {d} IS NULL),
                           count(*) FILTER (WHERE {d} < TIMESTAMP '1950-01-01' OR {d} > now()::TIMESTAMP)
                    FROM {spec.table} WHERE release = ?""",
                [rel],
            ).fetchone()
            first, last, missing, outside = row if row else (None, None, 0, 0)
            out.append(["dates", spec.table, column, "first month", first])
            out.append(["dates", spec.table, column, "last month", last])
            out.append(["dates", spec.table, column, "rows without a date", int(missing)])
            out.append(["dates", spec.table, column, "rows before 1950 or after today", int(outside)])
    return out


def validate(store: Store, release: str | None = None) -> pd.DataFrame:
    """The validation report of a stored release as one long frame: section, table, column, measure, value."""
    from mppwatch.court.measures import is_synthetic, resolve_release

    rel = resolve_release(store, release)
    tables = {s.table for s in SPECS if _has(store, s.table)}
    rows = _rows(store, rel) + _orphans(store, rel, tables) + _coverage(store, rel, tables) + _dates(store, rel, tables)
    cohort = store.con.execute(
        "SELECT count(*) FILTER (WHERE mpp), count(*) FROM court_facts WHERE release = ?", [rel]
    ).fetchone()
    mpp, cases = (int(cohort[0]), int(cohort[1])) if cohort else (0, 0)
    rows += [["cohort", "court_facts", None, "MPP cases", mpp], ["cohort", "court_facts", None, "all cases", cases]]
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({"value": object})
    frame.attrs.update(release=rel, synthetic=is_synthetic(store, rel))
    return frame
