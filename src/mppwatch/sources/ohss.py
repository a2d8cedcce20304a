"""Transcribed sheets of DHS OHSS "Immigration Enforcement and Legal Processes Monthly Tables"."""

from mppwatch.core.text import N_
from mppwatch.errors import InputError
from mppwatch.sources.generic import Family

NOT_A_PERIOD = N_("'{period}': expected month or fiscal_year_total")
DISAGREES = N_("period is {period} but the month cell is '{month}'")


def _period_matches_month(record: dict[str, str], line: int, file: str) -> None:
    """OHSS rows say whether they are a month or a fiscal-year total; the month cell must agree."""
    period = record.get("period")
    if period not in ("month", "fiscal_year_total"):
        raise InputError(file, line, "period", NOT_A_PERIOD, period=period)
    if (period == "month") != bool(record.get("month")):
        raise InputError(file, line, "month", DISAGREES, period=period, month=record.get("month", ""))


OHSS_ENCOUNTERS = Family(
    "OHSS SW border encounters by sector/field office",
    columns=("source_id", "fiscal_year", "fy_label", "period", "month", "component", "location", "row_type", "count"),
    row_types=frozenset({"detail", "published_total"}),
    extra_check=_period_matches_month,
)
OHSS_BOOKOUTS = Family(
    "OHSS SW border book-outs by agency",
    columns=(
        "source_id",
        "fiscal_year",
        "fy_label",
        "period",
        "month",
        "component",
        "outcome",
        "row_type",
        "count",
        "flag",
    ),
    row_types=frozenset({"detail", "published_total"}),
    extra_check=_period_matches_month,
)
