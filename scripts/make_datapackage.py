"""Write data/datapackage.json: a Frictionless descriptor of the bundled CSVs (run after adding a bundled file).

Field types are inferred from the headers' known meanings; row_type values are listed from the files themselves.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"

ROW_TYPES = {
    "detail": "a component row, as published",
    "monthly": "a monthly figure, as published",
    "published_total": "a total printed by the source (not computed by mppwatch)",
    "published_grand_total": "a grand total printed by the source",
    "published_cumulative_total": "a cumulative total stated by the source",
    "published_subtotal": "a subtotal printed by the source (e.g. two cities or a state)",
    "published_subperiod": "a count over a sub-period only, not cumulative",
    "published_total_approx": "a rounded total ('about', 'more than'); count may be empty",
    "published_component": "a component of a printed total (e.g. returned vs re-entries)",
}
FIELDS = {
    "source_id": ("string", "id of the source in source_ids.csv"),
    "fiscal_year": ("integer", "US federal fiscal year (October-September)"),
    "fy_label": ("string", "fiscal year as printed (e.g. '2024 YTD')"),
    "period": ("string", "month or fiscal_year_total"),
    "month": ("string", "calendar month YYYY-MM (or a printed range YYYY-MM..YYYY-MM)"),
    "as_of_date": ("string", "data date as printed: YYYY-MM-DD, YYYY-MM or YYYY (precision kept)"),
    "period_start": ("string", "first day (or month) counted"),
    "period_end": ("string", "last day (or month) counted"),
    "count": ("integer", "the published figure; empty when the source printed X or NA (see flag)"),
    "flag": ("string", "not_applicable (source printed X) or not_available (NA)"),
    "note": ("string", "caveats, as transcribed"),
    "transcription": ("string", "how the web capture was read (spaced or run-together split)"),
    "claim_id": ("string", "claim identifier"),
    "value": ("string", "claimed number or date"),
}
# What each bundled dataset is, for the catalogue (mppwatch.catalog): titles and descriptions in English and
# Spanish, the roles analyses ask for, whether its figures are stocks (cumulative to a date, never added across
# dates), and its hierarchy: per dimension, which value is the total of which ("*": every other value).
CBP_PARTS = {"CBP": ["OFO", "USBP"]}
DESCRIBE: dict[str, dict] = {
    "cbp_mpp_enrollments_by_location": {
        "title": ("CBP: MPP enrollments by location, monthly", "CBP: inscripciones en MPP por ubicación, mensual"),
        "description": (
            "People CBP placed in MPP each month, by Border Patrol sector (USBP) and OFO field office, from CBP's MPP page.",
            "Personas que la CBP inscribió en MPP cada mes, por sector de la Patrulla Fronteriza (USBP) y oficina de campo de la OFO, de la página de MPP de la CBP.",
        ),
        "roles": ["enrollments"],
        "hierarchy": {"component": CBP_PARTS, "location": {"Total": ["*"]}},
    },
    "cbp_mpp_page_ofo_inadmissibles_by_field_office": {
        "title": (
            "CBP: OFO inadmissibles by field office, monthly",
            "CBP: inadmisibles de la OFO por oficina de campo, mensual",
        ),
        "description": (
            "Southwest border inadmissibles encountered by CBP's Office of Field Operations, by field office, from captures of CBP's page.",
            "Inadmisibles en la frontera suroeste encontrados por la Oficina de Operaciones de Campo de la CBP, por oficina de campo, de capturas de la página de la CBP.",
        ),
        "roles": ["encounters"],
        "hierarchy": {"location": {"Total": ["*"]}},
    },
    "cbp_mpp_page_usbp_apprehensions_by_sector": {
        "title": (
            "CBP: Border Patrol apprehensions by sector, monthly",
            "CBP: detenciones de la Patrulla Fronteriza por sector, mensual",
        ),
        "description": (
            "Southwest border apprehensions by US Border Patrol sector, from captures of CBP's page.",
            "Detenciones en la frontera suroeste por sector de la Patrulla Fronteriza, de capturas de la página de la CBP.",
        ),
        "roles": ["encounters", "apprehensions"],
        "hierarchy": {"location": {"Total": ["*"]}},
    },
    "inm_mpp_returns_by_crossing_point_2019": {
        "title": (
            "INM: MPP returns to Mexico by crossing point, 2019",
            "INM: devoluciones a México por MPP por punto de internación, 2019",
        ),
        "description": (
            "Cumulative count of people the US returned to Mexico under MPP, by city and crossing point, as INM's figures were relayed by the press.",
            "Cifra acumulada de personas devueltas por EE. UU. a México bajo MPP, por ciudad y punto de internación, según las cifras del INM difundidas por la prensa.",
        ),
        "roles": ["returns_snapshots"],
        "stock": True,
        "hierarchy": {"city": {"All": ["*"]}, "crossing_point": {"All": ["*"]}},
    },
    "inm_mpp_returns_by_nationality_2019": {
        "title": (
            "INM: MPP returns to Mexico by nationality, 2019",
            "INM: devoluciones a México por MPP por nacionalidad, 2019",
        ),
        "description": (
            "Cumulative count of people returned to Mexico under MPP in 2019, by nationality (INM).",
            "Cifra acumulada de personas devueltas a México bajo MPP en 2019, por nacionalidad (INM).",
        ),
        "roles": ["returns_by_nationality"],
        "stock": True,
        "hierarchy": {"nationality": {"All": ["*"]}},
    },
    "mexico_mpp_returns_city_snapshots": {
        "title": (
            "Mexico: MPP returns by city, dated snapshots",
            "México: devoluciones por MPP por ciudad, cifras fechadas",
        ),
        "description": (
            "Cumulative returns to each Mexican border city as reported on a date by INM, state governments and the press (MPP and its 2021 restart).",
            "Devoluciones acumuladas a cada ciudad fronteriza mexicana según lo informado en una fecha por el INM, los gobiernos estatales y la prensa (MPP y su reinicio de 2021).",
        ),
        "roles": ["returns_snapshots"],
        "stock": True,
        "hierarchy": {
            "city": {
                "All": ["*"],
                "Tijuana and Mexicali": ["Tijuana", "Mexicali"],
                "Nuevo Laredo and Matamoros": ["Nuevo Laredo", "Matamoros"],
            }
        },
    },
    "mpp_city_shelters": {
        "title": (
            "Shelters in MPP return cities: beds and occupancy",
            "Albergues en las ciudades de devolución de MPP: camas y ocupación",
        ),
        "description": (
            "Shelter capacity, occupancy and camp population in Mexican border cities on the dates reported (levels, not flows).",
            "Capacidad, ocupación de albergues y población de campamentos en ciudades fronterizas mexicanas en las fechas informadas (niveles, no flujos).",
        ),
        "roles": ["shelter_beds"],
        "stock": True,
        "hierarchy": {"city": {"Tijuana and Mexicali": ["Tijuana", "Mexicali"]}},
    },
    "ohss_swb_bookouts_by_agency_monthly": {
        "title": (
            "DHS OHSS: southwest border book-outs by agency and outcome, monthly",
            "DHS OHSS: salidas de custodia en la frontera suroeste por agencia y resultado, mensual",
        ),
        "description": (
            "CBP encounters at the southwest border by how they ended (MPP, T42, T8, releases, transfers), for CBP and its parts OFO and USBP; rounded to 10.",
            "Encuentros de la CBP en la frontera suroeste según cómo terminaron (MPP, T42, T8, liberaciones, traslados), para la CBP y sus partes OFO y USBP; redondeado a 10.",
        ),
        "roles": ["bookouts"],
        "hierarchy": {"component": CBP_PARTS, "outcome": {"Total Encounters": ["*"]}},
    },
    "ohss_swb_encounters_by_sector_field_office_monthly": {
        "title": (
            "DHS OHSS: southwest border encounters by sector and field office, monthly",
            "DHS OHSS: encuentros en la frontera suroeste por sector y oficina de campo, mensual",
        ),
        "description": (
            "CBP southwest border encounters by Border Patrol sector and OFO field office, with CBP, OFO and USBP totals; rounded to 10.",
            "Encuentros de la CBP en la frontera suroeste por sector de la Patrulla Fronteriza y oficina de campo de la OFO, con totales de CBP, OFO y USBP; redondeado a 10.",
        ),
        "roles": ["encounters"],
        "hierarchy": {"component": CBP_PARTS, "location": {"Total": ["*"]}},
    },
    "trac_mpp_cases_by_month_hearing_location_2019": {
        "title": (
            "TRAC: MPP court cases by month and hearing location, 2019",
            "TRAC: casos judiciales de MPP por mes y lugar de audiencia, 2019",
        ),
        "description": (
            "New MPP cases in immigration court by month and hearing location, from TRAC's reports.",
            "Casos nuevos de MPP en los tribunales de inmigración por mes y lugar de audiencia, de los informes de TRAC.",
        ),
        "roles": ["court_cases"],
        "hierarchy": {"hearing_location": {"All": ["*"], "All (cumulative, stated in text)": ["*"]}},
    },
    "usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019": {
        "title": (
            "USBP: southwest border apprehensions by sector, monthly, FY2012-FY2019",
            "USBP: detenciones en la frontera suroeste por sector, mensual, AF2012-AF2019",
        ),
        "description": (
            "Border Patrol apprehensions by sector and month: total, family units and unaccompanied children (different measures, never added).",
            "Detenciones de la Patrulla Fronteriza por sector y mes: total, unidades familiares y menores no acompañados (medidas distintas, nunca sumadas).",
        ),
        "roles": ["apprehensions", "encounters"],
        "hierarchy": {"location": {"Southwest Border Total": ["*"]}},
    },
    "uscis_mpp_fear_referrals_by_month": {
        "title": ("USCIS: MPP fear screenings by month", "USCIS: entrevistas de miedo en MPP por mes"),
        "description": (
            "Non-refoulement (fear) interviews of people in MPP referred to USCIS, by month.",
            "Entrevistas de no devolución (miedo) de personas en MPP remitidas a USCIS, por mes.",
        ),
        "roles": ["fear_referrals"],
        "hierarchy": {},
    },
}
LICENSE_NOTE = (
    "Figures are public statistics of US and Mexican government agencies (US federal works are public domain) "
    "and figures quoted by the press and NGOs, transcribed with their sources; cite the source_id's publisher."
)


def field(name: str) -> dict:
    kind, desc = FIELDS.get(name, ("string", f"dimension: {name.replace('_', ' ')}, as labelled by the publisher"))
    return {"name": name, "type": kind, "description": desc}


def resource(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        header = reader.fieldnames or []
    fields = [field(h) for h in header]
    res: dict = {
        "name": path.stem.lower().replace("_", "-"),
        "path": path.name,
        "format": "csv",
        "encoding": "utf-8",
        "mediatype": "text/csv",
        "schema": {"fields": fields, "missingValues": [""]},
    }
    if "row_type" in header:
        seen = sorted({r["row_type"] for r in rows})
        for f in fields:
            if f["name"] == "row_type":
                f["description"] = "; ".join(f"{t}: {ROW_TYPES.get(t, 'as published')}" for t in seen)
                f["constraints"] = {"enum": seen}
    if "source_id" in header:
        res["sources"] = [{"title": sid} for sid in sorted({r["source_id"] for r in rows})]
    res["licenses"] = [{"name": "other-pd", "title": LICENSE_NOTE}]
    if about := DESCRIBE.get(path.stem):
        res["title"], res["description"] = about["title"][0], about["description"][0]
        res["mppwatch"] = {
            "title": {"en": about["title"][0], "es": about["title"][1]},
            "description": {"en": about["description"][0], "es": about["description"][1]},
            "roles": about["roles"],
            "stock": bool(about.get("stock", False)),
            "hierarchy": about["hierarchy"],
        }
    return res


def main() -> None:
    resources = [resource(p) for p in sorted(DATA.glob("*.csv"))]
    package = {
        "name": "mppwatch-bundled-data",
        "title": "mppwatch: published figures on the Migrant Protection Protocols (Remain in Mexico)",
        "description": "Long-format transcriptions of CBP, DHS OHSS, USCIS, TRAC, INM and press figures; see SOURCES.md.",
        "licenses": [{"name": "other-pd", "title": LICENSE_NOTE}],
        "resources": resources,
    }
    (DATA / "datapackage.json").write_text(json.dumps(package, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
