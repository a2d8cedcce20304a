"""Every way a file can be bad gives an error with its file, line and column, and leaves the database untouched."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mppwatch.errors import InputError
from mppwatch.sources import BUNDLED
from mppwatch.sources.loader import bundled_data_dir, load_file
from mppwatch.store import Store

DATA = bundled_data_dir()
Rows = list[list[str]]


def read_rows(path: Path) -> Rows:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(rows: Rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def first_filled(rows: Rows, column: str) -> int:
    """Index of the first data row whose `column` is not empty."""
    col = rows[0].index(column)
    return next(i for i, r in enumerate(rows) if i > 0 and r[col])


def set_cell(rows: Rows, column: str, value: str) -> tuple[bytes, int, str]:
    i = first_filled(rows, column)
    rows[i][rows[0].index(column)] = value
    return write_rows(rows).encode(), i + 1, column


def period_column(rows: Rows) -> str:
    return next(c for c in ("month", "as_of_date", "period_start") if c in rows[0])


Corruption = Callable[[Rows], tuple[bytes, int, str | None]]
CORRUPTIONS: dict[str, Corruption] = {
    "number": lambda rows: set_cell(rows, "count", "12o4"),
    "negative": lambda rows: set_cell(rows, "count", "-40"),
    "date": lambda rows: set_cell(rows, period_column(rows), "2019-13"),
    "unknown_source": lambda rows: set_cell(rows, "source_id", "NO_SUCH_SOURCE"),
    "missing_column": lambda rows: (write_rows([[c for c in r[:-1]] for r in rows]).encode(), 1, rows[0][-1]),
    "unexpected_column": lambda rows: (write_rows([r + ["x"] for r in rows]).encode(), 1, "x"),
    "not_utf8": lambda rows: _latin1(rows),
    "truncated": lambda rows: _truncated(rows),
    "duplicate": lambda rows: (write_rows(rows + [rows[1]]).encode(), len(rows) + 1, None),
    "empty": lambda rows: (b"", 1, None),
}


def _latin1(rows: Rows) -> tuple[bytes, int, str | None]:
    candidates = ("note", "location", "city", "outcome", "hearing_location", "nationality", "row_type")
    col = next(c for c in candidates if c in rows[0])
    i = min(3, len(rows) - 1)
    rows[i][rows[0].index(col)] = "LATIN1_MARK"
    content = write_rows(rows).encode().replace(b"LATIN1_MARK", "Ciudad Juárez".encode("latin-1"))
    return content, i + 1, col


def _truncated(rows: Rows) -> tuple[bytes, int, str | None]:
    text = write_rows(rows).rstrip("\n")
    last = text.rsplit("\n", 1)[1]
    cut = ",".join(last.split(",")[:2])
    return (text[: len(text) - len(last)] + cut).encode(), len(rows), rows[0][2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("stem", sorted(BUNDLED))
@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupted_copy_fails_in_place_and_db_is_unchanged(
    stem: str, kind: str, fresh_db: Path, tmp_path: Path
) -> None:
    source = DATA / f"{stem}.csv"
    content, line, column = CORRUPTIONS[kind](read_rows(source))
    bad = tmp_path / source.name
    bad.write_bytes(content)
    before = digest(fresh_db)
    with Store.open(fresh_db) as store, pytest.raises(InputError) as caught:
        load_file(store, bad)
    error = caught.value
    assert error.file == str(bad)
    assert error.line == line, str(error)
    assert error.column == column, str(error)
    assert str(bad) in str(error) and f":{line}" in str(error)
    assert digest(fresh_db) == before


def test_cli_prints_one_line_and_exits_non_zero(fresh_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "trac_mpp_cases_by_month_hearing_location_2019.csv"
    rows = read_rows(DATA / bad.name)
    bad.write_bytes(set_cell(rows, "count", "abc")[0])
    before = digest(fresh_db)
    exe = Path(sys.executable).with_name("mppwatch")
    run = subprocess.run([str(exe), "--db", str(fresh_db), "load", str(bad)], capture_output=True, text=True)
    assert run.returncode == 1
    lines = [x for x in run.stderr.splitlines() if x.startswith("error:")]
    assert lines == [f"error: {bad}:2: column 'count': 'abc' is not a number"]
    assert digest(fresh_db) == before
