"""The dashboard's static files (its own and plotly.js from the installed `plotly` package, never a CDN).

Each file is read and gzip-compressed once per process (plotly.min.js is 4.8 MB, 1.4 MB compressed), named by a
hash of its bytes: pages link `/static/NAME?v=HASH`, which a browser may keep for a year (`immutable`); the same
file without that version is revalidated by its ETag (304 when unchanged). Clients that do not accept gzip get
the plain bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import Response

STATIC = Path(str(resources.files("mppwatch.web").joinpath("static")))
YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # may be stored, but asked again with If-None-Match each time


@dataclass(frozen=True)
class Asset:
    """A static file's bytes, its gzip bytes, its content hash (the version and ETag) and its media type."""

    body: bytes
    gzipped: bytes
    version: str
    media_type: str


def _path(name: str) -> Path | None:
    if name == "plotly.min.js":
        return Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    if "/" not in name and "\\" not in name and (STATIC / name).is_file():
        return STATIC / name
    return None


@cache
def load(name: str) -> Asset | None:
    """The asset called `name`, read and compressed on first use; None when there is no such asset."""
    path = _path(name)
    if path is None:
        return None
    body = path.read_bytes()
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Asset(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:16], media)


def url(name: str) -> str:
    """The versioned address of a bundled asset, for templates (`asset("app.js")`)."""
    found = load(name)
    if found is None:
        raise KeyError(f"{name}: no such asset")
    return f"/static/{name}?v={found.version}"


def response(request: Request, name: str) -> Response:
    """The asset for this request: gzip when accepted, 304 when the client's ETag matches, cached for a year when
    asked by its current version."""
    found = load(name)
    if found is None:
        raise HTTPException(status_code=404, detail=f"{name}: no such asset")
    zipped = "gzip" in request.headers.get("accept-encoding", "")  # Starlette's GZipMiddleware's rule, for pages
    etag = f'"{found.version}{"-gz" if zipped else ""}"'
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Cache-Control": YEAR if request.query_params.get("v") == found.version else REVALIDATE,
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
    return Response(found.gzipped if zipped else found.body, media_type=found.media_type, headers=headers)
