"""The reader of each bundled file (by its stem) and the generic long-CSV reader for files never seen before."""

from __future__ import annotations

from pathlib import Path

from mppwatch.sources.cbp import CBP_PAGE, USBP_MONTHLY, USCIS_REFERRALS
from mppwatch.sources.generic import GENERIC, Family, ParsedFile, read_long_csv
from mppwatch.sources.inm import RETURN_SNAPSHOTS, RETURNS_BY_NATIONALITY
from mppwatch.sources.ohss import OHSS_BOOKOUTS, OHSS_ENCOUNTERS
from mppwatch.sources.shelters import SHELTERS
from mppwatch.sources.trac import TRAC_CASES

BUNDLED: dict[str, Family] = {
    "cbp_mpp_enrollments_by_location": CBP_PAGE,
    "cbp_mpp_page_ofo_inadmissibles_by_field_office": CBP_PAGE,
    "cbp_mpp_page_usbp_apprehensions_by_sector": CBP_PAGE,
    "usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019": USBP_MONTHLY,
    "uscis_mpp_fear_referrals_by_month": USCIS_REFERRALS,
    "ohss_swb_encounters_by_sector_field_office_monthly": OHSS_ENCOUNTERS,
    "ohss_swb_bookouts_by_agency_monthly": OHSS_BOOKOUTS,
    "inm_mpp_returns_by_crossing_point_2019": RETURN_SNAPSHOTS,
    "mexico_mpp_returns_city_snapshots": RETURN_SNAPSHOTS,
    "inm_mpp_returns_by_nationality_2019": RETURNS_BY_NATIONALITY,
    "trac_mpp_cases_by_month_hearing_location_2019": TRAC_CASES,
    "mpp_city_shelters": SHELTERS,
}


def family_for(path: Path) -> Family:
    """The reader for a file: its bundled family if the stem is known, else the generic long reader."""
    return BUNDLED.get(path.stem, GENERIC)


__all__ = ["BUNDLED", "GENERIC", "Family", "ParsedFile", "family_for", "read_long_csv"]
