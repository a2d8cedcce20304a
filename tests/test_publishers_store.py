"""Both real OHSS editions in one store: side by side, reloads, series, edition diffs, MPP by citizenship."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mppwatch import metrics
from mppwatch.cli import app
from mppwatch.errors import InputError
from mppwatch.publishers import load as load_module
from mppwatch.publishers.citizenship import CHECK, RECONCILE_COLUMNS, compare_with_inm, mpp_by_nationality
from mppwatch.publishers.diff import DiffError, diff_editions, editions, summarize_diff
from mppwatch.publishers.load import load_workbook, workbook_sheets
from mppwatch.reconcile import reconcile
from mppwatch.sources.loader import load_file
from mppwatch.store import Store, sha256_of

DATA = Path(__file__).resolve().parents[1] / "data"
AUG = next((DATA / "publisher_files").glob("*august-2024.xlsx"))
JUL = next((DATA / "publisher_files").glob("*july-2024.xlsx"))
SECTOR = "ohss_swb_enc_by_sector_field_ofc"
AGENCY = "ohss_cbp_swb_book_outs_by_agency"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store with the source register, INM nationalities, the OHSS CSV and both workbook editions."""
    path = tmp_path_factory.mktemp("publishers") / "p.duckdb"
    with Store.open(path) as store:
        for name in ("source_ids", "inm_mpp_returns_by_nationality_2019", "ohss_swb_bookouts_by_agency_monthly"):
            load_file(store, DATA / f"{name}.csv")
        first = load_workbook(store, JUL)
        second = load_workbook(store, AUG)
    assert set(first["status"]) == {"loaded"} and len(first) == 34
    assert set(second["status"]) == {"loaded"} and len(second) == 34
    yield path


def counts(store: Store) -> tuple[int, ...]:
    row = store.con.execute(
        """SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM loads),
                  (SELECT count(*) FROM loads WHERE status = 'current'), (SELECT count(*) FROM sources),
                  (SELECT count(*) FROM publisher_sheets)"""
    ).fetchone()
    assert row is not None
    return tuple(int(x) for x in row)


