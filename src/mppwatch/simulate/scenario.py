"""Scenarios: TOML files parsed into frozen dataclasses, with errors that name the file and the key.

A scenario says where arrivals come from (a ramp or a store series), how they split over return cities,
the courts' capacity and process, attrition, shelter need and capacity, an optional warm start, and the
questions to answer. `--set key=value` overrides are applied to the parsed TOML before validation, so an
override is checked exactly like the file.

Keys (see scenarios/*.toml for worked, cited examples):

    [scenario]    name, description, description_es (optional), start (date), days, synthetic (bool)
    [questions]   cumulative_returns_reach (a number of people)
    [arrivals]    source = "ramp" | "series"; noise = "poisson" | "none"; scale
                  ramp = [{from, per_day}, ...]                       (source = "ramp")
                  dataset, where = {column = value | [values]}       (source = "series": a monthly store series;
                  no dataset: the one loaded dataset with the catalogue's `bookouts` role)
                  fill = [{from, to, total, source}, ...]  (source = "series": people returned on days whose
                  month the series does not publish, spread evenly; a published month cannot be filled)
    [split]       shares = {city = weight}, sources; or [[split.steps]] {from, shares, sources};
                  source = "trac" overrides months with cases by hearing location (city.court names them);
                  dataset (default: the one with the `court_cases` role)
    [cities.X]    area, court, hearings_per_weekday (number | "unlimited" | [{from, per_weekday}]), daily_cap,
                  shelter_beds (number | [{from, beds, source}]), sources
    [court]       lead_days, continuance_days, hearings_per_case (pmf of 1, 2, ... hearings), relief_share,
                  sitting_days = "weekdays" | "all"
    [attrition]   daily_hazard, reasons = {home = w, crossed = w, moved_on = w} (shares of leavers), sources
    [shelter]     need_share, capacity = "scenario" | "store", dataset (default: the `shelter_beds` role), sources
    [warm_start]  source = "scenario" | "court" | "none", returned, waiting = {city = people}, release, sources
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from mppwatch.core.periods import PeriodError, span
from mppwatch.core.text import N_, Field, Template
from mppwatch.errors import MppwatchError, reason_of


class ScenarioError(MppwatchError):
    """A scenario that cannot be run: the message names the file and the key, in English or Spanish (`render`).

    `reason` is an English template (marked with N_) filled with `fields`, or a Template (another error's)."""

    def __init__(self, file: str, key: str, reason: str | Template, /, **fields: Field) -> None:
        self.message = reason if isinstance(reason, Template) else Template(reason, **fields)
        self.file, self.key, self.reason = file, key, self.message.english()
        super().__init__(self.render("en"))

    def render(self, lang: str) -> str:
        text = self.message.render(lang)
        return f"{self.file}: {self.key}: {text}" if self.key else f"{self.file}: {text}"


class Invalid(ValueError):
    """A value a check refuses, with its reason as a template (ScenarioError shows it in the reader's language)."""

    def __init__(self, template: str, /, **fields: Field) -> None:
        self.message = Template(template, **fields)
        super().__init__(self.message.english())


@dataclass(frozen=True)
class Ramp:
    """From `start` on, `per_day` arrivals a day (until the next ramp step)."""

    start: date
    per_day: float


@dataclass(frozen=True)
class Fill:
    """Arrivals for days whose month the series does not publish: `total` people spread evenly over start..end."""

    start: date
    end: date
    total: float
    source: str = ""

    @property
    def days(self) -> int:
        """Days from start to end, both included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Arrivals:
    source: str  # "ramp" | "series"
    noise: str  # "poisson" | "none"
    ramp: tuple[Ramp, ...] = ()
    dataset: str | None = None  # None: the dataset playing ROLE, resolved when the store is known
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scale: float = 1.0
    fill: tuple[Fill, ...] = ()
    ROLE: ClassVar[str] = "bookouts"


@dataclass(frozen=True)
class ShareStep:
    """City shares of arrivals from `start` on (normalised to sum to 1 over the scenario's cities)."""

    start: date
    shares: Mapping[str, float]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Split:
    source: str  # "scenario" | "trac"
    steps: tuple[ShareStep, ...]
    dataset: str | None = None  # None: the dataset playing ROLE
    ROLE: ClassVar[str] = "court_cases"


@dataclass(frozen=True)
class BedStep:
    start: date
    beds: float
    source: str = ""


@dataclass(frozen=True)
class CourtStep:
    """From `start` on, the court hears `per_weekday` cases a sitting day (math.inf = unlimited)."""

    start: date
    per_weekday: float


@dataclass(frozen=True)
class City:
    name: str
    area: str
    court: str
    hearings: tuple[CourtStep, ...]  # no hearings before the first step
    daily_cap: float  # math.inf = no acceptance cap
    beds: tuple[BedStep, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def hearings_per_weekday(self) -> float:
        """The court's capacity at its first step."""
        return self.hearings[0].per_weekday


@dataclass(frozen=True)
class Court:
    lead_days: int
    continuance_days: int
    hearings_per_case: tuple[float, ...]
    relief_share: float
    sitting_days: str  # "weekdays" | "all"


@dataclass(frozen=True)
class Shelter:
    need_share: float
    capacity: str  # "scenario" | "store"
    dataset: str | None = None  # None: the dataset playing ROLE
    sources: tuple[str, ...] = ()
    ROLE: ClassVar[str] = "shelter_beds"


@dataclass(frozen=True)
class WarmStart:
    source: str  # "none" | "scenario" | "court"
    returned: float = 0.0
    waiting: Mapping[str, float] = field(default_factory=dict)
    release: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. `raw` keeps the TOML table it came from (for overrides and sweeps)."""

    name: str
    description: str
    file: str
    start: date
    days: int
    arrivals: Arrivals
    split: Split
    cities: tuple[City, ...]
    court: Court
    daily_hazard: float
    leave_reasons: Mapping[str, float]
    attrition_sources: tuple[str, ...]
    shelter: Shelter
    warm_start: WarmStart
    reach_target: float | None
    synthetic: bool
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    description_es: str = ""  # `[scenario] description_es`: the description in Spanish, when the file has one

    def description_in(self, lang: str) -> tuple[str, str]:
        """(text, language it is in): the description in `lang` when the file gives it, else the English one."""
        if lang == "es" and self.description_es:
            return self.description_es, "es"
        return self.description, "en"

    @property
    def city_names(self) -> list[str]:
        return [c.name for c in self.cities]

    @property
    def needs_store(self) -> list[str]:
        """Datasets this scenario reads from the store, by name or as "role:<role>" (empty: it runs on its own
        numbers)."""
        out = []
        if self.arrivals.source == "series":
            out.append(self.arrivals.dataset or f"role:{Arrivals.ROLE}")
        if self.split.source == "trac":
            out.append(self.split.dataset or f"role:{Split.ROLE}")
        if self.shelter.capacity == "store":
            out.append(self.shelter.dataset or f"role:{Shelter.ROLE}")
        return out

    def with_overrides(self, items: Sequence[str]) -> Scenario:
        """A new scenario with `key=value` overrides (dotted keys; values read as TOML, else as text)."""
        return parse(apply_overrides(self.raw, items, self.file), self.file)


# -- validation helpers ----------------------------------------------------------------------------

_Check = Callable[[Any, str], Any]


class _Reader:
    """Reads one TOML table, checking types and that no unknown key is left over."""

    def __init__(self, file: str, table: Mapping[str, Any], path: str) -> None:
        self.file, self.table, self.path = file, table, path
        if not isinstance(table, Mapping):
            self.fail("", N_("expected a table, got {kind}"), kind=type(table).__name__)
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str | Template, /, **fields: Field) -> NoReturn:
        raise ScenarioError(self.file, self.key(name) if name else self.path, reason, **fields)

    def get(self, name: str, check: _Check, default: Any = ..., required: bool = False) -> Any:
        self.used.add(name)
        if name not in self.table:
            if required or default is ...:
                self.fail(name, N_("missing"))
            return default
        try:
            return check(self.table[name], self.key(name))
        except ScenarioError:
            raise
        except (TypeError, ValueError) as exc:
            raise ScenarioError(self.file, self.key(name), reason_of(exc)) from None

    def sub(self, name: str, required: bool = False) -> _Reader:
        self.used.add(name)
        table = self.table.get(name)
        if table is None:
            if required:
                self.fail(name, N_("missing table"))
            table = {}
        return _Reader(self.file, table, self.key(name))

    def done(self) -> None:
        extra = sorted(set(self.table) - self.used)
        if extra:
            self.fail(extra[0], N_("unknown key (known here: {known})"), known=", ".join(sorted(self.used)))


def _num(lo: float = -math.inf, hi: float = math.inf, allow_inf: bool = False) -> _Check:
    def check(value: Any, key: str) -> float:
        if isinstance(value, str) and allow_inf and value.strip().lower() in {"unlimited", "inf", "none"}:
            return math.inf
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(N_("expected a number, got {value}"), value=repr(value))
        v = float(value)
        if math.isnan(v) or not lo <= v <= hi:
            raise Invalid(N_("{value} out of range [{lo}, {hi}]"), value=repr(value), lo=f"{lo:g}", hi=f"{hi:g}")
        return v

    return check


def _int(lo: int = 0, hi: int = 100_000) -> _Check:
    def check(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(N_("expected a whole number, got {value}"), value=repr(value))
        if not lo <= value <= hi:
            raise Invalid(N_("{value} out of range [{lo}, {hi}]"), value=repr(value), lo=str(lo), hi=str(hi))
        return int(value)

    return check


def _text(choices: Sequence[str] | None = None) -> _Check:
    def check(value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise Invalid(N_("expected text, got {value}"), value=repr(value))
        if choices is not None and value not in choices:
            raise Invalid(N_("{value} is not one of {choices}"), value=repr(value), choices=", ".join(choices))
        return value

    return check


def _date(value: Any, key: str) -> date:
    """A TOML date, or text YYYY-MM-DD or YYYY-MM (its first day), read by core.periods."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            kind, first, _ = span(value)
        except PeriodError:
            kind = ""
        if kind in ("day", "month"):
            return first
    raise Invalid(N_("expected a date YYYY-MM-DD, got {value}"), value=repr(value))


def _ids(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Invalid(N_("expected a source id or a list of them, got {value}"), value=repr(value))


def _text_list(value: Any, key: str) -> tuple[str, ...]:
    return _ids(value, key)


# -- parsing -----------------------------------------------------------------------------------------


def load(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate a scenario file, with optional `key=value` overrides."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(str(path), "", N_("no such scenario file"))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", N_("not valid TOML: {reason}"), reason=str(exc)) from None
    if overrides:
        raw = apply_overrides(raw, overrides, str(path))
    return parse(raw, str(path))


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(raw: Mapping[str, Any], items: Sequence[str], file: str = "--set") -> dict[str, Any]:
    """A deep copy of `raw` with each `a.b.c=value` set (value parsed as TOML: 3, 0.5, "x", [1,2], 2019-06-01)."""
    import copy

    out: dict[str, Any] = copy.deepcopy(dict(raw))
    for item in items:
        if "=" not in item:
            raise ScenarioError(file, item, N_("--set expects KEY=VALUE"))
        key, text = item.split("=", 1)
        parts = [p.strip().strip('"') for p in key.strip().split(".")]
        if not all(parts):
            raise ScenarioError(file, key, N_("empty part in key"))
        node: dict[str, Any] = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ScenarioError(file, key, N_("{part} is a value, not a table"), part=repr(part))
            node = child
        node[parts[-1]] = _parse_value(text.strip())
    return out


def parse(raw: Mapping[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate a TOML table into a Scenario."""
    top = _Reader(file, raw, "")
    meta = top.sub("scenario", required=True)
    name = meta.get("name", _text(), default=Path(file).stem)
    description = meta.get("description", _text(), default="")
    description_es = meta.get("description_es", _text(), default="")
    start = meta.get("start", _date, required=True)
    days = meta.get("days", _int(1, 3660), required=True)  # up to ten years: calendars are days x replicates
    synthetic = meta.get("synthetic", lambda v, k: bool(v), default=False)
    meta.done()

    cities = _cities(top.sub("cities", required=True))
    names = [c.name for c in cities]
    arrivals = _arrivals(top.sub("arrivals", required=True))
    split = _split(top.sub("split"), names, start)
    court = _court(top.sub("court", required=True))
    att = top.sub("attrition")
    hazard = att.get("daily_hazard", _num(0.0, 0.5), default=0.0)
    reasons: dict[str, float] = {}
    rs = att.sub("reasons")
    for k in list(rs.table):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", k):
            rs.fail(k, N_("reason names are lower-case words (they become outputs left_<reason>)"))
        reasons[k] = rs.get(k, _num(0.0))
    if reasons and sum(reasons.values()) <= 0:
        rs.fail("", N_("reason shares must have a positive sum"))
    reasons = {k: v / sum(reasons.values()) for k, v in reasons.items()}
    att_sources = att.get("sources", _ids, default=())
    att.done()
    shelter = _shelter(top.sub("shelter"))
    warm = _warm(top.sub("warm_start"), names)
    q = top.sub("questions")
    reach = q.get("cumulative_returns_reach", _num(1.0), default=None)
    q.done()
    top.done()
    if synthetic and "SYNTHETIC" not in name.upper():
        raise ScenarioError(file, "scenario.name", N_("a synthetic scenario must say SYNTHETIC in its name"))
    return Scenario(
        name=name,
        description=description,
        description_es=description_es,
        file=file,
        start=start,
        days=days,
        arrivals=arrivals,
        split=split,
        cities=tuple(cities),
        court=court,
        daily_hazard=hazard,
        leave_reasons=reasons,
        attrition_sources=att_sources,
        shelter=shelter,
        warm_start=warm,
        reach_target=reach,
        synthetic=synthetic,
        raw=dict(raw),
    )


def _cities(r: _Reader) -> list[City]:
    out = []
    for name in list(r.table):
        c = r.sub(name)
        beds_raw = c.table.get("shelter_beds", None)
        c.used.add("shelter_beds")
        beds: list[BedStep] = []
        if isinstance(beds_raw, int | float) and not isinstance(beds_raw, bool):
            beds.append(BedStep(date.min, _num(0)(beds_raw, c.key("shelter_beds"))))
        elif isinstance(beds_raw, list):
            for i, step in enumerate(beds_raw):
                s = _Reader(r.file, step, c.key(f"shelter_beds[{i}]"))
                beds.append(BedStep(s.get("from", _date), s.get("beds", _num(0)), s.get("source", _text(), default="")))
                s.done()
            beds.sort(key=lambda b: b.start)
        elif beds_raw is not None:
            c.fail("shelter_beds", N_("expected a number of beds or a list of {from, beds, source}"))
        out.append(
            City(
                name=name,
                area=c.get("area", _text(), default=name),
                court=c.get("court", _text(), default=name),
                hearings=c.get("hearings_per_weekday", _court_steps, required=True),
                daily_cap=c.get("daily_cap", _num(0, allow_inf=True), default=math.inf),
                beds=tuple(beds),
                sources=c.get("sources", _ids, default=()),
            )
        )
        c.done()
    if not out:
        r.fail("", N_("at least one city is needed"))
    return out


def _court_steps(value: Any, key: str) -> tuple[CourtStep, ...]:
    """A number (or "unlimited") for the whole run, or a list of {from, per_weekday} steps."""
    if isinstance(value, list):
        if not value:
            raise Invalid(N_("expected a number or a list of {from, per_weekday} steps"))
        steps = []
        for i, step in enumerate(value):
            if not isinstance(step, Mapping) or set(step) != {"from", "per_weekday"}:
                raise Invalid(
                    N_("[{i}]: expected a table with exactly from and per_weekday, got {step}"), i=i, step=repr(step)
                )
            try:
                steps.append(CourtStep(_date(step["from"], key), _num(0, allow_inf=True)(step["per_weekday"], key)))
            except ValueError as exc:
                raise Invalid(N_("[{i}]: {reason}"), i=i, reason=reason_of(exc)) from None
        return tuple(sorted(steps, key=lambda x: x.start))
    return (CourtStep(date.min, _num(0, allow_inf=True)(value, key)),)


def _arrivals(r: _Reader) -> Arrivals:
    source = r.get("source", _text(["ramp", "series"]), required=True)
    noise = r.get("noise", _text(["poisson", "none"]), default="poisson")
    scale = r.get("scale", _num(0.0, 1e6), default=1.0)
    ramp: list[Ramp] = []
    if source == "ramp":
        r.used.add("ramp")
        steps = r.table.get("ramp")
        if not isinstance(steps, list) or not steps:
            r.fail("ramp", N_("a ramp needs a list of {from, per_day} steps"))
        for i, step in enumerate(steps):
            s = _Reader(r.file, step, r.key(f"ramp[{i}]"))
            ramp.append(Ramp(s.get("from", _date), s.get("per_day", _num(0.0, 1e7))))
            s.done()
        ramp.sort(key=lambda x: x.start)
    dataset = r.get("dataset", _text(), default=None)
    where_raw = r.get("where", lambda v, k: v, default={})
    if not isinstance(where_raw, Mapping):
        r.fail("where", N_("expected a table COLUMN = VALUE or [VALUES]"))
    where = {str(k): _text_list(v, r.key(f"where.{k}")) for k, v in where_raw.items()}
    fills: list[Fill] = []
    r.used.add("fill")
    if "fill" in r.table:
        if source != "series":
            r.fail("fill", N_("fill is for days a series does not publish (arrivals.source = 'series')"))
        steps = r.table["fill"]
        if not isinstance(steps, list) or not steps:
            r.fail("fill", N_("expected a list of {from, to, total, source}"))
        for i, step in enumerate(steps):
            s = _Reader(r.file, step, r.key(f"fill[{i}]"))
            fill = Fill(
                s.get("from", _date),
                s.get("to", _date),
                s.get("total", _num(0.0, 1e9)),
                s.get("source", _text(), default=""),
            )
            s.done()
            if fill.end < fill.start:
                s.fail(
                    "to", N_("{end} is before from = {start}"), end=fill.end.isoformat(), start=fill.start.isoformat()
                )
            fills.append(fill)
        fills.sort(key=lambda f: f.start)
        for a, b in zip(fills, fills[1:], strict=False):
            if b.start <= a.end:
                r.fail(
                    "fill",
                    N_("fills overlap ({first} and {second}..)"),
                    first=f"{a.start.isoformat()}..{a.end.isoformat()}",
                    second=b.start.isoformat(),
                )
    r.done()
    return Arrivals(source, noise, tuple(ramp), dataset, where, scale, tuple(fills))


def _shares(r: _Reader, names: Sequence[str]) -> dict[str, float]:
    out = {}
    for k in list(r.table):
        if k not in names:
            r.fail(k, N_("not a city of this scenario ({names})"), names=", ".join(names))
        out[k] = r.get(k, _num(0.0))
    total = sum(out.values())
    if total <= 0:
        r.fail("", N_("shares must have a positive sum"))
    return {k: v / total for k, v in out.items()}


def _split(r: _Reader, names: Sequence[str], start: date) -> Split:
    source = r.get("source", _text(["scenario", "trac"]), default="scenario")
    dataset = r.get("dataset", _text(), default=None)
    steps: list[ShareStep] = []
    if "shares" in r.table:
        steps.append(ShareStep(start, _shares(r.sub("shares"), names), r.get("sources", _ids, default=())))
    r.used.add("sources")
    r.used.add("steps")
    for i, step in enumerate(list(r.table.get("steps") or [])):
        s = _Reader(r.file, step, r.key(f"steps[{i}]"))
        steps.append(
            ShareStep(s.get("from", _date), _shares(s.sub("shares"), names), s.get("sources", _ids, default=()))
        )
        s.done()
    r.done()
    if not steps:
        if len(names) == 1:
            steps.append(ShareStep(start, {names[0]: 1.0}))
        else:
            r.fail("shares", N_("several cities need split shares (split.shares or split.steps)"))
    steps.sort(key=lambda s: s.start)
    return Split(source, tuple(steps), dataset)


def _court(r: _Reader) -> Court:
    def pmf(value: Any, key: str) -> tuple[float, ...]:
        if not isinstance(value, list) or not value or len(value) > 12:
            raise Invalid(N_("expected a list of 1 to 12 probabilities (P(1 hearing), P(2 hearings), ...)"))
        probs = [_num(0.0, 1.0)(v, key) for v in value]
        if abs(sum(probs) - 1.0) > 1e-6:
            raise Invalid(N_("probabilities sum to {total}, not 1"), total=f"{sum(probs):g}")
        return tuple(probs)

    court = Court(
        lead_days=r.get("lead_days", _int(1, 3650), required=True),
        continuance_days=r.get("continuance_days", _int(1, 3650), default=30),
        hearings_per_case=r.get("hearings_per_case", pmf, default=[1.0]),
        relief_share=r.get("relief_share", _num(0.0, 1.0), default=0.0),
        sitting_days=r.get("sitting_days", _text(["weekdays", "all"]), default="weekdays"),
    )
    r.done()
    return court


def _shelter(r: _Reader) -> Shelter:
    out = Shelter(
        need_share=r.get("need_share", _num(0.0, 1.0), default=0.0),
        capacity=r.get("capacity", _text(["scenario", "store"]), default="scenario"),
        dataset=r.get("dataset", _text(), default=None),
        sources=r.get("sources", _ids, default=()),
    )
    r.done()
    return out


def _warm(r: _Reader, names: Sequence[str]) -> WarmStart:
    if not r.table:
        return WarmStart("none")
    source = r.get("source", _text(["none", "scenario", "court"]), default="scenario")
    waiting: dict[str, float] = {}
    w = r.sub("waiting")
    for k in list(w.table):
        if k not in names:
            w.fail(k, N_("not a city of this scenario ({names})"), names=", ".join(names))
        waiting[k] = w.get(k, _num(0.0, 1e8))
    out = WarmStart(
        source=source,
        returned=r.get("returned", _num(0.0, 1e9), default=sum(waiting.values())),
        waiting=waiting,
        release=r.get("release", _text(), default=None),
        sources=r.get("sources", _ids, default=()),
    )
    r.done()
    return out
