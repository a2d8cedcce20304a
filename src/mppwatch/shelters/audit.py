"""The audit trail: one row per write to the register, with who (token id), when, what, and the row before and after."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import duckdb


def now() -> datetime:
    """UTC now without tzinfo (how the store keeps every timestamp)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False)


def record(
    con: duckdb.DuckDBPyConnection,
    token_id: str | None,
    action: str,
    table: str,
    row_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Add an audit row inside the caller's transaction (so a write and its audit row commit or fail together)."""
    con.execute(
        "INSERT INTO audit VALUES (nextval('audit_ids'), ?, ?, ?, ?, ?, ?, ?)",
        [token_id, now(), action, table, None if row_id is None else str(row_id), as_json(before), as_json(after)],
    )


def row_of(con: duckdb.DuckDBPyConnection, table: str, key: str, value: object) -> dict[str, Any] | None:
    """One row as a dict (for the audit's before/after), or None."""
    cur = con.execute(f"SELECT * FROM {table} WHERE {key} = ?", [value])
    names = [d[0] for d in cur.description or []]
    found = cur.fetchone()
    return dict(zip(names, found, strict=True)) if found else None
