"""One error shape for every API error: `{"error": {"code", "message", "param"}, "detail": message}`.

Why: clients (and the dashboard) should parse one shape for 400, 404, 413, 422, 429 and 503, and no response may
show where the database lives, the store's internal names, or a 100 KB input echoed back. `detail` repeats the
message for clients written against FastAPI's default shape.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mppwatch.errors import MppwatchError
from mppwatch.store import StoreBusy, StoreError

MAX_ECHO = 200
MAX_MESSAGE = 1000
CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_parameter",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}
BUSY = "the database is busy (a load is running); try again in a few seconds"
log = logging.getLogger("mppwatch.web")


class Timeout(Exception):
    """The request's work passed its time budget and was stopped (web/limits.py): a 503."""


_ABS_PATH = re.compile(r"(?<![\w.])(?:/[^\s/'\"]+){2,}/?|[A-Za-z]:\\[^\s'\"]+")
_QUOTED = re.compile(rf"('[^']{{{MAX_ECHO},}}'|\"[^\"]{{{MAX_ECHO},}}\")")
_LONG = re.compile(rf"[^\s'\"]{{{MAX_ECHO + 1},}}")
_INTERNAL = re.compile(r"\bcourt:[\w.-]+:|\b(?:court_[a-z_]+|observations|loads)\b(?= table| column|\.)")


def clean(text: object) -> str:
    """A message fit for a response: absolute paths cut to their last part, echoed inputs cut to 200 characters,
    internal load names dropped, at most 1000 characters."""
    msg = str(text)
    msg = _QUOTED.sub(lambda m: m.group(0)[: MAX_ECHO + 1] + "…" + m.group(0)[0], msg)
    msg = _LONG.sub(lambda m: m.group(0)[:MAX_ECHO] + "…", msg)
    msg = _ABS_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1].rsplit("\\", 1)[-1], msg)
    msg = _INTERNAL.sub("", msg)
    return msg if len(msg) <= MAX_MESSAGE else msg[: MAX_MESSAGE - 1] + "…"


def body(status: int, message: object, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    text = clean(message)
    return {"error": {"code": code or CODES.get(status, "error"), "message": text, "param": param}, "detail": text}


def error_response(
    status: int,
    message: object,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(body(status, message, param, code), status_code=status, headers=headers)


def _param_of(message: str) -> str | None:
    """The parameter a library message starts with (`--by 'x': ...` -> by), if any."""
    m = re.match(r"^--?([a-z_-]+)\b", message)
    return m.group(1).replace("-", "_") if m else None


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": ["string", "null"]},
            },
        },
        "detail": {"type": "string", "description": "the message again, for clients that read FastAPI's field"},
    },
}


def _document_errors(app: FastAPI) -> None:
    """The OpenAPI document describes the one error shape: FastAPI's default 422 body (a list under `detail`)
    is never sent, so its schema is replaced by ours, and 400/429/503 are listed on every operation."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = default()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["HTTPValidationError"] = ERROR_SCHEMA
        schemas["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, text in (("400", "Bad request"), ("429", "Too many requests"), ("503", "Busy")):
                    responses.setdefault(status, {"description": text, **ref})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Register the handlers on the app (called by create_app)."""
    _document_errors(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        param = getattr(exc, "param", None) or _param_of(detail)
        return error_response(exc.status_code, detail, param, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body", "header")]
        param = loc[0] if loc else None
        return error_response(422, f"{param or 'request'}: {first.get('msg', 'invalid value')}", param)

    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy) -> JSONResponse:
        return error_response(503, BUSY, code="busy", headers={"Retry-After": "5"})

    @app.exception_handler(Timeout)
    async def timeout(request: Request, exc: Timeout) -> JSONResponse:
        return error_response(503, exc, code="timeout")

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return error_response(503, exc)

    @app.exception_handler(MppwatchError)
    async def library_error(request: Request, exc: MppwatchError) -> JSONResponse:
        return error_response(400, exc, _param_of(str(exc)))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        import duckdb

        if isinstance(exc, duckdb.InterruptException):
            return error_response(503, "the request took longer than its time budget", code="timeout")
        if isinstance(exc, duckdb.IOException | duckdb.ConnectionException) and "lock" in str(exc).lower():
            return error_response(503, BUSY, code="busy", headers={"Retry-After": "5"})
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal error: the server could not answer this request")
