"""The OHSS workbook reader on the real July and August 2024 editions, and on damaged copies of them."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mppwatch.errors import InputError
from mppwatch.sources.ohss_workbook import (
    SheetTable,
    Workbook,
    WorkbookError,
    _split_marker,
    edition_from_name,
    read_workbook,
)

DATA = Path(__file__).resolve().parents[1] / "data"
AUG = next((DATA / "publisher_files").glob("*august-2024.xlsx"))
JUL = next((DATA / "publisher_files").glob("*july-2024.xlsx"))
AGENCY = "CBP SWB Book-Outs by Agency"
SECTOR = "SWB Enc by Sector+Field Ofc"


@pytest.fixture(scope="module")
def august() -> Workbook:
    return read_workbook(AUG)


@pytest.fixture(scope="module")
def july() -> Workbook:
    return read_workbook(JUL)


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def write_book(path: Path, sheets: list[tuple[str, list[list[Any]], list[str]]]) -> Path:
    """A small workbook: (sheet name, rows, merged ranges) per sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows, merges in sheets:
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in merges:
            ws.merge_cells(ref)
    book.save(path)
    return path


def cells(table: SheetTable) -> set[tuple[Any, ...]]:
    """What a table says, without where it says it."""
    return {(r["period"], tuple(sorted(r["dims"].items())), r["value"], r["flag"], r["row_type"]) for r in table.rows}


# -- the real workbooks -----------------------------------------------------------------------------


def test_every_sheet_of_the_august_edition_is_read(august: Workbook) -> None:
    assert august.edition == "2024-08"
    assert august.source_id == "OHSS_IELP_2024-08"
    assert len(august.contents) == 34  # the contents sheet lists the 34 tables on the other 34 sheets
    assert len(august.tables) == 34
    assert august.missing == []
    datasets = [t.dataset for t in august.tables]
    assert len(set(datasets)) == 34 and all(d.startswith("ohss_") for d in datasets)
    assert all(t.title.endswith("(August 2024)") for t in august.tables)
    assert all(t.category for t in august.tables)  # every table found in the contents
    assert sum(len(t.rows) for t in august.tables) == 105020
    assert {t.header_cell for t in august.tables} == {"A3", "A4"}


@pytest.mark.parametrize(
    ("sheet", "csv_name", "dim"),
    [
        (SECTOR, "ohss_swb_encounters_by_sector_field_office_monthly", "location"),
        (AGENCY, "ohss_swb_bookouts_by_agency_monthly", "outcome"),
    ],
)
def test_reproduces_the_transcribed_csv_cell_for_cell(august: Workbook, sheet: str, csv_name: str, dim: str) -> None:
    table = august.table(sheet)
    got = sorted(
        (
            r["fiscal_year"],
            r["fy_label"],
            "month" if r["period_kind"] == "month" else "fiscal_year_total",
            r["period"] if r["period_kind"] == "month" else "",
            r["dims"]["component"],
            r["dims"][dim],
            r["row_type"],
            "" if r["value"] is None else str(int(r["value"])),
            r["flag"] or "",
        )
        for r in table.rows
    )
    with open(DATA / f"{csv_name}.csv", newline="", encoding="utf-8") as handle:
        expected = sorted(
            (
                r["fiscal_year"], r["fy_label"], r["period"], r["month"], r["component"], r[dim], r["row_type"],
                r["count"], r.get("flag", ""),
            )
            for r in csv.DictReader(handle)
        )  # fmt: skip
    assert len(got) == len(expected)
    assert got == expected


