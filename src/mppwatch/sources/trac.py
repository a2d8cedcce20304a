"""TRAC's published tables of MPP immigration-court cases."""

from mppwatch.sources.generic import Family

TRAC_CASES = Family(
    "TRAC MPP cases by month and hearing location",
    columns=("source_id", "month", "hearing_location", "row_type", "count"),
    row_types=frozenset({"detail", "published_total", "published_cumulative_total"}),
)
