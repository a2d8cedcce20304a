"""What the register feeds: the simulation's shelter capacity per city, from the register's beds by date."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from mppwatch.errors import MppwatchError
from mppwatch.shelters.citywide import shelter_load
from mppwatch.simulate.scenario import BedStep, Scenario
from mppwatch.store import Store


def capacity_steps(store: Store, city: str) -> list[BedStep]:
    """The city's beds as steps (from each date the register's beds change), citing the figures' sources."""
    try:
        load = shelter_load(store, city)
    except MppwatchError:
        return []
    steps: list[BedStep] = []
    rows: list[dict[str, Any]] = load.to_dict("records")  # type: ignore[assignment]
    for row in rows:
        beds = float(row["beds"])
        if math.isnan(beds) or (steps and steps[-1].beds == beds):
            continue
        steps.append(BedStep(row["date"], beds, str(row["sources"]) or "shelter register"))
    return steps


def with_register_capacity(scenario: Scenario, store: Store) -> tuple[Scenario, list[str]]:
    """The scenario with each city's shelter beds taken from the register (its latest reports and published
    figures) from the register's first figure on; before it, and for cities the register has no beds for, the
    scenario's own steps stay. Returns notes saying which."""
    cities, notes = [], []
    for city in scenario.cities:
        steps = capacity_steps(store, city.name)
        if steps:
            kept = [b for b in city.beds if b.start < steps[0].start]
            cities.append(dataclasses.replace(city, beds=tuple(kept + steps)))
            last = steps[-1]
            notes.append(
                f"{city.name}: shelter beds from the register from {steps[0].start} ({len(steps)} steps, latest "
                f"{last.beds:,.0f} from {last.start}); the scenario's own before that"
            )
        else:
            cities.append(city)
            notes.append(f"{city.name}: no beds in the register; the scenario's own figures are kept")
    # with shelter.capacity = "store", a city's own steps win over the published table (calibrate._beds), so the
    # cities left without register beds still read the store
    return dataclasses.replace(scenario, cities=tuple(cities)), notes
