"""`mppwatch shelters ...`: the shelter register (seed, add, list, load, import-kobo, export), thin wrappers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mppwatch.commands._options import WROTE, FormatOpt, err, lang_of, say, store_of
from mppwatch.core.text import N_
from mppwatch.i18n import localise, translator
from mppwatch.output import Format, emit

shelters_app = typer.Typer(no_args_is_help=True, help="The shelter register: shelters, daily reports, exchange.")


@shelters_app.command("seed")
def seed_cmd(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="default: the bundled data/mpp_city_shelters.csv")] = None,
) -> None:
    """Seed the register from the bundled shelter table, keeping sources (idempotent)."""
    from mppwatch.shelters.seed import seed

    with store_of(ctx) as store:
        result = seed(store, file)
    _ = translator(lang_of(ctx))
    skipped = ", ".join(f"{n} {m}" for m, n in sorted(result.not_seeded.items()))
    line = _("{file}: {status}; {figures} figures, {created} shelters created").format(
        file=result.file, status=_(result.status), figures=result.figures, created=result.shelters_created
    )
    if skipped:
        line += "; " + _("not seeded (not one facility's count): {counts}").format(counts=skipped)
    err.print(line, markup=False)


@shelters_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="the shelter's name")],
    city: Annotated[str, typer.Option(help="city, as the register spells it (e.g. Ciudad Juárez)")],
    kind: Annotated[str, typer.Option(help="shelter, camp or government centre")] = "shelter",
    capacity: Annotated[int | None, typer.Option(help="beds")] = None,
    status: Annotated[str, typer.Option(help="planned, open or closed")] = "open",
    opened_on: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (default: its beds count from its first report)")
    ] = None,
    contact: Annotated[str | None, typer.Option(help="private contact (never published)")] = None,
) -> None:
    """Add a shelter to the register; prints its id on the last line of stdout."""
    from mppwatch.shelters.register import create_shelter

    payload = {"name": name, "city": city, "kind": kind, "capacity": capacity, "status": status}
    payload |= {"opened_on": opened_on, "contact": contact}
    with store_of(ctx) as store:
        written = create_shelter(store, payload, None)
    typer.echo(written.id)


@shelters_app.command("list")
def list_(
    ctx: typer.Context,
    city: Annotated[str | None, typer.Option(help="one city")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The register's facilities with their latest occupancy (no contacts, no notes)."""
    from mppwatch.shelters.register import shelters

    with store_of(ctx, read_only=True) as store:
        frame = shelters(store, city)
    if "why_empty" in frame.attrs:
        err.print(localise(frame.attrs["why_empty"], lang_of(ctx)), markup=False)
    emit(frame, format, title="shelters")


@shelters_app.command("load")
def load_cmd(
    ctx: typer.Context, city: Annotated[str, typer.Argument(help="city")], format: FormatOpt = Format.table
) -> None:
    """A city's beds, occupied, turned away, people in camps and estimated people waiting, by date."""
    from mppwatch.shelters.citywide import shelter_load

    with store_of(ctx, read_only=True) as store:
        frame = shelter_load(store, city)
    emit(frame, format, title=f"{city}: shelter load")
    from mppwatch.shelters.citywide import waiting_labels, waiting_notes

    lang = lang_of(ctx)
    labels = waiting_labels(lang)
    for method, note in waiting_notes(frame, lang).items():
        err.print(f"people_waiting_estimate, waiting_method={method} ({labels[method]}): {note}", markup=False)
    err.print(f"in_camps: {localise(frame.attrs['in_camps_method'], lang)}", markup=False)


@shelters_app.command("import-kobo")
def import_kobo_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a KoboToolbox export (.csv or .xlsx)")],
    map_file: Annotated[Path, typer.Option("--map", help="TOML: which Kobo column holds which report field")],
) -> None:
    """Import a KoboToolbox export of the occupancy form (all rows or none; the same export again changes nothing)."""
    from mppwatch.shelters.kobo import import_kobo

    with store_of(ctx) as store:
        result = import_kobo(store, file, map_file)
    _ = translator(lang_of(ctx))
    for warning in result.warnings:
        err.print(f"{_('warning')}: {warning}", markup=False)
    err.print(
        _("{file}: {rows} submissions; {added} added, {replaced} replaced, {unchanged} unchanged").format(
            file=result.file,
            rows=result.rows,
            added=result.added,
            replaced=result.replaced,
            unchanged=result.unchanged,
        ),
        markup=False,
    )


@shelters_app.command("export")
def export_cmd(
    ctx: typer.Context,
    hxl: Annotated[bool, typer.Option("--hxl", help="CSV with an HXL hashtag row (the only format for now)")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of stdout")] = None,
) -> None:
    """City and shelter aggregates as CSV with HXL hashtags (English and Spanish category columns)."""
    import sys

    from mppwatch.errors import MppwatchError
    from mppwatch.shelters.hxl import export_hxl

    if not hxl:
        raise MppwatchError(N_("give --hxl (CSV with an HXL hashtag row is the export format)"))
    with store_of(ctx, read_only=True) as store:
        text = export_hxl(store)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        say(ctx, WROTE, path=out)


def register(app: typer.Typer) -> None:
    app.add_typer(shelters_app, name="shelters")
