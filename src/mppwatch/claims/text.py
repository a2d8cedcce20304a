"""Every user-facing string of the claims checker, in English and Spanish.

Analysis code records messages as `Msg(key, params)`; they are rendered in either language at the end, so
the CSV method, `claims explain` and the bilingual HTML report say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "es")


@dataclass(frozen=True)
class Msg:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        en, es = TEMPLATES[self.key]
        template = es if lang == "es" else en
        return template.format(
            **{k: v.render(lang) if isinstance(v, Msg | Bi) else _show(v) for k, v in self.params.items()}
        )


@dataclass(frozen=True)
class Bi:
    """A text written in both languages (a spec's note, a reason); Spanish falls back to English when not given."""

    en: str
    es: str = ""

    def render(self, lang: str = "en") -> str:
        return (self.es or self.en) if lang == "es" else self.en


def msg(key: str, **params: Any) -> Msg:
    if key not in TEMPLATES:
        raise KeyError(f"no text for {key!r}")
    return Msg(key, params)


def _show(value: Any) -> str:
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def render_all(messages: list[Msg], lang: str = "en", sep: str = "; ") -> str:
    return sep.join(m.render(lang) for m in messages)


TEMPLATES: dict[str, tuple[str, str]] = {
    # evidence: cumulative returns
    "snapshot": (
        "{geo}: published cumulative figure {value} on {date} ({sources})",
        "{geo}: cifra acumulada publicada {value} al {date} ({sources})",
    ),
    "snapshot_approx": (
        "{geo}: published cumulative figure {value} dated {date}, date approximate ({sources})",
        "{geo}: cifra acumulada publicada {value} con fecha {date}, fecha aproximada ({sources})",
    ),
    "interpolated": (
        "{geo}: {value} estimated by linear interpolation between {before_value} on {before} and {after_value}"
        " on {after} ({sources})",
        "{geo}: {value} estimado por interpolación lineal entre {before_value} al {before} y {after_value}"
        " al {after} ({sources})",
    ),
    "bracket": (
        "cumulative counts never fall, so the true figure lies between {lo} and {hi}",
        "un conteo acumulado no baja, así que la cifra real está entre {lo} y {hi}",
    ),
    "bracket_open": (
        "its date is approximate and no later snapshot bounds it: the true figure is at least {lo}",
        "su fecha es aproximada y ninguna cifra posterior la acota: la cifra real es al menos {lo}",
    ),
    "backcast": (
        "back-cast: {later} published to {later_date} minus {flow} returned {flow_start}..{flow_end} = {value}"
        " ({sources})",
        "retroproyección: {later} publicados al {later_date} menos {flow} devueltos del {flow_start} al"
        " {flow_end} = {value} ({sources})",
    ),
    "no_returns": (
        "{geo}: no usable snapshot brackets {date} ({why})",
        "{geo}: ninguna cifra publicada utilizable rodea el {date} ({why})",
    ),
    "before_start": (
        "{geo}: {date} is before the programme began, so 0",
        "{geo}: el {date} es anterior al inicio del programa, así que 0",
    ),
    "sum_geos": ("sum over {geos} = {value}", "suma de {geos} = {value}"),
    "difference": (
        "{end_value} on {end} minus {start_value} on {start} = {value}",
        "{end_value} al {end} menos {start_value} al {start} = {value}",
    ),
    "window": (
        "the claim is dated only to {period}; during it the figure ranged from {lo} to {hi}",
        "la afirmación solo está fechada en {period}; en ese lapso la cifra fue de {lo} a {hi}",
    ),
    # evidence: datasets
    "cells": (
        "{dataset} where {where}: {n} cell(s) {periods} sum to {value} ({sources})",
        "{dataset} con {where}: {n} celda(s) {periods} suman {value} ({sources})",
    ),
    "cells_total": (
        "{dataset} where {where}: published total {value} for {period} ({sources})",
        "{dataset} con {where}: total publicado {value} para {period} ({sources})",
    ),
    "published_cumulative": (
        "{dataset}: published cumulative figure {value} for {period} ({sources})",
        "{dataset}: cifra acumulada publicada {value} para {period} ({sources})",
    ),
    "cumulative_backcast": (
        "back-cast: published cumulative {later} for {later_period} minus monthly flows {flows} after {as_of}"
        " = {value}",
        "retroproyección: acumulado publicado {later} para {later_period} menos flujos mensuales {flows}"
        " posteriores a {as_of} = {value}",
    ),
    "sum_of_flows": (
        "sum of monthly figures {start}..{end} = {value}",
        "suma de las cifras mensuales {start}..{end} = {value}",
    ),
    "run_start": (
        "counted from {start}, the first month of the run of non-zero months that reaches the claim's date",
        "contado desde {start}, el primer mes de la racha de meses no nulos que llega a la fecha de la afirmación",
    ),
    "partial_month": (
        "{as_of} falls inside a month: the figure lies between {lo} (to {prev_end}) and {hi} (to {month_end})",
        "{as_of} cae dentro de un mes: la cifra está entre {lo} (al {prev_end}) y {hi} (al {month_end})",
    ),
    "discrepancy": (
        "note: the monthly figures sum to {other}, {diff} from the published {value}",
        "nota: las cifras mensuales suman {other}, {diff} de diferencia con el {value} publicado",
    ),
    "rounded": (
        "{dataset} is rounded to the nearest {step} (and revised between editions): an exact claim is allowed"
        " one rounding step per cell, {tol}",
        "{dataset} está redondeado a {step} (y se revisa entre ediciones): a una afirmación exacta se le admite"
        " un paso de redondeo por celda, {tol}",
    ),
    "per_day": ("{value} over {days} days = {rate} a day", "{value} en {days} días = {rate} al día"),
    "max_rate": (
        "highest month {period}: {value} ({rate} a day); months {start}..{end} ({sources})",
        "mes más alto {period}: {value} ({rate} al día); meses {start}..{end} ({sources})",
    ),
    "latest": (
        "{dataset} where {where}: {value} on {date} ({sources})",
        "{dataset} con {where}: {value} al {date} ({sources})",
    ),
    "latest_range": (
        "{dataset} where {where}: {n} figures dated in {period}, from {lo} to {hi} ({sources})",
        "{dataset} con {where}: {n} cifras fechadas en {period}, de {lo} a {hi} ({sources})",
    ),
    "share": (
        "{num} / {den} = {value} percent ({date}, {sources})",
        "{num} / {den} = {value} por ciento ({date}, {sources})",
    ),
    "ratio": ("{num} / {den} = {value} ({date}, {sources})", "{num} / {den} = {value} ({date}, {sources})"),
    "first_date": (
        "the earliest published count starts on {value} ({sources})",
        "el conteo publicado más antiguo empieza el {value} ({sources})",
    ),
    "first_month": (
        "the first month with a non-zero figure is {value} ({sources})",
        "el primer mes con cifra no nula es {value} ({sources})",
    ),
    # comparison and verdicts
    "comparator": (
        "claim: {claimed} read as '{phrase}' → true if the figure is {range}",
        "afirmación: {claimed} leída como '{phrase}' → cierta si la cifra es {range}",
    ),
    "projection": (
        "projection: compared with the outcome on {date}; met if the outcome is {range}",
        "proyección: comparada con el resultado al {date}; se cumple si el resultado es {range}",
    ),
    "decided_by_range": (
        "every value in the evidence range {lo}..{hi} gives the same answer",
        "todo valor del rango de evidencia {lo}..{hi} da la misma respuesta",
    ),
    "decided_by_estimate": (
        "the range {lo}..{hi} alone does not decide it; the estimate {value} does (gap {days} days)",
        "el rango {lo}..{hi} por sí solo no decide; la estimación {value} sí (intervalo de {days} días)",
    ),
    "window_decides": (
        "the claimed value is reached during {period}",
        "el valor afirmado se alcanza durante {period}",
    ),
    "window_misses": (
        "no value taken during {period} satisfies the claim",
        "ningún valor tomado durante {period} cumple la afirmación",
    ),
    "gap_too_long": (
        "the snapshots around the claim's date are {days} days apart and the range {lo}..{hi} contains values"
        " on both sides of the claim: too far apart to interpolate soundly",
        "las cifras que rodean la fecha están a {days} días y el rango {lo}..{hi} tiene valores a ambos lados"
        " de la afirmación: demasiado separadas para interpolar con solidez",
    ),
    "corroborates": ("corroborating: {what}", "corrobora: {what}"),
    "conflicts": (
        "conflicting evidence: {what} would give {verdict}",
        "evidencia en conflicto: {what} daría {verdict}",
    ),
    "inferred": (
        "no spec entry; inferred from the claim's columns: {why}",
        "sin entrada en la especificación; inferido de las columnas de la afirmación: {why}",
    ),
    "spec_note": ("note: {note}", "nota: {note}"),
    "not_checkable": ("not checkable: {reason}", "no verificable: {reason}"),
    "would_decide": ("data that would decide it: {what}", "datos que lo decidirían: {what}"),
    "dates_equal": ("{value} equals the claimed {claimed}", "{value} coincide con el {claimed} afirmado"),
    "dates_differ": ("{value} differs from the claimed {claimed}", "{value} difiere del {claimed} afirmado"),
    "alt_interpolation": ("interpolation {value}", "interpolación {value}"),
    "alt_backcast": ("back-cast {value}", "retroproyección {value}"),
    "alt_bracket": ("snapshots {lo}..{hi} around it", "cifras {lo}..{hi} alrededor"),
    "alt_flows": ("sum of monthly figures {value}", "suma de cifras mensuales {value}"),
    "nearest": (
        "{geo}: the nearest other snapshots, {lo} on {before} and {hi} on {after}, bracket it",
        "{geo}: las cifras publicadas más cercanas, {lo} al {before} y {hi} al {after}, la rodean",
    ),
    "snapshot_inside": (
        "snapshot inside {period}: {value} on {date} ({sources})",
        "cifra publicada dentro de {period}: {value} al {date} ({sources})",
    ),
    "whole_months": ("only whole months are summed: {start}..{end}", "solo se suman meses completos: {start}..{end}"),
    "counted_from": ("counted from {start}", "contado desde {start}"),
    "court": (
        "EOIR court release {release}, MPP cases where {where}, as of {date}: {measure} = {value}",
        "publicación judicial EOIR {release}, casos MPP con {where}, al {date}: {measure} = {value}",
    ),
    "synthetic": (
        "SYNTHETIC: release {release} is synthetic data, not real court records",
        "SINTÉTICO: la publicación {release} son datos sintéticos, no registros judiciales reales",
    ),
    "skipped": ("skipped {what}: {reason}", "descartado {what}: {reason}"),
}

VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "supported": ("supported", "respaldada"),
    "contradicted": ("contradicted", "contradicha"),
    "projection_met": ("projection met", "proyección cumplida"),
    "projection_missed": ("projection missed", "proyección no cumplida"),
    "not_checkable": ("not checkable with the loaded data", "no verificable con los datos cargados"),
}

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "claim_id": ("Claim", "Afirmación"),
    "verdict": ("Verdict", "Veredicto"),
    "value": ("Value found", "Valor hallado"),
    "claimed_value": ("Claimed", "Afirmado"),
    "tolerance": ("Accepted range", "Rango aceptado"),
    "evidence_date": ("Evidence date", "Fecha de la evidencia"),
    "source_ids": ("Sources", "Fuentes"),
    "method": ("Method", "Método"),
    "quote": ("Quote", "Cita"),
    "is_estimate": ("Estimate?", "¿Estimación?"),
    "dataset": ("Data", "Datos"),
    "would_decide": ("Data that would decide it", "Datos que lo decidirían"),
}

REPORT_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Published claims checked against the data", "Afirmaciones publicadas contrastadas con los datos"),
    "file": ("Claims file", "Archivo de afirmaciones"),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "errors": ("Claims that could not be read", "Afirmaciones que no se pudieron leer"),
    "synthetic": (
        "SYNTHETIC data: figures below are made from synthetic data",
        "Datos SINTÉTICOS: las cifras siguientes provienen de datos sintéticos",
    ),
}


for _key, _pair in VERDICT_LABELS.items():
    TEMPLATES[f"verdict_{_key}"] = _pair


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    en, es = table.get(key, (key, key))
    return es if lang == "es" else en
