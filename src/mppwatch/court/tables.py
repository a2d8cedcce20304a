"""The tables of EOIR's "Case Data" release that mppwatch reads, with their published column order and types.

Identifiers and dates are typed; every other column stays text, as published, so a code EOIR adds next month is
kept rather than rejected. A date the measures use that is not a date rejects its row; one they do not use
(`soft_dates`) costs only its value (see `court.ingest._repair`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MPP_HEARING_LOCATIONS = ("CIX", "ENP", "MPB", "MPL", "OPP", "SYP", "TUM")
TEST_LOCATIONS = ("MPP",)  # "TEST HEARING LOC - ECAS MPP": never part of the cohort
MPP_CASE_IDENTIFIERS = ("MP", "RM")
RETURN_CITY = {
    "SYP": "Tijuana",
    "OPP": "Tijuana",
    "CIX": "Mexicali",
    "ENP": "Ciudad Juárez",
    "MPL": "Nuevo Laredo",
    "MPB": "Matamoros",
}
NULL_TOKENS = ("", "N/A", "NULL", "b6")


@dataclass(frozen=True, eq=False)
class TableSpec:
    """One release table: its file stem, the store table it lands in, its columns and the typed ones."""

    stem: str
    table: str
    columns: tuple[str, ...]
    key: str
    ids: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    soft_dates: tuple[str, ...] = ()  # dates no measure reads: a value that is not a date is stored empty
    other: dict[str, str] = field(default_factory=dict)

    def duck_type(self, column: str) -> str:
        if column in self.ids:
            return "BIGINT"
        if column in self.dates or column in self.soft_dates:
            return "TIMESTAMP"
        return self.other.get(column, "VARCHAR")


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PROCEEDING = TableSpec(
    "B_TblProceeding",
    "court_proceeding",
    _cols(
        "IDNPROCEEDING IDNCASE OSC_DATE INPUT_DATE BASE_CITY_CODE HEARING_LOC_CODE IJ_CODE TRANS_IN_DATE "
        "PREV_HEARING_LOC PREV_HEARING_BASE PREV_IJ_CODE TRANS_NBR HEARING_DATE HEARING_TIME DEC_TYPE DEC_CODE "
        "DEPORTED_1 DEPORTED_2 OTHER_COMP APPEAL_RSVD APPEAL_NOT_FILED COMP_DATE ABSENTIA VENUE_CHG_GRANTED "
        "TRANSFER_TO DATE_APPEAL_DUE_STATUS TRANSFER_STATUS CUSTODY CASE_TYPE NAT LANG SCHEDULED_HEAR_LOC "
        "CORRECTIONAL_FAC CRIM_IND IHP AGGRAVATE_FELON DATE_DETAINED DATE_RELEASED"
    ),
    key="IDNPROCEEDING",
    ids=("IDNPROCEEDING", "IDNCASE"),
    dates=("OSC_DATE", "INPUT_DATE", "TRANS_IN_DATE", "HEARING_DATE", "COMP_DATE"),
)
CASE = TableSpec(
    "A_TblCase",
    "court_case",
    _cols(
        "IDNCASE ALIEN_CITY ALIEN_STATE ALIEN_ZIPCODE UPDATED_ZIPCODE UPDATED_CITY NAT LANG CUSTODY SITE_TYPE "
        "E_28_DATE ATTY_NBR CASE_TYPE UPDATE_SITE LATEST_HEARING LATEST_TIME LATEST_CAL_TYPE UP_BOND_DATE "
        "UP_BOND_RSN CORRECTIONAL_FAC RELEASE_MONTH RELEASE_YEAR INMATE_HOUSING DATE_OF_ENTRY C_ASY_TYPE "
        "C_BIRTHDATE C_RELEASE_DATE UPDATED_STATE ADDRESS_CHANGEDON ZBOND_MRG_FLAG Sex DATE_DETAINED "
        "DATE_RELEASED LPR DETENTION_DATE DETENTION_LOCATION DCO_LOCATION DETENTION_FACILITY_TYPE CASEPRIORITY_CODE"
    ),
    key="IDNCASE",
    ids=("IDNCASE",),
    dates=("E_28_DATE",),
)
SCHEDULE = TableSpec(
    "tbl_schedule",
    "court_schedule",
    _cols(
        "IDNSCHEDULE IDNPROCEEDING IDNCASE OSC_DATE GENERATION SUB_GENERATION REC_TYPE LANG HEARING_LOC_CODE "
        "BASE_CITY_CODE IJ_CODE INTERPRETER_CODE INPUT_DATE INPUT_TIME UPDATE_DATE UPDATE_TIME ASSIGNMENT_PATH "
        "CAL_TYPE ADJ_DATE ADJ_TIME_START ADJ_TIME_STOP ADJ_RSN ADJ_MEDIUM ADJ_MSG ADJ_ELAP_DAYS LNGSESSNID "
        "SCHEDULE_TYPE NOTICE_CODE BLNCLOCKOVERRIDE EOIRAttorneyID"
    ),
    key="IDNSCHEDULE",
    ids=("IDNSCHEDULE", "IDNPROCEEDING", "IDNCASE"),
    dates=("ADJ_DATE",),
    # typed as TIMESTAMP rather than kept as text: DuckDB stores a parsed date faster than its 19-23 characters
    # (0.6 s of a 10M-row load, bench/court.py), and a query can compare them as dates
    soft_dates=("OSC_DATE", "INPUT_DATE", "UPDATE_DATE"),
)
CASE_IDENTIFIER = TableSpec(
    "A_TblCaseIdentifier",
    "court_case_identifier",
    _cols("IDNCASEID IDNCASE CASE_ID"),
    key="IDNCASEID",
    ids=("IDNCASEID", "IDNCASE"),
)
REPS_ASSIGNED = TableSpec(
    "tbl_RepsAssigned",
    "court_reps_assigned",
    _cols(
        "IDNREPSASSIGNED IDNCASE STRATTYLEVEL STRATTYTYPE PARENT_TABLE PARENT_IDN BASE_CITY_CODE "
        "INS_TA_DATE_ASSIGNED E_27_DATE E_28_DATE BLNPRIMEATTY"
    ),
    key="IDNREPSASSIGNED",
    ids=("IDNREPSASSIGNED", "IDNCASE"),
    dates=("E_28_DATE",),
)
SPECS: tuple[TableSpec, ...] = (CASE, PROCEEDING, SCHEDULE, CASE_IDENTIFIER, REPS_ASSIGNED)
BY_STEM = {s.stem.lower(): s for s in SPECS}

# Lookup files of a release, and the column names EOIR uses for code and description in them.
LOOKUP_CODE_COLUMNS = (
    "HEARING_LOC_CODE",
    "BASE_CITY_CODE",
    "NAT_CODE",
    "strCode",
    "strDecCode",
    "strcode",
    "strCalTypeCode",
    "LANG_CODE",
    "CODE",
)
LOOKUP_DESC_COLUMNS = (
    "HEARING_LOC_NAME",
    "BASE_CITY_NAME",
    "NAT_NAME",
    "strDescription",
    "strDecDescription",
    "strdescription",
    "strDesciption",
    "strCalTypeDescription",
    "LANG_NAME",
    "DESCRIPTION",
)

# Coded columns and the Lookup/ file (stem, any case) that names their codes: for `court validate` and names.py.
CODED_COLUMNS = {
    "HEARING_LOC_CODE": "tblLookupHloc",
    "BASE_CITY_CODE": "tblLookupBaseCity",
    "NAT": "tblLookupNationality",
    "LANG": "tblLanguage",
    "DEC_CODE": "tblDecCode",
    "CASE_TYPE": "tblLookupCaseType",
    "CUSTODY": "tblLookupCustodyStatus",
    "CAL_TYPE": "tbllookupCal_Type",
    "SCHEDULE_TYPE": "tbllookupSchedule_Type",
    "ADJ_RSN": "tblAdjournmentcodes",
    "CASE_ID": "tblLookUpCaseIdentifier",
    "CASEPRIORITY_CODE": "tblLookup_CasePriority",
}
