"""CBP newsroom "Migrant Protection Protocols" page tables, CBP/USBP monthly apprehensions, USCIS referrals."""

from mppwatch.sources.generic import Family

CBP_PAGE = Family(
    "CBP MPP page table",
    columns=("source_id", "fiscal_year", "month", "component", "location", "row_type", "count", "transcription"),
    row_types=frozenset({"detail", "published_total"}),
)
USBP_MONTHLY = Family(
    "USBP monthly apprehensions by sector",
    columns=(
        "source_id",
        "fiscal_year",
        "period",
        "month",
        "component",
        "location",
        "row_type",
        "measure",
        "count",
        "flag",
    ),
    row_types=frozenset({"detail", "published_total"}),
)
USCIS_REFERRALS = Family(
    "USCIS MPP fear referrals (CBP page)",
    columns=("source_id", "fiscal_year", "month", "row_type", "count"),
    row_types=frozenset({"monthly", "published_grand_total"}),
)
