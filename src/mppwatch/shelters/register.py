"""The shelter register: create shelters, take daily reports, and answer the public questions about them.

Writes take a verified `Token` (or None for the command line), run in one short transaction and add an audit row
with the row before and after; a refused write changes nothing. Public answers never include a shelter's contact
or a report's note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from mppwatch.core.text import N_, Field, Number, Template, choices_text, fold
from mppwatch.errors import MppwatchError
from mppwatch.i18n import template
from mppwatch.shelters import audit
from mppwatch.shelters.schema import KINDS, STATUSES, ensure_schema, has_register
from mppwatch.shelters.tokens import AuthError, Token
from mppwatch.store import Store

COUNTS = ("occupied", "turned_away", "arrivals", "departures")
MAX_COUNT = 1_000_000  # no shelter holds a million people: a larger number is a typing slip
OCCUPANCY_WINDOW = timedelta(days=31)  # an occupancy figure stands for at most this long (monthly press figures)


class ReportError(MppwatchError):
    """A report or shelter that cannot be stored as given, naming the field; `reason` a template with `fields`."""

    def __init__(self, field: str, reason: str, /, **fields: Field) -> None:
        self.field, self.reason_message = field, Template(reason, **fields)
        super().__init__(N_("{field}: {reason}"), field=field, reason=self.reason_message)


REQUIRED = N_("required")
NOT_WHOLE = N_("{value} is not a whole number")
NOT_PEOPLE = N_("{value} is not a whole number of people (0 or more)")
TOO_MANY = N_("{value} is more than {limit}: a typing slip?")
NOT_A_DATE = N_("{value} is not a date (expected YYYY-MM-DD)")
NOT_TEXT = N_("{value} is not text")
TOO_LONG = N_("longer than {limit} characters")
ADMIN_ONLY = N_("token {token} is a shelter token: only an admin token creates shelters")
NOT_ONE_OF = N_("{value}: expected one of {choices}")
NAME_TAKEN = N_("{city} already has a shelter named {name}")
OTHER_SHELTER = N_("token {token} is for shelter {allowed}, not shelter {shelter}")
IN_THE_FUTURE = N_("{day} is in the future")
NO_SUCH_SHELTER = N_("no shelter with id {shelter}")
# why a listing is empty (frame.attrs["why_empty"], shown on stderr in the reader's language)
NO_REGISTER = template("no shelter register in this store yet (run `mppwatch shelters seed`)")
UNKNOWN_CITY = template(
    "no shelter in the register for city '{city}' (the register's cities, nearest first: {choices})"
)
NO_SHELTER_IN = template("no shelter in the register for city '{city}'")
EMPTY_REGISTER = template("the register is empty")


OVER_CAPACITY = "occupied cannot be more than the capacity ({occupied} > {capacity})"


@dataclass(frozen=True)
class Written:
    """What a write did: the row id, whether it replaced an earlier report, and plain warnings (never blocks).

    `over_capacity` is (occupied, capacity) when a report has more people than beds: a warning, shown with
    `OVER_CAPACITY` (translated by the caller)."""

    id: int
    replaced: bool
    over_capacity: tuple[int, int] | None = None
    unchanged: bool = False

    def warnings(self, _: Callable[[str], str] = str) -> list[str]:
        if self.over_capacity is None:
            return []
        occupied, capacity = self.over_capacity
        return [_(OVER_CAPACITY).format(occupied=occupied, capacity=capacity)]


def _count(payload: dict[str, Any], name: str, required: bool = False) -> int | None:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise ReportError(name, REQUIRED)
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ReportError(name, NOT_WHOLE, value=repr(value))
    text = str(value).strip()
    if not text.isdigit():
        raise ReportError(name, NOT_PEOPLE, value=repr(value))
    number = int(text)
    if number > MAX_COUNT:
        raise ReportError(name, TOO_MANY, value=number, limit=Number(MAX_COUNT))
    return number


def _date(value: Any, name: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ReportError(name, NOT_A_DATE, value=repr(value)) from None


def _text(payload: dict[str, Any], name: str, limit: int, required: bool = False) -> str | None:
    value = payload.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise ReportError(name, REQUIRED)
        return None
    if not isinstance(value, str):
        raise ReportError(name, NOT_TEXT, value=repr(value))
    if len(value) > limit:
        raise ReportError(name, TOO_LONG, limit=limit)
    return value.strip()


def _require_admin(token: Token | None) -> None:
    if token is not None and token.role != "admin":
        raise AuthError(403, ADMIN_ONLY, token=token.id)


def create_shelter(store: Store, payload: dict[str, Any], token: Token | None) -> Written:
    """Add a shelter: {name, city, kind, capacity, status[, opened_on, contact, note]}; admin (or command line) only.

    An open shelter without `opened_on` counts its beds from its first report; a planned one counts no beds.
    """
    _require_admin(token)
    name = _text(payload, "name", 200, required=True)
    city = _text(payload, "city", 100, required=True)
    kind = _text(payload, "kind", 40, required=True)
    status = _text(payload, "status", 20) or "open"
    if kind not in KINDS:
        raise ReportError("kind", NOT_ONE_OF, value=repr(kind), choices=", ".join(KINDS))
    if status not in STATUSES:
        raise ReportError("status", NOT_ONE_OF, value=repr(status), choices=", ".join(STATUSES))
    capacity = _count(payload, "capacity")
    opened = payload.get("opened_on")
    opened_on = _date(opened, "opened_on") if opened else None
    contact = _text(payload, "contact", 500)
    note = _text(payload, "note", 2000)
    ensure_schema(store)
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM shelters WHERE city = ? AND name = ?", [city, name]).fetchone():
            raise ReportError("name", NAME_TAKEN, city=city, name=repr(name))
        new_id = int(con.execute("SELECT nextval('shelter_ids')").fetchone()[0])  # type: ignore[index]
        con.execute(
            "INSERT INTO shelters VALUES (?, ?, ?, ?, 'facility', ?, NULL, ?, NULL, ?, ?, NULL, ?, ?, ?)",
            [new_id, name, city, kind, status, opened_on, capacity, contact, note, audit.now(), _who(token)],
        )
        audit.record(
            con, _tid(token), "shelter.create", "shelters", new_id, None, audit.row_of(con, "shelters", "id", new_id)
        )
    return Written(new_id, False)


def _who(token: Token | None) -> str:
    return token.id if token is not None else "command line"


def _tid(token: Token | None) -> str | None:
    return token.id if token is not None else None


def add_report(
    store: Store,
    shelter_id: int,
    payload: dict[str, Any],
    token: Token | None,
    origin: str = "report",
    kobo_uuid: str | None = None,
) -> Written:
    """Store one day's report for a shelter: {date, occupied, turned_away, arrivals, departures, note}.

    A second report for the same shelter and day replaces the first (the audit row keeps both). Occupied beds
    above the shelter's capacity is a warning, not an error: overcrowding is what the register is for.
    A KoboToolbox submission is matched by its `_uuid` instead: the same submission again with the same figures
    changes nothing (`unchanged`), an edited one replaces it.
    """
    if token is not None and not token.may_write(shelter_id):
        raise AuthError(403, OTHER_SHELTER, token=token.id, allowed=token.shelter_id, shelter=shelter_id)
    day = _date(payload.get("date") or date.today().isoformat())
    if day > date.today() + timedelta(days=1):
        raise ReportError("date", IN_THE_FUTURE, day=day)
    counts = {name: _count(payload, name, required=(name == "occupied")) for name in COUNTS}
    note = _text(payload, "note", 2000)
    ensure_schema(store)
    with store.transaction() as con:
        shelter = con.execute("SELECT capacity, status, name FROM shelters WHERE id = ?", [shelter_id]).fetchone()
        if shelter is None:
            raise ReportError("shelter", NO_SUCH_SHELTER, shelter=shelter_id)
        capacity, occupied = shelter[0], counts["occupied"]
        over = (
            (occupied, int(capacity)) if capacity is not None and occupied is not None and occupied > capacity else None
        )
        if kobo_uuid is not None:
            old = con.execute("SELECT id FROM occupancy_reports WHERE kobo_uuid = ?", [kobo_uuid]).fetchone()
        else:
            old = con.execute(
                "SELECT id FROM occupancy_reports WHERE shelter_id = ? AND date = ? AND origin = ? AND kobo_uuid IS NULL",
                [shelter_id, day, origin],
            ).fetchone()
        values = [counts[n] for n in COUNTS]
        if old is not None and kobo_uuid is not None:
            same = con.execute(
                "SELECT shelter_id = ? AND date = ? AND occupied IS NOT DISTINCT FROM ? AND turned_away IS NOT DISTINCT "
                "FROM ? AND arrivals IS NOT DISTINCT FROM ? AND departures IS NOT DISTINCT FROM ? AND note IS NOT "
                "DISTINCT FROM ? FROM occupancy_reports WHERE id = ?",
                [shelter_id, day, *values, note, old[0]],
            ).fetchone()
            if same is not None and same[0]:
                return Written(int(old[0]), False, over, unchanged=True)
        if old is not None:
            report_id = int(old[0])
            before = audit.row_of(con, "occupancy_reports", "id", report_id)
            con.execute(
                "UPDATE occupancy_reports SET shelter_id = ?, date = ?, as_printed = ?, occupied = ?, turned_away = ?, "
                "arrivals = ?, departures = ?, note = ?, token_id = ?, reported_at = ? WHERE id = ?",
                [shelter_id, day, day.isoformat(), *values, note, _tid(token), audit.now(), report_id],
            )
        else:
            before = None
            report_id = int(con.execute("SELECT nextval('report_ids')").fetchone()[0])  # type: ignore[index]
            con.execute(
                "INSERT INTO occupancy_reports VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, false, ?)",
                [
                    report_id,
                    shelter_id,
                    day,
                    day.isoformat(),
                    *values,
                    note,
                    _tid(token),
                    audit.now(),
                    origin,
                    kobo_uuid,
                ],
            )
        after = audit.row_of(con, "occupancy_reports", "id", report_id)
        audit.record(
            con,
            _tid(token),
            "report.replace" if before else "report.add",
            "occupancy_reports",
            report_id,
            before,
            after,
        )
    return Written(report_id, before is not None, over)


# -- public answers ----------------------------------------------------------------------------------------------

PUBLIC_COLUMNS = [
    "id", "name", "city", "kind", "status", "opened_on", "closed_on", "capacity",
    "latest_occupied", "latest_date", "latest_is_estimate", "latest_source_id",
]  # fmt: skip


def city_name(store: Store, text: str) -> str | None:
    """The register's spelling of a city typed any way (case, accents, spaces folded), or None."""
    wanted = fold(text)
    for (name,) in store.con.execute("SELECT DISTINCT city FROM shelters ORDER BY city").fetchall():
        if fold(str(name)) == wanted:
            return str(name)
    return None


