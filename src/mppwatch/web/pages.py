"""The dashboard: HTML pages at `/` beside `/api/v1`, bilingual, every chart with its table, sources and downloads.

Pages are Jinja templates over `content.py` panels. They work without JavaScript (tables, forms, links); the
bundled `app.js` adds tabs and Plotly charts (plotly.js is served from the installed `plotly` package, never a
CDN). Built pages are cached per data version (the store file's size and mtime), so a page never waits for a
forecast or a check twice. Simulations run as background jobs with progress.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

from mppwatch import __version__, catalog
from mppwatch.catalog import QueryError
from mppwatch.errors import MppwatchError
from mppwatch.i18n import LANGS, accept_language, format_date, format_number, translator
from mppwatch.store import DataVersion, Store, StoreError, data_version
from mppwatch.web import assets, content
from mppwatch.web.content import Column, Page, Panel, SeriesQuery

router = APIRouter(include_in_schema=False)
WEB = resources.files("mppwatch.web")
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(WEB.joinpath("templates"))),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals["asset"] = assets.url


def N_(text: str) -> str:
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return text


NAV = [
    ("overview", "/", N_("Overview")),
    ("returns", "/returns", N_("Returns by city")),
    ("encounters", "/encounters", N_("Enrollments and encounters")),
    ("explorer", "/explorer", N_("Explorer")),
    ("court", "/court", N_("Court")),
    ("forecasts", "/forecasts", N_("Forecasts")),
    ("simulation", "/simulation", N_("Simulation")),
    ("claims", "/claims", N_("Claims")),
    ("sources", "/sources", N_("Sources")),
]
PATHS = {name: path for name, path, _ in NAV}
# the roles of the datasets each page reads (catalog.with_role): the Sources page says which pages use a source
PAGE_ROLES = {
    "overview": ("returns_snapshots", "bookouts"),
    "returns": ("returns_snapshots",),
    "encounters": ("enrollments", "encounters", "bookouts"),
    "forecasts": tuple(role for role, _q in content.FORECAST_PRESETS.values()),
}


# ---------------------------------------------------------------- language, cache, store


def lang_of(request: Request) -> str:
    """`?lang=` when it is en or es, else the best of Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    return accept_language(request.headers.get("accept-language"))


class LRU:
    """A small thread-safe LRU of built pages and rendered HTML."""

    def __init__(self, size: int = 256) -> None:
        self.size, self.items, self.lock = size, OrderedDict[Any, Any](), threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


PAGE_CACHE = LRU()
HTML_CACHE = LRU()
RESULT_CACHE = LRU(64)  # language-independent results that are slow to compute (forecasts and backtests)


STARTUP_PAGES = ("overview", "returns")


def warm(db: Path) -> None:
    """Build the front pages' default views in both languages before the server takes requests (a startup
    hook), so a new visitor's first page shows its headline without waiting for the library calls."""
    version = DataVersion.of(db)
    try:
        store = Store.open(db, read_only=True)
    except (StoreError, OSError):
        return  # the pages say what is wrong when asked
    for template in TEMPLATES.list_templates():  # compiled once here rather than on a visitor's time
        TEMPLATES.get_template(template)
    for name in ("plotly.min.js", "app.js", "style.css", "favicon.svg"):
        assets.load(name)  # read and compressed once, before the first page asks
    ready: dict[tuple[Any, ...], Any] = {}
    try:
        ready[(version.stamp, "register")] = content.source_register(store)
        for lang in LANGS:
            for name in STARTUP_PAGES:
                ready[(version.stamp, name, (), lang)] = BUILDERS[name](store, QueryParams(""), lang, content.Tr(lang))
    finally:
        store.close()
    if version.holds(db):  # never keep what was read while a load was writing
        for key, value in ready.items():
            PAGE_CACHE.put(key, value)


def open_store(request: Request) -> Store:
    try:
        return Store.open(request.app.state.db, read_only=True)
    except (StoreError, OSError) as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc


def canonical(params: QueryParams, drop: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in params.multi_items() if k not in drop))


CONTROL = ("lang", "embed", "panel", "view")  # view-only parameters: not part of what the page computes


