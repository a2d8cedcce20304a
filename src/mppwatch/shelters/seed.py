"""Seed the register from the bundled shelter table (data/mpp_city_shelters.csv), keeping every figure's source.

Every row is either seeded (capacity, occupancy and camp-population figures, as printed, with their source id, line
and date as printed) or counted as not seeded with its reason (shelter counts and percentages are not one
facility's figure). What the notes say about a facility (kind, planned and opening dates) is in `curation.py`.
Seeding is one transaction and idempotent: the same file again changes nothing; a changed file replaces the seeded
figures and keeps every staff report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from mppwatch.shelters import audit
from mppwatch.shelters.curation import FACILITIES, GROUPS
from mppwatch.shelters.schema import ensure_schema
from mppwatch.sources.generic import read_long_csv
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.sources.shelters import SHELTERS
from mppwatch.store import Store

SEEDED = {"capacity_beds": "capacity", "occupancy_persons": "occupied", "camp_population": "occupied"}
NOT_SEEDED = {
    "shelters_count": "a count of shelters, not one facility's figure",
    "percent_full": "a percentage derived from other figures, not a count",
}


@dataclass
class SeedResult:
    """What seeding did: figures seeded, shelters created, rows not seeded by reason, or skipped (unchanged)."""

    file: str
    status: str  # 'seeded', 'replaced' or 'skipped'
    figures: int = 0
    shelters_created: int = 0
    not_seeded: dict[str, int] = field(default_factory=dict)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _entries(
    frame: pd.DataFrame,
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], str]]:
    """Register entries keyed by (city, name), and each (city, label) of the table -> its entry's name."""
    facilities = {(f["city"], f["name"]): f for f in FACILITIES}
    alias = {(f["city"], a): f["name"] for f in FACILITIES for a in f.get("aliases", [])}
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    label_of: dict[tuple[str, str], str] = {}
    for key, rows in frame.groupby(["city", "shelter"], sort=True):
        city, label = str(key[0]), str(key[1])  # type: ignore[index]
        name = alias.get((city, label), label)
        label_of[(city, label)] = name
        conf = facilities.get((city, name), {})
        entry = entries.setdefault(
            (city, name),
            {
                "kind": conf.get("kind", "camp" if set(rows["measure"]) == {"camp_population"} else "shelter"),
                "scope": "group" if name in GROUPS else "facility",
                "status": conf.get("status", "open"),
                "planned_on": _day(conf.get("planned_on")),
                "opened_on": _day(conf.get("opened_on")),
                "closed_on": _day(conf.get("closed_on")),
                "note": conf.get("note"),
                "source_id": conf.get("opened_source") or conf.get("planned_source"),
            },
        )
        if entry["kind"] == "camp" and set(rows["measure"]) != {"camp_population"}:
            entry["kind"] = "shelter"
    return entries, label_of


def _frame(path: Path) -> tuple[pd.DataFrame, str]:
    parsed = read_long_csv(path, "mpp_city_shelters", SHELTERS)
    frame = parsed.frame
    dims = pd.DataFrame(
        [dict(zip(k, v, strict=True)) for k, v in zip(frame["dim_keys"], frame["dim_values"], strict=True)]
    )
    frame = pd.concat([frame.reset_index(drop=True), dims[["city", "shelter", "measure"]]], axis=1)
    return frame, parsed.sha256


def seed(store: Store, path: str | Path | None = None) -> SeedResult:
    """Seed (or re-seed) the register from the bundled table; returns what was done."""
    path = Path(path) if path is not None else bundled_data_dir() / "mpp_city_shelters.csv"
    frame, sha = _frame(path)
    ensure_schema(store)
    last = store.con.execute(
        "SELECT json_extract_string(after, '$.sha256') FROM audit WHERE action = 'seed' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if last is not None and last[0] == sha:
        return SeedResult(path.name, "skipped")
    entries, label_of = _entries(frame[frame["measure"].isin(list(SEEDED))])  # a label with only counts: no entry
    result = SeedResult(path.name, "replaced" if last is not None else "seeded")
    with store.transaction() as con:
        ids: dict[tuple[str, str], int] = {}
        for (city, name), e in entries.items():
            row = con.execute("SELECT id FROM shelters WHERE city = ? AND name = ?", [city, name]).fetchone()
            values = [
                e["kind"],
                e["scope"],
                e["status"],
                e["planned_on"],
                e["opened_on"],
                e["closed_on"],
                e["source_id"],
                e["note"],
            ]
            if row is None:
                new_id = int(con.execute("SELECT nextval('shelter_ids')").fetchone()[0])  # type: ignore[index]
                con.execute(
                    "INSERT INTO shelters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, 'seed')",
                    [new_id, name, city, *values, audit.now()],
                )
                ids[(city, name)] = new_id
                result.shelters_created += 1
            else:
                ids[(city, name)] = int(row[0])
                con.execute(
                    "UPDATE shelters SET kind = ?, scope = ?, status = ?, planned_on = ?, opened_on = ?, closed_on = ?, "
                    "source_id = ?, note = ? WHERE id = ? AND created_by = 'seed'",
                    [*values, row[0]],
                )
        con.execute("DELETE FROM occupancy_reports WHERE origin = 'seed'")
        stamp = audit.now()
        for r in frame.itertuples(index=False):
            measure = str(r.measure)
            if measure not in SEEDED:
                result.not_seeded[measure] = result.not_seeded.get(measure, 0) + 1
                continue
            sid = ids[(str(r.city), label_of[(str(r.city), str(r.shelter))])]
            value: Any = r.value
            number = None if pd.isna(value) else int(value)
            capacity = number if measure == "capacity_beds" else None
            occupied = None if measure == "capacity_beds" else number
            con.execute(
                "INSERT INTO occupancy_reports VALUES (nextval('report_ids'), ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, NULL, ?, "
                "'seed', ?, ?, ?, NULL)",
                [sid, r.period_start, r.period, capacity, occupied, r.note, stamp, r.source_id, r.line,
                 measure == "camp_population"],
            )  # fmt: skip
            result.figures += 1
        # the register's capacity: each facility's latest capacity figure from its opening on (lowest on ties)
        con.execute(
            "UPDATE shelters SET capacity = c.beds FROM ("
            "  SELECT r.shelter_id, min(r.capacity) AS beds FROM occupancy_reports r JOIN shelters s ON s.id = r.shelter_id "
            "  WHERE r.origin = 'seed' AND r.capacity IS NOT NULL AND (s.opened_on IS NULL OR r.date >= s.opened_on) "
            "    AND r.date = (SELECT max(q.date) FROM occupancy_reports q WHERE q.shelter_id = r.shelter_id "
            "      AND q.capacity IS NOT NULL AND (s.opened_on IS NULL OR q.date >= s.opened_on)) "
            "  GROUP BY r.shelter_id) c WHERE shelters.id = c.shelter_id AND shelters.created_by = 'seed'"
        )
        audit.record(
            con, None, "seed", "occupancy_reports", None, None,
            {"file": path.name, "sha256": sha, "figures": result.figures, "shelters_created": result.shelters_created,
             "not_seeded": result.not_seeded},
        )  # fmt: skip
    return result
