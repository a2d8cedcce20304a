"""The register as HXL: a CSV with a human header row, then a hashtag row, the way HDX users expect.

Tags are from the HXL standard's core dictionary: `#country+code`, `#adm1+name` (state), `#adm2+name` (the city's
municipality), `#loc+name` and `#loc+type` (a facility), `#status`, `#date+reported`, `#capacity+num` (beds),
`#affected+ind` (people; `+incamp` for camps) and `#meta+source`. HXL lets a dataset add its own attributes: here
`+sheltered`, `+turned_away`, `+waiting` and `+estimate` say what is counted, and `+i_en`/`+i_es` mark the language
of text columns, so every category appears in English and in Spanish. One row per city (its latest shelter load)
and one per facility (its capacity and latest occupancy); contacts and notes are never exported.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import pandas as pd

from mppwatch.errors import MppwatchError
from mppwatch.shelters.citywide import shelter_load
from mppwatch.shelters.register import shelters
from mppwatch.store import Store

STATES = {  # the Mexican state (adm1) of each MPP city
    "Ciudad Juárez": "Chihuahua",
    "Matamoros": "Tamaulipas",
    "Mexicali": "Baja California",
    "Nuevo Laredo": "Tamaulipas",
    "Piedras Negras": "Coahuila",
    "Reynosa": "Tamaulipas",
    "Tijuana": "Baja California",
}
ES = {
    "city": "ciudad",
    "shelter": "albergue",
    "camp": "campamento",
    "government centre": "centro gubernamental",
    "planned": "planeado",
    "open": "abierto",
    "closed": "cerrado",
}
COLUMNS: list[tuple[str, str]] = [
    ("Level", "#meta+level+i_en"),
    ("Nivel", "#meta+level+i_es"),
    ("Country", "#country+code"),
    ("State", "#adm1+name"),
    ("City", "#adm2+name"),
    ("Shelter", "#loc+name"),
    ("Kind", "#loc+type+i_en"),
    ("Tipo", "#loc+type+i_es"),
    ("Status", "#status+name+i_en"),
    ("Estado", "#status+name+i_es"),
    ("Date", "#date+reported"),
    ("Beds", "#capacity+num"),
    ("Occupied", "#affected+ind+sheltered"),
    ("Turned away", "#affected+ind+turned_away"),
    ("In camps (estimate)", "#affected+ind+incamp+estimate"),
    ("People waiting (estimate)", "#affected+ind+waiting+estimate"),
    ("People waiting method", "#meta+waiting+method"),
    ("Occupied is an estimate", "#meta+estimate"),
    ("Sources", "#meta+source"),
]


def _num(value: Any) -> str:
    if isinstance(value, str):  # a court count withheld by disclosure control ("<10"), kept as published
        return value
    return "" if value is None or pd.isna(value) else str(int(value))


def _source(source_id: Any, day: Any) -> str:
    if day is None:
        return ""
    return "staff report" if source_id is None or pd.isna(source_id) else str(source_id)


def rows(store: Store) -> list[list[str]]:
    """The data rows: each city's latest load, then each facility."""
    out: list[list[str]] = []
    register = shelters(store)
    for city in sorted(set(register["city"])):
        try:
            load = shelter_load(store, city)
        except MppwatchError:  # a city with no figures has no aggregate row
            continue
        if load.empty:
            continue
        last = load.iloc[-1]
        out.append(
            ["city", ES["city"], "MEX", STATES.get(city, ""), city, "", "", "", "", "", str(last["date"]),
             _num(last["beds"]), _num(last["occupied"]), _num(last["turned_away"]), _num(last["in_camps"]),
             _num(last["people_waiting_estimate"]), last["waiting_method"], "yes" if last["occupied_is_estimate"] else "no", last["sources"]]
        )  # fmt: skip
    for rec in register.to_dict("records"):
        r: Any = SimpleNamespace(**{str(k): v for k, v in rec.items()})
        estimate = "" if pd.isna(r.latest_is_estimate) else ("yes" if r.latest_is_estimate else "no")
        camp = r.kind == "camp"
        out.append(
            ["shelter", ES["shelter"], "MEX", STATES.get(r.city, ""), r.city, r.name, r.kind, ES.get(r.kind, ""),
             r.status, ES.get(r.status, ""), "" if r.latest_date is None else str(r.latest_date), _num(r.capacity),
             "" if camp else _num(r.latest_occupied), "", _num(r.latest_occupied) if camp else "", "", "", estimate,
             _source(r.latest_source_id, r.latest_date)]
        )  # fmt: skip
    return out


def export_hxl(store: Store) -> str:
    """The CSV text: header row, HXL hashtag row, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h for h, _ in COLUMNS])
    writer.writerow([t for _, t in COLUMNS])
    writer.writerows(rows(store))
    return buffer.getvalue()
