"""Court records: EOIR case-data ingestion, the MPP cohort, TRAC-style tables, waits, release diffs, synthetic releases.

Notebook use: `court.load(store, path, "2026-01")`, `court.table(store, by=[...], measures=[...])`,
`court.waits(store)`, `court.pending(store, date)`, `court.diff(store, a, b)`, `court.synth_eoir(out, cases, seed)`.
"""

from __future__ import annotations

from mppwatch.court import texts as _texts  # noqa: F401  (registers the court messages for translation)
from mppwatch.court.cohort import cohort
from mppwatch.court.diff import diff, removed_ids
from mppwatch.court.ingest import LoadSummary, load
from mppwatch.court.measures import rejects, releases, table
from mppwatch.court.synth import synth_eoir
from mppwatch.court.waits import pending, pending_series, pending_table, waits

__all__ = [
    "LoadSummary",
    "cohort",
    "diff",
    "load",
    "pending",
    "pending_series",
    "pending_table",
    "rejects",
    "releases",
    "removed_ids",
    "synth_eoir",
    "table",
    "waits",
]
