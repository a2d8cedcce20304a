"""Acceptance figures of the Foundation issue, computed from the bundled data through the library."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mppwatch import metrics
from mppwatch.sources.loader import bundled_data_dir, bundled_files, load_bundled, load_file
from mppwatch.store import Store

MPP = {"component": ["CBP"], "outcome": ["Migrant Protection Protocols"]}
BOOKOUTS = "ohss_swb_bookouts_by_agency_monthly"
ENCOUNTERS = "ohss_swb_encounters_by_sector_field_office_monthly"


def test_mpp_bookouts_fiscal_year_totals(store: Store) -> None:
    fy = metrics.series(store, BOOKOUTS, MPP, period_kind="fiscal_year").set_index("period")["value"]
    assert fy["FY2019"] == 44250
    assert fy["FY2020"] == 20200
    monthly = metrics.series(store, BOOKOUTS, MPP, start="2019-08", end="2019-08")
    assert monthly.to_dict("records") == [{"period": "2019-08", "value": 11970.0}]
    assert monthly.attrs["source_ids"] == ["OHSS_IELP_2024-08"]


def test_encounters_may_2019(store: Store) -> None:
    where = {"component": ["CBP"], "location": ["Total"]}
    frame = metrics.series(store, ENCOUNTERS, where, start="2019-05", end="2019-05", row_type="published_total")
    assert frame["value"].tolist() == [144110]
    # The details (sectors and field offices, rounded to 10) add up to the total within rounding.
    details = metrics.series(store, ENCOUNTERS, start="2019-05", end="2019-05")
    assert abs(details["value"].sum() - 144110) <= 5 * 14


def test_series_by_and_default_months(store: Store) -> None:
    frame = metrics.series(store, "trac_mpp_cases_by_month_hearing_location_2019", by=["hearing_location"])
    assert list(frame.columns) == ["hearing_location", "period", "value"]
    july = frame[frame["period"] == "2019-07"].set_index("hearing_location")["value"]
    assert july["El Paso"] == 3768 and july["Laredo Port of Entry"] == 3114
    assert "2019-01..2019-07" not in set(frame["period"])  # the cumulative range row is not a month


def test_series_picks_one_capture_per_cell(store: Store) -> None:
    """Several captures print the same month; the sum must not double count."""
    frame = metrics.series(
        store, "cbp_mpp_page_usbp_apprehensions_by_sector", {"location": ["Total"]}, row_type="published_total"
    )
    assert frame["period"].is_unique
    feb21 = frame.set_index("period")["value"]["2021-02"]
    assert feb21 == 97643  # the later, fuller FY2021 capture revises 96,974


def test_series_unknown_column_is_a_clear_error(store: Store) -> None:
    with pytest.raises(metrics.QueryError, match="has no column 'sector'"):
        metrics.series(store, BOOKOUTS, {"sector": ["x"]})


def test_series_refuses_to_add_different_measures(store: Store) -> None:
    usbp = "usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019"
    with pytest.raises(metrics.QueryError, match="mixes measures"):
        metrics.series(store, usbp, {"location": ["El Paso"]})
    # SOURCES.md: FY2019 SW total 851,508; El Paso May 2019 read from the CBP PDF transcription.
    total = metrics.series(store, usbp, {"measure": ["total_apprehensions"]}, start="2018-10", end="2019-09")
    assert total.value.sum() == 851_508
    split = metrics.series(store, usbp, {"location": ["El Paso"]}, by=["measure"], start="2019-05", end="2019-05")
    assert dict(zip(split.measure, split.value, strict=True))["total_apprehensions"] == 38_637


def test_returns_to_end_of_june(store: Store) -> None:
    by_city = metrics.returns(store, "2019-06-30", by="city").set_index("city")
    assert by_city.loc["Tijuana", "value"] == 5709
    assert by_city.loc["Mexicali", "value"] == 3299
    assert by_city.loc["Ciudad Juárez", "value"] == 7706
    assert not by_city.loc["Tijuana", "is_estimate"]
    total = metrics.returns(store, "2019-06-30").iloc[0]
    assert total["value"] == 16714 and total["source_ids"] == "ORTNOTICIAS_2019-07"
    assert metrics.returns(store, "2019-06-24").iloc[0]["value"] == 15079


def test_returns_interpolates_between_snapshots(store: Store) -> None:
    # INM's own snapshots only: the press's city snapshots (now read by default) print 11,922 on 2019-06-12.
    row = metrics.returns(store, "2019-06-12", datasets=["inm_mpp_returns_by_crossing_point_2019"]).iloc[0]
    assert 10393 < row["value"] < 15079
    assert row["is_estimate"] and "interpolation" in row["method"]
    assert (str(row["before_date"]), str(row["after_date"])) == ("2019-06-07", "2019-06-24")
    # By hand: 10,393 + (12 - 7) / (24 - 7) * (15,079 - 10,393) = 11,771.2
    assert row["value"] == round(10393 + 5 / 17 * (15079 - 10393))
    assert set(row["source_ids"].split()) == {"CBS_2019-06-08_INM", "CBS_2019-06-25_INM"}


def test_returns_never_extrapolates(store: Store) -> None:
    row = metrics.returns(store, "2020-06-01", datasets=["inm_mpp_returns_by_crossing_point_2019"]).iloc[0]
    assert row["value"] != row["value"]  # NaN: no snapshot after this date
    assert "not estimated" in row["method"]


def test_loading_twice_changes_nothing(fresh_db: Path) -> None:
    with Store.open(fresh_db) as store:
        before = store.query("SELECT dataset, count(*) n FROM observations GROUP BY 1 ORDER BY 1")
        loads_before = store.query("SELECT count(*) n FROM loads")["n"][0]
        results = load_bundled(store)
        assert {r.status for r in results} == {"skipped"}
        after = store.query("SELECT dataset, count(*) n FROM observations GROUP BY 1 ORDER BY 1")
        assert before.equals(after)
        assert store.query("SELECT count(*) n FROM loads")["n"][0] == loads_before


def test_rows_in_equal_rows_out(store: Store) -> None:
    """No silent drops: each file's data rows are all in the store."""
    loaded = store.query("SELECT dataset, count(*) AS n FROM observations GROUP BY 1").set_index("dataset")["n"]
    for path in bundled_files():
        if path.stem in loaded.index:
            with open(path, encoding="utf-8", newline="") as handle:
                assert loaded[path.stem] == sum(1 for _ in csv.DictReader(handle)), path.name


