"""`--plot FILE` for every command that prints a table: the command calls one of these after printing.

The chart itself is built by `mppwatch.charts`; these functions pick the chart for a command's result, write it,
and say where on stderr. The file name is checked before the work starts (`charts.check_path` via `check`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mppwatch.commands._options import WROTE, lang_of, say

if TYPE_CHECKING:
    import pandas as pd


def check(plot: Path | None) -> None:
    """Refuse a --plot name that is not .html, .png or .svg before any work is done."""
    if plot is not None:
        from mppwatch.charts import check_path

        check_path(plot)


def _inline(ctx: typer.Context) -> bool:
    return bool(getattr(ctx.find_root().obj, "inline_js", False))


def save(ctx: typer.Context, fig: Any, plot: Path) -> None:
    """Write the figure and say so on stderr."""
    from mppwatch.charts import write

    path = write(fig, plot, inline_js=_inline(ctx))
    say(ctx, WROTE, path=path)


def dataset_title(store: Any, dataset: str, lang: str) -> str:
    """The catalogue's title for a dataset in `lang` (its name when the catalogue cannot describe it)."""
    try:
        from mppwatch.catalog import record

        title = record(store, dataset).title
        return str(title.get(lang) or title.get("en") or dataset)
    except Exception:  # an unknown dataset fails in the command itself; the name still identifies it here
        return dataset


def forecast(
    ctx: typer.Context,
    result: Any,
    title: str,
    plot: Path,
    kind: str = "forecast",
    target: float = 0,
    history: Any = None,
) -> None:
    """A forecast, backtest or reach figure (mppwatch.forecast.plots) with a plain title and the source line."""
    from mppwatch.charts import _t, finish
    from mppwatch.forecast import plots

    lang = lang_of(ctx)
    frame = result.frame if kind == "forecast" else getattr(result, "summary", None)
    sources = list(getattr(frame, "attrs", {}).get("source_ids", []) or [])
    if not sources and history is not None:
        sources = list(getattr(history, "attrs", {}).get("source_ids", []) or [])
    if kind == "forecast":
        fig = plots.forecast_figure(result.history, result.frame, result.errors)
        heading, y_title = _t("Forecast of {title} (estimate)", lang, title=title), _t("people", lang)
    elif kind == "backtest":
        fig = plots.backtest_figure(history, result.errors)
        heading, y_title = _t("Backtest of forecasts for {title}: past errors by model", lang, title=title), None
    else:
        fig = plots.reach_figure(result.history, result.fan, target)
        heading = _t("When does {title} pass {target}? (projection: estimate)", lang, title=title, target=target)
        y_title = _t("people (cumulative)", lang)
    save(ctx, finish(fig, title=heading, sources=sources, x_title=None, y_title=y_title, lang=lang), plot)


def series(ctx: typer.Context, result: Any, by: list[str], plot: Path) -> None:
    """A `metrics.series_result` as lines per `by` group, titled from the catalogue in the run's language."""
    from mppwatch.charts import series_chart

    lang = lang_of(ctx)
    prov = result.provenance
    frame = result.frame
    title = (prov.title or {}).get(lang) or (prov.title or {}).get("en") or prov.dataset
    kind = prov.period_kind or "month"
    fig = series_chart(frame, title=title, sources=list(prov.source_ids), by=by, period_kind=kind, lang=lang)
    save(ctx, fig, plot)


def returns(ctx: typer.Context, frame: pd.DataFrame, as_of: str, plot: Path) -> None:
    from mppwatch.charts import returns_chart

    save(ctx, returns_chart(frame, as_of=as_of, lang=lang_of(ctx)), plot)


def simulation(ctx: typer.Context, result: Any, replicates: int, plot: Path, output: str = "waiting") -> None:
    from mppwatch.charts import band_chart

    fig = band_chart(
        result.daily(),
        output=output,
        scenario=str(result.scenario),
        replicates=replicates,
        sources=list(getattr(result.inputs, "sources", []) or []),
        lang=lang_of(ctx),
    )
    save(ctx, fig, plot)


def sweep(ctx: typer.Context, frame: pd.DataFrame, scenario: str, plot: Path) -> None:
    from mppwatch.charts import sweep_chart

    save(ctx, sweep_chart(frame, scenario=scenario, lang=lang_of(ctx)), plot)


def table(ctx: typer.Context, frame: pd.DataFrame, title: str, plot: Path, unit: str = "cases") -> None:
    from mppwatch import i18n
    from mppwatch.charts import table_chart

    lang = lang_of(ctx)
    sources = list(frame.attrs.get("source_ids", []) or [])
    if not sources and frame.attrs.get("release"):
        sources = [f"EOIR case data, release {frame.attrs['release']}"]
    import pandas as pd

    numeric = [c for c in frame.columns if pd.to_numeric(frame[c], errors="coerce").notna().any()]
    groups = [c for c in frame.columns if c not in numeric]
    context = i18n.localise(title, lang) or title
    if numeric and groups:  # "cases by hearing location (court table, release 2026-01)" says what the bars are
        heading = i18n.translator(lang)("{measures} by {groups} ({context})").format(
            measures=", ".join(str(c).replace("_", " ") for c in numeric[:6]),
            groups=", ".join(str(c).replace("_", " ") for c in groups),
            context=context,
        )
    else:
        heading = context
    fig = table_chart(frame, title=heading, sources=sources, unit=unit, lang=lang)
    save(ctx, fig, plot)
