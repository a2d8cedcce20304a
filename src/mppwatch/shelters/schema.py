"""The shelter register's tables: shelters, occupancy reports, tokens and the audit trail.

`ensure_schema(store)` is the one place they are created; every writer of the register calls it on a store opened
for writing (`mppwatch shelters seed`, `token create`, the API's write endpoints), so a store loaded before the
register existed gains the tables on its first register write. Readers never create them: `has_register(store)`
says whether they exist, and an empty answer says why.
"""

from __future__ import annotations

from mppwatch.store import Store

KINDS = ("shelter", "camp", "government centre")
STATUSES = ("planned", "open", "closed")

DDL = """
CREATE SEQUENCE IF NOT EXISTS shelter_ids START 1;
CREATE SEQUENCE IF NOT EXISTS report_ids START 1;
CREATE SEQUENCE IF NOT EXISTS audit_ids START 1;
-- One row per facility (scope 'facility') or per published group figure's label (scope 'group': "city-wide shelter
-- capacity", "shelter network", ...). A planned facility counts beds only from opened_on; contact is private.
CREATE TABLE IF NOT EXISTS shelters (
    id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL,
    city VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- shelter / camp / government centre
    scope VARCHAR NOT NULL,           -- facility / group
    status VARCHAR NOT NULL,          -- planned / open / closed
    planned_on DATE,
    opened_on DATE,
    closed_on DATE,
    capacity BIGINT,
    contact VARCHAR,                  -- private: never served by a public endpoint
    source_id VARCHAR,
    note VARCHAR,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL       -- a token id, or 'seed'
);
-- Daily reports from shelter staff (origin 'report' or 'kobo') and the published figures seeded from the bundled
-- table (origin 'seed', with source_id, the date as printed and is_estimate for press estimates of camps).
CREATE TABLE IF NOT EXISTS occupancy_reports (
    id BIGINT PRIMARY KEY,
    shelter_id BIGINT NOT NULL,
    date DATE NOT NULL,
    as_printed VARCHAR,
    capacity BIGINT,
    occupied BIGINT,
    turned_away BIGINT,
    arrivals BIGINT,
    departures BIGINT,
    note VARCHAR,                     -- private
    token_id VARCHAR,
    reported_at TIMESTAMP NOT NULL,
    origin VARCHAR NOT NULL,          -- report / kobo / seed
    source_id VARCHAR,
    source_line BIGINT,
    is_estimate BOOLEAN NOT NULL DEFAULT false,
    kobo_uuid VARCHAR
);
-- Tokens are kept only as the sha256 of the secret; the id is a separate random handle safe to show and log.
CREATE TABLE IF NOT EXISTS tokens (
    id VARCHAR PRIMARY KEY,
    hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,            -- admin / shelter
    shelter_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    expires_on DATE,
    revoked_at TIMESTAMP,
    label VARCHAR
);
CREATE TABLE IF NOT EXISTS audit (
    id BIGINT PRIMARY KEY,
    token_id VARCHAR,                 -- NULL for the command line (seed, kobo import, token commands)
    logged_at TIMESTAMP NOT NULL,
    action VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_id VARCHAR,
    before JSON,
    after JSON
);
"""

TABLES = ("shelters", "occupancy_reports", "tokens", "audit")


def ensure_schema(store: Store) -> None:
    """Create the register's tables if they are missing (idempotent; the store must be open for writing)."""
    store.con.execute(DDL)


def has_register(store: Store) -> bool:
    """True when the register's tables exist in this store (a read-only store may predate them)."""
    names = {
        r[0]
        for r in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    return all(t in names for t in TABLES)
