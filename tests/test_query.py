"""The query layer: no total added to its own parts, stocks never summed across dates, forgiving filters,
every empty answer explained. Figures hand-checked against the bundled CSVs (OHSS_IELP_2024-08, press snapshots).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mppwatch import metrics, query
from mppwatch.catalog import QueryError, record, with_role
from mppwatch.query import Selection
from mppwatch.store import Store

BOOKOUTS = "ohss_swb_bookouts_by_agency_monthly"
MPP = {"outcome": ["Migrant Protection Protocols"]}
CITIES = "mexico_mpp_returns_city_snapshots"


def test_a_total_is_never_added_to_its_own_parts(store: Store) -> None:
    """CBP = OFO + USBP in the same file: summing over component used to print 9,400 / 22,530 / 23,930."""
    result = query.series(store, Selection(BOOKOUTS, MPP, start="2019-06", end="2019-08"))
    assert result.frame["value"].tolist() == [4700, 11270, 11970]
    assert any("CBP is the total of OFO, USBP" in n for n in result.provenance.notes)
    # The parts are still there when asked for.
    split = metrics.series(store, BOOKOUTS, MPP, by=["component"], start="2019-08", end="2019-08")
    got = dict(zip(split["component"], split["value"], strict=True))
    assert got["CBP"] == 11970 and got["OFO"] + got["USBP"] == 11960  # 1,690 + 10,270, each rounded to 10


def test_no_filter_at_all_is_not_double(store: Store) -> None:
    """June 2019 with no filter printed 208,640; CBP's detail outcomes alone add up to half that."""
    whole = metrics.series(store, BOOKOUTS, start="2019-06", end="2019-06")["value"].iloc[0]
    cbp = metrics.series(store, BOOKOUTS, {"component": "CBP"}, start="2019-06", end="2019-06")["value"].iloc[0]
    assert whole == cbp == 208_640 / 2


def test_a_total_and_its_part_together_are_refused(store: Store) -> None:
    with pytest.raises(QueryError, match=r"component=CBP already includes component=OFO.*--by component"):
        metrics.series(store, BOOKOUTS, {**MPP, "component": ["CBP", "OFO"]}, start="2019-08", end="2019-08")
    parts = metrics.series(store, BOOKOUTS, {**MPP, "component": ["OFO", "USBP"]}, start="2019-08", end="2019-08")
    assert parts["value"].tolist() == [11960]  # OFO 1,690 + USBP 10,270 (each rounded to 10)


def test_published_totals_answer_at_the_top_level(store: Store) -> None:
    """CBP, OFO and USBP totals are all published_total rows: CBP's May 2019 encounters, 144,110."""
    enc = "ohss_swb_encounters_by_sector_field_office_monthly"
    frame = metrics.series(
        store, enc, {"location": "Total"}, start="2019-05", end="2019-05", row_type="published_total"
    )
    assert frame["value"].tolist() == [144110]


def test_snapshots_are_stocks_shown_per_date(store: Store) -> None:
    """Ciudad Juárez: day-dated and month-dated detail figures, never summed, never dropped."""
    result = query.series(store, Selection(CITIES, {"city": ["Ciudad Juarez"]}))
    periods = result.frame["period"].tolist()
    assert periods[:4] == ["2019-06-05", "2019-06-10", "2019-06-12", "2019-06-14"]
    assert "2019-09" in periods and "2022-01" in periods and "2019-08-16" in periods
    assert len(periods) == 12  # 13 detail figures, two of them for 2022-01 (one capture kept)
    values = dict(zip(result.frame["period"], result.frame["value"], strict=True))
    assert values["2019-08-16"] == 14235 and values["2019-09"] == 17041
    assert result.provenance.matched == {"city": {"Ciudad Juarez": "Ciudad Juárez"}}
    assert any("never added across dates" in n for n in result.provenance.notes)
    assert "2019-08-16" in result.provenance.as_of


def test_stock_range_is_on_the_date_counted_to(store: Store) -> None:
    frame = metrics.series(store, CITIES, {"city": "Tijuana"}, start="2019-07", end="2019-07")
    assert len(frame) and all(p.startswith("2019-07") for p in frame["period"])


