"""Commands for publishers' own files: `load-workbook`, `diff-editions`, `fetch`, `mpp-by-nationality`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mppwatch import i18n
from mppwatch.commands._options import FormatOpt, err, lang_of, say, store_of
from mppwatch.core.text import N_, Number, Template
from mppwatch.output import Format, emit

READING = N_("reading {file}")
TABLES = {  # what load-workbook did with the workbook's tables, counted on stderr
    "loaded": N_("{n} loaded"),
    "replaced": N_("{n} replaced"),
    "skipped": N_("{n} skipped"),
}
COUNTS = N_("{file}: {counts}")
DOWNLOADING = N_("downloading")
KEPT = N_("kept {path} ({size} bytes) from {url}")


def load_workbook(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="an OHSS monthly-tables workbook (.xlsx)")],
    edition: Annotated[str | None, typer.Option(help="edition YYYY-MM (default: read from the sheet titles)")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Read every sheet of a publisher's workbook into datasets ohss_<sheet-slug>, one load per edition."""
    from mppwatch.publishers.load import load_workbook as run

    lang = lang_of(ctx)
    with store_of(ctx) as store, err.status(Template(READING, file=file.name).render(lang)):
        frame = run(store, file, edition)
    counts = frame["status"].value_counts().to_dict()
    parts = [Template(TABLES[str(status)], n=n) for status, n in sorted(counts.items())]
    say(ctx, COUNTS, file=file.name, counts=parts)
    emit(frame, format, title=f"{file.name}")


def diff_editions(
    ctx: typer.Context,
    publisher: Annotated[str, typer.Argument(help="OHSS")],
    old: Annotated[str, typer.Argument(help="older edition YYYY-MM")],
    new: Annotated[str, typer.Argument(help="newer edition YYYY-MM")],
    dataset: Annotated[list[str] | None, typer.Option("--dataset", "-d", help="only these datasets")] = None,
    change: Annotated[list[str] | None, typer.Option("--change", help="revised, added, removed (repeatable)")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="counts per dataset and change")] = False,
    format: FormatOpt = Format.table,
) -> None:
    """Every cell a new edition revised, plus the rows it added and removed."""
    from mppwatch.publishers.diff import diff_editions as run
    from mppwatch.publishers.diff import summarize_diff

    with store_of(ctx, read_only=True) as store:
        frame = run(store, publisher, old, new, dataset or None, change or None)
    if summary:
        frame = summarize_diff(frame)
    emit(frame, format, title=f"{publisher.upper()} {old} -> {new}")


def fetch(
    ctx: typer.Context,
    publisher: Annotated[str, typer.Argument(help="ohss")],
    url: Annotated[
        str | None, typer.Option(help="workbook or page URL (default $MPPWATCH_OHSS_URL, else the publisher's page)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="folder to keep the file (default $MPPWATCH_DOWNLOADS or ./publisher_files)")
    ] = None,
    format: FormatOpt = Format.table,
) -> None:
    """Download the latest workbook (with a progress bar), check it is whole, keep it and load it."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from mppwatch.publishers.fetch import fetch as run

    with (
        store_of(ctx) as store,
        Progress(
            TextColumn(i18n.translator(lang_of(ctx))(DOWNLOADING)),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("download", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        frame = run(store, publisher, url, out, progress=advance)
    size = Number(frame.attrs["bytes"])
    say(ctx, KEPT, path=frame.attrs["path"], size=size, url=frame.attrs["url"])
    emit(frame, format, title=f"{publisher.upper()} {frame.attrs['edition']}")


def mpp_by_nationality(
    ctx: typer.Context,
    edition: Annotated[str | None, typer.Option(help="edition YYYY-MM (default: the latest)")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """MPP returns (CBP book-outs) by citizenship and month, from the OHSS book-outs-by-citizenship sheet."""
    from mppwatch.publishers.citizenship import mpp_by_nationality as run

    with store_of(ctx, read_only=True) as store:
        frame = run(store, edition)
    emit(frame, format, title=f"MPP book-outs by citizenship (OHSS {frame.attrs['edition']})")


def register(app: typer.Typer) -> None:
    """Add the publisher-file commands to the top-level app."""
    app.command("load-workbook")(load_workbook)
    app.command("diff-editions")(diff_editions)
    app.command("fetch")(fetch)
    app.command("mpp-by-nationality")(mpp_by_nationality)
