"""The shelter register on the web: the write API for shelter staff, its public reads, and a phone-sized form.

Writes need `Authorization: Bearer <token>` (none or malformed: 401; unknown, revoked, expired or another
shelter's: 403) and are checked before anything is opened for writing, so a refused write changes nothing. Every
write is one short transaction with its audit row (see `mppwatch.shelters.access` for how it fits beside the
read-only readers). The form keeps the token in an HttpOnly SameSite=Strict cookie and protects every POST with
a double-submit CSRF token and an Origin check. Public answers never include contacts or notes.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mppwatch.core.text import N_, fold
from mppwatch.errors import MppwatchError
from mppwatch.i18n import accept_language, format_date, format_number, translator
from mppwatch.output import records
from mppwatch.shelters import access, register, tokens
from mppwatch.shelters.citywide import shelter_load, waiting_labels, waiting_notes
from mppwatch.shelters.register import ReportError
from mppwatch.shelters.tokens import AuthError, Token
from mppwatch.store import StoreError
from mppwatch.web import assets

T = TypeVar("T")
router = APIRouter()
MAX_BODY = 64 * 1024  # a report is a few hundred bytes
TOKEN_COOKIE = "mppw_shelter_token"
CSRF_COOKIE = "mppw_csrf"
FORM_PATH = "/shelters/report"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("mppwatch.web").joinpath("templates"))),
    autoescape=True,
)
TEMPLATES.globals["asset"] = assets.url


def _(text: str) -> str:  # marks a string for the catalog; translated where it is shown
    return text


# -- plumbing -----------------------------------------------------------------------------------------------------


def _refuse(exc: Exception) -> HTTPException:
    """The HTTP error for a library refusal: 401/403 for tokens, 503 when busy, 404/400 for the request."""
    if isinstance(exc, AuthError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return HTTPException(status_code=exc.status, detail=str(exc), headers=headers)
    if isinstance(exc, access.Busy):
        return HTTPException(status_code=503, detail=str(exc), headers={"Retry-After": "1"})
    if isinstance(exc, StoreError):
        return HTTPException(status_code=503, detail=str(exc))
    if isinstance(exc, ReportError) and exc.field == "shelter":
        return HTTPException(status_code=404, detail=str(exc))
    return HTTPException(status_code=400, detail=str(exc))


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await _body(request)
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(status_code=400, detail=f"body: not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise HTTPException(status_code=400, detail="body: expected a JSON object")
    return payload


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(status_code=413, detail=f"body larger than {MAX_BODY} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise HTTPException(status_code=413, detail=f"body larger than {MAX_BODY} bytes")
    return raw


async def _write(request: Request, work: Callable[[Any, Token], T]) -> T:
    """Check the bearer token's form (401) before touching the store and verify it on a read-only connection
    (403), so a refused write never opens the store for writing; then verify it again inside one short write
    session (a token revoked in between is refused) and write, on a worker thread."""
    try:
        secret = tokens.parse_bearer(request.headers.get("authorization"))
    except AuthError as exc:
        raise _refuse(exc) from None
    await _read(request, lambda store: tokens.verify(store, secret))

    def run() -> T:
        with access.writing(request.app.state.db) as store:
            return work(store, tokens.verify(store, secret))

    try:
        return await run_in_threadpool(run)
    except MppwatchError as exc:
        raise _refuse(exc) from None


_LOADS: OrderedDict[tuple[object, ...], Any] = OrderedDict()
_LOADS_LOCK = threading.Lock()


def _version(db: Path) -> tuple[object, ...]:
    """What changes when the store does: size and modification time of the file and its write-ahead log."""
    out: list[object] = [str(db)]
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            st = path.stat()
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [0, 0]
    return tuple(out)


async def _city_load(request: Request, city: str) -> Any:
    """`shelter_load` for a city, kept per store version (a report or a load changes the file, so the next read
    recomputes it): building it reads every figure and the returns snapshots, about a second on a laptop."""
    key = (*_version(request.app.state.db), fold(city))
    with _LOADS_LOCK:
        if key in _LOADS:
            _LOADS.move_to_end(key)
            return _LOADS[key]
    frame = await _read(request, lambda store: shelter_load(store, city))
    with _LOADS_LOCK:
        _LOADS[key] = frame
        while len(_LOADS) > 64:
            _LOADS.popitem(last=False)
    return frame


async def _read(request: Request, work: Callable[[Any], T]) -> T:
    try:
        return await run_in_threadpool(access.read, request.app.state.db, work)
    except MppwatchError as exc:
        raise _refuse(exc) from None


# -- the API --------------------------------------------------------------------------------------------------------


@router.post("/api/v1/shelters", status_code=201)
async def create_shelter(request: Request) -> dict[str, Any]:
    """Add a shelter (admin token): JSON {name, city, kind, capacity, status[, opened_on, contact, note]} -> {id}."""
    payload = await _json_body(request)
    written = await _write(request, lambda store, token: register.create_shelter(store, payload, token))
    return {"id": written.id}


@router.post("/api/v1/shelters/{shelter_id}/reports", status_code=201)
async def add_report(shelter_id: int, request: Request) -> dict[str, Any]:
    """Report a day (that shelter's token, or admin): JSON {date, occupied, turned_away, arrivals, departures, note}.

    A second report for the same day replaces the first (both are kept in the audit trail). More people than beds
    is accepted with a warning."""
    payload = await _json_body(request)
    written = await _write(request, lambda store, token: register.add_report(store, shelter_id, payload, token))
    return {"id": written.id, "replaced": written.replaced, "warnings": written.warnings()}


@router.get("/api/v1/shelters/{shelter_id}/reports")
async def shelter_reports(shelter_id: int, request: Request) -> dict[str, Any]:
    """One shelter's recent reports, for its own token or an admin (notes stay private to them)."""
    try:
        secret = tokens.parse_bearer(request.headers.get("authorization"))
    except AuthError as exc:
        raise _refuse(exc) from None

    def work(store: Any) -> dict[str, Any]:
        token = tokens.verify(store, secret)
        if not token.may_write(shelter_id):
            raise AuthError(403, register.OTHER_SHELTER, token=token.id, allowed=token.shelter_id, shelter=shelter_id)
        if register.shelter(store, shelter_id) is None:
            raise ReportError("shelter", register.NO_SUCH_SHELTER, shelter=shelter_id)
        frame = register.history(store, shelter_id, days=366)
        return {"shelter_id": shelter_id, "columns": list(frame.columns), "rows": records(frame)}

    return await _read(request, work)


@router.post("/api/v1/tokens", status_code=201)
async def create_token(request: Request) -> dict[str, Any]:
    """Issue a shelter token (admin token): JSON {shelter_id[, expires]} -> {id, token}; the token is shown once."""
    payload = await _json_body(request)

    def work(store: Any, token: Token) -> dict[str, Any]:
        if token.role != "admin":
            raise AuthError(
                403, N_("token {token} is a shelter token: only an admin token issues tokens"), token=token.id
            )
        shelter_id = payload.get("shelter_id")
        if not isinstance(shelter_id, int) or isinstance(shelter_id, bool):
            raise ReportError("shelter_id", N_("{value} is not a shelter id"), value=repr(shelter_id))
        expires = payload.get("expires")
        try:
            until = date.fromisoformat(expires) if isinstance(expires, str) else None
        except ValueError:
            raise ReportError("expires", register.NOT_A_DATE, value=repr(expires)) from None
        token_id, secret = tokens.create(store, "shelter", shelter_id, until, by=token.id)
        return {"id": token_id, "token": secret}

    return await _write(request, work)


@router.get("/api/v1/shelters")
async def list_shelters(request: Request, city: str | None = None) -> dict[str, Any]:
    """The register (public): names, kinds, status, capacity, latest occupancy and its date; no contacts or notes."""
    frame = await _read(request, lambda store: register.shelters(store, city))
    out: dict[str, Any] = {"columns": list(frame.columns), "rows": records(frame)}
    if "why_empty" in frame.attrs:
        out["why_empty"] = frame.attrs["why_empty"]
    return out


@router.get("/api/v1/cities/{city}/shelter-load")
async def city_shelter_load(request: Request, city: str) -> dict[str, Any]:
    """A city's beds, occupied, turned away, people in camps and estimated people waiting, by date (public).

    `people_waiting_estimate` and `in_camps` are estimates; `notes` says how each was made."""
    frame = await _city_load(request, city)
    return {
        "city": city,
        "notes": {
            "people_waiting_estimate": frame.attrs["waiting_method"],
            "waiting_method": {
                lang: {
                    m: {"label": waiting_labels(lang)[m], "method": n} for m, n in waiting_notes(frame, lang).items()
                }
                for lang in ("en", "es")
            },
            "in_camps": frame.attrs["in_camps_method"],
            "beds": "planned facilities count only from the day they opened; see beds_basis",
        },
        "estimates": ["people_waiting_estimate", "in_camps"],
        "columns": list(frame.columns),
        "rows": records(frame),
    }


# -- the city page -------------------------------------------------------------------------------------------------


@router.get("/shelters/city/{city}", response_class=HTMLResponse, include_in_schema=False)
async def city_page(request: Request, city: str) -> HTMLResponse:
    """A city's shelter beds against estimated people waiting, by date (public, like the shelter-load endpoint)."""
    asked = request.query_params.get("lang")
    lang = asked if asked in ("en", "es") else accept_language(request.headers.get("accept-language"))
    _ = translator(lang)
    try:
        frame = await _city_load(request, city)
        rows, error = records(frame), None
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        rows, error = [], _("No shelter figures for this city.")
    chart = {
        "dates": [r["date"] for r in rows],
        "beds": [r["beds"] for r in rows],
        "occupied": [r["occupied"] for r in rows],
        "waiting": [v if isinstance(v := r["people_waiting_estimate"], (int, float)) else None for r in rows],
    }
    notes = waiting_notes(frame, lang) if rows else {}
    html = TEMPLATES.get_template("shelter_city.html").render(
        _=_, lang=lang, other_lang="en" if lang == "es" else "es", city=city, rows=rows, error=error,
        latest=rows[-1] if rows else None, chart=json.dumps(chart), notes=notes, methods=waiting_labels(lang),
        num=lambda v: "" if v is None else v if isinstance(v, str) else format_number(v, lang),
        day=lambda d: format_date(d, lang),
    )  # fmt: skip
    return HTMLResponse(html, status_code=404 if error else 200, headers={"Cache-Control": "no-store"})


# -- the form ------------------------------------------------------------------------------------------------------

FORM_FIELDS = ("occupied", "turned_away", "arrivals", "departures")
LABELS = {
    "occupied": _("Occupied beds"),
    "turned_away": _("People turned away"),
    "arrivals": _("Arrivals"),
    "departures": _("Departures"),
}


def _lang(request: Request, form: dict[str, str] | None = None) -> str:
    """Spanish first: English only when asked for (?lang=en or the form's lang field)."""
    asked = (form or {}).get("lang") or request.query_params.get("lang")
    return "en" if asked == "en" else "es"


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def _form(request: Request) -> dict[str, str]:
    raw = await _body(request)
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(status_code=400, detail=f"form: unreadable ({exc})") from None
    return {k: v[0] for k, v in fields.items()}


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get("csrf", "")
    return bool(cookie) and hmac.compare_digest(cookie, sent) and _same_origin(request)


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/shelters", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


def _page(request: Request, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    html = TEMPLATES.get_template("shelter_report.html").render(
        _=translator(lang), lang=lang, other_lang="en" if lang == "es" else "es", csrf=csrf, labels=LABELS, fields=FORM_FIELDS,
        num=lambda v: "" if v is None else format_number(v, lang), day=lambda d: format_date(d, lang),
        action=FORM_PATH, **ctx,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    if request.cookies.get(CSRF_COOKIE) != csrf:
        _cookie(response, request, CSRF_COOKIE, csrf)
    return response


def _form_state(store: Any, token: Token, wanted: int | None) -> dict[str, Any]:
    """The shelter the token reports for, its register row (public fields) and recent history."""
    shelter_id = token.shelter_id if token.role == "shelter" else wanted
    if shelter_id is None:
        return {"token": token, "shelter": None, "choices": records(register.shelters(store))}
    row = register.shelter(store, shelter_id)
    if row is None:
        raise ReportError("shelter", register.NO_SUCH_SHELTER, shelter=shelter_id)
    history = register.history(store, shelter_id, days=60)
    return {
        "token": token,
        "shelter": {k: row[k] for k in ("id", "name", "city", "kind", "capacity")},
        "history": records(history),
        "chart": json.dumps(
            {"dates": [str(d)[:10] for d in history["date"]], "occupied": [int(v) for v in history["occupied"]]}
        ),
    }


async def _session(request: Request, wanted: int | None) -> dict[str, Any] | None:
    """The logged-in state from the token cookie, or None (no cookie, or a token no longer valid)."""
    secret = request.cookies.get(TOKEN_COOKIE)
    if not secret or not tokens.well_formed(secret):
        return None
    try:
        return await _read(request, lambda store: _form_state(store, tokens.verify(store, secret), wanted))
    except HTTPException as exc:
        if exc.status_code == 403:
            return None
        raise


def _wanted(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get(FORM_PATH, response_class=HTMLResponse, include_in_schema=False)
async def report_form(request: Request) -> HTMLResponse:
    """The phone-sized daily report form (Spanish first): the token once, then today's figures."""
    lang = _lang(request)
    state = await _session(request, _wanted(request.query_params.get("shelter")))
    return _page(request, lang, state=state, today=date.today().isoformat(), values={})


@router.post(FORM_PATH + "/login", include_in_schema=False)
async def report_login(request: Request) -> Response:
    """Keep a valid token in an HttpOnly, SameSite=Strict cookie (entered once on this phone)."""
    form = await _form(request)
    lang = _lang(request, form)
    _ = translator(lang)
    if not _csrf_ok(request, form):
        return _page(request, lang, 403, state=None, error=_("The form expired: please try again."), values={})
    secret = form.get("token", "").strip()
    if not tokens.well_formed(secret):
        return _page(request, lang, 401, state=None, error=_("That is not a valid token."), values={})
    try:
        await _read(request, lambda store: tokens.verify(store, secret))
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        return _page(
            request, lang, 403, state=None, error=_("That token is not valid (revoked or expired?)."), values={}
        )
    response = RedirectResponse(f"{FORM_PATH}?lang={lang}", status_code=303)
    _cookie(response, request, TOKEN_COOKIE, secret, max_age=180 * 24 * 3600)
    return response


@router.post(FORM_PATH + "/logout", include_in_schema=False)
async def report_logout(request: Request) -> Response:
    form = await _form(request)
    lang = _lang(request, form)
    if not _csrf_ok(request, form):
        return _page(
            request, lang, 403, state=None, error=translator(lang)(_("The form expired: please try again.")), values={}
        )
    response = RedirectResponse(f"{FORM_PATH}?lang={lang}", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/shelters")
    return response


def _form_errors(form: dict[str, str], _: Callable[[str], str]) -> dict[str, str]:
    errors = {}
    for name in FORM_FIELDS:
        value = form.get(name, "").strip()
        if name == "occupied" and not value:
            errors[name] = _("required")
        elif value and not value.isdigit():
            errors[name] = _("a whole number, 0 or more")
    try:
        day = date.fromisoformat(form.get("date", ""))
        if day > date.today():
            errors["date"] = _("the date is in the future")
    except ValueError:
        errors["date"] = _("a date like 2019-08-01")
    return errors


@router.post(FORM_PATH, include_in_schema=False)
async def report_submit(request: Request) -> Response:
    """Store today's report from the form; errors are shown beside their field, a warning does not block."""
    form = await _form(request)
    lang = _lang(request, form)
    _ = translator(lang)
    wanted = _wanted(form.get("shelter"))
    if not _csrf_ok(request, form):
        return _page(request, lang, 403, state=None, error=_("The form expired: please try again."), values={})
    secret = request.cookies.get(TOKEN_COOKIE, "")
    state = await _session(request, wanted)
    if state is None:
        return _page(request, lang, 401, state=None, error=_("Enter your token first."), values={})
    errors = _form_errors(form, _)
    if errors or state["shelter"] is None:
        return _page(request, lang, 400, state=state, errors=errors, values=form, today=form.get("date"))
    payload: dict[str, Any] = {k: form.get(k, "").strip() or None for k in FORM_FIELDS}
    payload |= {"date": form["date"], "note": form.get("note", "").strip() or None}
    shelter_id = int(state["shelter"]["id"])

    def work(store: Any) -> tuple[register.Written, dict[str, Any]]:
        token = tokens.verify(store, secret)
        written = register.add_report(store, shelter_id, payload, token)
        return written, _form_state(store, token, shelter_id)

    try:
        written, state = await run_in_threadpool(_in_write_session, request, work)
    except MppwatchError as exc:
        if isinstance(exc, AuthError):
            return _page(request, lang, exc.status, state=None, error=_("Enter your token first."), values={})
        return _page(request, lang, 400, state=state, error=exc.render(lang), values=form, today=form.get("date"))
    return _page(
        request, lang, state=state, saved=True, replaced=written.replaced, warnings=written.warnings(_),
        values={}, today=form["date"],
    )  # fmt: skip


def _in_write_session(request: Request, work: Callable[[Any], T]) -> T:
    with access.writing(request.app.state.db) as store:
        return work(store)
