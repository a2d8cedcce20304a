"""`mppwatch court load|table|waits|diff|releases|rejects` and `mppwatch synth eoir`: thin wrappers over mppwatch.court."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated

import pandas as pd
import typer

from mppwatch.commands import _plots
from mppwatch.commands._options import ByOpt, FormatOpt, PlotOpt, err, split_by, store_of, working
from mppwatch.core.periods import EXPECTED_DAY, EXPECTED_MONTH
from mppwatch.errors import MppwatchError
from mppwatch.output import Format, emit

ReleaseOpt = Annotated[str | None, typer.Option("--release", help="YYYY-MM (default: the latest loaded)")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: the whole release)")]
ThresholdOpt = Annotated[int, typer.Option("--threshold", help="suppress counts below this (at least 10)")]


def _court() -> ModuleType:
    """mppwatch.court, imported when a court command runs (keeps `mppwatch --help` fast)."""
    import mppwatch.court

    return mppwatch.court


def _date(text: str | None, option: str = "--as-of") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MppwatchError(EXPECTED_DAY, option=option, value=text) from None


def _month(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise MppwatchError(EXPECTED_MONTH, option=option, value=text) from None


def _translator() -> Callable[[str], str]:
    from mppwatch import i18n
    from mppwatch.output import current_lang

    return i18n.translator(current_lang())


def _note(text: str, prefix: str = "note:") -> None:
    """A note (or a warning that says so itself) on stderr, in the language asked for (--lang)."""
    from mppwatch import i18n
    from mppwatch.output import current_lang

    text = i18n.localise(text, current_lang()) or text
    line = text if text.startswith(("warning:", "aviso:")) or not prefix else f"{_translator()(prefix)} {text}"
    err.print(line, markup=False, highlight=False)


NamesOpt = Annotated[
    bool,
    typer.Option(
        "--names",
        help="CSV: a <column>_name column (the release's lookup name) after each coded column (codes only without "
        "it); JSON always has both, a table shows 'CODE – NAME'",
    ),
]


def _show(
    frame: pd.DataFrame,
    fmt: Format,
    title: str,
    plot: Path | None = None,
    ctx: typer.Context | None = None,
    names: bool = False,
    caption: str | None = None,
) -> None:
    """Print a court table; a SYNTHETIC release says so in the title and on stderr (CSV headers stay exact).

    Coded columns show as names.for_output shapes them; codes without a name in the release are named in a note."""
    from mppwatch.court.names import for_output, unnamed_note

    note = "; ".join(n for n in (caption, unnamed_note(frame)) if n) or None
    frame = for_output(frame, fmt.value, names)
    if note and fmt is not Format.table:
        _note(note)
    if frame.attrs.get("synthetic"):
        title = f"SYNTHETIC DATA - {title}"
        if fmt is not Format.table:
            _ = _translator()
            if "written_to" in frame.attrs:
                what = f"{_('written to')} {frame.attrs['written_to']}"
            else:
                what = f"{_('release')} " + (
                    frame.attrs.get("release")
                    or f" {_('and')} ".join(str(frame.attrs[k]) for k in ("release_a", "release_b") if k in frame.attrs)
                )
            _note(_("SYNTHETIC data ({what}), not real court records").format(what=what))
    emit(frame, fmt, title=title, note=note)
    if plot is not None and ctx is not None:
        _plots.table(ctx, for_output(frame, Format.table.value), title, plot)


def register(app: typer.Typer) -> None:
    court_app = typer.Typer(
        no_args_is_help=True, help="EOIR court records: load a release, MPP cohort tables, waits, diffs."
    )
    synth_app = typer.Typer(no_args_is_help=True, help="Synthetic data generators (output is labelled SYNTHETIC).")
    app.add_typer(court_app, name="court")
    app.add_typer(synth_app, name="synth")

    @court_app.callback()
    def court_callback() -> None:
        """EOIR court records: load a release, MPP cohort tables, waits, diffs."""
        from mppwatch.court.ingest import sweep_stale_tmp

        sweep_stale_tmp()  # a load killed with SIGKILL leaves its private folder behind: the next command removes it

    @court_app.command("load")
    def load(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(help="release folder or zip (tables at any depth, Lookup/ folder)")],
        release: Annotated[str, typer.Option("--release", help="YYYY-MM of the EOIR release")],
        max_reject_share: Annotated[
            float,
            typer.Option(
                "--max-reject-share",
                help="fail (store nothing) when a table rejects more than this share of its lines (and more than one)",
            ),
        ] = 0.01,
        timeout: Annotated[
            float | None,
            typer.Option(
                "--timeout",
                help="stop the whole load after this many seconds (default: 600, or the input's size at 2 MB/s if "
                "longer); then nothing is stored, no child process is left, and the error names the file being read",
            ),
        ] = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Load an EOIR case-data release; rows that cannot be parsed go to court_rejects and are counted here."""
        with store_of(ctx) as store, working("reading", total=1) as work:

            def progress(name: str, done: int, total: int) -> None:
                work.update(done, total, name)

            summary = _court().load(store, path, release, progress, max_reject_share, timeout, hard_exit=True)
        frame = summary.frame()
        frame.attrs.update(release=summary.release, synthetic=summary.synthetic)
        _show(frame, format, f"court release {summary.release}")
        for note in summary.notes:
            _note(note)
        if summary.unchanged:
            return  # the note says so; the table shows the counts of the load that stands
        rejected = int(frame["rows_rejected"].sum()) if len(frame) else 0
        _note(
            f"{summary.release}: {int(frame['rows_loaded'].sum()) if len(frame) else 0} rows loaded, "
            f"{rejected} rejected (see `mppwatch court rejects`), {summary.lookups} lookup codes",
            prefix="",
        )

    @court_app.command("table")
    def table(
        ctx: typer.Context,
        by: ByOpt = None,
        measure: Annotated[
            str,
            typer.Option(
                "--measure",
                help="cases,completed,pending,in_absentia_rate,represented_rate,relief_granted,"
                "awaiting_first_hearing,awaiting_first_hearing_share,transferred,transferred_share. "
                "awaiting_first_hearing: pending, and no hearing dated by --as-of (never after the first day of the "
                "release's month); its share is of pending. transferred: proceedings heard at more than one "
                "hearing location, or naming a previous location other than their own; its share is of cases",
            ),
        ] = "cases",
        mpp_only: Annotated[bool, typer.Option("--mpp-only", help="only the MPP cohort")] = False,
        as_of: AsOfOpt = None,
        release: ReleaseOpt = None,
        total: Annotated[bool, typer.Option("--total", help="add a Total row (withheld where it would leak)")] = False,
        threshold: ThresholdOpt = 10,
        names: NamesOpt = False,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """TRAC-style measures by nationality, hearing location, NTA month, ...; counts below 10 show as <10."""
        _plots.check(plot)
        with store_of(ctx, read_only=True) as store:
            frame = _court().table(
                store, split_by(by), split_by(measure), mpp_only, _date(as_of), release, threshold, total
            )
        title = f"court table, release {frame.attrs['release']}{' (MPP cohort)' if mpp_only else ''}"
        _show(frame, format, title, plot, ctx, names)

    @court_app.command("waits")
    def waits(
        ctx: typer.Context,
        by: ByOpt = None,
        all_cases: Annotated[bool, typer.Option("--all-cases", help="every case, not only the MPP cohort")] = False,
        pending: Annotated[
            str | None, typer.Option("--pending", help="instead: MPP cases pending on this date")
        ] = None,
        pending_by: Annotated[
            str, typer.Option("--pending-by", help="hearing_location or return_city")
        ] = "hearing_location",
        release: ReleaseOpt = None,
        threshold: ThresholdOpt = 10,
        names: NamesOpt = False,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Days from NTA to first hearing and to completion (p10, median, p90), or pending cases on a date."""
        _plots.check(plot)
        with store_of(ctx, read_only=True) as store:
            if pending is not None:
                day = _date(pending, "--pending")
                assert day is not None
                frame = _court().pending_table(store, day, pending_by, release, threshold)
                title = f"MPP cases pending on {pending}, release {frame.attrs['release']}"
            else:
                frame = _court().waits(store, split_by(by), not all_cases, release, threshold)
                title = f"days from NTA, release {frame.attrs['release']}"
        _show(frame, format, title, plot, ctx, names)

    @court_app.command("pending")
    def pending_over_time(
        ctx: typer.Context,
        start: Annotated[str, typer.Option("--from", help="first month YYYY-MM")],
        end: Annotated[str, typer.Option("--to", help="last month YYYY-MM")],
        by: Annotated[str, typer.Option("--by", help="return_city, hearing_location or none")] = "return_city",
        release: ReleaseOpt = None,
        threshold: ThresholdOpt = 10,
        names: NamesOpt = False,
        plot: PlotOpt = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """MPP cases pending on the 1st of each month, by Mexican return city or hearing location (a timeline)."""
        _plots.check(plot)
        first, last = _month(start, "--from"), _month(end, "--to")
        with store_of(ctx, read_only=True) as store:
            frame = _court().pending_series(store, first, last, None if by == "none" else by, release, threshold)
        title = f"MPP cases pending on the 1st of each month, release {frame.attrs['release']}"
        _show(frame, format, title, plot, ctx, names)

    @court_app.command("diff")
    def diff(
        ctx: typer.Context,
        release_a: Annotated[str, typer.Argument(help="older release YYYY-MM")],
        release_b: Annotated[str, typer.Argument(help="newer release YYYY-MM")],
        list_removed: Annotated[bool, typer.Option("--list", help="list the ids removed between A and B")] = False,
        table: Annotated[str | None, typer.Option("--table", help="with --list: one table, e.g. A_TblCase")] = None,
        mpp_only: Annotated[bool, typer.Option("--mpp-only", help="with --list: only MPP cohort records")] = False,
        format: FormatOpt = Format.table,
    ) -> None:
        """Records added, removed and changed between two releases, per table, overall and for the MPP cohort."""
        with store_of(ctx, read_only=True) as store:
            if list_removed:
                frame = _court().removed_ids(store, release_a, release_b, table, mpp_only)
            else:
                frame = _court().diff(store, release_a, release_b)
        _show(frame, format, f"court diff {frame.attrs['release_a']} -> {frame.attrs['release_b']}")

    @court_app.command("releases")
    def releases(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
        """Court releases loaded, newest first."""
        with store_of(ctx, read_only=True) as store:
            emit(_court().releases(store), format, title="court releases")

    @court_app.command("rejects")
    def rejects(ctx: typer.Context, release: ReleaseOpt = None, format: FormatOpt = Format.table) -> None:
        """Rows a load could not parse (or repaired): file, line, reason."""
        with store_of(ctx, read_only=True) as store:
            frame = _court().rejects(store, release)
        if format is Format.table:  # CSV and JSON keep the stored English reason
            from mppwatch.court.texts import reject_reason
            from mppwatch.output import current_lang

            frame["reason"] = [reject_reason(str(r), current_lang()) for r in frame["reason"]]
        _show(frame, format, f"court rejects, release {frame.attrs['release']}")

    @court_app.command("validate")
    def validate(
        ctx: typer.Context,
        release: Annotated[str | None, typer.Argument(help="YYYY-MM (default: the latest loaded)")] = None,
        format: FormatOpt = Format.table,
    ) -> None:
        """Check a stored release: rows in/loaded/repaired/rejected vs Count.txt, orphans, lookup coverage, dates."""
        from mppwatch.court.validate import validate as run

        with store_of(ctx, read_only=True) as store, working("validating the release"):
            frame = run(store, release)
        from mppwatch import i18n
        from mppwatch.court.validate import ORPHANS_NOTE
        from mppwatch.output import current_lang

        title = f"court validate, release {frame.attrs['release']}"
        if format is not Format.table:
            _show(frame, format, title, caption=ORPHANS_NOTE)
            return

        for section, part in frame.groupby("section", sort=False):
            part = part.drop(columns="section").reset_index(drop=True)
            part["measure"] = [i18n.localise(str(m), current_lang()) for m in part["measure"]]  # CSV/JSON: English keys
            part.attrs.update(frame.attrs)
            _show(
                part,
                format,
                _translator()("court validate, release {release}: {section}").format(
                    release=frame.attrs["release"], section=_translator()(str(section))
                ),
                caption=ORPHANS_NOTE if section == "orphans" else None,
            )

    @synth_app.command("eoir")
    def eoir(
        out: Annotated[Path, typer.Argument(help="folder to write the SYNTHETIC release into")],
        cases: Annotated[int, typer.Option("--cases", help="number of cases")] = 20000,
        seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
        line_ends: Annotated[str, typer.Option("--line-ends", help="crlf (as re-saved on Windows) or lf")] = "crlf",
        format: FormatOpt = Format.table,
    ) -> None:
        """Write a SYNTHETIC EOIR case-data release in the real format, quirks included."""
        with working("synthesising cases", total=cases) as work:
            summary = _court().synth_eoir(out, cases, seed, work.advance, line_ends)
        frame = pd.DataFrame(
            [
                {"file": k, "rows": v, "stray_tab_rows": summary.stray_tab_rows.get(k, 0)}
                for k, v in summary.rows.items()
            ]
        )
        frame.attrs.update(synthetic=True, written_to=str(summary.release_dir))
        _show(frame, format, f"SYNTHETIC release in {summary.release_dir} ({summary.mpp_cases} MPP cases)")
