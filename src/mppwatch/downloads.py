"""A result's provenance in every format: a one-line sources text, Frictionless-style metadata JSON, a README,
and a zip of CSV + metadata + README (as OWID's grapher downloads), so no renderer shows the sources its own way.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from mppwatch import __version__, i18n
from mppwatch.query import Provenance, Result

if TYPE_CHECKING:
    import pandas as pd

SOURCES_HEADER = "X-Mppwatch-Sources"
NOTES_HEADER = "X-Mppwatch-Notes"


def sources_text(prov: Provenance, lang: str = "en") -> str:
    """`sources: A B; loads: 10; edition 2024-08`: one line, for a table caption or an HTTP header (English);
    `fuentes: A B; cargas: 10; edición 2024-08` in Spanish."""
    _ = i18n.translator(lang)
    parts = [f"{_('sources:')} {' '.join(prov.source_ids) or _('none')}"]
    if prov.load_ids:
        parts.append(f"{_('loads:')} " + " ".join(str(i) for i in prov.load_ids))
    if prov.editions:
        parts.append(f"{_('edition')} " + " ".join(prov.editions))
    if prov.is_estimate:
        parts.append(_("ESTIMATE"))
    return "; ".join(parts)


def caption(prov: Provenance, lang: str = "en") -> str:
    """What a table prints under itself: the sources line, then each note on its own line, in `lang`."""
    _ = i18n.translator(lang)
    notes = prov.notes_in(lang)  # each note rendered from its template (query.Provenance)
    return "\n".join([sources_text(prov, lang), *(f"{_('note:')} {n}" for n in notes)])


def header_value(text: str) -> str:
    """An HTTP header value: ASCII only (accents escaped as \\uXXXX), one line."""
    return json.dumps(" ".join(text.split()))[1:-1]


def _field_type(series: pd.Series) -> str:
    import pandas as pd  # only a download's metadata needs it: `caption` stays light for the command line

    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def metadata(result: Result, name: str = "data.csv") -> dict[str, Any]:
    """A Frictionless-style data package describing the CSV: schema, sources, and mppwatch's provenance."""
    prov = result.provenance
    return {
        "name": prov.dataset.replace("_", "-").lower() or "result",
        "title": prov.title.get("en", prov.dataset),
        "title_es": prov.title.get("es", prov.dataset),
        "created_by": f"mppwatch {__version__}",
        "resources": [
            {
                "name": name.rsplit(".", 1)[0],
                "path": name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": str(c), "type": _field_type(result.frame[c])} for c in result.frame.columns]
                },
                "sources": [{"title": sid} for sid in prov.source_ids],
            }
        ],
        "mppwatch": prov.to_dict(),
    }


def readme(result: Result, name: str = "data.csv") -> str:
    prov = result.provenance
    lines = [
        f"# {prov.title.get('en', prov.dataset)}",
        "",
        f"{name}: {len(result.frame)} rows from dataset `{prov.dataset}`, made by mppwatch {__version__}.",
        f"Spanish title: {prov.title.get('es', prov.dataset)}",
        "",
        "Selection: " + json.dumps(prov.selection, ensure_ascii=False, default=str),
        "",
        sources_text(prov),
        "",
        *(f"- {n}" for n in prov.notes),
        "",
        "Every figure comes from the sources above (see mppwatch's data/SOURCES.md and `mppwatch sources`).",
        "datapackage.json describes the columns and carries the full provenance.",
    ]
    return "\n".join(lines) + "\n"


def zip_bytes(result: Result, csv_text: str, name: str = "data.csv") -> bytes:
    """CSV + datapackage.json + README.md in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, csv_text)
        zf.writestr("datapackage.json", json.dumps(metadata(result, name), ensure_ascii=False, indent=1, default=str))
        zf.writestr("README.md", readme(result, name))
    return buf.getvalue()
