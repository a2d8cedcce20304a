"""Shelter capacity and occupancy in the MPP border cities, as printed (date precision kept)."""

from mppwatch.core.text import N_
from mppwatch.errors import InputError
from mppwatch.sources.generic import Family

UNKNOWN_MEASURE = N_("unknown measure '{measure}' (one of {measures})")

MEASURES = {"capacity_beds", "occupancy_persons", "camp_population", "shelters_count", "percent_full"}


def _known_measure(record: dict[str, str], line: int, file: str) -> None:
    if record["measure"] not in MEASURES:
        raise InputError(file, line, "measure", UNKNOWN_MEASURE, measure=record["measure"], measures=sorted(MEASURES))


SHELTERS = Family(
    "MPP city shelters",
    columns=("source_id", "as_of_date", "city", "shelter", "measure", "count", "note"),
    extra_check=_known_measure,
)