def unknown_city(store: Store, text: str) -> Template:
    """The message for a city the register does not have, with the nearest it does."""
    cities = [str(r[0]) for r in store.con.execute("SELECT DISTINCT city FROM shelters").fetchall()]
    return Template(UNKNOWN_CITY, city=text, choices=choices_text(text, cities))


def shelters(store: Store, city: str | None = None) -> pd.DataFrame:
    """The register's facilities (no contacts, no notes) with their latest occupancy and its date.

    The latest occupancy is the most recent figure with an occupied count (a staff report, or a published figure
    with its source id; a press estimate of a camp says so in `latest_is_estimate`).
    """
    if not has_register(store):
        frame = pd.DataFrame(columns=PUBLIC_COLUMNS)
        frame.attrs["why_empty"] = NO_REGISTER
        return frame
    if city is not None:
        known = city_name(store, city)
        if known is None:
            frame = pd.DataFrame(columns=PUBLIC_COLUMNS)
            frame.attrs["why_empty"] = str(unknown_city(store, city))
            return frame
        city = known
    frame = store.query(
        "WITH latest AS ("
        "  SELECT shelter_id, occupied, date, is_estimate, source_id, ROW_NUMBER() OVER ("
        "    PARTITION BY shelter_id ORDER BY date DESC, reported_at DESC, id DESC) AS k "
        "  FROM occupancy_reports WHERE occupied IS NOT NULL) "
        "SELECT s.id, s.name, s.city, s.kind, s.status, s.opened_on, s.closed_on, s.capacity, "
        "l.occupied AS latest_occupied, l.date AS latest_date, l.is_estimate AS latest_is_estimate, "
        "l.source_id AS latest_source_id "
        "FROM shelters s LEFT JOIN latest l ON l.shelter_id = s.id AND l.k = 1 "
        "WHERE s.scope = 'facility' AND (? IS NULL OR s.city = ?) ORDER BY s.city, s.name, s.id",
        [city, city],
    )
    _plain_dates(frame, ["opened_on", "closed_on", "latest_date"])
    frame = frame.astype(object).where(frame.notna(), None)  # a shelter with no report: None, never pandas' NA
    if frame.empty:
        frame.attrs["why_empty"] = str(Template(NO_SHELTER_IN, city=city)) if city else EMPTY_REGISTER
    return frame


def _plain_dates(frame: pd.DataFrame, columns: list[str]) -> None:
    """Date columns as `datetime.date` or None (a missing date is None in every output, never NaT)."""
    for col in columns:
        frame[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[col]]


def history(store: Store, shelter_id: int, days: int = 60) -> pd.DataFrame:
    """One shelter's reports for its last `days` days (date, occupied, turned away, ..., note): for its own staff
    and admins only (the note is private)."""
    frame = store.query(
        "SELECT date, occupied, turned_away, arrivals, departures, note, origin, source_id, is_estimate "
        "FROM occupancy_reports WHERE shelter_id = ? AND occupied IS NOT NULL "
        "AND date >= (SELECT max(date) FROM occupancy_reports WHERE shelter_id = ?) - ?::INTEGER "
        "ORDER BY date",
        [shelter_id, shelter_id, days],
    )
    _plain_dates(frame, ["date"])
    return frame


def shelter(store: Store, shelter_id: int) -> dict[str, Any] | None:
    """One register row (with its private fields: for an admin or that shelter's own token)."""
    return audit.row_of(store.con, "shelters", "id", shelter_id) if has_register(store) else None
