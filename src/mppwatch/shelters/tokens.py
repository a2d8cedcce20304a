"""Access tokens for the register: an admin token, or a token scoped to one shelter.

A token is 256 random bits (`secrets.token_urlsafe(32)`) behind a fixed prefix, shown once and stored only as its
sha256. A plain, fast hash is enough here: a slow password hash (bcrypt, scrypt) protects secrets people choose,
which are guessable; a 256-bit random secret cannot be found by trying hashes, so a stolen database gives nothing
usable. The public handle (`id`) is separate random text, safe to list, log and write in the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

import pandas as pd

from mppwatch.core.text import N_, Field
from mppwatch.errors import MppwatchError
from mppwatch.shelters import audit
from mppwatch.shelters.schema import ensure_schema, has_register
from mppwatch.store import Store

PREFIX = "mppw_"
TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class AuthError(MppwatchError):
    """A request without usable credentials (status 401) or with credentials that may not do this (403); `reason`
    is a template with `fields`."""

    def __init__(self, status: int, reason: str, /, **fields: Field) -> None:
        self.status = status
        super().__init__(reason, **fields)


BAD_ROLE = N_("role {role}: expected admin or shelter")
NEEDS_SHELTER = N_("a shelter token needs --shelter ID")
ADMIN_NOT_SHELTER = N_("an admin token is not tied to a shelter: give --admin or --shelter ID, not both")
PASSED = N_("--expires {day}: the date has passed (expected a future date)")
NO_SHELTER = N_("no shelter with id {shelter} (see `mppwatch shelters list`)")
NO_TOKEN_ID = N_("no token with id {token} (see `mppwatch token list`)")
ALREADY_REVOKED = N_("token {token} was already revoked at {at}")
NO_TOKEN = N_("no token: send Authorization: Bearer <token>")
MALFORMED_HEADER = N_("malformed Authorization header: expected 'Bearer <token>'")
MALFORMED_TOKEN = N_("malformed token: not a token this server issues")
UNKNOWN_NO_REGISTER = N_("unknown token (this store has no shelter register yet)")
UNKNOWN = N_("unknown token")
REVOKED = N_("token {token} was revoked")
EXPIRED = N_("token {token} expired on {day}")


@dataclass(frozen=True)
class Token:
    """A verified token: who may do what."""

    id: str
    role: str  # 'admin' or 'shelter'
    shelter_id: int | None

    def may_write(self, shelter_id: int) -> bool:
        return self.role == "admin" or self.shelter_id == shelter_id


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def well_formed(secret: str) -> bool:
    """The shape every issued token has: the prefix and 43 URL-safe characters (32 bytes)."""
    body = secret[len(PREFIX) :]
    return secret.startswith(PREFIX) and len(body) == 43 and set(body) <= TOKEN_CHARS


def create(
    store: Store,
    role: str,
    shelter_id: int | None = None,
    expires: date | None = None,
    label: str | None = None,
    by: str | None = None,
) -> tuple[str, str]:
    """Issue a token; returns (id, secret). The secret is not kept anywhere: show it once.

    `by` is the admin token that asked for it (None from the command line), for the audit trail."""
    if role not in ("admin", "shelter"):
        raise MppwatchError(BAD_ROLE, role=repr(role))
    if role == "shelter" and shelter_id is None:
        raise MppwatchError(NEEDS_SHELTER)
    if role == "admin" and shelter_id is not None:
        raise MppwatchError(ADMIN_NOT_SHELTER)
    if expires is not None and expires <= date.today():
        raise MppwatchError(PASSED, day=expires)
    ensure_schema(store)
    secret = PREFIX + secrets.token_urlsafe(32)
    token_id = "tok_" + secrets.token_hex(6)
    with store.transaction() as con:
        if shelter_id is not None and not con.execute("SELECT 1 FROM shelters WHERE id = ?", [shelter_id]).fetchone():
            raise MppwatchError(NO_SHELTER, shelter=shelter_id)
        con.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
            [token_id, digest(secret), role, shelter_id, audit.now(), expires, label],
        )
        audit.record(con, by, "token.create", "tokens", token_id, None, _public(store, token_id))
    return token_id, secret


def _public(store: Store, token_id: str) -> dict[str, object] | None:
    row = audit.row_of(store.con, "tokens", "id", token_id)
    if row is not None:
        row.pop("hash")
    return row


def listing(store: Store) -> pd.DataFrame:
    """Every token without its hash: id, role, shelter, created, expires, revoked."""
    ensure_schema(store)
    return store.query(
        "SELECT id, role, shelter_id, created_at, expires_on, revoked_at, label FROM tokens ORDER BY created_at, id"
    )


def revoke(store: Store, token_id: str) -> None:
    """Revoke a token at once (a revoked token is refused with 403, and stays listed)."""
    ensure_schema(store)
    with store.transaction() as con:
        before = _public(store, token_id)
        if before is None:
            raise MppwatchError(NO_TOKEN_ID, token=repr(token_id))
        if before["revoked_at"] is not None:
            raise MppwatchError(ALREADY_REVOKED, token=token_id, at=before["revoked_at"])
        con.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", [audit.now(), token_id])
        audit.record(con, None, "token.revoke", "tokens", token_id, before, _public(store, token_id))


def parse_bearer(header: str | None) -> str:
    """The secret from an `Authorization: Bearer ...` header; AuthError 401 when it is missing or malformed."""
    if not header:
        raise AuthError(401, NO_TOKEN)
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise AuthError(401, MALFORMED_HEADER)
    if not well_formed(secret):
        raise AuthError(401, MALFORMED_TOKEN)
    return secret


def verify(store: Store, secret: str, today: date | None = None) -> Token:
    """The token for `secret`; AuthError 403 when it is unknown, revoked or expired."""
    if not has_register(store):
        raise AuthError(403, UNKNOWN_NO_REGISTER)
    wanted = digest(secret)
    row = store.con.execute(
        "SELECT id, hash, role, shelter_id, expires_on, revoked_at FROM tokens WHERE hash = ?", [wanted]
    ).fetchone()
    if row is None or not hmac.compare_digest(str(row[1]), wanted):
        raise AuthError(403, UNKNOWN)
    if row[5] is not None:
        raise AuthError(403, REVOKED, token=row[0])
    if row[4] is not None and row[4] < (today or date.today()):
        raise AuthError(403, EXPIRED, token=row[0], day=row[4])
    return Token(str(row[0]), str(row[2]), None if row[3] is None else int(row[3]))