def test_filters_ignore_case_and_accents(store: Store) -> None:
    lower = metrics.series(store, BOOKOUTS, {**MPP, "component": "cbp"}, start="2019-08", end="2019-08")
    assert lower["value"].tolist() == [11970]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"where": {"component": "NOPE"}}, r"no component 'NOPE'; its component values are: .*CBP"),
        ({"where": {"sector": "x"}}, r"has no column 'sector'; its columns are: "),
        ({"row_type": "bogus"}, r"no row type 'bogus'; its row types are: published_total, detail"),
        ({"period_kind": "bogus"}, r"no period kind 'bogus'; its period kinds are: "),
        ({"edition": "1999-01"}, r"has no editions"),
        ({"start": "2019-08", "end": "2019-06"}, r"later than --to"),
        ({"start": "1990-01", "end": "1990-12"}, r"no figures in 1990-01-01..1990-12-31 \(month\); it covers month"),
    ],
)
def test_what_matches_nothing_is_an_error_listing_choices(store: Store, kwargs: dict, pattern: str) -> None:
    with pytest.raises(QueryError, match=pattern):
        metrics.series(store, BOOKOUTS, **kwargs)


def test_coverage_is_given_for_a_period_the_dataset_does_not_cover(store: Store) -> None:
    with pytest.raises(QueryError, match=r"it covers month 2020-01-01\.\.") as info:
        metrics.series(store, "cbp_mpp_enrollments_by_location", start="2019-01", end="2019-12")
    assert "2019-01-01..2019-12-31" in str(info.value)


def test_nearest_choice_first(store: Store) -> None:
    with pytest.raises(QueryError, match=r"values are: Migrant Protection Protocols,"):
        metrics.series(store, BOOKOUTS, {"outcome": "Migrant Protection Protocol"})
    with pytest.raises(QueryError, match=r"loaded: ohss_swb_bookouts_by_agency_monthly,") as info:
        metrics.series(store, "ohss_swb_bookouts_by_agency_montly")
    assert "court_" not in str(info.value)


def test_by_the_same_column_twice_is_an_error(store: Store) -> None:
    with pytest.raises(QueryError, match="named twice"):
        metrics.series(store, BOOKOUTS, MPP, by=["component", "component"])


def test_catalogue_records(store: Store) -> None:
    rec = record(store, BOOKOUTS)
    assert rec.dimensions["component"].parts == {"CBP": ("OFO", "USBP")}
    assert rec.rounding == 10 and "bookouts" in rec.roles and rec.title["es"].startswith("DHS OHSS")
    assert record(store, CITIES).stock and not rec.stock
    assert with_role(store, "returns_snapshots") == ["inm_mpp_returns_by_crossing_point_2019", CITIES]
    assert record(store, CITIES).dimensions["city"].ancestors("Tijuana") == {"All", "Tijuana and Mexicali"}


def test_sql_binds_every_value(store: Store) -> None:
    """A quote in a filter value is data, never SQL."""
    with pytest.raises(QueryError, match="no component"):
        metrics.series(store, BOOKOUTS, {"component": "CBP' OR '1'='1"})


def test_returns_and_the_claims_checker_agree_on_every_date(store: Store) -> None:
    """One set of snapshots (the catalogue's returns_snapshots role) and one interpolation: 34,150 on 2019-08-31."""
    from datetime import date, timedelta

    from mppwatch.claims.evidence import Context

    assert metrics.returns(store, "2019-08-31").iloc[0]["value"] == 34150
    ctx = Context(store)
    day = date(2019, 1, 1)
    while day <= date(2023, 1, 1):
        for by in (None, "city"):
            ours = metrics.returns(store, day, by=by).fillna(-1).to_dict("records")
            theirs = ctx.returns(day, by).fillna(-1).to_dict("records")
            assert ours == theirs, (day, by)
        day += timedelta(days=23)


def test_returns_after_the_last_snapshot_names_the_last_known_figure(store: Store) -> None:
    rows = metrics.returns(store, "2019-10-15", by="city").set_index("city")
    cj = rows.loc["Ciudad Juárez"]
    assert cj["value"] != cj["value"]  # NaN: not estimated past the last snapshot
    assert cj["method"].endswith("last known: 14,235 on 2019-08-16 (DEBATE_2019-08-16_JUAREZ)")


