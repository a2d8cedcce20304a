"""Show how a verdict was reached, step by step, and render verdicts as a bilingual (English/Spanish) HTML table."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from mppwatch.claims.check import CheckResult, check
from mppwatch.claims.spec import ClaimError, read_claims
from mppwatch.claims.text import COLUMN_LABELS, LANGS, REPORT_TEXT, VERDICT_LABELS, label, msg
from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store

NOT_BUNDLED = N_("claim {claim}: not in any bundled claims file; give the claims FILE")


def find_claims_file(claim_id: str, claims_file: str | Path | None = None) -> Path:
    """The claims file holding `claim_id`: the one given, else the bundled `claims_*.csv` that has it."""
    if claims_file is not None:
        return Path(claims_file)
    for path in sorted(bundled_data_dir().glob("claims_*.csv")):
        claims, _ = read_claims(path)
        if any(c.claim_id == claim_id for c in claims):
            return path
    raise MppwatchError(NOT_BUNDLED, claim=claim_id)


def explain(
    store: Store, claim_id: str, claims_file: str | Path | None = None, spec_file: str | Path | None = None
) -> pd.DataFrame:
    """The arithmetic behind one claim's verdict: columns `step, en, es` (one row per step)."""
    path = find_claims_file(claim_id, claims_file)
    result = check(store, path, spec_file, only=claim_id)
    errors = [e for e in result.errors if e.claim_id == claim_id]
    if errors:
        raise errors[0]
    verdict = next((v for v in result.verdicts if v.claim.claim_id == claim_id), None)
    if verdict is None:
        raise ClaimError(str(path), claim_id, "claim_id", msg("err_no_such_claim"))
    c = verdict.claim
    rows: list[tuple[str, str]] = [
        (f'{c.claim_id}: "{c.quote}"', f'{c.claim_id}: "{c.quote}"'),
        (
            f"quantity: {c.quantity}; value: {c.value_text} {c.unit}; as of {c.as_of.text}; geography: {c.geography}",
            f"cantidad: {c.quantity}; valor: {c.value_text} {c.unit}; al {c.as_of.text}; geografía: {c.geography}",
        ),
    ]
    if verdict.dataset:
        rows.append((f"data: {verdict.dataset}", f"datos: {verdict.dataset}"))
    rows += [(m.render("en"), m.render("es")) for m in verdict.steps]
    rows.append(
        (
            f"verdict: {label(VERDICT_LABELS, verdict.verdict, 'en')}"
            + (f" (value {_num(verdict.value)}, evidence dated {verdict.evidence_date})" if verdict.value else ""),
            f"veredicto: {label(VERDICT_LABELS, verdict.verdict, 'es')}"
            + (f" (valor {_num(verdict.value)}, evidencia al {verdict.evidence_date})" if verdict.value else ""),
        )
    )
    return pd.DataFrame({"step": range(1, len(rows) + 1), "en": [r[0] for r in rows], "es": [r[1] for r in rows]})


def _num(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


HTML_COLUMNS = ["claim_id", "quote", "verdict", "value", "claimed_value", "tolerance", "evidence_date", "source_ids"]


def to_html(result: CheckResult) -> str:
    """A self-contained bilingual report: one table per language, every label in English and Spanish."""
    synthetic = "SYNTHETIC" in result.claims_file.upper() or any(
        "SYNTHETIC" in s.upper() for v in result.verdicts for s in v.source_ids + [v.dataset]
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(label(REPORT_TEXT, 'title', 'en'))} / {_e(label(REPORT_TEXT, 'title', 'es'))}</title>",
        "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:90%}"
        ".supported,.projection_met{background:#e6f4ea}.contradicted,.projection_missed{background:#fce8e6}"
        ".not_checkable{background:#f1f3f4}details{font-size:85%}</style></head><body>",
    ]
    for lang in LANGS:
        parts.append(f'<section lang="{lang}">')
        parts.append(f"<h1>{_e(label(REPORT_TEXT, 'title', lang))}</h1>")
        parts.append(f"<p>{_e(label(REPORT_TEXT, 'file', lang))}: <code>{_e(Path(result.claims_file).name)}</code></p>")
        if synthetic:
            parts.append(f"<p><strong>{_e(label(REPORT_TEXT, 'synthetic', lang))}</strong></p>")
        parts.append("<table><thead><tr>")
        parts += [f"<th>{_e(label(COLUMN_LABELS, c, lang))}</th>" for c in [*HTML_COLUMNS, "method"]]
        parts.append("</tr></thead><tbody>")
        for v in result.verdicts:
            row = v.row(lang)
            cells = []
            for col in HTML_COLUMNS:
                text = label(VERDICT_LABELS, v.verdict, lang) if col == "verdict" else _cell(row[col])
                cells.append(f"<td>{_e(text)}</td>")
            steps = "".join(f"<li>{_e(m.render(lang))}</li>" for m in v.steps)
            cells.append(
                f"<td><details><summary>{_e(label(COLUMN_LABELS, 'method', lang))}</summary><ol>{steps}</ol></details></td>"
            )
            parts.append(f'<tr class="{v.verdict}">{"".join(cells)}</tr>')
        parts.append("</tbody></table>")
        if result.errors:
            parts.append(f"<h2>{_e(label(REPORT_TEXT, 'errors', lang))}</h2><ul>")
            parts += [f"<li>{_e(line)}</li>" for line in result.error_lines(lang)]
            parts.append("</ul>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return _num(value)


def _e(text: str) -> str:
    return html.escape(text, quote=True)
