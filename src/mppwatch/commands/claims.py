"""`mppwatch claims check|explain`: published claims checked against the loaded data."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mppwatch.commands._options import FormatOpt, err, lang_of, store_of
from mppwatch.core.text import N_, Template
from mppwatch.output import Format, emit

LOADED = N_("loaded {n} bundled files the checks need into the database")

claims_app = typer.Typer(no_args_is_help=True, help="Check published claims against the data.")


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"


@claims_app.command("check")
def check_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="claims CSV (claim_id,source_url,quote,quantity,value,unit,...)")],
    spec: Annotated[Path | None, typer.Option("--spec", help="check spec TOML (default: FILE's .spec.toml)")] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="table, csv, json or html")
    ] = ReportFormat.table,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="en or es (method text and errors; default: the global --lang, $MPPWATCH_LANG, the locale)"
        ),
    ] = None,
) -> None:
    """One verdict per claim: supported, contradicted, projection_met, projection_missed or not_checkable.

    Bundled data the specs rely on is loaded first when the database lacks it. Claims or spec entries that
    cannot be read are reported on stderr, the other claims are still checked, and the exit status is 1.
    """
    from mppwatch import i18n
    from mppwatch.claims import check
    from mppwatch.claims.explain import to_html
    from mppwatch.claims.text import VERDICT_LABELS, label, msg

    try:
        lang = i18n.resolve_lang(lang) if lang else lang_of(ctx)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    with store_of(ctx) as store:
        result = check(store, file, spec)
    if result.loaded:
        err.print(Template(LOADED, n=len(result.loaded)).render(lang), markup=False, highlight=False)
    if format is ReportFormat.html:
        sys.stdout.write(to_html(result))
    else:
        frame = result.frame(lang)
        if format is ReportFormat.table:  # a table is read by people: verdicts by name; CSV and JSON keep the codes
            frame["verdict"] = [label(VERDICT_LABELS, v, lang) for v in frame["verdict"]]
            frame["confidence"] = [msg(f"conf_{c}").render(lang) for c in frame["confidence"]]
        emit(frame, Format(format.value), title=f"claims: {file.name}")
    for error in result.errors:
        err.print(f"{i18n.translator(lang)('error')}: {error.render(lang)}", markup=False, highlight=False)
    if result.errors:
        sys.exit(1)  # SystemExit, not typer.Exit: the non-standalone entry point would return 0 from typer.Exit


@claims_app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(help="claim id, e.g. MJ02")],
    file: Annotated[Path | None, typer.Argument(help="claims CSV (default: the bundled file with this id)")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="check spec TOML")] = None,
    format: FormatOpt = Format.table,
) -> None:
    """The arithmetic behind one claim's verdict, step by step (English and Spanish)."""
    from mppwatch.claims.explain import explain

    with store_of(ctx) as store:
        frame = explain(store, claim_id, file, spec)
    emit(frame, format, title=f"claim {claim_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
