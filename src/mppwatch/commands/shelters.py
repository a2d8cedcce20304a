"""`mppwatch shelters ...`: the shelter register (seed, add, list, load, import-kobo, export), thin wrappers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mppwatch.commands._options import FormatOpt, err, store_of
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
    skipped = ", ".join(f"{n} {m}" for m, n in sorted(result.not_seeded.items()))
    err.print(
        f"{result.file}: {result.status}; {result.figures} figures, {result.shelters_created} shelters created"
        + (f"; not seeded (not one facility's count): {skipped}" if skipped else "")
    )


@shelters_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="the shelter's name")],
    city: Annotated[str, typer.Option(help="city, as the register spells it (e.g. Ciudad Juárez)")],
    kind: Annotated[str, typer.Option(help="shelter, camp or government centre")] = "shelter",
    capacity: Annotated[int | None, typer.Option(help="beds")] = None,
    status: Annotated[str, typer.Option(help="planned, open or closed")] = "open",
    opened_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today for an open shelter)")] = None,
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
        err.print(frame.attrs["why_empty"])
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
    err.print(f"people_waiting_estimate: {frame.attrs['waiting_method']}")
    err.print(f"in_camps: {frame.attrs['in_camps_method']}")


def register(app: typer.Typer) -> None:
    app.add_typer(shelters_app, name="shelters")
