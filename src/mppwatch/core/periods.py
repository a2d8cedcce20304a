"""Periods, once: dates as printed (YYYY, YYYY-MM, YYYY-MM-DD), US federal fiscal years, and as-of interpolation.

Every reader, query and analysis asks this module what a date means, so a fiscal year or an interpolated
cumulative figure is computed the same way everywhere (`returns`, the claims checker, the simulation).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from mppwatch.core.text import N_

EXPECTED_DAY = N_("{option} '{value}': expected YYYY-MM-DD")  # an option's value that is not a day
EXPECTED_MONTH = N_("{option} '{value}': expected YYYY-MM")
DAY_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})$")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
YEAR_RE = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """A date that is not a date: the message says what was expected (an English template and its fields)."""

    def __init__(self, template: str, **fields: object) -> None:
        self.template, self.fields = template, fields
        super().__init__(template.format(**fields) if fields else template)


def span(text: str) -> tuple[str, date, date]:
    """`2019-06` -> ("month", 2019-06-01, 2019-06-30); also YYYY-MM-DD ("day") and YYYY ("year")."""
    text = str(text).strip()
    if m := DAY_RE.match(text):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise PeriodError("'{text}' is not a real date", text=text) from None
        return "day", day, day
    if m := MONTH_RE.match(text):
        year, month = int(m[1]), int(m[2])
        return "month", date(year, month, 1), month_end(date(year, month, 1))
    if m := YEAR_RE.match(text):
        return "year", date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    raise PeriodError("'{text}' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)", text=text)


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def fiscal_year(d: date) -> int:
    """The US federal fiscal year of a day: FY2019 runs from 1 October 2018 to 30 September 2019."""
    return d.year + 1 if d.month >= 10 else d.year


def fiscal_year_span(year: int) -> tuple[date, date]:
    """FY `year`: (1 October of the year before, 30 September)."""
    return date(year - 1, 10, 1), date(year, 9, 30)


FISCAL_YEAR_SQL = "year({col} + INTERVAL 3 MONTH)"  # the same rule in SQL, for a DATE column


def fiscal_year_sql(col: str) -> str:
    return FISCAL_YEAR_SQL.format(col=col)


@dataclass(frozen=True)
class Bounds:
    """A period range from user input: first day of `start`, last day of `end` (either may be open)."""

    start: date | None
    end: date | None

    def text(self) -> str:
        return f"{self.start or '…'}..{self.end or '…'}"


def parse_bound(value: str | date | None, end: bool, option: str | None = None) -> date | None:
    """A `--from` (first day) or `--to` (last day) option: YYYY, YYYY-MM or YYYY-MM-DD; empty means open."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    name = option or ("--to" if end else "--from")
    try:
        _, first, last = span(str(value))
    except PeriodError:
        raise PeriodError("{option} '{value}': expected YYYY-MM or YYYY-MM-DD", option=name, value=value) from None
    return last if end else first


def parse_bounds(start: str | date | None, end: str | date | None) -> Bounds:
    """Both ends of a range; `from` later than `to` is an error, never an empty answer."""
    lo, hi = parse_bound(start, end=False), parse_bound(end, end=True)
    if lo is not None and hi is not None and lo > hi:
        raise PeriodError("--from {start} is later than --to {end}: nothing can lie between them", start=start, end=end)
    return Bounds(lo, hi)


def parse_day(value: str | date, option: str = "--as-of") -> date:
    """A single day (YYYY-MM-DD)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise PeriodError(EXPECTED_DAY, option=option, value=value) from None


def interpolate(before: tuple[date, float], after: tuple[date, float], day: date) -> float:
    """A cumulative figure on `day` read linearly between two dated snapshots (unrounded).

    The one as-of interpolation: `returns`, the claims checker and the simulation's calibration all call it.
    """
    (d0, v0), (d1, v1) = before, after
    if d1 == d0:
        return float(v1)
    return float(v0) + (day - d0).days / (d1 - d0).days * (float(v1) - float(v0))
