"""What the bundled table (data/mpp_city_shelters.csv) says about each facility beyond its figures, read from the
table's own notes. The figures themselves are never changed: they are seeded as printed, with their sources.

FACILITIES: a named facility whose kind, status or dates the notes give. `aliases` are the labels the table uses
for the same place before it had its name (a planned facility's announced capacity). A figure dated before
`opened_on` is the planned stage: kept, never counted as beds.
GROUPS: labels that stand for several shelters (a city-wide or network figure), not one facility.
Every other label is an open facility, kind "shelter" ("camp" when the table only gives camp populations).
"""

from __future__ import annotations

from typing import Any

FACILITIES: list[dict[str, Any]] = [
    {
        "city": "Ciudad Juárez",
        "name": "CIM Leona Vicario (federal)",
        "kind": "government centre",
        "status": "open",
        "aliases": ["planned federal shelter (later CIM Leona Vicario)"],
        "planned_on": "2019-07-01",
        "planned_source": "EFE_2019-07_JUAREZ",
        "opened_on": "2019-08-01",
        "opened_source": "KTSM_2019-08-01_LEONAVICARIO",
        "note": "announced in Jul 2019 for up to 5,000 (a pre-opening figure); inaugurated 1 Aug 2019 (KTSM, AP "
        "the same day); EFE's July note says the centre opened late Jul 2019",
    },
    {
        "city": "Tijuana",
        "name": "CIM Carmen Serdán (federal)",
        "kind": "government centre",
        "status": "open",
        "aliases": ["planned federal shelter (later CIM Carmen Serdán)"],
        "planned_on": "2019-07-24",
        "planned_source": "KYMA_2019-07-24_TIJUANA",
        "opened_on": "2019-12-06",
        "opened_source": "ZETA_2019-12-11_CARMENSERDAN",
        "note": "announced in Jul 2019 for 'as many as 4,000'; opened 6 Dec 2019 with 7 people, inaugurated 11 Dec "
        "2019",
    },
    {
        "city": "Ciudad Juárez",
        "name": "Kiki Romero gym (municipal)",
        "kind": "government centre",
        "status": "open",
        "note": "municipal filter shelter; reopened 11 Jun 2021 (DIARIOMX_2021-06-21_KIKI)",
    },
    {"city": "Mexicali", "name": "Albergue Peregrino (DIF)", "kind": "government centre", "status": "open"},
    {"city": "Nuevo Laredo", "name": "municipal shelter", "kind": "government centre", "status": "open"},
    {
        "city": "Piedras Negras",
        "name": "disused factory shelter (state-run)",
        "kind": "government centre",
        "status": "closed",
        "opened_on": "2019-02-04",
        "opened_source": "TELEMUNDO_2019-02-08_PIEDRASNEGRAS",
        "closed_on": "2019-02-21",
        "closed_source": "CONEXIONMIGRANTE_2019-02-18_PIEDRASNEGRAS",
        "note": "caravan migrants confined from Monday 4 Feb 2019; the mayor said it would close by 21 Feb 2019",
    },
]

GROUPS: frozenset[str] = frozenset(
    [
        "all shelters",
        "all municipal-listed shelters",
        "all shelters in Baja California",
        "city-wide shelter capacity",
        "shelter network",
        "shelter network (more than 10 shelters)",
        "five main shelters",
        "15 temporary refuges",
        "Senda de Vida I and II",
    ]
)
