"""`mppwatch simulate` and `mppwatch sweep`: thin wrappers over `mppwatch.simulate.run` and `.sweep.sweep`."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from mppwatch import i18n
from mppwatch.commands import _plots
from mppwatch.commands._options import FormatOpt, PlotOpt, err, lang_of, say, store_of, working
from mppwatch.core.text import N_, Notes, Template
from mppwatch.output import Format, emit, records, to_csv
from mppwatch.simulate.scenario import Scenario
from mppwatch.store import Store

EXPECTED_REPORTS = N_("expected 'reports'")
WROTE_RESULT = N_("wrote {folder}/daily.csv, summary.csv, waits.csv, result.json (simulated)")
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE scenario override (dotted key), repeatable")]


def _store(ctx: typer.Context, scenario: Scenario, stack: ExitStack, required: bool) -> Store | None:
    """Open the store read-only when the scenario (or --compare) reads it; none is needed otherwise."""
    wants = bool(scenario.needs_store) or scenario.warm_start.source == "court" or required
    if not wants:
        return None
    root = ctx.find_root().obj
    db = Path(getattr(root, "db", "") or "")
    if not db.exists() and not scenario.needs_store and not required:
        return None  # warm start from court records falls back to the scenario's numbers
    return stack.enter_context(store_of(ctx, read_only=True))


# Table headers (table format only: CSV and JSON keep the library's column names). Every figure is people or
# events, averaged over replicates, so the table shows whole numbers and says they are means.
SUMMARY_HEADERS = {
    "mean": "daily mean",
    "p5": "p5 (daily)",
    "p95": "p95 (daily)",
    "total": "total (mean of replicates)",
    "last_day": "last day (mean of replicates)",
}
WAIT_HEADERS = {"mean": "mean days", "people": "people (mean of replicates)"}
ORDERS_NOTE = (
    "removal_order: orders at hearings the person attended (completed minus relief). in_absentia: removal orders "
    "in absentia, counted apart: not part of removal_order or completed (hearings include both)."
)


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        ctx: typer.Context,
        scenario: Annotated[Path, typer.Argument(help="scenario TOML file (see scenarios/)")],
        replicates: Annotated[int, typer.Option(min=1, help="Monte Carlo replicates")] = 100,
        seed: Annotated[int, typer.Option(help="random seed (same seed, same result)")] = 0,
        days: Annotated[int | None, typer.Option(min=1, help="days to simulate (default: the scenario's)")] = None,
        set_: SetOpt = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="write daily/summary/waits CSV and result.json here")
        ] = None,
        compare: Annotated[
            bool, typer.Option("--compare", help="simulated vs observed (OHSS months, INM city shares)")
        ] = False,
        workers: Annotated[int, typer.Option(min=1, help="processes for chunks of 250 replicates (same numbers)")] = 1,
        capacity_from: Annotated[
            str | None, typer.Option("--capacity-from", help="'reports': shelter beds per city from the register")
        ] = None,
        plot: PlotOpt = None,
        plot_output: Annotated[
            str, typer.Option("--plot-output", help="the output --plot draws (waiting, cumulative_returns, ...)")
        ] = "waiting",
        format: FormatOpt = Format.table,
    ) -> None:
        """Simulate a scenario: waiting, shelter demand, hearings by city and day, with p5/p50/p95 bands (SIMULATED)."""
        from mppwatch.simulate import load_scenario, run
        from mppwatch.simulate.calibrate import compare as compare_fn

        _plots.check(plot)
        items = list(set_ or [])
        if days is not None:
            items.append(f"scenario.days={days}")
        scen = load_scenario(scenario, items)
        if capacity_from not in (None, "reports"):
            raise typer.BadParameter(Template(EXPECTED_REPORTS).render(lang_of(ctx)), param_hint="--capacity-from")
        with ExitStack() as stack:
            store = _store(ctx, scen, stack, required=compare or capacity_from is not None)
            if capacity_from == "reports" and store is not None:
                from mppwatch.shelters.feeds import with_register_capacity

                scen, capacity_notes = with_register_capacity(scen, store)
                for note in capacity_notes.in_lang(lang_of(ctx)):
                    err.print(f"{i18n.translator(lang_of(ctx))('note:')} {note}", markup=False)
            result = run(scen, replicates, seed, store=store, workers=workers)
            result.overrides = items
            table = compare_fn(result, store) if compare and store is not None else None
        if out is not None:
            _write(out, result)
            say(ctx, WROTE_RESULT, folder=out)
        if plot is not None:
            _plots.simulation(ctx, result, replicates, plot, plot_output)
        if table is not None:
            emit(table, format, title=f"{result.scenario}: simulated vs observed (SIMULATED estimates)")
            return
        if format is Format.json:
            sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        elif format is Format.csv:
            sys.stdout.write(to_csv(result.daily()))
        else:
            summary = result.summary()
            emit(
                summary[summary["city"] == "all"].drop(columns="city").rename(columns=SUMMARY_HEADERS),
                format,
                title=f"{result.scenario}: SIMULATED, {replicates} replicates, seed {seed}, "
                f"{result.dates[0].date()}..{result.dates[-1].date()} (daily mean, p5/p95 across replicates)",
                whole=list(SUMMARY_HEADERS.values()),
                note=ORDERS_NOTE,
            )
            emit(
                result.wait_quantiles().rename(columns=WAIT_HEADERS),
                format,
                title="waits in Mexico, days (simulated)",
                whole=["people (mean of replicates)"],
            )
            for name, answer in result.answers().items():
                err.print(f"{name}: {json.dumps(answer)}")
            _ = i18n.translator(lang_of(ctx))
            for note in Notes(result.inputs.notes).in_lang(lang_of(ctx)):
                err.print(f"{_('note:')} {note}", markup=False)
            if result.inputs.sources:
                err.print(f"{_('sources:')} {' '.join(result.inputs.sources)}", markup=False)

    @app.command("sweep")
    def sweep_cmd(
        ctx: typer.Context,
        scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
        grid: Annotated[list[str], typer.Option("--grid", help="KEY=V1,V2,... (repeatable: the product is run)")],
        replicates: Annotated[int, typer.Option(min=1)] = 100,
        seed: Annotated[int, typer.Option()] = 0,
        set_: SetOpt = None,
        dask: Annotated[
            str | None, typer.Option("--dask", help="'local' (LocalCluster) or a scheduler ADDRESS")
        ] = None,
        executor: Annotated[str, typer.Option(help="local executor: processes or threads")] = "processes",
        workers: Annotated[int, typer.Option(min=1, help="local workers / LocalCluster workers")] = 2,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Run a scenario over a grid of overrides (concurrent.futures here, Dask when named); SIMULATED."""
        from mppwatch.simulate import load_scenario
        from mppwatch.simulate.sweep import parse_grid, sweep

        _plots.check(plot)
        scen = load_scenario(scenario, list(set_ or []))
        with ExitStack() as stack:
            store = _store(ctx, scen, stack, required=False)
            stack.enter_context(working(f"sweeping {scen.name}"))
            frame = sweep(scen, parse_grid(grid), replicates, seed, store, dask, executor, workers)
        emit(frame, format, title=f"{scen.name} sweep: SIMULATED, {replicates} replicates a point, seed {seed}")
        if plot is not None:
            _plots.sweep(ctx, frame, scen.name, plot)


def _write(out: Path, result: object) -> None:
    from mppwatch.simulate import Result

    assert isinstance(result, Result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "daily.csv").write_text(to_csv(result.daily()), encoding="utf-8")
    (out / "summary.csv").write_text(to_csv(result.summary()), encoding="utf-8")
    (out / "waits.csv").write_text(to_csv(result.waits()), encoding="utf-8")
    meta = result.to_json()
    meta.pop("daily")
    meta["files"] = ["daily.csv", "summary.csv", "waits.csv"]
    meta["waits"] = records(result.wait_quantiles())
    (out / "result.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