def test_layout_facts(august: Workbook) -> None:
    agency = august.table(AGENCY)
    outcomes = {r["dims"]["outcome"] for r in agency.rows}
    assert "Migrant Protection Protocols" in outcomes and "T8 repatriations" in outcomes
    assert not any(o[-1].isdigit() for o in outcomes)  # footnote digits stripped ...
    mpp = next(r for r in agency.rows if r["dims"]["outcome"] == "Migrant Protection Protocols")
    assert mpp["footnotes"] == "3"  # ... and kept apart
    assert "between January 2019 and January 2021" in agency.footnotes["3"]
    assert any(n.startswith("Notes: To protect privacy") for n in agency.notes)
    assert agency.symbols["X"] == "not_applicable"
    # "X" cells: not applicable, no value
    xs = [r for r in agency.rows if r["flag"] == "not_applicable"]
    assert len(xs) == 612 and all(r["value"] is None for r in xs)
    # "NA" cells elsewhere: not available
    family = august.table("SWB Encounters by Family Status")
    assert {r["flag"] for r in family.rows} == {None, "not_available"}
    # rounding to 10: every published number
    assert all(r["value"] % 10 == 0 for t in august.tables for r in t.rows if r["value"] is not None)
    # the year-to-date label as printed, and its span ends with its last month
    ytd = next(r for r in agency.rows if r["period_kind"] == "fiscal_year" and r["fiscal_year"] == "2024")
    assert ytd["period"] == "FY2024 YTD" and ytd["fy_label"] == "2024 YTD"
    assert (ytd["period_start"], ytd["period_end"]) == (date(2023, 10, 1), date(2024, 8, 31))
    full = next(r for r in agency.rows if r["period_kind"] == "fiscal_year" and r["fiscal_year"] == "2023")
    assert (full["period"], full["period_end"]) == ("FY2023", date(2023, 9, 30))
    # merged group headings: USBP spans D3:M3 and OFO N3:R3; 'Total CBP' in C4 has no group
    sector = august.table(SECTOR)
    by_cell = {r["cell"]: r for r in sector.rows}
    assert by_cell["C5"]["dims"] == {"component": "CBP", "location": "Total"}
    assert by_cell["D5"]["dims"] == {"component": "USBP", "location": "Total"}
    assert by_cell["M5"]["dims"] == {"component": "USBP", "location": "Rio Grande Valley, TX"}
    assert by_cell["N5"]["dims"] == {"component": "OFO", "location": "Total"}
    assert by_cell["R5"]["dims"] == {"component": "OFO", "location": "Laredo, TX"}
    assert by_cell["D5"]["row_type"] == "published_total" and by_cell["E5"]["row_type"] == "detail"
    # a marker on a group heading ('Enforcement Encounters1') is stripped too
    region = august.table("CBP Encounter by Type + Region")
    assert {r["dims"]["encounter_type"] for r in region.rows} == {
        "Total CBP",
        "Enforcement Encounters",
        "Administrative Encounters",
    }


def test_figures_known_from_the_foundation_issue(august: Workbook) -> None:
    agency = august.table(AGENCY)

    def mpp(period: str) -> float | None:
        return next(
            r["value"]
            for r in agency.rows
            if r["period"] == period and r["dims"] == {"component": "CBP", "outcome": "Migrant Protection Protocols"}
        )

    assert (mpp("FY2019"), mpp("FY2020"), mpp("2019-08")) == (44250, 20200, 11970)
    sector = august.table(SECTOR)
    may = next(r for r in sector.rows if r["period"] == "2019-05" and r["cell"].startswith("C"))
    assert may["value"] == 144110


def test_fiscal_year_totals_match_their_months_except_mpp_fy2019(august: Workbook) -> None:
    """Totals equal the sum of their months within rounding (5 per cell), in every column of every sheet,
    except FY2019 MPP: its total counts Jan-Feb 2019, which the months print as X."""
    off = []
    for table in august.tables:
        totals: dict[tuple[Any, ...], float | None] = {}
        sums: dict[tuple[Any, ...], float] = defaultdict(float)
        counts: dict[tuple[Any, ...], int] = defaultdict(int)
        for r in table.rows:
            key = (r["fiscal_year"], tuple(r["dims"].values()))
            if r["period_kind"] == "fiscal_year":
                totals[key] = r["value"]
            elif r["value"] is not None:
                sums[key] += r["value"]
                counts[key] += 1
        for key, total in totals.items():
            if total is not None and abs(total - sums[key]) > 5 * (counts[key] + 1):
                off.append((table.dataset, *key, total - sums[key]))
    assert len(off) == 7
    assert all(fy == "2019" and dims[-1] == "Migrant Protection Protocols" for _, fy, dims, _ in off)
    assert ("ohss_cbp_swb_book_outs_by_agency", "2019", ("CBP", "Migrant Protection Protocols"), 150.0) in off


def test_dimension_names_come_from_the_titles(august: Workbook) -> None:
    names = {t.dataset: t.dimensions for t in august.tables}
    assert names["ohss_swb_enc_by_sector_field_ofc"] == ["component", "location"]
    assert names["ohss_cbp_swb_book_outs_by_agency"] == ["component", "outcome"]
    assert names["ohss_cbp_swb_book_outs_by_citp"] == ["citizenship", "outcome"]
    assert names["ohss_cbp_encounter_by_type_region"] == ["encounter_type", "region"]
    assert names["ohss_ero_arrests_by_criminality"] == ["criminality_group", "criminality"]
    assert names["ohss_nationwide_usbp"] == ["citizenship"]
    # the CBP One title names no dimension; its labels are citizenships seen on other sheets
    assert names["ohss_cbp_one_appointments"] == ["citizenship"]


