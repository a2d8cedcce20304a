"""`mppwatch forecast|backtest|reach`: forecasts with intervals, rolling-origin backtests, "when will it reach N".

Each command parses, calls the library function of the same name in `mppwatch.forecast`, and prints. Notes about
what was decided (cuts, fallbacks, the model `auto` chose) go to stderr so csv/json output stays clean.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mppwatch import i18n
from mppwatch.commands import _plots
from mppwatch.commands._options import ByOpt, FormatOpt, PlotOpt, WhereOpt, err, lang_of, split_by, store_of, working
from mppwatch.forecast.data import Selection
from mppwatch.metrics import parse_where
from mppwatch.output import Format, current_lang, emit

SinceOpt = Annotated[
    str | None,
    typer.Option("--from", "--since", help="YYYY-MM: use months from here on (cut at a policy break)"),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", "--to", help="YYYY-MM: use only months up to here (no look-ahead)")
]
RowTypeOpt = Annotated[str, typer.Option(help="detail (default), published_total, ...")]
EditionOpt = Annotated[str | None, typer.Option(help="publisher edition YYYY-MM (default: the latest)")]
CalOpt = Annotated[
    int, typer.Option("--calibration-origins", help="past origins that calibrate intervals and choose auto")
]


def _selection(
    dataset: str,
    where: list[str] | None,
    by: str | None,
    since: str | None,
    as_of: str | None,
    row_type: str,
    edition: str | None,
) -> Selection:
    """The store selection, as `mppwatch series` reads it."""
    return Selection(dataset, parse_where(where or []), tuple(split_by(by)), since, as_of, row_type, edition)


def _notes(notes: list[str]) -> None:
    """Each note on stderr, in the language it was rendered in (`result.notes_in(lang)`)."""
    prefix = i18n.translator(current_lang())("note:")
    for note in notes:
        err.print(f"{prefix} {note}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `forecast`, `backtest` and `reach` to the top-level app."""

    @app.command("forecast")
    def forecast_cmd(
        ctx: typer.Context,
        dataset: str,
        where: WhereOpt = None,
        by: ByOpt = None,
        horizon: Annotated[int, typer.Option("--horizon", "-h", help="months ahead")] = 12,
        model: Annotated[str, typer.Option(help="auto|snaive|naive|drift|ets|sarima|ensemble|all")] = "auto",
        since: SinceOpt = None,
        as_of: AsOfOpt = None,
        row_type: RowTypeOpt = "detail",
        edition: EditionOpt = None,
        calibration_origins: CalOpt = 24,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Forecast each series of a selection with 80% and 95% intervals (tidy: unique_id, ds, model, ...)."""
        from mppwatch.forecast import forecast

        _plots.check(plot)
        sel = _selection(dataset, where, by, since, as_of, row_type, edition)
        with store_of(ctx, read_only=True) as store, working(f"forecasting {dataset}"):
            result = forecast(store, sel, horizon, model, calibration_origins)
            heading = _plots.dataset_title(store, dataset, lang_of(ctx))
        _notes(result.notes_in(lang_of(ctx)))
        title = f"FORECAST (estimate) {dataset} (sources: {' '.join(result.frame.attrs.get('source_ids', []))})"
        if plot:
            _plots.forecast(ctx, result, heading, plot)
        emit(result.frame, format, title=title, whole=("y_hat", "lo-80", "hi-80", "lo-95", "hi-95"))  # people

    @app.command("backtest")
    def backtest_cmd(
        ctx: typer.Context,
        dataset: str,
        where: WhereOpt = None,
        by: ByOpt = None,
        origins: Annotated[int, typer.Option(help="number of forecast origins")] = 24,
        horizon: Annotated[int, typer.Option("--horizon", "-h", help="months ahead")] = 6,
        step: Annotated[
            int | None, typer.Option(help="months between origins (default: spread over the series; 1 = the last K)")
        ] = None,
        models: Annotated[str | None, typer.Option(help="comma list (default: all models and auto)")] = None,
        since: SinceOpt = None,
        as_of: AsOfOpt = None,
        row_type: RowTypeOpt = "detail",
        edition: EditionOpt = None,
        calibration_origins: CalOpt = 24,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Rolling-origin backtest: MASE, sMAPE, 80%/95% coverage per model, and ratios to seasonal-naive."""
        from mppwatch.forecast import CHOICES, backtest, tidy

        _plots.check(plot)
        sel = _selection(dataset, where, by, since, as_of, row_type, edition)
        chosen = tuple(m.strip() for m in models.split(",")) if models else CHOICES
        with store_of(ctx, read_only=True) as store, working("backtest origins") as work:
            result = backtest(
                store,
                sel,
                origins,
                horizon,
                chosen,
                calibration_origins,
                step,
                progress=lambda done, total: work.update(done, total),
            )
            history = tidy(store, sel) if plot else None
            heading = _plots.dataset_title(store, dataset, lang_of(ctx))
        _notes(result.notes_in(lang_of(ctx)))
        if plot and history is not None:
            _plots.forecast(ctx, result, heading, plot, kind="backtest", history=history)
        emit(result.summary, format, title=f"backtest {dataset}: {origins} origins x {horizon} months")

    @app.command("reach")
    def reach_cmd(
        ctx: typer.Context,
        dataset: str,
        target: Annotated[float, typer.Option("--target", help="the cumulative total to reach")],
        where: WhereOpt = None,
        by: ByOpt = None,
        as_of: AsOfOpt = None,
        start_total: Annotated[
            float | None, typer.Option("--start-total", help="total at the as-of month (default: the published sum)")
        ] = None,
        model: Annotated[str, typer.Option(help="auto|snaive|naive|drift|ets|sarima|ensemble")] = "auto",
        max_months: Annotated[int, typer.Option(help="simulate this many months ahead")] = 60,
        paths: Annotated[int, typer.Option(help="number of sample paths")] = 4000,
        seed: Annotated[int, typer.Option(help="random seed")] = 0,
        distribution: Annotated[
            bool, typer.Option("--distribution", help="print the probability of each month instead")
        ] = False,
        since: SinceOpt = None,
        row_type: RowTypeOpt = "detail",
        edition: EditionOpt = None,
        calibration_origins: CalOpt = 24,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """The month the cumulative total passes TARGET: p10/p50/p90 from sample paths, next to what happened."""
        from mppwatch.forecast import reach

        _plots.check(plot)
        sel = _selection(dataset, where, by, since, as_of, row_type, edition)
        with store_of(ctx, read_only=True) as store, working(f"projecting {dataset}"):
            result = reach(store, sel, target, start_total, model, max_months, paths, seed, calibration_origins)
            heading = _plots.dataset_title(store, dataset, lang_of(ctx))
        _notes(result.notes_in(lang_of(ctx)))
        title = f"PROJECTION (estimate) {dataset}: when does the total pass {target:,.0f}?"
        if plot:
            _plots.forecast(ctx, result, heading, plot, kind="reach", target=target)
        emit(result.distribution if distribution else result.summary, format, title=title)
