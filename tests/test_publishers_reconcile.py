"""Reconcile on the OHSS workbook: the reader's hierarchy labels leave only the publisher's real inconsistencies.

The August 2024 edition is read once and stored once for the module; the hierarchy rules are also checked on
small hand-made sheets whose sums are known, so a planted error must be found and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from mppwatch.publishers.load import load_workbook
from mppwatch.reconcile import reconcile
from mppwatch.sources.ohss_workbook import SheetTable, Workbook, read_workbook
from mppwatch.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
AUG = next((DATA / "publisher_files").glob("*august-2024.xlsx"))
ED = "edition=2024-08"

# Every finding reconcile makes on the August 2024 workbook, each checked in the raw cells with openpyxl.
# All eight are February 2019 (row 75 of the three CBP book-out sheets): the 'Migrant Protection Protocols'
# and 'T42 expulsions' cells are printed X, yet 'Total Encounters' counts the MPP book-outs of that month
# (MPP began on 28 January 2019; the FY2019 MPP total is 150 above its printed months for the same reason).
EXPECTED = {
    # CBP SWB Book-Outs by Agency C75 = 76,540; D75:K75 = 11,030 + X + X + 49,330 + 6,210 + 7,140 + 1,740 + 960
    # = 76,410: 130 short. This is SOURCES.md's known 'Feb 2019 CBP ... 130 off', also in the bundled CSV.
    ("ohss_cbp_swb_book_outs_by_agency", "2019-02", f"component=CBP; {ED}; outcome=Total Encounters"): (76540, 76410),
    # T75 = 9,660; U75:AA75 = 1,620 + X + X + 5,130 + 260 + 1,740 + 770 = 9,520: SOURCES.md's 'OFO 140 off'.
    # (USBP L75 = 66,880 = M75:S75 exactly, so its MPP that month was nil.)
    ("ohss_cbp_swb_book_outs_by_agency", "2019-02", f"component=OFO; {ED}; outcome=Total Encounters"): (9660, 9520),
    # CBP SWB Book-Outs by Citp C75:K75: the all-citizenships group repeats the CBP row above, 130 short.
    (
        "ohss_cbp_swb_book_outs_by_citp",
        "2019-02",
        f"citizenship=Total Encounters; {ED}; outcome=Total Encounters",
    ): (76540, 76410),
    # AL75 = 22,610; AM75:AT75 = 10 + X + X + 17,350 + 1,930 + 2,980 + 50 + 220 = 22,540: 70 short (> 35).
    ("ohss_cbp_swb_book_outs_by_citp", "2019-02", f"citizenship=Honduras; {ED}; outcome=Total Encounters"): (
        22610,
        22540,
    ),
    # CD75 = 5,520; CE75:CL75 = 0 + X + X + 4,180 + 850 + 400 + 10 + 40 = 5,480: 40 short (> 35).
    # (Guatemala AC75, 30 short, is within rounding, as are the other citizenships.)
    ("ohss_cbp_swb_book_outs_by_citp", "2019-02", f"citizenship=El Salvador; {ED}; outcome=Total Encounters"): (
        5520,
        5480,
    ),
    # CBP SWB Book-Outs by Family C75:K75: the totals group is the CBP row again, 130 short.
    (
        "ohss_cbp_swb_book_outs_by_family",
        "2019-02",
        f"{ED}; family_status=Total Encounters; outcome=Total Encounters",
    ): (76540, 76410),
    # L75 = 28,490; M75:S75 = 9,710 + X + X + 16,890 + 60 + 1,280 + 460 = 28,400: 90 short.
    ("ohss_cbp_swb_book_outs_by_family", "2019-02", f"{ED}; family_status=Single Adults; outcome=Total Encounters"): (
        28490,
        28400,
    ),
    # T75 = 40,740; U75:AA75 = 260 + X + X + 32,430 + 7,080 + 400 + 500 = 40,670: 70 short.
    (
        "ohss_cbp_swb_book_outs_by_family",
        "2019-02",
        f"{ED}; family_status=Family Unit Individuals; outcome=Total Encounters",
    ): (40740, 40670),
}


@pytest.fixture(scope="module")
def august() -> Workbook:
    return read_workbook(AUG)


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pd.DataFrame]:
    path = tmp_path_factory.mktemp("pubrec") / "aug.duckdb"
    with Store.open(path) as store:
        load_workbook(store, AUG)
        yield reconcile(store)


def test_reconcile_lists_exactly_the_real_inconsistencies_of_the_august_workbook(findings: pd.DataFrame) -> None:
    got = {(r.dataset, r.period, r.key): (r.published, r.computed) for r in findings.itertuples()}
    assert got == EXPECTED
    assert set(findings["check"]) == {"total_vs_parts"}
    assert set(findings["source_id"]) == {"OHSS_IELP_2024-08"}
    assert (findings["difference"] > findings["tolerance"]).all()


def cells_at(table: SheetTable, row: int) -> dict[str, tuple[dict[str, str], str]]:
    """Column letter -> (dims, row type) on one sheet row."""
    return {r["cell"].rstrip("0123456789"): (r["dims"], r["row_type"]) for r in table.rows if r["line"] == row}


def test_labels_follow_the_sheet_structure(august: Workbook) -> None:
    repats = cells_at(august.table("DHS Repats by Type"), 5)
    group = "Total Repatriations"
    # C4 'Total Repatriations' heads its group: the grand total, summed from every detail
    assert repats["C"] == ({"type_group": group, "type": group}, "published_total")
    # D4 'Total Title 8 Repatriations' (a second 'Total' in the group) and E4, whose footnote 5 defines it
    # as the 'sum of removals and enforcement returns', are intermediate totals, never parts
    assert repats["D"] == ({"type_group": group, "type": "Total Title 8 Repatriations"}, "published_subtotal")
    assert repats["E"] == ({"type_group": group, "type": "Title 8 Enforcement Repatriations"}, "published_subtotal")
    # F4 'Title 42 Expulsions' is broken down nowhere else: a part that is its own group
    assert repats["F"] == ({"type_group": "Title 42 Expulsions", "type": "Title 42 Expulsions"}, "detail")
    # G4 'Total Removals' heads the 'DHS Removals' group (marker 1 stripped from the merged heading G3:J3)
    assert repats["G"] == ({"type_group": "DHS Removals", "type": "Total Removals"}, "published_total")
    assert repats["H"][1] == "detail"
    # a totals group: its columns are printed components of the grand total (checked against them)
    citp = cells_at(august.table("CBP SWB Book-Outs by Citp"), 5)
    assert citp["C"][1] == "published_total" and citp["F"][1] == "published_component"
    assert citp["AL"] == ({"citizenship": "Honduras", "outcome": "Total Encounters"}, "published_total")
    # notes 'Columns do not add to total because total includes ...': the total is not the sum of its columns
    for sheet in ("ICE ERO R&R by Arrest Agcy", "DHS Removals by Arrest Agcy", "ICE Book-Ins by Arrest Agency"):
        agency = cells_at(august.table(sheet), 4)
        assert agency["C"] == ({"arresting_agency": "Total"}, "published_total_incl_unlisted")
        assert agency["D"][1] == agency["E"][1] == "detail"
    family = cells_at(august.table("SWB Encounters by Family Status"), 5)  # '... unknown family status'
    assert family["C"] == ({"component": "CBP", "family_status": "Total"}, "published_total_incl_unlisted")
    # ... but only the level the note names: on ICE book-outs by arresting agency the grand total still sums
    # the totals group's outcomes, and the CBP group's total its own outcomes
    outs = cells_at(august.table("ICE Book-Outs by Arrest Agency"), 5)
    assert outs["C"][1] == "published_total" and outs["D"][1] == "published_component"
    assert outs["K"] == ({"arresting_agency": "CBP", "outcome": "Total"}, "published_total")


def by_period(table: SheetTable) -> dict[str, dict[tuple[str, ...], dict[str, Any]]]:
    """Period -> dimension values -> row."""
    out: dict[str, dict[tuple[str, ...], dict[str, Any]]] = defaultdict(dict)
    for r in table.rows:
        out[r["period"]][tuple(r["dims"].values())] = r
    return out


def test_subtotals_are_what_their_footnotes_define(august: Workbook) -> None:
    """Relations reconcile does not check (subtotals are never totals nor parts) hold on all 142 rows."""
    t8, enf = (
        ("Total Repatriations", "Total Title 8 Repatriations"),
        ("Total Repatriations", "Title 8 Enforcement Repatriations"),
    )
    identities = {
        # footnote 3: 'The sum of Title 8 removals, Title 8 returns, and Title 42 expulsions'
        ("Total Repatriations", "Total Repatriations"): [t8, ("Title 42 Expulsions", "Title 42 Expulsions")],
        # footnote 4: 'The sum of Title 8 removals and Title 8 returns'
        t8: [enf, ("DHS Administrative Returns", "Total Administrative Returns")],
        # footnote 5: 'Includes sum of removals and enforcement returns (i.e., excludes administrative returns)'
        enf: [("DHS Removals", "Total Removals"), ("DHS Enforcement Returns", "Total Enforcement Returns")],
    }
    periods = by_period(august.table("DHS Repats by Type"))
    assert len(periods) == 142
    for period, cells in periods.items():
        for total, parts in identities.items():
            value = cells[total]["value"]
            assert value is not None
            computed = sum(cells[p]["value"] or 0.0 for p in parts)  # Title 42 expulsions are X before 2020
            assert abs(value - computed) <= 5 * (len(parts) + 1), (period, total)


def test_totals_with_unlisted_parts_are_never_below_their_printed_parts(august: Workbook) -> None:
    """What the notes claim: the total includes more than its columns, so it is at least their sum."""
    checked = 0
    for table in august.tables:
        for period, rows in by_period(table).items():
            for key, r in rows.items():
                if r["row_type"] != "published_total_incl_unlisted" or r["value"] is None:
                    continue
                same_group = [k for k in rows if len(k) == 1 or k[0] == key[0]]
                parts = [rows[k]["value"] or 0.0 for k in same_group if rows[k]["row_type"] == "detail"]
                assert parts
                assert r["value"] >= sum(parts) - 5 * (len(parts) + 1), (table.sheet, period, key)
                checked += 1
    assert checked == 3 * 142 + 3 * 142  # three agency sheets, and CBP/USBP/OFO on the family-status sheet


# -- the rules on small hand-made sheets ------------------------------------------------------------

MONTHS = ["October", "November", "December", "January", "February", "March"]


def table_rows(title: str, groups: list[Any], heads: list[str], months: list[list[int]], notes: list[str]) -> list:
    rows: list[list[Any]] = [["Return to Table of Contents."], [title]]
    if groups:
        rows.append([None, None, *groups])
    rows.append(["Fiscal Year", "Month", *heads])
    rows.append([2023, "Total", *[sum(col) for col in zip(*months, strict=True)]])
    rows += [[None, m, *values] for m, values in zip(MONTHS, months, strict=True)]
    return rows + [[n] for n in notes]


def write(path: Path, sheets: list[tuple[str, list[list[Any]], list[str]]]) -> Path:
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


def repats_month(k: int) -> list[int]:
    """Removals 3 kinds, returns 2 kinds, Title 42 expulsions; subtotals computed (not rounded: exact sums)."""
    removals, returns, t42 = [11 + k, 7, 3], [5 + k, 2], 40 + k
    t8 = sum(removals) + sum(returns)
    return [t8 + t42, t8, t42, sum(removals), *removals, sum(returns), *returns]


def test_hand_made_sheets_reconcile_to_exactly_the_planted_errors(tmp_path: Path) -> None:
    title = "Test Repatriations by Type: Fiscal Years 2023 to 2023 YTD (March 2023)"
    months = [repats_month(k) for k in range(6)]
    months[2][1] += 100  # plant: the 'sum of' subtotal (December) is off: reconcile never checks subtotals
    months[3][3] += 7  # plant: a group total (Total Removals, January) 7 above its parts, on an unrounded sheet
    repats = table_rows(
        title,
        ["Total Repatriations", None, None, "Removals1", None, None, None, "Returns", None, None],
        ["Total Repatriations", "Title 8 Repatriations2", "Title 42 Expulsions", "Total Removals", "Expedited",
         "Reinstated", "Other Removals", "Total Returns", "Voluntary", "Other Returns"],
        months,
        ["1Removals are ordered.", "2The sum of removals and returns.", "Notes: Hand-made."],
    )  # fmt: skip
    agency = table_rows(
        "Test Book-Ins by Initial Arresting Agency: Fiscal Years 2023 to 2023 YTD (March 2023)",
        [],
        ["Total", "CBP", "ICE"],
        [[100 + 10 * k, 60, 30 + k] for k in range(6)],  # 10 .. 15 a month from an agency not printed
        ["Notes: Columns do not add to total because total includes book-ins with unknown arresting agency."],
    )
    outcomes = [[30 + k, 20, 10 + k, 18, 12, 6, 12 + k, 8, 4 + k] for k in range(6)]  # all columns add up
    outcomes[4][0] += 50  # plant: the grand total for February 50 above its printed components
    family = table_rows(
        "Test Book-Outs by Family Status: Fiscal Years 2023 to 2023 YTD (March 2023)",
        ["Total Encounters", None, None, "Adults", None, None, "Children", None, None],
        ["Total Encounters", "Removals", "Releases"] * 3,
        outcomes,
        ["Notes: Hand-made."],
    )
    path = write(
        tmp_path / "hand-made.xlsx",
        [
            ("Repats", repats, ["C3:E3", "F3:I3", "J3:L3"]),
            ("Agency", agency, []),
            ("Family", family, ["C3:E3", "F3:H3", "I3:K3"]),
        ],
    )
    book = read_workbook(path)
    labels = {c: rt for c, (_, rt) in cells_at(book.table("Repats"), 5).items()}
    assert labels == {
        "C": "published_total", "D": "published_subtotal", "E": "detail", "F": "published_total", "G": "detail",
        "H": "detail", "I": "detail", "J": "published_total", "K": "detail", "L": "detail",
    }  # fmt: skip
    assert cells_at(book.table("Agency"), 4)["C"][1] == "published_total_incl_unlisted"
    assert {rt for _, rt in cells_at(book.table("Family"), 5).values()} == {
        "published_total",
        "published_component",
        "detail",
    }
    with Store.open(tmp_path / "h.duckdb") as store:
        load_workbook(store, path)
        found = reconcile(store)
    got = {(r.dataset, r.period, r.key, r.published, r.computed) for r in found.itertuples()}
    ed = "edition=2023-03"
    assert got == {
        # January (k=3): Total Removals (labelled Total: it is "Total <group>") 7 above Expedited + Reinstated + Other = 14 + 7 + 3, and so its FY total
        ("ohss_repats", "2023-01", f"{ed}; type=Total; type_group=Removals", 24 + 7, 24),
        ("ohss_repats", "FY2023", f"{ed}; type=Total; type_group=Removals", 141 + 7, 141),
        # February (k=4): the grand total 50 above its components, all removals (20) + all releases (14)
        ("ohss_family", "2023-02", f"{ed}; family_status=Total Encounters; outcome=Total Encounters", 84, 34),
        ("ohss_family", "FY2023", f"{ed}; family_status=Total Encounters; outcome=Total Encounters", 245, 195),
    }