def test_returns_rejects_an_unknown_dataset(store: Store) -> None:
    with pytest.raises(QueryError, match="no dataset 'inm_returns'; |no dataset 'inm_returns' in"):
        metrics.returns(store, "2019-06-30", datasets=["inm_returns"])
    with pytest.raises(QueryError, match="holds no city snapshots"):
        metrics.returns(store, "2019-06-30", datasets=[BOOKOUTS])


def test_a_users_own_csv_gets_a_record(fresh_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file never seen before: its record comes from the store, its hierarchy from its labels ("All")."""
    from mppwatch.sources.loader import load_file

    new = tmp_path / "my_returns.csv"
    new.write_text(
        "source_id,as_of_date,city,count\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,Tijuana,100\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,Mexicali,50\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,All,150\n",
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        load_file(store, new, dataset="my_city_returns")
        rec = record(store, "my_city_returns")
        assert rec.origin == "user" and rec.title == {"en": "my_city_returns", "es": "my_city_returns"}
        assert rec.dimensions["city"].parts == {"All": ("Mexicali", "Tijuana")}
        assert "returns_snapshots" in rec.roles and rec.stock  # named like returns, with cities
        assert rec.period_kinds["day"].first.isoformat() == "2019-06-30"
        frame = metrics.series(store, "my_city_returns")
        assert frame.to_dict("records") == [{"period": "2019-06-30", "value": 150.0}]  # All, not 300
        listing = metrics.datasets(store).set_index("dataset")
        assert listing.loc["my_city_returns", "roles"] == "returns_snapshots"
        assert listing.loc[BOOKOUTS, "title_es"].startswith("DHS OHSS: salidas")


def test_query_errors_speak_spanish(store: Store) -> None:
    with pytest.raises(QueryError) as info:
        metrics.series(store, BOOKOUTS, {"component": "NOPE"})
    assert str(info.value) == (
        "ohss_swb_bookouts_by_agency_monthly: no component 'NOPE'; its component values are: CBP, OFO, USBP"
    )
    assert info.value.render("es") == (
        "ohss_swb_bookouts_by_agency_monthly: no hay component 'NOPE'; sus valores de component son: CBP, OFO, USBP"
    )
    with pytest.raises(QueryError) as info:
        metrics.series(store, BOOKOUTS, start="2019-08", end="2019-06")
    assert info.value.render("es") == "--from 2019-08 es posterior a --to 2019-06: no hay nada entre ambos"


def test_only_the_store_and_the_query_layer_write_sql_over_observations() -> None:
    """Issue 12's acceptance line, `grep -rn "FROM observations" src/`, run in Python: every read over
    `observations` is a named function in query.py and every write (and the catalogue's profile scan) a Store
    method, so the text appears in no other module."""
    src = Path(query.__file__).resolve().parent.parent  # src/
    hits = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*")
        if path.is_file()
        and path.suffix != ".pyc"
        and "FROM observations" in path.read_text(encoding="utf-8", errors="replace")
    )
    assert hits == ["mppwatch/query.py", "mppwatch/store.py"]


def test_returns_reads_the_snapshot_role_not_file_names(tmp_path: Path) -> None:
    """No snapshot dataset is named in code: a user's own file with the role is read, none is an error naming it."""
    from mppwatch.sources.loader import load_file

    with Store.open(tmp_path / "empty.duckdb") as store:
        with pytest.raises(QueryError, match="no loaded dataset plays the role 'returns_snapshots'") as info:
            metrics.returns(store, "2019-07-15")
        assert "mppwatch load" in str(info.value)
        mine = tmp_path / "my_returns.csv"
        mine.write_text(
            "source_id,as_of_date,city,count\nA,2019-06-30,All,100\nA,2019-07-31,All,162\n", encoding="utf-8"
        )
        load_file(store, mine, dataset="my_city_returns")
        row = metrics.returns(store, "2019-07-15").iloc[0]
        assert row["value"] == 100 + round(15 / 31 * 62)  # 130: linear between 30 June and 31 July
        assert row["method"] == "linear interpolation between snapshots of 2019-06-30 and 2019-07-31"
