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
            **{k: v.render(lang) if isinstance(v, Msg | Bi | Join) else _show(v) for k, v in self.params.items()}
        )


@dataclass(frozen=True)
class Bi:
    """A text written in both languages (a spec's note, a reason); Spanish falls back to English when not given."""

    en: str
    es: str = ""

    def render(self, lang: str = "en") -> str:
        return (self.es or self.en) if lang == "es" else self.en


@dataclass(frozen=True)
class Join:
    """Several texts shown as one, each rendered in the reader's language (e.g. the reasons of several refusals)."""

    parts: tuple[Msg | Bi | Join, ...]
    sep: str = "; "

    def render(self, lang: str = "en") -> str:
        return self.sep.join(p.render(lang) for p in self.parts)


Text = Msg | Bi | Join  # anything that renders in either language


def msg(key: str, **params: Any) -> Msg:
    """A message from TEMPLATES; params may themselves be Msg, Bi or Join and are rendered in the same language."""
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
    # places and filters named by the code (not by the data)
    "place_mexico": ("Mexico (all points)", "México (todos los puntos)"),
    "place_named": ("the place named", "el lugar nombrado"),
    "all_rows": ("(all rows)", "(todas las filas)"),
    "no_filters": ("none", "ninguno"),
    "where_value": ("{where} {value}", "{where} {value}"),
    # comparator kinds, shown when the claim gives no qualifier words
    "kind_exact": ("exact", "exacta"),
    "kind_more_than": ("more than", "más de"),
    "kind_at_least": ("at least", "al menos"),
    "kind_less_than": ("less than", "menos de"),
    "kind_at_most": ("at most", "como máximo"),
    "kind_about": ("about", "aproximadamente"),
    "kind_just_over": ("just over", "poco más de"),
    "kind_nearly": ("nearly", "casi"),
    # the accepted range of a date claim
    "same_day": ("same day", "mismo día"),
    "same_month": ("same month", "mismo mes"),
    # why the loaded data cannot give a figure (NoEvidence), and the data that would ("want_*")
    "no_returns_loaded": (
        "no snapshots of cumulative MPP returns are loaded",
        "no hay cargada ninguna cifra publicada de devoluciones MPP acumuladas",
    ),
    "want_returns_loaded": (
        "snapshots of cumulative returns: a dataset with the role returns_snapshots (`mppwatch load` loads the"
        " bundled INM and press snapshots)",
        "cifras publicadas de devoluciones acumuladas: un conjunto de datos con el rol returns_snapshots"
        " (`mppwatch load` carga las cifras del INM y de prensa incluidas)",
    ),
    "no_dataset": ("dataset '{dataset}' is not loaded", "el conjunto de datos '{dataset}' no está cargado"),
    "want_dataset": ("{dataset} (mppwatch load FILE)", "{dataset} (mppwatch load ARCHIVO)"),
    "no_column": (
        "{dataset} has no column '{column}' (its columns: {columns})",
        "{dataset} no tiene la columna '{column}' (sus columnas: {columns})",
    ),
    "no_value": ("{dataset} has no {column} = '{value}'", "{dataset} no tiene {column} = '{value}'"),
    "want_value": ("{dataset} figures for {column} = {value}", "cifras de {dataset} para {column} = {value}"),
    "no_returns": (
        "{geo}: no usable snapshot of cumulative returns around {date} ({why})",
        "{geo}: ninguna cifra publicada utilizable de devoluciones acumuladas cerca del {date} ({why})",
    ),
    "want_returns_near": (
        "a published cumulative count of MPP returns to {geo} dated near {date}",
        "un conteo acumulado publicado de devoluciones MPP a {geo} con fecha cercana al {date}",
    ),
    "why_no_place": ("no snapshots for this place", "no hay cifras publicadas para este lugar"),
    "why_none_after": (
        "no snapshot on or after this date: not estimated",
        "ninguna cifra publicada en esa fecha o después: no se estima",
    ),
    "why_before_first": (
        "before the first snapshot ({date}): not estimated",
        "anterior a la primera cifra publicada ({date}): no se estima",
    ),
    "no_city_returns": (
        "no returns snapshots for city '{city}'",
        "no hay cifras publicadas de devoluciones para la ciudad '{city}'",
    ),
    "want_city_returns": (
        "dated cumulative counts of MPP returns to {city}",
        "conteos acumulados fechados de devoluciones MPP a {city}",
    ),
    "no_first_count": (
        "no dated counts of returns for this place",
        "no hay conteos fechados de devoluciones para este lugar",
    ),
    "want_first_count": ("a dated count of MPP returns there", "un conteo fechado de devoluciones MPP allí"),
    "no_monthly_sum": (
        "{dataset} has no monthly figures to sum over {period}",
        "{dataset} no tiene cifras mensuales que sumar en {period}",
    ),
    "shorter_than_month": (
        "{period} is shorter than a month; {dataset} is monthly",
        "{period} dura menos de un mes; {dataset} es mensual",
    ),
    "want_daily": ("daily figures of {dataset}", "cifras diarias de {dataset}"),
    "no_months": (
        "{dataset} ({where}) has no figure for {months} (it covers {first}..{last})",
        "{dataset} ({where}) no tiene cifra para {months} (cubre {first}..{last})",
    ),
    "want_months": ("{dataset} figures for {start}..{end}", "cifras de {dataset} para {start}..{end}"),
    "no_monthly_to": (
        "{dataset} ({where}) has no monthly figures up to {date} (it covers {first}..{last})",
        "{dataset} ({where}) no tiene cifras mensuales hasta el {date} (cubre {first}..{last})",
    ),
    "want_figures_to": ("{dataset} figures up to {date}", "cifras de {dataset} hasta el {date}"),
    "ends_before": (
        "{dataset} ({where}) ends in {period}, before the claim's date {date}",
        "{dataset} ({where}) termina en {period}, antes de la fecha de la afirmación ({date})",
    ),
    "want_count_through": (
        "{dataset} or a similar count through {date}",
        "{dataset} u otro conteo similar hasta el {date}",
    ),
    "no_monthly_in": (
        "{dataset} ({where}) has no monthly figures in {period}",
        "{dataset} ({where}) no tiene cifras mensuales en {period}",
    ),
    "no_nonzero_month": (
        "{dataset} ({where}) has no non-zero month",
        "{dataset} ({where}) no tiene ningún mes con cifra no nula",
    ),
    "no_figures_where": ("{dataset} has no figures where {where}", "{dataset} no tiene cifras con {where}"),
    "want_figures_where": ("{dataset} figures where {where}", "cifras de {dataset} con {where}"),
    "no_figure_dated": (
        "{dataset} ({where}) has no figure dated in or shortly before {period} (it has: {dates})",
        "{dataset} ({where}) no tiene ninguna cifra fechada en {period} o poco antes (tiene: {dates})",
    ),
    "want_figures_dated": (
        "{dataset} figures ({where}) dated {period}",
        "cifras de {dataset} ({where}) con fecha {period}",
    ),
    "no_share_pair": (
        "{dataset}: no source gives both {num} and {den} up to {period}",
        "{dataset}: ninguna fuente da a la vez {num} y {den} hasta {period}",
    ),
    "want_share_pair": (
        "{dataset} figures for {num} and {den} from one source",
        "cifras de {dataset} para {num} y {den} de una misma fuente",
    ),
    "no_court_release": ("no EOIR court release is loaded", "no hay cargada ninguna publicación judicial de EOIR"),
    "want_court_release": (
        "EOIR case data for MPP cases (mppwatch court load PATH --release YYYY-MM)",
        "datos de casos de EOIR para los casos MPP (mppwatch court load RUTA --release AAAA-MM)",
    ),
    "no_court_cases": (
        "court release {release}: no MPP cases with {where}",
        "publicación judicial {release}: ningún caso MPP con {where}",
    ),
    "court_withheld": (
        "court release {release}: {measure} for MPP cases where {where} is withheld ({shown}; small cells are"
        " suppressed)",
        "publicación judicial {release}: {measure} de los casos MPP con {where} no se publica ({shown}; las celdas"
        " pequeñas se suprimen)",
    ),
    "printed_as": ("printed as {value}", "impreso como {value}"),
    "matching_rows": ("{n} matching rows", "{n} filas coincidentes"),
    "want_court_cell": (
        "a court release with enough MPP cases to publish {measure}",
        "una publicación judicial con suficientes casos MPP para publicar {measure}",
    ),
    "court_rate": (
        "court tables give {measure} as a rate, but the claim is a count",
        "las tablas judiciales dan {measure} como tasa, pero la afirmación es un conteo",
    ),
    "want_court_count": (
        "a court table of the number of MPP cases behind {measure}",
        "una tabla judicial del número de casos MPP detrás de {measure}",
    ),
    "metric_aggregation": (
        "metric {metric} does not support aggregation '{aggregation}'",
        "la métrica {metric} no admite la agregación '{aggregation}'",
    ),
    "unknown_aggregation": ("unknown aggregation '{aggregation}'", "agregación desconocida '{aggregation}'"),
    "no_candidate": ("no candidate data", "ningún dato candidato"),
    "want_published_figure": (
        "a published figure for {quantity} dated {date}",
        "una cifra publicada de {quantity} con fecha {date}",
    ),
    "no_share_table": (
        "no loaded table gives both the part and the whole this share needs",
        "ninguna tabla cargada da a la vez la parte y el total que esta proporción necesita",
    ),
    "want_share_table": (
        "a table of {quantity} with the part and the total from one source",
        "una tabla de {quantity} con la parte y el total de una misma fuente",
    ),
    "no_dataset_measures": (
        "no loaded dataset measures '{quantity}'",
        "ningún conjunto de datos cargado mide '{quantity}'",
    ),
    "want_dataset_measures": (
        "a dataset of {quantity} for {place} dated {date} (load it with `mppwatch load FILE` and name it in the spec)",
        "un conjunto de datos de {quantity} para {place} con fecha {date} (cárguelo con `mppwatch load ARCHIVO` y"
        " nómbrelo en la especificación)",
    ),
    # how inference read the claim and chose its data (the `why` of an inferred spec); quoted words are the claim's
    "why_topic_words": ("topic words", "palabras del tema"),
    "why_court": (
        "court-record words → EOIR MPP cases, {measure}",
        "palabras de registros judiciales → casos MPP de EOIR, {measure}",
    ),
    "why_court_where": (
        "court-record words → EOIR MPP cases, {measure} where {where}",
        "palabras de registros judiciales → casos MPP de EOIR, {measure} con {where}",
    ),
    "why_first_return": ("first return date", "fecha de la primera devolución"),
    "why_peak_rate": (
        "a rate 'per day' projected without a target date → the highest monthly rate in the next 12 months"
        " of MPP book-outs (people processed into MPP and returned)",
        "una tasa 'por día' proyectada sin fecha objetivo → la tasa mensual más alta de salidas a MPP (personas"
        " procesadas en MPP y devueltas) en los 12 meses siguientes",
    ),
    "why_returns": (
        "'returns' → INM/press snapshots of cumulative returns, {place}",
        "'returns' → cifras publicadas por el INM y la prensa de devoluciones acumuladas, {place}",
    ),
    "why_count": ("'{word}' → {title}, {component}", "'{word}' → {title}, {component}"),
    "assumed_component": (
        "{dataset} has no component column: its figures are taken as {component}'s",
        "{dataset} no tiene columna de componente: sus cifras se toman como las de {component}",
    ),
    "left_out_measure": (
        "{dataset} not read: none of its measures ({values}) is the total of its role '{role}'",
        "{dataset} no se lee: ninguna de sus medidas ({values}) es el total de su función '{role}'",
    ),
    "want_role_measure": (
        "{dataset} with one measure named for its role '{role}' (e.g. total_{role}), or a spec entry naming it",
        "{dataset} con una medida nombrada por su función '{role}' (p. ej., total_{role}), o una entrada de spec"
        " que la nombre",
    ),
    "left_out_total": (
        "{dataset} not read: its {dim} column has no total and the claim names none of its values",
        "{dataset} no se lee: su columna {dim} no tiene total y la afirmación no nombra ninguno de sus valores",
    ),
    "want_total": (
        "the total of {dataset}'s {dim} declared in its data package ('hierarchy'), or a claim naming its places",
        "el total de la columna {dim} de {dataset} declarado en su paquete de datos ('hierarchy'), o una"
        " afirmación que nombre sus lugares",
    ),
    "why_bookouts": ("'enrolments' → OHSS MPP book-outs", "'enrolments' → salidas a MPP de OHSS"),
    "why_enrolments_cbp": (
        "'enrolments' → CBP MPP enrolment table",
        "'enrolments' → tabla de inscripciones en MPP de CBP",
    ),
    "why_trac": ("'MPP cases' → TRAC court cases by month", "'MPP cases' → casos judiciales de TRAC por mes"),
    "why_fear": ("'fear' → USCIS MPP fear referrals", "'fear' → remisiones de USCIS a entrevistas de temor en MPP"),
    "why_shelters": ("shelter words → {dataset} {measure}", "palabras de albergues → {dataset} {measure}"),
    "why_projection": (
        "projection: judged on the outcome at {period}",
        "proyección: se juzga por el resultado en {period}",
    ),
    "why_share": (
        "'share' → {dataset}: {dim} {parts} over {whole}",
        "'share' → {dataset}: {dim} {parts} sobre {whole}",
    ),
    "why_generic": (
        "dataset name shares {n} word(s) with the claim's quantity; filters from the values it names: {where}",
        "el nombre del conjunto de datos comparte {n} palabra(s) con la cantidad de la afirmación; filtros según"
        " los valores que nombra: {where}",
    ),
    "read_fiscal_year": ("'{words}' → fiscal year {year}", "'{words}' → año fiscal {year}"),
    "read_days": ("'{words}' → the {n} days ending {end}", "'{words}' → los {n} días que terminan el {end}"),
    "read_month": ("'{words}' → month {period}", "'{words}' → mes {period}"),
    "read_week": ("'{words}' → the days {start}..{end}", "'{words}' → los días {start}..{end}"),
    "read_year": ("'{words}' → calendar year {year}", "'{words}' → año natural {year}"),
    "read_since": ("'{words}' → from {start} to {end}", "'{words}' → del {start} al {end}"),
    "read_cumulative": ("'cumulative' → running total as of {date}", "'cumulative' → total acumulado al {date}"),
    # claim rows and spec entries that cannot be used (ClaimError): the line, then its reason ("err_*");
    # codes, field names, keys and values stay as written
    "err_line": (
        "{where}: claim {claim}: field {field}: {reason}",
        "{where}: afirmación {claim}: campo {field}: {reason}",
    ),
    "err_field_count": ("{n} fields, header has {header}", "{n} campos, pero el encabezado tiene {header}"),
    "err_empty_id": ("empty claim id", "falta el identificador de la afirmación"),
    "err_duplicate_id": (
        "duplicate claim id (first on line {line})",
        "identificador de afirmación repetido (aparece primero en la línea {line})",
    ),
    "err_empty_value": ("empty value", "falta el valor"),
    "err_value_kind": (
        "{value} is neither a number nor a date (YYYY-MM[-DD])",
        "{value} no es ni un número ni una fecha (AAAA-MM[-DD])",
    ),
    "err_empty_quantity": (
        "empty quantity: the claim does not say what it counts",
        "falta la cantidad: la afirmación no dice qué cuenta",
    ),
    "err_empty_date": ("empty date", "falta la fecha"),
    "err_period_reversed": ("{text} ends before it starts", "{text} termina antes de empezar"),
    "err_not_real_date": ("{text} is not a real date", "{text} no es una fecha que exista"),
    "err_not_date": (
        "{text} is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)",
        "{text} no es una fecha (se espera AAAA-MM-DD, AAAA-MM o AAAA)",
    ),
    "err_filter_table": (
        "expected a table of COLUMN = VALUE or COLUMN = [VALUES]",
        "se espera una tabla de COLUMNA = VALOR o COLUMNA = [VALORES]",
    ),
    "err_filter_values": ("expected a string or a list of strings", "se espera un texto o una lista de textos"),
    "err_entry_table": ("expected a table", "se espera una tabla"),
    "err_unknown_key": ("unknown key (known: {known})", "clave desconocida (las válidas son: {known})"),
    "err_not_string": ("expected a string", "se espera un texto"),
    "err_spanish_alone": (
        "a Spanish {name} without the English {name}",
        "hay {name}_es (en español) pero falta {name} (en inglés)",
    ),
    "err_reason_needed": ("checkable = false needs a reason", "checkable = false necesita un motivo (reason)"),
    "err_dataset_and_metric": (
        "give a dataset or a metric, not both",
        "indique un conjunto de datos (dataset) o una métrica (metric), no ambos",
    ),
    "err_no_dataset": (
        "missing: name a dataset (or metric = 'returns')",
        "falta: indique un conjunto de datos (dataset), o bien metric = 'returns'",
    ),
    "err_unknown_metric": ("{metric}: known metrics are {known}", "{metric}: las métricas conocidas son {known}"),
    "err_one_of": ("{value}: expected one of {known}", "{value}: se espera uno de estos valores: {known}"),
    "err_returns_where": (
        "metric 'returns' is filtered by city only",
        "la métrica 'returns' solo se puede filtrar por city",
    ),
    "err_returns_aggregation": (
        "metric 'returns' supports cumulative, sum or first, not {aggregation}",
        "la métrica 'returns' admite cumulative, sum o first, no {aggregation}",
    ),
    "err_share_filters": (
        "aggregation {aggregation} needs numerator and/or denominator filters",
        "la agregación {aggregation} necesita filtros numerator o denominator (o ambos)",
    ),
    "err_per": ("{per}: expected 'day' or 'month'", "{per}: se espera 'day' o 'month'"),
    "err_tolerance": (
        "{tolerance}: expected a fraction between 0 and 1 (0.05 = 5%)",
        "{tolerance}: se espera una fracción entre 0 y 1 (0.05 = 5%)",
    ),
    "err_comparator_tolerance": (
        "tolerance {tolerance}: expected a fraction between 0 and 1",
        "tolerancia {tolerance}: se espera una fracción entre 0 y 1",
    ),
    "err_spec_without_claim": (
        "spec entry for a claim that is not in the claims file",
        "la especificación tiene una entrada para una afirmación que no está en el archivo de afirmaciones",
    ),
    "err_date_not_number": (
        "a date, but the spec computes a number",
        "es una fecha, pero la especificación calcula un número",
    ),
    "err_number_not_date": (
        "a number, but the spec computes a date",
        "es un número, pero la especificación calcula una fecha",
    ),
    "err_no_such_claim": ("no such claim in this file", "esa afirmación no está en este archivo"),
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