def test_the_july_edition_has_its_own_top_ten(july: Workbook, august: Workbook) -> None:
    assert july.edition == "2024-07" and len(july.tables) == 34

    def top(book: Workbook) -> set[str]:
        return {r["dims"]["citizenship"] for r in book.table("SWB Encounters by Citizenship").rows}

    assert "Peru" in top(july) - top(august)
    assert "China, People's Republic" in top(august) - top(july)


@pytest.mark.parametrize(
    ("label", "defined", "expected"),
    [
        ("T8 repatriations1", {"1"}, ("T8 repatriations", ["1"])),
        ("Withdrawals9", {"9"}, ("Withdrawals", ["9"])),
        ("Total Repatriations3", {"3"}, ("Total Repatriations", ["3"])),
        ("Label12", {"1", "2"}, ("Label", ["1", "2"])),
        ("Paroled5", set(), ("Paroled", ["5"])),  # no definitions: glued to a lowercase letter
        ("COVID19", set(), ("COVID19", [])),
        ("Title 42", {"4", "2", "42"}, ("Title 42", [])),  # a space: part of the label
        ("T8", {"8"}, ("T8", [])),  # too short to be a label plus a marker
        ("Region 7", {"7"}, ("Region 7", [])),
    ],
)
def test_footnote_markers(label: str, defined: set[str], expected: tuple[str, list[str]]) -> None:
    assert _split_marker(label, defined) == expected


def test_edition_from_file_name() -> None:
    assert edition_from_name(AUG.name) == "2024-08"
    assert edition_from_name("tables-September2023.xlsx") == "2023-09"
    assert edition_from_name("tables.xlsx") is None


# -- damaged and rearranged copies ---------------------------------------------------------------------

AGENCY_MERGES = ["C3:K3", "L3:S3", "T3:AA3"]


def test_a_renamed_sheet_keeps_its_dataset(tmp_path: Path, august: Workbook) -> None:
    rows = sheet_rows(AUG, AGENCY)
    book = read_workbook(write_book(tmp_path / "renamed.xlsx", [("Book-outs (agency)", rows, AGENCY_MERGES)]))
    (table,) = book.tables
    assert table.sheet == "Book-outs (agency)"
    assert table.dataset == "ohss_cbp_swb_book_outs_by_agency"
    assert book.edition == "2024-08"
    assert cells(table) == cells(august.table(AGENCY))


def test_a_moved_header_is_found_by_its_text(tmp_path: Path, august: Workbook) -> None:
    rows = sheet_rows(AUG, AGENCY)
    moved = [[None] * 3 for _ in range(2)] + [[None, None, *r] for r in rows]  # 2 rows down, 2 columns right
    merges = ["E5:M5", "N5:U5", "V5:AC5"]
    book = read_workbook(write_book(tmp_path / "moved.xlsx", [(AGENCY, moved, merges)]))
    (table,) = book.tables
    assert table.header_cell == "C6"
    assert cells(table) == cells(august.table(AGENCY))
    original = {(r["period"], tuple(r["dims"].values())): r["cell"] for r in august.table(AGENCY).rows}
    shifted = {(r["period"], tuple(r["dims"].values())): r["cell"] for r in table.rows}
    assert original[("2019-08", ("CBP", "Migrant Protection Protocols"))] == "F81"
    assert shifted[("2019-08", ("CBP", "Migrant Protection Protocols"))] == "H83"


def small_table(title: str) -> list[list[Any]]:
    months = ["October", "November", "December", "January", "February", "March"]
    months += ["April", "May", "June", "July", "August", "September"]
    rows: list[list[Any]] = [
        ["Return to Table of Contents."],
        [title],
        [None, None, "USBP", None, None],
        ["Fiscal Year", "Month", "Total USBP", "Tucson, AZ", "Other1"],
        [2023, "Total", 360, 240, 120],
    ]
    rows += [[None, m, 30, 20, 10] for m in months]
    rows += [["1Transfers and less common outcomes."], ["Notes: To protect privacy, cells are rounded."]]
    return rows


