"""`mppwatch token create|list|revoke`: thin wrappers over `mppwatch.shelters.tokens`."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from mppwatch.commands._options import FormatOpt, err, lang_of, store_of
from mppwatch.core.periods import EXPECTED_DAY
from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError
from mppwatch.i18n import translator
from mppwatch.output import Format, emit

token_app = typer.Typer(no_args_is_help=True, help="Access tokens for the shelter register (admin or one shelter).")


@token_app.command("create")
def create(
    ctx: typer.Context,
    admin: Annotated[
        bool, typer.Option("--admin", help="an admin token (creates shelters and shelter tokens)")
    ] = False,
    shelter: Annotated[int | None, typer.Option("--shelter", help="a token for this shelter id only")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="last day the token works, YYYY-MM-DD")] = None,
    label: Annotated[str | None, typer.Option("--label", help="who holds it (shown in `token list`)")] = None,
) -> None:
    """Issue a token. It is printed once, on the last line of stdout, and stored only as a hash."""
    from mppwatch.shelters import tokens

    if admin == (shelter is not None):
        raise MppwatchError(N_("give exactly one of --admin or --shelter ID"))
    until = None
    if expires is not None:
        try:
            until = date.fromisoformat(expires)
        except ValueError:
            raise MppwatchError(EXPECTED_DAY, option="--expires", value=expires) from None
    with store_of(ctx) as store:
        token_id, secret = tokens.create(store, "admin" if admin else "shelter", shelter, until, label)
    _ = translator(lang_of(ctx))
    scope = _("admin") if admin else _("shelter {id}").format(id=shelter)
    if until is not None:
        scope += ", " + _("works until {date}").format(date=until)
    err.print(_("token {id} ({scope}): shown once, keep it safe").format(id=token_id, scope=scope), markup=False)
    sys.stdout.write(f"id: {token_id}\n{secret}\n")


@token_app.command("list")
def list_(ctx: typer.Context, format: FormatOpt = Format.table) -> None:
    """Every token without its secret: id, role, shelter, created, expires, revoked."""
    from mppwatch.shelters import tokens

    with store_of(ctx) as store:
        emit(tokens.listing(store), format, title="tokens")


@token_app.command("revoke")
def revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="the token's id (tok_...)")]) -> None:
    """Revoke a token at once; it stays listed, and every request with it gets 403."""
    from mppwatch.shelters import tokens

    with store_of(ctx) as store:
        tokens.revoke(store, token_id)
    err.print(translator(lang_of(ctx))("token {id} revoked").format(id=token_id), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
