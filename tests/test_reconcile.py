"""`reconcile` lists exactly the published inconsistencies that SOURCES.md describes, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mppwatch.reconcile import reconcile
from mppwatch.sources.loader import load_file
from mppwatch.store import Store

# (dataset, period, key, published, computed) as SOURCES.md describes them.
KNOWN = {
    # Section 1: the FY2021 capture through Feb-21, and the printable capture's Aug-21 "1,000 typo".
    ("cbp_mpp_page_usbp_apprehensions_by_sector", "2021-02", "component=USBP; location=Total", 96974, 96956),
    ("cbp_mpp_page_usbp_apprehensions_by_sector", "2021-08", "component=USBP; location=Total", 195514, 196514),
    # Section 9: nationalities not itemised leave 401 unaccounted for.
    ("inm_mpp_returns_by_nationality_2019", "2019-12-31", "nationality=All", 62144, 61743),
    # Section 16: the 12 Jun 2019 city figures sum to 12,122 against the printed 11,922.
    ("mexico_mpp_returns_city_snapshots", "2019-06-12", "city=All; crossing_point=All; state=", 11922, 12122),
    # Section 6: Feb 2019 CBP and OFO are 130 and 140 off in the published sheet (beyond rounding).
    ("ohss_swb_bookouts_by_agency_monthly", "2019-02", "component=CBP; outcome=Total Encounters", 76540, 76410),
    ("ohss_swb_bookouts_by_agency_monthly", "2019-02", "component=OFO; outcome=Total Encounters", 9660, 9520),
    # Section 7: locations fall short of "All" by 1 (Feb, Apr) and 2 (May, Jun); the months sum to 25,995.
    ("trac_mpp_cases_by_month_hearing_location_2019", "2019-02", "hearing_location=All", 164, 163),
    ("trac_mpp_cases_by_month_hearing_location_2019", "2019-04", "hearing_location=All", 2629, 2628),
    ("trac_mpp_cases_by_month_hearing_location_2019", "2019-05", "hearing_location=All", 5161, 5159),
    ("trac_mpp_cases_by_month_hearing_location_2019", "2019-06", "hearing_location=All", 5883, 5881),
    (
        "trac_mpp_cases_by_month_hearing_location_2019",
        "2019-01..2019-07",
        "hearing_location=All (cumulative, stated in text)",
        26001,
        25995,
    ),
}


def test_reconcile_lists_exactly_the_known_inconsistencies(store: Store) -> None:
    found = reconcile(store)
    got = {(r.dataset, r.period, r.key, r.published, r.computed) for r in found.itertuples()}
    assert got == KNOWN


def test_rounding_tolerance_grows_with_cells(store: Store) -> None:
    found = reconcile(store, ["ohss_swb_bookouts_by_agency_monthly"]).set_index("key")
    cbp = found.loc["component=CBP; outcome=Total Encounters"]
    # Six published outcome cells (two are X), each rounded to 10, plus the rounded total: 5 * (6 + 1).
    assert (cbp["cells"], cbp["tolerance"]) == (6, 35.0)


def test_cross_source_rows_are_appended(store: Store) -> None:
    extra = pd.DataFrame([{"check": "cross_source", "dataset": "a", "published": 1.0, "computed": 2.0}])
    found = reconcile(store, cross_source=[lambda s: extra])
    assert found["check"].tolist()[-1] == "cross_source" and len(found) == len(KNOWN) + 1


def test_dataset_filter_applies_to_cross_source_rows(store: Store) -> None:
    extra = pd.DataFrame([{"check": "cross_source", "dataset": "a"}, {"check": "cross_source", "dataset": "b"}])
    trac = "trac_mpp_cases_by_month_hearing_location_2019"
    only_trac = reconcile(store, [trac], cross_source=[lambda s: extra])
    assert set(only_trac["dataset"]) == {trac} and len(only_trac) == 5
    with_b = reconcile(store, [trac, "b"], cross_source=[lambda s: extra])
    assert with_b["dataset"].tolist()[-1] == "b" and len(with_b) == 6


def test_a_total_with_unlisted_parts_may_exceed_its_parts_but_not_fall_short(fresh_db: Path, tmp_path: Path) -> None:
    sid = "ZETA_2019-04_TIJUANA_SHELTERS"
    rows = [
        ("2019-04", "Total", "published_total_incl_unlisted", 130),  # 100 + 20 printed, 10 unlisted: fine
        ("2019-04", "A", "detail", 100),
        ("2019-04", "B", "detail", 20),
        ("2019-05", "Total", "published_total_incl_unlisted", 110),  # short of 100 + 25 by 15: a finding
        ("2019-05", "A", "detail", 100),
        ("2019-05", "B", "detail", 25),
    ]
    new = tmp_path / "agencies.csv"
    new.write_text(
        "source_id,month,agency,row_type,count\n" + "".join(f"{sid},{m},{a},{t},{v}\n" for m, a, t, v in rows),
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        load_file(store, new, dataset="agencies")
        found = reconcile(store, ["agencies"])
    assert found[["check", "period", "published", "computed", "difference"]].values.tolist() == [
        ["total_below_parts", "2019-05", 110.0, 125.0, -15.0]
    ]