def test_merged_ranges_decide_which_columns_a_group_heading_covers(tmp_path: Path) -> None:
    title = "Test Encounters by Agency and Sector or Field Office: Fiscal Years 2023 to 2023 (September 2023)"
    merged = read_workbook(write_book(tmp_path / "merged.xlsx", [("T", small_table(title), ["C3:D3"])]))
    groups = {r["cell"][0]: r["dims"]["component"] for r in merged.tables[0].rows if r["line"] == 5}
    assert groups == {"C": "USBP", "D": "USBP", "E": "Total"}  # E is outside the merge: no group
    other = next(r for r in merged.tables[0].rows if r["cell"] == "E5")
    assert other["dims"]["location"] == "Other" and other["footnotes"] == "1"
    assert merged.edition == "2023-09"
    # without merge information the heading is carried right, the only reading left
    plain = read_workbook(write_book(tmp_path / "plain.xlsx", [("T", small_table(title), [])]))
    groups = {r["cell"][0]: r["dims"]["component"] for r in plain.tables[0].rows if r["line"] == 5}
    assert groups == {"C": "USBP", "D": "USBP", "E": "USBP"}


def test_a_bad_cell_is_named_by_sheet_and_cell(tmp_path: Path) -> None:
    rows = sheet_rows(AUG, SECTOR)
    rows[19][4] = "n/a"  # E20
    path = write_book(tmp_path / "bad.xlsx", [(SECTOR, rows, [])])
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    assert caught.value.sheet == SECTOR and caught.value.cell == "E20"
    assert f"sheet {SECTOR!r}, cell E20" in str(caught.value) and "'n/a'" in str(caught.value)


def test_a_repeated_month_is_named_by_its_cell(tmp_path: Path) -> None:
    rows = sheet_rows(AUG, SECTOR)
    rows[6][1] = "October"  # B7, the second month of FY2014
    with pytest.raises(WorkbookError, match=r"cell B7: October appears twice in FY2014"):
        read_workbook(write_book(tmp_path / "dup.xlsx", [(SECTOR, rows, [])]))


def test_a_sheet_without_a_table_is_named(tmp_path: Path) -> None:
    path = write_book(tmp_path / "none.xlsx", [("Scratch", [["some text"], [None, 12, 13]], [])])
    with pytest.raises(WorkbookError, match=r"sheet 'Scratch', cell A1: no table found"):
        read_workbook(path)


def test_no_edition_anywhere_asks_for_one(tmp_path: Path) -> None:
    path = write_book(tmp_path / "tables.xlsx", [("T", small_table("Test Encounters by Agency"), [])])
    with pytest.raises(InputError, match="pass --edition"):
        read_workbook(path)
    assert read_workbook(path, edition="2023-09").edition == "2023-09"


def test_truncated_and_foreign_files_fail_clearly(tmp_path: Path) -> None:
    raw = AUG.read_bytes()
    half = tmp_path / "half.xlsx"
    half.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match="not a zip archive"):
        read_workbook(half)
    text = tmp_path / "table.xlsx"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not an XLSX workbook"):
        read_workbook(text)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_workbook(empty)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(InputError, match="without xl/workbook.xml"):
        read_workbook(other_zip)
    with pytest.raises(InputError, match="no such file"):
        read_workbook(tmp_path / "missing.xlsx")


def test_a_corrupted_part_fails_its_checksum(tmp_path: Path) -> None:
    raw = bytearray(AUG.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("xl/worksheets/sheet2.xml")
    # the member's data starts after its 30-byte local header, name and extra field
    name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    raw[middle : middle + 8] = bytes(b ^ 0xFF for b in raw[middle : middle + 8])
    bad = tmp_path / "corrupt.xlsx"
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"corrupt|not a readable"):
        read_workbook(bad)


def test_two_tables_on_one_sheet_are_both_read(tmp_path: Path) -> None:
    first = small_table(
        "Test Encounters by Agency and Sector or Field Office: Fiscal Years 2023 to 2023 (September 2023)"
    )
    second = small_table(
        "Test Apprehensions by Agency and Sector or Field Office: Fiscal Years 2023 to 2023 (September 2023)"
    )
    second = [[None], *second[1:]]  # no second link row
    for row in second[5:17]:
        row[2:] = [v * 2 for v in row[2:]]
    book = read_workbook(write_book(tmp_path / "two.xlsx", [("Both", first + [[None]] + second, ["C3:D3", "C23:D23"])]))
    assert [t.dataset for t in book.tables] == ["ohss_both", "ohss_both_2"]
    one, two = book.tables
    assert one.title.startswith("Test Encounters") and two.title.startswith("Test Apprehensions")
    assert len(one.rows) == len(two.rows) == 13 * 3
    assert one.notes == ["Notes: To protect privacy, cells are rounded."]  # the next title is not a note
    assert {r["value"] for r in two.rows if r["period_kind"] == "month"} == {20.0, 40.0, 60.0}
    assert two.header_cell == "A24"