# Shapes (comparisons, peaks, rankings), bounds, precision, circular evidence and confidence.
TEMPLATES.update(
    {
        "no_compare_figure": ("one of the two figures is missing", "falta una de las dos cifras"),
        "compare_zero": ("{what} is zero: no ratio", "{what} es cero: no hay cociente"),
        "compare_a": ("figure A: {what}", "cifra A: {what}"),
        "compare_b": ("figure B: {what}", "cifra B: {what}"),
        "figure_label": ("{place}, {period}", "{place}, {period}"),
        "compare_ratio": ("A / B = {a} / {b} = {value}", "A / B = {a} / {b} = {value}"),
        "compare_difference": ("A − B = {a} − {b} = {value}", "A − B = {a} − {b} = {value}"),
        "compare_change": (
            "change from B to A = ({a} − {b}) / {b} = {value}%",
            "variación de B a A = ({a} − {b}) / {b} = {value}%",
        ),
        "compare_range": (
            "from the ranges of A and B, the true value lies in {lo}..{hi}",
            "por los rangos de A y B, el valor real está en {lo}..{hi}",
        ),
        "no_figures_in": (
            "{dataset} ({where}) has no figure dated in {period}",
            "{dataset} ({where}) no tiene cifras fechadas en {period}",
        ),
        "extreme_dated_max": (
            "{dataset} ({where}): the highest of {n} dated figures in {period} is {value} on {date} ({sources});"
            " figures are scattered, so the true peak is at least {value} (a lower bound)",
            "{dataset} ({where}): la mayor de {n} cifras fechadas en {period} es {value} al {date} ({sources});"
            " las cifras son dispersas, así que el máximo real es de al menos {value} (cota inferior)",
        ),
        "extreme_dated_min": (
            "{dataset} ({where}): the lowest of {n} dated figures in {period} is {value} on {date} ({sources});"
            " figures are scattered, so the true minimum is at most {value} (an upper bound)",
            "{dataset} ({where}): la menor de {n} cifras fechadas en {period} es {value} al {date} ({sources});"
            " las cifras son dispersas, así que el mínimo real es como mucho {value} (cota superior)",
        ),
        "min_rate": (
            "lowest month {period}: {value} ({rate} a day), in {start}..{end} ({sources})",
            "mes más bajo {period}: {value} ({rate} al día), en {start}..{end} ({sources})",
        ),
        "note_lower": (
            "the note of {source} marks this figure as a floor (the true figure is at least it)",
            "la nota de {source} marca esta cifra como un mínimo (la cifra real es al menos esa)",
        ),
        "note_upper": (
            "the note of {source} marks this figure as a ceiling (the true figure is at most it)",
            "la nota de {source} marca esta cifra como un máximo (la cifra real es como mucho esa)",
        ),
        "rank_no_subject": (
            "no figure for {subject} among the values of {by}",
            "no hay cifra de {subject} entre los valores de {by}",
        ),
        "rank_list": ("by {by} ({date}): {listing}", "por {by} ({date}): {listing}"),
        "rank_is": ("{subject} ranks {rank}", "{subject} ocupa el puesto {rank}"),
        "rank_between": (
            "{subject} ranks between {best} and {worst} (the ranges overlap)",
            "{subject} ocupa un puesto entre {best} y {worst} (los rangos se solapan)",
        ),
        "rank_unknown": ("no figure on that date for: {places}", "sin cifra a esa fecha para: {places}"),
        "bridge_rank_unknown": (
            "places without a figure on that date ({places}) are taken to rank lower",
            "se supone que los lugares sin cifra a esa fecha ({places}) quedan por debajo",
        ),
        "rank_required": (
            "the claim needs {subject} at rank {rank}",
            "la afirmación requiere a {subject} en el puesto {rank}",
        ),
        "peak_month": (
            "the claim names {month} as the peak; the top month is {found}",
            "la afirmación señala {month} como el máximo; el mes más alto es {found}",
        ),
        "peak_month_unknown": (
            "the claim names {month} as the peak; scattered figures put the highest on {found}, which cannot"
            " confirm or rule out the month",
            "la afirmación señala {month} como el máximo; las cifras dispersas sitúan la mayor el {found}, lo que"
            " no confirma ni descarta el mes",
        ),
        "requirement_met": ("holds: {what}", "se cumple: {what}"),
        "requirement_failed": ("fails: {what}", "no se cumple: {what}"),
        "requirement_open": ("cannot be decided: {what}", "no se puede decidir: {what}"),
        "bound_lower": (
            "the evidence is a floor: the true figure is at least {value}, so it can only show the claim's"
            " figure is reached, never that a higher one is not",
            "la evidencia es un mínimo: la cifra real es al menos {value}; solo puede mostrar que se alcanza la"
            " cifra afirmada, nunca que una mayor no se alcance",
        ),
        "bound_upper": (
            "the evidence is a ceiling: the true figure is at most {value}, so it can only show the claim's"
            " figure is not exceeded",
            "la evidencia es un máximo: la cifra real es como mucho {value}; solo puede mostrar que la cifra"
            " afirmada no se supera",
        ),
        "bound_undecided": (
            "a bound of {value} cannot decide a claim of {range}",
            "una cota de {value} no puede decidir una afirmación de {range}",
        ),
        "want_exact_figure": (
            "an exact figure (not a bound) for {quantity} on {date}",
            "una cifra exacta (no una cota) para {quantity} al {date}",
        ),
        "err_compare_needs_versus": (
            "aggregation compare needs versus and/or versus_period",
            "la agregación compare necesita versus o versus_period (o ambos)",
        ),
        "err_rank_needs_by": (
            "aggregation rank needs by (the column ranked over)",
            "la agregación rank necesita by (la columna por la que se ordena)",
        ),
        "err_not_number": ("{name}: expected a number", "{name}: se espera un número"),
        # precision: a different measure never contradicts
        "bridge": ("assumption: {what}", "supuesto: {what}"),
        "bridge_no_contradiction": (
            "the evidence measures something else ({what}): it may support the claim under that assumption but"
            " cannot contradict it",
            "la evidencia mide otra cosa ({what}): puede respaldar la afirmación con ese supuesto, pero no"
            " contradecirla",
        ),
        "measure_differs": (
            "the figure found measures something other than the claim: {what}",
            "la cifra hallada mide algo distinto de lo que afirma la cita: {what}",
        ),
        "mm_nationality": (
            "the claim is about {nationality} only; the evidence counts all nationalities",
            "la afirmación se refiere solo a {nationality}; la evidencia cuenta todas las nacionalidades",
        ),
        "want_nationality": (
            "the same figure for {nationality} alone",
            "la misma cifra solo para {nationality}",
        ),
        "mm_publisher": (
            "the claim cites {named}; the evidence is {found}'s measure",
            "la afirmación cita a {named}; la evidencia es la medida de {found}",
        ),
        "want_publisher": (
            "{named}'s own figure for the claim's date",
            "la cifra propia de {named} a la fecha de la afirmación",
        ),
        "mm_monthly_cumulative": (
            "the claim is a monthly figure; the evidence is a running total",
            "la afirmación es una cifra mensual; la evidencia es un total acumulado",
        ),
        "mm_cumulative_monthly": (
            "the claim is a running total; the evidence covers only {period}",
            "la afirmación es un total acumulado; la evidencia cubre solo {period}",
        ),
        "want_monthly": ("the monthly figures for {date}", "las cifras mensuales de {date}"),
        "want_cumulative": ("a running total as of {date}", "un total acumulado al {date}"),
        "mm_class": (
            "the claim counts {claimed}; the evidence counts {found}",
            "la afirmación cuenta {claimed}; la evidencia cuenta {found}",
        ),
        "want_class": (
            "a published count of {claimed} for the claim's place and date",
            "un conteo publicado de {claimed} para el lugar y la fecha de la afirmación",
        ),
        "mm_people_events": (
            "the claim counts people; encounters and apprehensions count events (one person may be counted"
            " several times)",
            "la afirmación cuenta personas; los encuentros y detenciones cuentan eventos (una persona puede"
            " contarse varias veces)",
        ),
        "want_people": (
            "a count of unique people for the claim's place and period",
            "un conteo de personas únicas para el lugar y el periodo de la afirmación",
        ),
        "mm_change_share": (
            "the claim is a percent change; the evidence is a share of a total",
            "la afirmación es una variación porcentual; la evidencia es una proporción de un total",
        ),
        "want_change": (
            "the same figure for the base period of the change",
            "la misma cifra para el periodo base de la variación",
        ),
        "mm_rank_sum": (
            "the claim is a ranking; the evidence is one total",
            "la afirmación es una clasificación; la evidencia es un único total",
        ),
        "want_rank": (
            "the same figure for every place or group ranked",
            "la misma cifra para cada lugar o grupo clasificado",
        ),
        "mm_stale": (
            "the only figure is dated {date}, before the claim's period {period}",
            "la única cifra está fechada el {date}, antes del periodo de la afirmación {period}",
        ),
        "mm_peak_level": (
            "the claim is a peak; the evidence is a figure on one date",
            "la afirmación es un máximo; la evidencia es una cifra en una sola fecha",
        ),
        "want_peak": (
            "the figures across the whole period, to find its highest",
            "las cifras de todo el periodo, para hallar la más alta",
        ),
        "class_returns": ("returns to Mexico", "devoluciones a México"),
        "class_enrolments": ("MPP enrolments (book-outs)", "inscripciones en MPP (salidas)"),
        "class_court": ("immigration-court cases", "casos en tribunales de inmigración"),
        "class_encounters": ("border encounters or apprehensions", "encuentros o detenciones en la frontera"),
        "class_admitted": ("people let into the US", "personas admitidas en EE. UU."),
        "class_population": ("people present at one time (a stock)", "personas presentes en un momento (un stock)"),
        "class_fear": ("fear screenings", "entrevistas de miedo"),
        "bridge_bookouts_returns": (
            "OHSS MPP book-outs (enrolments, by month) stand for monthly returns to Mexico",
            "las salidas a MPP de OHSS (inscripciones, por mes) representan las devoluciones mensuales a México",
        ),
        # circular evidence
        "circular": (
            "the only record is the claim's own source ({sources}): it cannot check itself",
            "el único registro es la propia fuente de la afirmación ({sources}): no puede verificarse a sí misma",
        ),
        "want_independent": (
            "a figure for the same quantity from another publisher",
            "una cifra de la misma cantidad de otra fuente",
        ),
        # confidence
        "conf_high": ("high", "alta"),
        "conf_medium": ("medium", "media"),
        "conf_low": ("low", "baja"),
        "conf_exact": (
            "a published figure of the same measure, place and period",
            "una cifra publicada de la misma medida, lugar y periodo",
        ),
        "conf_range": (
            "every value between the published figures around the date gives the same answer",
            "todo valor entre las cifras publicadas alrededor de la fecha da la misma respuesta",
        ),
        "conf_estimate": (
            "decided by an interpolated estimate, not a published figure",
            "decidido por una estimación interpolada, no por una cifra publicada",
        ),
        "conf_window": (
            "the claim is dated only to a period; the figure took the claimed value during it",
            "la afirmación solo está fechada a un periodo; la cifra tomó el valor afirmado durante él",
        ),
        "conf_bound": (
            "decided by a bound, in the one direction a bound can decide",
            "decidido por una cota, en la única dirección que una cota puede decidir",
        ),
        "conf_bridge": ("decided through an assumption: {what}", "decidido mediante un supuesto: {what}"),
        "conf_none": (
            "the loaded data cannot decide the claim",
            "los datos cargados no pueden decidir la afirmación",
        ),
        "conf_rounding": (
            "the figure is within the publisher's rounding of the claim's limit",
            "la cifra está dentro del redondeo de la fuente respecto al límite de la afirmación",
        ),
        "comparator_label_about": ("about", "aproximadamente"),
    }
)
TEMPLATES.update(
    {
        "why_compare": ("compared: {subject} against {other}", "comparación: {subject} frente a {other}"),
        "why_change": ("a change from {base} to {period}", "una variación de {base} a {period}"),
        "why_ratio_periods": ("a ratio of {period} to {other}", "un cociente de {period} entre {other}"),
        "why_peak": (
            "a peak: the top month (or highest dated figure) in {window}",
            "un máximo: el mes más alto (o la mayor cifra fechada) en {window}",
        ),
        "why_rank": (
            "a ranking: {subject} at rank {rank} by {by}",
            "una clasificación: {subject} en el puesto {rank} por {by}",
        ),
    }
)
TEMPLATES["conf_ceiling"] = (
    "decided through an assumption that gives a ceiling ({what}): the claim is above it",
    "decidido mediante un supuesto que da un techo ({what}): la afirmación lo supera",
)
TEMPLATES["court_all_cases"] = (
    "all cases in the release (MPP and non-MPP alike)",
    "todos los casos de la publicación (MPP y no MPP)",
)
TEMPLATES["court_group_rate"] = (
    "{measure} of the non-MPP group cannot be derived from the published tables (a rate does not subtract)",
    "{measure} del grupo no MPP no se puede derivar de las tablas publicadas (una tasa no se resta)",
)
TEMPLATES["court_non_mpp"] = (
    "non-MPP cases = all {all} − MPP {mpp} = {value}",
    "casos no MPP = todos {all} − MPP {mpp} = {value}",
)
TEMPLATES["mm_place"] = (
    "the claim is about {place}; the evidence does not select it",
    "la afirmación se refiere a {place}; la evidencia no lo selecciona",
)
TEMPLATES["want_place"] = ("the same figure for {place} alone", "la misma cifra solo para {place}")
TEMPLATES["class_left"] = (
    "people who went home or were deported",
    "personas que volvieron a su país o fueron deportadas",
)
TEMPLATES["class_decided"] = ("court cases decided", "casos judiciales resueltos")
TEMPLATES["relayed_snapshot"] = (
    "the latest published figure before the claim's date, {value} on {date}, satisfies the claimed {claimed}:"
    " the claim relays it, and an interpolated guess does not refute it",
    "la última cifra publicada antes de la fecha de la afirmación, {value} al {date}, cumple el {claimed}"
    " afirmado: la afirmación la reproduce, y una conjetura interpolada no la refuta",
)
TEMPLATES["conf_relayed"] = (
    "the claim matches the latest published figure before its date, not the interpolation for the day",
    "la afirmación coincide con la última cifra publicada antes de su fecha, no con la interpolación del día",
)
TEMPLATES["floor_snapshot"] = (
    "{geo}: no snapshot on or after the date; the last one, {value} on {date}, is a floor (counts never fall)",
    "{geo}: ninguna cifra publicada en esa fecha o después; la última, {value} al {date}, es un mínimo (los conteos"
    " nunca bajan)",
)
TEMPLATES["court_perturbed"] = (
    "court counts are published with noise of up to ±{k} per count (cell-key disclosure control, docs/privacy.md),"
    " so the figure is not exact: the true value lies between {lo} and {hi}",
    "los conteos judiciales se publican con un ruido de hasta ±{k} por conteo (control de divulgación por clave de"
    " celda, docs/privacy.md), así que la cifra no es exacta: el valor real está entre {lo} y {hi}",
)
TEMPLATES["perturbed_all"] = (
    "every value in the perturbation band {lo}..{hi} gives the same answer",
    "todo valor de la banda de perturbación {lo}..{hi} da la misma respuesta",
)
TEMPLATES["perturbed_out"] = (
    "the claim lies outside the whole perturbation band {lo}..{hi}",
    "la afirmación queda fuera de toda la banda de perturbación {lo}..{hi}",
)
TEMPLATES["perturbed_band"] = (
    "the claim lies within the perturbation band {lo}..{hi}: consistent with the perturbed figure, which cannot"
    " show a smaller difference",
    "la afirmación está dentro de la banda de perturbación {lo}..{hi}: coherente con la cifra perturbada, que no"
    " puede mostrar una diferencia menor",
)
TEMPLATES["conf_perturbed_all"] = (
    "the claim holds across the whole noise band of the perturbed court figure",
    "la afirmación se cumple en toda la banda de ruido de la cifra judicial perturbada",
)
TEMPLATES["conf_perturbed_out"] = (
    "the claim is outside the whole noise band of the perturbed court figure",
    "la afirmación está fuera de toda la banda de ruido de la cifra judicial perturbada",
)
TEMPLATES["conf_perturbed_band"] = (
    "the court figure is perturbed and the claim lies within its noise band: consistent, not confirmed exactly",
    "la cifra judicial está perturbada y la afirmación está dentro de su banda de ruido: coherente, no confirmada"
    " con exactitud",
)
TEMPLATES["why_court_quote"] = (
    "the quantity names cases without a measure; the quote names {measure}",
    "la cantidad nombra casos sin una medida; la cita nombra {measure}",
)