def test_changed_file_replaces_and_supersedes(fresh_db: Path, tmp_path: Path) -> None:
    src = bundled_data_dir() / "trac_mpp_cases_by_month_hearing_location_2019.csv"
    changed = tmp_path / src.name
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-1]), encoding="utf-8")  # one row fewer
    with Store.open(fresh_db) as store:
        result = load_file(store, changed)
        assert result.status == "replaced" and result.rows == len(lines) - 2
        n = store.query("SELECT count(*) n FROM observations WHERE dataset = ?", [src.stem])["n"][0]
        assert n == len(lines) - 2
        statuses = store.query("SELECT status FROM loads WHERE dataset = ? ORDER BY load_id", [src.stem])["status"]
        assert statuses.tolist() == ["superseded", "current"]


def test_generic_reader_loads_a_file_it_has_never_seen(fresh_db: Path, tmp_path: Path) -> None:
    new = tmp_path / "shelter_beds_by_week.csv"
    new.write_text(
        "source_id,month,city,shelter_type,count,note\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-04,Tijuana,municipal,120,\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-05,Tijuana,municipal,150,\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-05,Tijuana,church,30,a note\n",
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        assert load_file(store, new, dataset="beds").rows == 3
        frame = metrics.series(store, "beds", by=["city"])
        assert frame.to_dict("records") == [
            {"city": "Tijuana", "period": "2019-04", "value": 120.0},
            {"city": "Tijuana", "period": "2019-05", "value": 180.0},
        ]
        assert "beds" in set(metrics.datasets(store)["dataset"])


def test_csv_output_prints_floats_as_a_person_would_read_them() -> None:
    import pandas as pd

    from mppwatch.output import to_csv

    frame = pd.DataFrame(
        {"q": [1056.1499999999999, 0.5089, None], "n": [1.0, 2.0, None], "big": [123456789.125, 2.5, 3]}
    )
    assert to_csv(frame) == "q,n,big\n1056.15,1,123456789.125\n0.5089,2,2.5\n,,3\n"


def test_memory_limit_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mppwatch.store import StoreError

    monkeypatch.setenv("MPPWATCH_MEMORY_LIMIT", "1GB")
    with Store.open(tmp_path / "m.duckdb") as store:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert limit is not None and limit[0] in ("953.6 MiB", "1.0 GiB", "1000.0 MB")
    monkeypatch.setenv("MPPWATCH_MEMORY_LIMIT", "lots")
    with pytest.raises(StoreError, match="MPPWATCH_MEMORY_LIMIT='lots'"):
        Store.open(tmp_path / "n.duckdb")


def test_json_records_print_months_as_dates_and_instants_in_full() -> None:
    import pandas as pd

    from mppwatch.output import records

    frame = pd.DataFrame({"ds": pd.to_datetime(["2020-01-01 00:00", "2020-02-01 10:30"]), "y": [1.0, float("nan")]})
    assert records(frame) == [{"ds": "2020-01-01", "y": 1.0}, {"ds": "2020-02-01T10:30:00", "y": None}]