def built(request: Request, name: str, lang: str) -> Page:
    """The page's content for these parameters and this data version, built once."""
    version = DataVersion.of(request.app.state.db)
    key = (version.stamp, name, canonical(request.query_params, CONTROL), lang)
    page = PAGE_CACHE.get(key)
    if page is None:
        store = open_store(request)
        try:
            page = BUILDERS[name](store, request.query_params, lang, content.Tr(lang))
        finally:
            store.close()
        if (name != "simulation" or page.extra.get("done", True)) and version.holds(request.app.state.db):
            PAGE_CACHE.put(key, page)
    return page


# ---------------------------------------------------------------- rendering


def _num(lang: str) -> Callable[[Any], str]:
    def fmt(value: Any, decimals: int | None = None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return value
        if isinstance(value, float) and decimals is None and not value.is_integer():
            decimals = 0 if abs(value) >= 100 else 3
        return format_number(value, lang, decimals)

    return fmt


def _date(lang: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if not value:
            return ""
        try:
            return format_date(value if isinstance(value, date) else str(value), lang)
        except ValueError:
            return str(value)

    return fmt


def cell(col: Column, value: Any, lang: str, _: Callable[[str], str]) -> str:
    """A table cell's text in the page language (machine values stay in CSV and JSON)."""
    value = content.clean(value)
    if value is None:
        return ""
    if col.kind == content.NUMBER:
        return _num(lang)(value)
    if col.kind == content.DATE:
        return _date(lang)(value)
    if col.kind == content.BOOL:
        return _("yes") if value else _("no")
    if col.values:
        return col.values.get(str(value), str(value))
    return str(value)


def query_with(params: QueryParams, **changes: Any) -> str:
    """The current query string with some parameters set (None removes one)."""
    items = [(k, v) for k, v in params.multi_items() if k not in changes]
    for k, v in changes.items():
        if v is None:
            continue
        for one in v if isinstance(v, list) else [v]:
            items.append((k, str(one)))
    return urlencode(items)


def render(request: Request, name: str, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
    lang = lang_of(request)
    embed = request.query_params.get("embed") == "1"
    version = DataVersion.of(request.app.state.db)
    hkey = (version.stamp, name, canonical(request.query_params), lang, request.url.path)
    cacheable = not extra.pop("nocache", False)
    if cacheable and (html := HTML_CACHE.get(hkey)) is not None:
        return HTMLResponse(html, status_code=status)
    _ = translator(lang)
    page = extra.pop("page", None) or built(request, name, lang)
    register = extra.pop("register", None) or sources_register(request)
    params = request.query_params
    base = request.url.path
    panel_key = params.get("panel")
    panels = [p for p in page.panels if not embed or not panel_key or p.key == panel_key]
    ctx = {
        "_": _,
        "gettext": _,
        "lang": lang,
        "other_lang": "es" if lang == "en" else "en",
        "page": page,
        "panels": panels,
        "nav": [(n, p, _(label)) for n, p, label in NAV],
        "current": name,
        "num": _num(lang),
        "fdate": _date(lang),
        "cell": lambda col, v: cell(col, v, lang, _),
        "register": register,
        "embed": embed,
        "params": params,
        "path": base,
        "query_with": lambda **kw: query_with(params, **kw),
        "view": params.get("view", "chart"),
        "version": __version__,
        "tojson": lambda obj: json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str).replace("</", "<\\/"),
        **extra,
    }
    html = TEMPLATES.get_template("embed.html" if embed else template).render(ctx)
    if cacheable and status == 200 and version.holds(request.app.state.db):
        HTML_CACHE.put(hkey, html)
    return HTMLResponse(html, status_code=status)


def sources_register(request: Request) -> dict[str, dict[str, Any]]:
    version = DataVersion.of(request.app.state.db)
    key = (version.stamp, "register")
    reg = PAGE_CACHE.get(key)
    if reg is None:
        store = open_store(request)
        try:
            reg = content.source_register(store)
        finally:
            store.close()
        if version.holds(request.app.state.db):
            PAGE_CACHE.put(key, reg)
    return dict(reg)


def guarded(build: Callable[[Store, QueryParams, str, content.Tr], Page]) -> Callable[..., Page]:
    """A page builder whose library errors (bad parameters, missing data) become the page's error message."""

    def run(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
        try:
            return build(store, params, lang, _)
        except MppwatchError as exc:
            name = build.__name__.removeprefix("build_")
            return Page(name, _(dict((n, t) for n, _p, t in NAV).get(name, name)), error=content.message(exc, lang))

    run.__name__ = build.__name__
    return run


# ---------------------------------------------------------------- page builders


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MppwatchError(N_("as_of {value}: expected a date YYYY-MM-DD"), value=repr(text)) from None


@guarded
def build_overview(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    datasets = content.snapshot_datasets(store)
    last = content.last_snapshot_date(store, datasets)
    total = content.returns_total(store, last, datasets, lang)
    heads: list[dict[str, Any]] = [
        {
            "label": _("People returned to Mexico under MPP, cumulative"),
            "value": total["value"],
            "date": total["as_of"],
            "estimate": total["is_estimate"],
            "source_ids": total["source_ids"],
            "link": "/returns",
        }
    ]
    month, month_note = None, None
    try:
        month = content.latest_month(store)
    except MppwatchError as exc:  # the returns figures stand without the book-outs
        month_note = content.message(exc, lang)
    if month:
        heads.append(
            {
                "label": _("Latest month of CBP MPP book-outs ({period})").format(period=month["period"]),
                "value": month["value"],
                "date": None,
                "estimate": False,
                "source_ids": month["source_ids"],
                "link": "/encounters",
            }
        )
    court_note = None
    try:
        backlog = content.court_backlog(store)
    except MppwatchError as exc:  # the returns figures stand without the court's
        backlog, court_note = None, content.message(exc, lang)
    if backlog:
        label = _("MPP court cases pending, EOIR release {release}").format(release=backlog["release"])
        if backlog["synthetic"]:
            label += " — " + _("SYNTHETIC data, not real court records.")
        heads.append(
            {
                "label": label,
                "value": backlog["value"],
                "date": None,
                "estimate": False,
                "source_ids": [],
                "source_text": _("EOIR case data, release {release}").format(release=backlog["release"]),
                "link": "/court",
            }
        )
    last_known = content.last_known_panel(store, datasets, _)
    return Page(
        "overview",
        _("MPP in numbers"),
        panels=[last_known, content.snapshots_panel(store, datasets, _)],
        headlines=heads,
        extra={"court_loaded": backlog is not None, "court_note": court_note, "month_note": month_note},
    )


@guarded
def build_returns(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    datasets = content.snapshot_datasets(store)
    last = content.last_snapshot_date(store, datasets)
    day = _day(params.get("as_of"), content.latest_city_date(store, datasets))
    total = content.returns_total(store, day, datasets, lang)
    heads = [
        {
            "label": _("People returned to Mexico under MPP by {date}").format(date=format_date(day, lang)),
            "value": total["value"],
            "date": total["as_of"],
            "estimate": total["is_estimate"],
            "method": total["method"],
            "source_ids": total["source_ids"],
        }
    ]
    by_city = content.returns_by_city(store, day, datasets, _)
    cities = [str(c) for c in by_city.frame["city"]]
    city = params.get("city") or ""
    if city:
        if city not in cities:
            raise MppwatchError(
                N_("city {city}: the snapshots name {cities}"), city=repr(city), cities=", ".join(cities)
            )
        row = by_city.frame[by_city.frame["city"] == city].iloc[0]
        heads.insert(
            0,
            {
                "label": _("People returned to {city} under MPP by {date}").format(
                    city=city, date=format_date(day, lang)
                ),
                "value": content.clean(row["value"]),
                "date": day.isoformat(),
                "estimate": bool(row["is_estimate"]),
                "method": str(row["method"]),
                "source_ids": content.split_ids(row["source_ids"]),
            },
        )
    return Page(
        "returns",
        _("Returns to Mexico by city"),
        panels=[
            by_city,
            content.snapshots_panel(store, datasets, _),
            content.last_known_panel(store, datasets, _),
        ],
        headlines=heads,
        extra={
            "as_of": day.isoformat(),
            "last": last.isoformat(),
            "datasets": datasets,
            "cities": cities,
            "city": city,
        },
    )


def _series_query(params: QueryParams, default: str) -> SeriesQuery:
    where = []
    for item in params.getlist("where"):
        if not item:
            continue
        col, sep, val = item.partition("=")
        if not sep or not col.strip():
            raise MppwatchError(N_("where {item}: expected COLUMN=VALUE"), item=repr(item))
        where.append((col.strip(), val.strip()))
    by = tuple(b.strip() for item in params.getlist("by") for b in item.split(",") if b.strip())
    return SeriesQuery(
        dataset=params.get("dataset") or default,
        where=tuple(where),
        by=by,
        start=params.get("from") or None,
        end=params.get("to") or None,
        row_type=params.get("row_type") or "detail",
        period_kind=params.get("period_kind") or None,
        edition=params.get("edition") or None,
    )


def api_query(q: SeriesQuery) -> str:
    """The explorer's selection as `/api/v1/series` parameters (only the ones set)."""
    items: list[tuple[str, str]] = [("dataset", q.dataset)]
    items += [("where", f"{c}={v}") for c, v in q.where]
    optional = {
        "by": ",".join(q.by),
        "from": q.start,
        "to": q.end,
        "row_type": q.row_type if q.row_type != "detail" else None,
        "period_kind": q.period_kind,
        "edition": q.edition,
    }
    items += [(k, v) for k, v in optional.items() if v]
    return urlencode(items)


def _default_dataset(store: Store, datasets: dict[str, Any]) -> str:
    """The explorer's first view: the book-outs when loaded, else the first dataset; none loaded says how."""
    try:
        return content.dataset_for(store, "bookouts")
    except QueryError:
        if datasets:
            return str(next(iter(datasets)))
        raise


@guarded
def build_explorer(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    datasets = content.datasets_catalogue(store)
    q = _series_query(params, params.get("dataset") or _default_dataset(store, datasets))
    row_types = list(datasets.get(q.dataset, {}).get("row_types", ()))
    if not params.get("row_type") and row_types and q.row_type not in row_types:
        q = replace(q, row_type=row_types[0])  # a dataset without detail rows (USCIS prints 'monthly') opens on its own
    page = Page(
        "explorer",
        _("Explorer"),
        extra={"datasets": datasets, "q": q, "facets": {}, "api": api_query(q), "row_types": row_types},
    )
    try:
        page.extra["facets"] = content.facets(store, q.dataset)  # an unknown dataset: the catalogue's error
        page.panels.append(content.series_panel(store, q, _))
    except MppwatchError as exc:
        page.error = content.message(exc, lang)
        # quantities that do not add up (measure, unit) and are neither filtered nor split: one click to either
        chosen = q.where_dict()
        page.extra["fixes"] = {
            col: values
            for col, values in page.extra["facets"].items()
            if col in catalog.NON_ADDITIVE and col not in q.by and col not in chosen and len(values) > 1
        }
    return page


# key, role, selection (its dataset: the first with the role that holds it), title ("" is the catalogue's title)
ENCOUNTER_PANELS = [
    (
        "enroll_usbp",
        "enrollments",
        SeriesQuery("", (("component", "USBP"),), ("location",)),
        N_("MPP enrollments by Border Patrol sector (CBP)"),
    ),
    (
        "enroll_ofo",
        "enrollments",
        SeriesQuery("", (("component", "OFO"),), ("location",)),
        N_("MPP enrollments by OFO field office (CBP)"),
    ),
    (
        "bookouts",
        "bookouts",
        SeriesQuery("", (("outcome", "Migrant Protection Protocols"),), ("component",), start="2019-01"),
        N_("MPP book-outs by agency, both programmes (DHS OHSS)"),
    ),
    ("usbp_sectors", "encounters", SeriesQuery("", (("component", "USBP"),), ("location",)), ""),
    ("ofo_offices", "encounters", SeriesQuery("", (("component", "OFO"),), ("location",)), ""),
]


@guarded
def build_encounters(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    page = Page("encounters", _("Enrollments and encounters"))
    for key, role, q, title in ENCOUNTER_PANELS:
        try:
            q = content.for_role(store, role, q)
            panel = content.series_panel(store, q, _, key=key, title=_(title) if title else "")
        except MppwatchError as exc:  # the other panels stand; the page says what is missing and how to load it
            skipped = page.extra.setdefault("skipped", [])
            if (text := content.message(exc, lang)) not in skipped:
                skipped.append(text)
            continue
        if key in ("enroll_usbp", "enroll_ofo", "bookouts"):
            panel.notes.append(
                _("MPP ran from January 2019 to January 2021 and again from December 2021 to August 2022.")
            )
        page.panels.append(panel)
    catalogue = content.datasets_catalogue(store)
    page.extra["sheets"] = {n: d for n, d in catalogue.items() if d["origin"] == "workbook"}
    return page


@guarded
def build_sources(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    reg = content.source_register(store)
    import pandas as pd

    used = {p: {d for role in roles for d in catalog.with_role(store, role)} for p, roles in PAGE_ROLES.items()}
    rows = []
    for _sid, info in sorted(reg.items()):
        ds = content.split_ids(info.get("datasets"))
        pages = sorted({p for p, names in used.items() for d in ds if d in names})
        rows.append({**info, "pages": " ".join(pages), "datasets": " ".join(ds)})
    frame = pd.DataFrame(
        rows, columns=["source_id", "title", "source_url", "retrieved_via", "note", "datasets", "pages"]
    )
    panel = Panel(
        key="register",
        title=_("Every source"),
        frame=frame,
        columns=[
            Column("source_id", _("Source")),
            Column("title", _("What it is")),
            Column("source_url", _("Address"), content.URL),
            Column("datasets", _("Datasets")),
            Column("pages", _("Pages")),
        ],
        source_ids=sorted(reg),
        summary=_("{n} sources.").format(n=len(frame)),
    )
    return Page("sources", _("Sources"), panels=[panel])


@guarded
def build_court(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    rel = content.court_releases(store)
    page = Page("court", _("Immigration court (EOIR)"), extra={"releases": [str(r) for r in rel["release"]]})
    if rel.empty:
        return page
    release = params.get("release") or None
    by = params.get("by") or "hearing_location"
    page.extra.update(
        by=by,
        breakdowns={k: " × ".join(content.court_label(c, _) for c in v) for k, v in content.COURT_BREAKDOWNS.items()},
    )
    page.panels = content.court_panels(store, release, by, _)
    return page


@guarded
def build_claims(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    files = content.claims_files()
    file = params.get("file") or (files[0] if files else "")
    page = Page("claims", _("Check a claim"), extra={"files": files, "file": file, "form": {}})
    fields = ("quote", "quantity", "value", "unit", "as_of_date", "geography")
    form = {k: params.get(k, "") for k in fields}
    page.extra["form"] = form
    if form["value"] or form["quote"]:
        typed = content.check_typed_claim(store, form, lang, _)
        if typed.frame.empty:  # refused: the reason, with the field it is about, where the verdict would be
            page.error = "; ".join(typed.notes) or _("The claim could not be checked.")
        else:
            page.panels.append(typed)
    if file:
        page.panels.append(content.claims_panel(store, file, lang, _))
    return page


@guarded
def build_forecasts(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    preset = params.get("preset") or "mpp_bookouts"
    if params.get("dataset"):
        q = _series_query(params, "")
        preset = ""
    elif preset in content.FORECAST_PRESETS:
        q = content.for_role(store, *content.FORECAST_PRESETS[preset])
    else:
        choices = ", ".join(content.FORECAST_PRESETS)
        raise MppwatchError(N_("preset {preset}: choose one of {choices}"), preset=repr(preset), choices=choices)
    try:
        horizon = max(1, min(36, int(params.get("horizon") or 12)))
    except ValueError:
        raise MppwatchError(N_("horizon: expected a whole number of months (1-36)")) from None
    page = Page(
        "forecasts",
        _("Forecasts"),
        extra={"preset": preset, "presets": list(content.FORECAST_PRESETS), "horizon": horizon, "q": q},
    )
    version = DataVersion.of(store.path)
    key = (version.stamp, "forecast", q, horizon)
    results = RESULT_CACHE.get(key)
    if results is None:  # computed once per data version, whatever the language
        results = content.forecast_results(store, q, horizon)
        if version.holds(store.path):
            RESULT_CACHE.put(key, results)
    page.panels = content.forecast_panels(results, q, _)
    return page


SIM_FIELDS = ("scenario", "replicates", "days", "seed", "set")


def build_simulation(store: Store, params: QueryParams, lang: str, _: content.Tr) -> Page:
    """The form (its values from the job, else from the URL, which carries a run's settings) and the job's bands."""
    form = {k: params.get(k, "") for k in SIM_FIELDS}
    page = Page("simulation", _("Simulation"), extra={"scenarios": content.scenario_descriptions(lang), "done": True})
    job_id = params.get("job")
    if job_id:
        job = JOBS.get(job_id)
        page.extra["job"] = job
        if job is None:
            page.error = _(
                "Simulation {id} is not kept by this server: runs are kept in memory, so a restart or {n} newer "
                "runs forget them. The form holds its settings: run it again."
            ).format(id=job_id, n=MAX_KEPT)
        else:
            form = job.form()
            if job.state == "done" and job.result is not None:
                page.panels = content.simulation_panels(job.result, _)
                page.extra["notes"] = job.result.inputs.notes.in_lang(lang)
            elif job.state == "error":
                page.error = job.error
            else:
                page.extra["done"] = False
    page.extra["form"] = form
    return page


BUILDERS: dict[str, Callable[[Store, QueryParams, str, content.Tr], Page]] = {
    "overview": build_overview,
    "returns": build_returns,
    "encounters": build_encounters,
    "explorer": build_explorer,
    "sources": build_sources,
    "court": build_court,
    "claims": build_claims,
    "forecasts": build_forecasts,
    "simulation": build_simulation,
}


# ---------------------------------------------------------------- simulation jobs


@dataclass
class Job:
    """A simulation running in a background thread, with its progress (0..1)."""

    id: str
    scenario: str
    replicates: int
    days: int | None
    seed: int
    overrides: list[str] = field(default_factory=list)  # KEY=VALUE, as `mppwatch simulate --set`
    state: str = "queued"
    progress: float = 0.0
    error: str | None = None
    result: Any = None
    started: float = field(default_factory=time.time)
    key: tuple[Any, ...] = ()  # (data version, scenario, replicates, days, seed, overrides): one run per key

    def form(self) -> dict[str, str]:
        """The run's settings as the form's fields (and the URL's parameters)."""
        days = "" if self.days is None else str(self.days)
        values = (self.scenario, str(self.replicates), days, str(self.seed), "\n".join(self.overrides))
        return dict(zip(SIM_FIELDS, values, strict=True))


JOBS: dict[str, Job] = {}
JOBS_LOCK = threading.Lock()
MAX_RUNNING, MAX_KEPT, MAX_REPLICATES, MAX_DAYS = 2, 20, 500, 730


def run_job(job: Job, db: Path) -> None:
    """Run a bundled scenario chunk by chunk (the CLI's seeds and numbers), reporting days stepped."""
    import numpy as np

    from mppwatch.simulate import Model, Result, load_scenario
    from mppwatch.simulate.calibrate import prepare
    from mppwatch.simulate.result import CHUNK

    try:
        job.state = "running"
        scenario = load_scenario(content.scenario_files()[job.scenario])
        items = ([f"scenario.days={job.days}"] if job.days else []) + job.overrides
        if items:
            scenario = scenario.with_overrides(items)
        store = Store.open(db, read_only=True)
        try:
            inputs = prepare(scenario, store)
        finally:
            store.close()
        total = max(1, inputs.days * job.replicates)
        done = [0]

        class Tracked(Model):
            """The same model, counting replicate-days stepped for the progress bar."""

            def step(self, t: int) -> None:
                super().step(t)
                done[0] += self.R
                job.progress = min(0.99, done[0] / total)

        # the chunks and child seeds of `simulate_inputs`, so the numbers equal the CLI's for the same seed
        sizes = [CHUNK] * (job.replicates // CHUNK) + ([job.replicates % CHUNK] if job.replicates % CHUNK else [])
        children = np.random.SeedSequence(job.seed).spawn(len(sizes))
        chunks = [
            Tracked(inputs, size, np.random.default_rng(child)).run()
            for size, child in zip(sizes, children, strict=True)
        ]
        name = scenario.name
        synthetic = scenario.synthetic or inputs.synthetic
        if synthetic and "SYNTHETIC" not in name.upper():
            name = f"{name} (SYNTHETIC inputs)"
        result = Result(
            scenario=name,
            inputs=inputs,
            replicates=job.replicates,
            seed=job.seed,
            values={k: np.concatenate([c.values[k] for c in chunks], axis=1) for k in chunks[0].values},
            waits_hist=np.sum([c.waits for c in chunks], axis=0),
            synthetic=synthetic,
            overrides=items,
        )
        job.result, job.progress, job.state = result, 1.0, "done"
    except Exception as exc:  # the job reports any failure on its page rather than dying silently
        job.state, job.error = "error", f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------- routes


@router.get("/static/{name}")
def static(request: Request, name: str) -> Response:
    """The bundled assets and plotly.js, compressed and cached (web/assets.py)."""
    return assets.response(request, name)


def page_route(name: str, template: str) -> Callable[[Request], HTMLResponse]:
    def handler(request: Request) -> HTMLResponse:
        return render(request, name, template, nocache=name == "simulation")

    handler.__name__ = f"page_{name}"
    return handler


def overview(request: Request) -> HTMLResponse:
    """The overview page (what `/` shows a browser)."""
    return render(request, "overview", "overview.html")


for _name, _path, _label in NAV[1:]:
    router.add_api_route(_path, page_route(_name, f"{_name}.html"), methods=["GET"], response_class=HTMLResponse)
router.add_api_route("/overview", overview, methods=["GET"], response_class=HTMLResponse)


@router.post("/simulation/run")
async def simulation_run(request: Request) -> Response:
    """Start a bundled scenario in the background; the page then shows its progress and bands.

    The form is read as urlencoded text (at most 4 KB) rather than through a multipart parser.
    """
    body = await request.body()
    if len(body) > 4096:
        raise HTTPException(status_code=413, detail="form too large")
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    scenario, lang = form.get("scenario", ""), form.get("lang", "en")
    try:
        replicates = int(form.get("replicates") or 100)
        days = int(form["days"]) if form.get("days") else None
        seed = int(form.get("seed") or 0)
    except ValueError:
        raise HTTPException(status_code=400, detail="replicates, days and seed must be whole numbers") from None
    if scenario not in content.scenario_files():
        raise HTTPException(status_code=400, detail=f"{scenario}: not a bundled scenario")
    overrides = [line.strip() for line in form.get("set", "").splitlines() if line.strip()]
    if len(overrides) > 10 or any(len(o) > 200 or "=" not in o for o in overrides):
        raise HTTPException(status_code=400, detail="set: at most 10 lines of KEY=VALUE")
    if not 1 <= replicates <= MAX_REPLICATES:
        raise HTTPException(status_code=400, detail=f"replicates: 1 to {MAX_REPLICATES}")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise HTTPException(status_code=400, detail=f"days: 1 to {MAX_DAYS}")
    key = (data_version(request.app.state.db), scenario, replicates, days, seed, tuple(overrides))
    lang = lang if lang in LANGS else "en"
    with JOBS_LOCK:
        # the same run on the same data: its job (finished, or still running) rather than a second run
        same = next((j for j in JOBS.values() if j.key == key and j.state != "error"), None)
        if same is not None:
            return RedirectResponse(job_url(same, lang), status_code=303)
        if sum(j.state in ("queued", "running") for j in JOBS.values()) >= MAX_RUNNING:
            raise HTTPException(status_code=429, detail="two simulations are running already: wait for one to end")
        job = Job(uuid.uuid4().hex[:12], scenario, replicates, days, seed, overrides, key=key)
        JOBS[job.id] = job
        for old in sorted(JOBS.values(), key=lambda j: j.started)[: max(0, len(JOBS) - MAX_KEPT)]:
            if old.state in ("done", "error"):
                JOBS.pop(old.id, None)
    threading.Thread(target=run_job, args=(job, request.app.state.db), daemon=True).start()
    return RedirectResponse(job_url(job, lang), status_code=303)


def job_url(job: Job, lang: str) -> str:
    """The job's page; its settings ride along, so the form can be filled again after a restart forgets the job."""
    fields = {k: v for k, v in job.form().items() if v}
    return f"/simulation?{urlencode({'job': job.id, **fields, 'lang': lang})}"


@router.get("/simulation/jobs/{job_id}")
def simulation_job(job_id: str) -> JSONResponse:
    """A job's state and progress, for the page's progress bar."""
    job = JOBS.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"{job_id}: no such simulation (runs are kept in memory only)")
    return JSONResponse({"id": job.id, "state": job.state, "progress": round(job.progress, 3), "error": job.error})


def _panel(request: Request, page_name: str, key: str, lang: str) -> tuple[Page, Panel]:
    if page_name not in BUILDERS:
        raise HTTPException(status_code=404, detail=f"{page_name}: no such page")
    page = built(request, page_name, lang)
    for panel in page.panels:
        if panel.key == key:
            return page, panel
    raise HTTPException(status_code=404, detail=page.error or f"{page_name}: no panel {key!r} for these parameters")


def panel_csv(panel: Panel) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    keys = [c.key for c in panel.columns]
    writer.writerow(keys)
    for row in panel.records():
        writer.writerow(["" if row[k] is None else row[k] for k in keys])
    return buf.getvalue()


def panel_metadata(request: Request, page: str, panel: Panel, register: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": panel.title,
        "page": page,
        "permalink": str(request.url.replace(path=PATHS.get(page, "/"))).split("#")[0] + f"#panel-{panel.key}",
        "columns": [{"name": c.key, "label": c.label, "type": c.kind} for c in panel.columns],
        "sources": [
            {"source_id": s, **{k: v for k, v in register.get(s, {}).items() if k != "source_id"}}
            for s in panel.source_ids
        ],
        "notes": panel.notes,
        "summary": panel.summary,
        "mppwatch_version": __version__,
        "generated": date.today().isoformat(),
        **panel.meta,
    }


README = N_(
    "{title}\n\nFrom mppwatch {version}, open data on the US Migrant Protection Protocols (Remain in Mexico).\n\n"
    "data.csv: the table, with machine numbers and ISO dates; empty cells were not published or are withheld.\n"
    "metadata.json: the sources (with addresses), columns, units, as-of date, estimate and suppression flags.\n\n"
    "{summary}\n\nSources:\n{sources}\n\nPermalink: {permalink}\n"
)


@router.get("/download/{page_name}/{key}.zip")
def download_zip(request: Request, page_name: str, key: str) -> Response:
    """A panel as a zip: data.csv, metadata.json (sources, units, flags) and a README."""
    lang = lang_of(request)
    _ = translator(lang)
    _page, panel = _panel(request, page_name, key, lang)
    register = sources_register(request)
    meta = panel_metadata(request, page_name, panel, register)
    lines = [
        f"- {s['source_id']}: {s.get('title') or ''} {s.get('source_url') or ''}".rstrip() for s in meta["sources"]
    ]
    readme = _(README).format(
        title=panel.title,
        version=__version__,
        summary=panel.summary,
        sources="\n".join(lines) or "-",
        permalink=meta["permalink"],
    )
    if panel.notes:
        readme += "\n" + "\n".join(f"* {n}" for n in panel.notes) + "\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.csv", panel_csv(panel))
        zf.writestr("metadata.json", json.dumps(meta, ensure_ascii=False, indent=2, default=str))
        zf.writestr("README.txt", readme)
    name = f"mppwatch-{page_name}-{key}.zip"
    return Response(
        buf.getvalue(), media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/download/{page_name}/{key}.csv")
def download_csv(request: Request, page_name: str, key: str) -> Response:
    """A panel's table as CSV (machine numbers)."""
    _page, panel = _panel(request, page_name, key, lang_of(request))
    return Response(panel_csv(panel), media_type="text/csv; charset=utf-8")
