"""What the register feeds: the simulation's shelter capacity per city, from the register's beds by date."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from mppwatch.core.text import N_, Notes, Number
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


def with_register_capacity(scenario: Scenario, store: Store) -> tuple[Scenario, Notes]:
    """The scenario with each city's shelter beds taken from the register (its latest reports and published
    figures) from the register's first figure on; before it, and for cities the register has no beds for, the
    scenario's own steps stay. Returns notes saying which (English, and Spanish through Notes.in_lang)."""
    cities, notes = [], Notes()
    for city in scenario.cities:
        steps = capacity_steps(store, city.name)
        if steps:
            kept = [b for b in city.beds if b.start < steps[0].start]
            cities.append(dataclasses.replace(city, beds=tuple(kept + steps)))
            last = steps[-1]
            if len(steps) == 1:
                template = N_(
                    "{city}: shelter beds from the register from {date} ({beds}); the scenario's own before that"
                )
                notes.add(template, city=city.name, date=last.start.isoformat(), beds=Number(last.beds))
            else:
                template = N_(
                    "{city}: shelter beds from the register from {date} ({n} steps, latest {beds} from {last}); "
                    "the scenario's own before that"
                )
                notes.add(
                    template, city=city.name, date=steps[0].start.isoformat(), n=len(steps),
                    beds=Number(last.beds), last=last.start.isoformat(),
                )  # fmt: skip
        else:
            cities.append(city)
            notes.add(N_("{city}: no beds in the register; the scenario's own figures are kept"), city=city.name)
    # with shelter.capacity = "store", a city's own steps win over the published table (calibrate._beds), so the
    # cities left without register beds still read the store
    return dataclasses.replace(scenario, cities=tuple(cities)), notes
