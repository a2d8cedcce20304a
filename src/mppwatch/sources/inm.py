"""Mexico's INM figures of MPP returns (and Mexican officials' figures) as reported in the press."""

from mppwatch.sources.generic import Family

RETURN_SNAPSHOTS = Family(
    "INM/Mexican MPP return snapshots",
    columns=(
        "source_id",
        "as_of_date",
        "period_start",
        "period_end",
        "city",
        "crossing_point",
        "state",
        "row_type",
        "count",
        "note",
    ),  # fmt: skip
)
RETURNS_BY_NATIONALITY = Family(
    "INM MPP returns by nationality",
    columns=("source_id", "as_of_date", "nationality", "row_type", "count", "note"),
    row_types=frozenset({"detail", "published_total"}),
)
