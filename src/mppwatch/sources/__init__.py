"""Readers: one per publisher file family, plus the generic long-CSV reader for files never seen before.

The readers (and pandas behind them) load on first use of one of these names, so a command that only reads the
store (`mppwatch series`) and the catalogue, which imports `sources.loader` for the data folder, do not pay
for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mppwatch.sources._registry import BUNDLED, GENERIC, Family, ParsedFile, family_for, read_long_csv

NOT_OBSERVATIONS = {"source_ids", "eoir_lookup_codes", "claims_motherjones_2019-06", "claims_secondary_sources"}

__all__ = ["BUNDLED", "GENERIC", "NOT_OBSERVATIONS", "Family", "ParsedFile", "family_for", "read_long_csv"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mppwatch.sources import _registry

        return getattr(_registry, name)
    raise AttributeError(f"module 'mppwatch.sources' has no attribute {name!r}")
