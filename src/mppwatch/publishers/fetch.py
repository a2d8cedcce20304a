"""Fetch the latest edition of a publisher's workbook, check it is whole, keep it, then load it.

The download goes to a hidden `.part` file beside its destination; only a complete XLSX (every byte the
server announced, a sound zip, a readable workbook) is renamed into place and loaded. Offline, or on any
failure, nothing is kept and the store is not touched.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pandas as pd

from mppwatch.core.text import N_
from mppwatch.errors import InputError, MppwatchError
from mppwatch.publishers.load import store_workbook
from mppwatch.sources.ohss_workbook import check_xlsx, edition_from_name, read_workbook
from mppwatch.store import Store, sha256_of

# The publisher's page lists each month's workbook; a direct .xlsx URL works too.
DEFAULT_URLS = {
    "ohss": "https://ohss.dhs.gov/topics/immigration/immigration-enforcement/"
    "immigration-enforcement-and-legal-processes-monthly",
}
URL_ENV = {"ohss": "MPPWATCH_OHSS_URL"}
OUT_ENV = "MPPWATCH_DOWNLOADS"
CHUNK = 1 << 16
MAX_PAGE = 5 << 20

Progress = Callable[[int, int | None], None]  # (bytes so far, bytes expected or None)


class FetchError(MppwatchError):
    """A download that could not be completed; nothing was kept or loaded."""


UNKNOWN_PUBLISHER = N_("unknown publisher {publisher}; known: {known}")
NO_LINK = N_("{url}: the page links no .xlsx workbook")
HTTP_ERROR = N_("{url}: HTTP {code} {reason}; nothing downloaded, nothing changed")
UNREACHABLE = N_("cannot reach {url}: {reason} (offline?); nothing downloaded, nothing changed")
NO_FOLDER = N_("{folder}: cannot create the download folder: {reason}")
BROKE_OFF = N_("{url}: download broke off after {done} bytes ({kind}); nothing kept, nothing loaded")
SHORT = N_("{url}: got {done} of {total} bytes; nothing kept, nothing loaded")
PAGE_FAILED = N_("{url}: reading the page failed ({reason}); nothing changed")
NOT_USABLE = N_("{url}: downloaded file is not a usable workbook ({reason}); nothing loaded")


def default_url(publisher: str) -> str:
    """The URL `fetch` uses: $MPPWATCH_OHSS_URL, else the publisher's page."""
    key = _publisher(publisher)
    return os.environ.get(URL_ENV[key]) or DEFAULT_URLS[key]


def default_out_dir() -> Path:
    """Where downloads are kept: $MPPWATCH_DOWNLOADS, else ./publisher_files."""
    return Path(os.environ.get(OUT_ENV) or "publisher_files")


def _publisher(name: str) -> str:
    key = name.casefold()
    if key not in DEFAULT_URLS:
        raise FetchError(UNKNOWN_PUBLISHER, publisher=repr(name), known=", ".join(DEFAULT_URLS))
    return key


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def pick_workbook_link(page_url: str, html: str) -> str:
    """The newest .xlsx linked from a page: by the edition its name gives (month-year), else the first."""
    parser = _Links()
    parser.feed(html)
    links = [urljoin(page_url, h) for h in parser.hrefs if re.search(r"\.xlsx(\?|#|$)", h, re.IGNORECASE)]
    if not links:
        raise FetchError(NO_LINK, url=page_url)
    dated = [(e, i, link) for i, link in enumerate(links) if (e := edition_from_name(unquote(link)))]
    if dated:
        return max(dated, key=lambda t: (t[0], -t[1]))[2]
    return links[0]


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = urlparse(url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": "mppwatch (open data on MPP)"})
    try:
        return _opener(url).open(request, timeout=timeout)  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        raise FetchError(HTTP_ERROR, url=url, code=exc.code, reason=exc.reason) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(UNREACHABLE, url=url, reason=reason) from None


def _target_name(url: str, edition: str) -> str:
    name = Path(unquote(urlparse(url).path)).name
    if not name.casefold().endswith(".xlsx"):
        name = f"ohss-monthly-tables-{edition}.xlsx"
    return name


def download(url: str, part: Path, progress: Progress | None = None, timeout: float = 60.0) -> int:
    """Stream `url` into `part` (its folder is made once the server answers); fail unless every announced
    byte arrived. Returns the byte count."""
    response = _open(url, timeout)
    total_text = response.headers.get("Content-Length")
    total = int(total_text) if total_text and total_text.isdigit() else None
    done = 0
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        response.close()
        raise FetchError(NO_FOLDER, folder=part.parent, reason=exc.strerror) from None
    try:
        with response, open(part, "wb") as handle:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                handle.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except (http.client.HTTPException, OSError) as exc:
        raise FetchError(BROKE_OFF, url=url, done=done, kind=type(exc).__name__) from None
    if total is not None and done != total:
        raise FetchError(SHORT, url=url, done=done, total=total)
    return done


def fetch(
    store: Store,
    publisher: str = "ohss",
    url: str | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """Download the latest workbook, keep it in `out_dir`, load it; the load frame, with `attrs` url/path/bytes.

    `url` may be the workbook itself or a page linking workbooks (the newest edition is taken).
    """
    _publisher(publisher)
    url = url or default_url(publisher)
    out = Path(out_dir) if out_dir is not None else default_out_dir()
    target_url = url
    if not urlparse(url).path.casefold().endswith(".xlsx"):
        response = _open(url, timeout)
        kind = response.headers.get_content_type()
        with response:
            try:
                body = response.read(MAX_PAGE)
            except (http.client.HTTPException, OSError) as exc:
                raise FetchError(PAGE_FAILED, url=url, reason=exc) from None
        if kind == "text/html" or body.lstrip()[:1] == b"<":
            target_url = pick_workbook_link(response.geturl() or url, body.decode("utf-8", "replace"))
    hint = _target_name(target_url, "latest")
    part = out / f".{hint}.part"
    try:
        size = download(target_url, part, progress, timeout)
        try:
            check_xlsx(part)
            book = read_workbook(part)
        except InputError as exc:
            raise FetchError(NOT_USABLE, url=target_url, reason=exc.reason_message) from None
        final = out / _target_name(target_url, book.edition)
        if final.exists() and sha256_of(final) != book.sha256:
            final = final.with_name(f"{final.stem}.{book.sha256[:8]}{final.suffix}")
        os.replace(part, final)
    finally:
        part.unlink(missing_ok=True)
    book.path = final
    result = store_workbook(store, book, retrieved_via="mppwatch fetch", source_url=target_url)
    result.attrs.update({"url": target_url, "path": str(final), "bytes": size, "edition": book.edition})
    return result
