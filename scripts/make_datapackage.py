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