def test_editions_sit_side_by_side(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        listing = metrics.datasets(store)
        ohss = listing[listing["dataset"].str.startswith("ohss_") & ~listing["dataset"].str.endswith("_monthly")]
        assert len(ohss) == 68 and ohss["dataset"].nunique() == 34  # one row per (dataset, edition)
        assert ohss["load_id"].nunique() == 68
        assert set(ohss["source_ids"]) == {"OHSS_IELP_2024-07", "OHSS_IELP_2024-08"}
        loads = store.query("SELECT dataset, sha256, rows FROM loads WHERE kind = 'workbook' AND status = 'current'")
        assert len(loads) == 68
        assert loads["dataset"].str.fullmatch(r"ohss_[a-z0-9_]+@2024-0[78]").all()
        assert set(loads["sha256"]) == {sha256_of(JUL), sha256_of(AUG)}
        # each load's row count is what the observations hold for it
        held = store.query(
            """SELECT l.rows, count(o.load_id) AS n FROM loads l LEFT JOIN observations o USING (load_id)
               WHERE l.kind = 'workbook' GROUP BY l.load_id, l.rows"""
        )
        assert (held["rows"] == held["n"]).all()
        assert int(loads["rows"].sum()) == 104374 + 105020
        cell = store.query(
            """SELECT meta['sheet'] AS sheet, meta['cell'] AS cell, meta['footnotes'] AS footnotes, value
               FROM observations WHERE dataset = ? AND dims['edition'] = '2024-08' AND period = '2019-08'
                 AND dims['component'] = 'CBP' AND dims['outcome'] = 'Migrant Protection Protocols'""",
            [AGENCY],
        )
        assert cell.to_dict("records") == [
            {"sheet": "CBP SWB Book-Outs by Agency", "cell": "F81", "footnotes": "3", "value": 11970.0}
        ]
        sheets = workbook_sheets(store, "2024-08")
        assert len(sheets) == 34 and sheets["category"].notna().all()
        assert editions(store, "OHSS") == ["2024-07", "2024-08"]


def test_series_takes_the_latest_edition_unless_told(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        where = {"component": ["USBP"], "location": ["Total"]}
        total = "published_total"
        latest = metrics.series(store, SECTOR, where, start="2024-06", end="2024-08", row_type=total)
        assert latest.to_dict("list") == {
            "period": ["2024-06", "2024-07", "2024-08"],
            "value": [83530.0, 56400.0, 58010.0],
        }
        assert latest.attrs["source_ids"] == ["OHSS_IELP_2024-08"]
        older = metrics.series(store, SECTOR, where, start="2024-06", end="2024-08", row_type=total, edition="2024-07")
        assert older.to_dict("list") == {"period": ["2024-06", "2024-07"], "value": [83540.0, 56400.0]}
        by = metrics.series(store, SECTOR, {"component": ["OFO"]}, ["location"], "2024-08", "2024-08")
        assert dict(zip(by["location"], by["value"], strict=True)) == {
            "El Paso, TX": 7730.0,
            "Laredo, TX": 22220.0,
            "San Diego, CA": 15780.0,
            "Tucson, AZ": 3740.0,
        }  # as in ohss_swb_encounters_by_sector_field_office_monthly.csv; they sum to the OFO total 49,460


def test_the_same_query_works_on_the_transcribed_csv_and_the_workbook(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        where = {"component": ["CBP", "USBP", "OFO"], "outcome": ["Migrant Protection Protocols"]}
        for kind in ("month", "fiscal_year"):
            from_csv = metrics.series(
                store, "ohss_swb_bookouts_by_agency_monthly", where, ["component"], period_kind=kind
            )
            from_book = metrics.series(store, AGENCY, where, ["component"], period_kind=kind)
            pd.testing.assert_frame_equal(from_csv, from_book)
        fy = metrics.series(
            store,
            AGENCY,
            {"component": ["CBP"], "outcome": ["Total Encounters"]},
            period_kind="fiscal_year",
            row_type="published_total",
        )
        assert fy["period"].iloc[-1] == "FY2024 YTD" and fy["value"].iloc[-1] == 2033210.0


def test_loading_the_same_file_again_changes_nothing(db: Path) -> None:
    with Store.open(db) as store:
        before = counts(store)
        again = load_workbook(store, AUG)
        assert set(again["status"]) == {"skipped"} and len(again) == 34
        assert counts(store) == before


def test_the_diff_between_july_and_august(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        diff = diff_editions(store, "OHSS", "2024-07", "2024-08")
    sector = diff[diff["dataset"] == SECTOR]
    revised_months = sector[(sector["change"] == "revised") & (sector["period_kind"] == "month")]
    # SOURCES.md: only 4 monthly cells of the encounters sheet changed, each by 10
    assert sorted(
        zip(revised_months["period"], revised_months["dimensions"], revised_months["difference"], strict=True)
    ) == [
        ("2024-01", "component=USBP; location=El Paso, TX", 10.0),
        ("2024-03", "component=USBP; location=Total", -10.0),
        ("2024-04", "component=USBP; location=Total", 10.0),
        ("2024-06", "component=USBP; location=Total", -10.0),
    ]
    ytd = sector[(sector["change"] == "revised") & (sector["period_kind"] == "fiscal_year")]
    assert len(ytd) == 16 and set(ytd["period"]) == {"FY2024 YTD"}  # every column's year to date
    added = sector[sector["change"] == "added"]
    assert len(added) == 16 and set(added["period"]) == {"2024-08"}
    assert not (sector["change"] == "removed").any()
    # the book-outs sheet was revised further back, and June-July 2024 were reclassified (the STB note)
    agency = diff[(diff["dataset"] == AGENCY) & (diff["change"] == "revised") & (diff["period_kind"] == "month")]
    assert len(agency) == 59
    june = agency[(agency["period"] == "2024-06") & (agency["dimensions"] == "component=CBP; outcome=Other outcomes")]
    assert june[["old", "new", "old_cell", "new_cell"]].values.tolist() == [[1250.0, 190.0, "K144", "K144"]]
    assert agency["period"].min() == "2014-04"
    # the top-ten list moved: Peru out, China in
    citizens = diff[diff["dataset"] == "ohss_swb_encounters_by_citizenship"]
    assert citizens[citizens["change"] == "removed"]["dimensions"].str.contains("citizenship=Peru").all()
    assert citizens[citizens["change"] == "added"]["dimensions"].str.contains("China|2024-08", regex=True).any()
    summary = summarize_diff(diff)
    assert int(summary["cells"].sum()) == len(diff)
    only = diff_editions_subset(db)
    assert set(only["change"]) == {"revised"} and set(only["dataset"]) == {SECTOR}


def diff_editions_subset(db: Path) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return diff_editions(store, "ohss", "2024-07", "2024-08", datasets=[SECTOR], changes=["revised"])


def test_diff_names_what_is_missing(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        with pytest.raises(DiffError, match=r"no OHSS edition '2024-09'.*loaded: 2024-07, 2024-08"):
            diff_editions(store, "OHSS", "2024-07", "2024-09")
        with pytest.raises(DiffError, match="unknown publisher"):
            diff_editions(store, "CBP", "2024-07", "2024-08")
        with pytest.raises(DiffError, match="unknown change"):
            diff_editions(store, "OHSS", "2024-07", "2024-08", changes=["moved"])


def test_mpp_by_nationality(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        frame = mpp_by_nationality(store)
        older = mpp_by_nationality(store, "2024-07")
    assert list(frame.columns) == ["nationality", "month", "value"]
    assert frame.attrs["edition"] == "2024-08" and older.attrs["edition"] == "2024-07"
    value = {(n, m): v for n, m, v in frame.itertuples(index=False)}
    assert value[("All", "2019-08")] == 11970 and value[("Honduras", "2019-08")] == 4770
    assert value[("Guatemala", "2019-07")] == 3070
    assert "Mexico" not in set(frame["nationality"])  # the sheet has no MPP column for Mexico
    assert frame["month"].min() == "2019-03"  # Jan-Feb 2019 are printed X
    assert frame["value"].notna().all()
    march = frame[frame["month"] == "2019-03"]["nationality"].tolist()  # countries A-Z, then Others, then All
    assert march[-2:] == ["Others", "All"] and march[:-2] == sorted(march[:-2])
    # the citizenship columns add up to the all-citizenship column within rounding, month by month
    wide = frame.pivot(index="month", columns="nationality", values="value")
    parts = wide.drop(columns="All").sum(axis=1)
    assert ((parts - wide["All"]).abs() <= 5 * (wide.shape[1] - 1)).all()


def test_compare_with_inm(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        frame = compare_with_inm(store)
    assert list(frame.columns) == RECONCILE_COLUMNS
    rows = {r["key"]: r for r in frame.to_dict("records")}
    assert set(rows) == {
        "All",
        "Honduras",
        "Guatemala",
        "El Salvador",
        "Cuba",
        "Ecuador",
        "Venezuela",
        "Nicaragua",
        "Spain",
    }
    # calendar 2019 by hand: Mar-Sep from FY2019 plus Oct-Dec from FY2020
    assert rows["All"]["computed"] == 590 + 2640 + 5310 + 4700 + 11270 + 11970 + 7620 + 4860 + 3630 + 3090
    assert rows["All"]["published"] == 62144 and rows["All"]["difference"] == 55680 - 62144
    assert rows["All"]["tolerance"] == 50  # 10 monthly cells rounded to 10
    assert "150 more than its printed months" in rows["All"]["note"]
    assert rows["Honduras"]["computed"] == 20240
    assert pd.isna(rows["Nicaragua"]["computed"]) and "does not itemise" in rows["Nicaragua"]["note"]
    assert rows["All"]["cells"] == 10
    assert rows["Cuba"]["source_id"] == "LAJORNADA_2021-12-04_INM OHSS_IELP_2024-08"


def test_reconcile_keeps_the_sources_of_the_inm_comparison(db: Path) -> None:
    """Through `reconcile` (as the CLI and API call it) the comparison keeps its source ids and cell counts."""
    with Store.open(db, read_only=True) as store:
        frame = reconcile(store, cross_source=metrics.cross_source_checks())
    rows = {r["key"]: r for r in frame[frame["check"] == CHECK].to_dict("records")}
    assert len(rows) == 9
    assert rows["All"]["source_id"] == "LAJORNADA_2021-12-04_INM OHSS_IELP_2024-08"
    assert rows["All"]["published"] == 62144 and rows["All"]["computed"] == 55680 and rows["All"]["cells"] == 10
    assert all(r["source_id"] for r in rows.values())


def test_a_bad_file_leaves_the_store_unchanged(db: Path, tmp_path: Path) -> None:
    half = tmp_path / "half.xlsx"
    raw = AUG.read_bytes()
    half.write_bytes(raw[: len(raw) // 2])
    with Store.open(db) as store:
        before = counts(store)
        with pytest.raises(InputError):
            load_workbook(store, half)
        assert counts(store) == before


def test_a_failure_while_writing_rolls_everything_back(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_module, "_arrow", broken)
    with Store.open(db) as store:
        before = counts(store)
        with pytest.raises(RuntimeError, match="disk full"):
            load_workbook(store, AUG, edition="2099-01")  # a new edition: every table is pending
        assert counts(store) == before
        assert not store.query("SELECT * FROM loads WHERE dataset LIKE '%@2099-01'").shape[0]


def test_store_file_is_byte_identical_after_a_rejected_workbook(tmp_path: Path) -> None:
    path = tmp_path / "small.duckdb"
    with Store.open(path) as store:
        load_file(store, DATA / "source_ids.csv")
    before = sha256_of(path)
    foreign = tmp_path / "foreign.xlsx"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    result = CliRunner().invoke(app, ["--db", str(path), "load-workbook", str(foreign)])
    assert isinstance(result.exception, InputError)
    assert sha256_of(path) == before


def test_commands(db: Path) -> None:
    runner = CliRunner()
    loaded = runner.invoke(app, ["--db", str(db), "load-workbook", str(AUG), "--format", "csv"])
    assert loaded.exit_code == 0, loaded.output
    rows = list(csv.DictReader(io.StringIO(loaded.stdout)))
    assert len(rows) == 34 and {r["status"] for r in rows} == {"skipped"}
    summary = runner.invoke(
        app, ["--db", str(db), "diff-editions", "OHSS", "2024-07", "2024-08", "--summary", "-f", "csv"]
    )
    assert summary.exit_code == 0, summary.output
    table = list(csv.DictReader(io.StringIO(summary.stdout)))
    sector = {(r["change"], r["period_kind"]): int(r["cells"]) for r in table if r["dataset"] == SECTOR}
    assert sector == {("added", "month"): 16, ("revised", "fiscal_year"): 16, ("revised", "month"): 4}
    listed = runner.invoke(
        app,
        [
            "--db",
            str(db),
            "diff-editions",
            "OHSS",
            "2024-07",
            "2024-08",
            "-d",
            SECTOR,
            "--change",
            "revised",
            "-f",
            "json",
        ],
    )
    assert listed.exit_code == 0 and listed.stdout.count('"change": "revised"') == 20
    nationality = runner.invoke(app, ["--db", str(db), "mpp-by-nationality", "--format", "csv"])
    assert nationality.exit_code == 0 and nationality.stdout.startswith("nationality,month,value\n")
    assert "Honduras,2019-08,4770" in nationality.stdout
    series = runner.invoke(
        app, ["--db", str(db), "series", AGENCY, "-w", "component=CBP", "-w", "outcome=Migrant Protection Protocols",
              "--period-kind", "fiscal_year", "--edition", "2024-07", "-f", "csv"],
    )  # fmt: skip
    assert series.exit_code == 0 and "FY2019,44250" in series.stdout
