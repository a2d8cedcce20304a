"""`fetch` against a local HTTP server on 127.0.0.1 serving the saved editions (no other network)."""

from __future__ import annotations

import http.server
import shutil
import socket
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.publishers.fetch import FetchError, default_url, fetch, pick_workbook_link
from mppwatch.store import Store, sha256_of

DATA = Path(__file__).resolve().parents[1] / "data" / "publisher_files"
AUG = next(DATA.glob("*august-2024.xlsx"))
JUL = next(DATA.glob("*july-2024.xlsx"))


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder; /broken/<name> announces the whole file and sends half; /unsized/<name> sends half
    without announcing a length; /page.html links both editions."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        for prefix, announce in (("/broken/", True), ("/unsized/", False)):
            if self.path.startswith(prefix):
                raw = (Path(self.directory) / self.path[len(prefix) :]).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if announce:
                    self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw[: len(raw) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
        if self.path == "/page.html":
            body = (
                f'<html><body><a href="/about">About</a> <a href="{JUL.name}">July</a> '
                f'<a href="{AUG.name}">August</a> <a href="notes.pdf">notes</a></body></html>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("served")
    for path in (AUG, JUL):
        shutil.copy(path, root / path.name)
    (root / "not-a-workbook.xlsx").write_text("<html>Sorry, this page moved</html>")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loads(db: Path) -> int:
    with Store.open(db) as store:
        row = store.con.execute("SELECT count(*) FROM loads").fetchone()
        return int(row[0]) if row else 0


def test_fetch_takes_the_newest_workbook_a_page_links(server: str, tmp_path: Path) -> None:
    out = tmp_path / "kept"
    seen: list[tuple[int, int | None]] = []
    with Store.open(tmp_path / "f.duckdb") as store:
        result = fetch(store, "ohss", url=f"{server}/page.html", out_dir=out, progress=lambda d, t: seen.append((d, t)))
        editions = store.query("SELECT DISTINCT dims['edition'] AS e FROM observations")["e"].tolist()
    assert result.attrs["edition"] == "2024-08" and result.attrs["url"] == f"{server}/{AUG.name}"
    assert set(result["status"]) == {"loaded"} and len(result) == 34
    assert editions == ["2024-08"]
    assert sorted(p.name for p in out.iterdir()) == [AUG.name]  # kept under its own name, no .part left
    assert sha256_of(out / AUG.name) == sha256_of(AUG)
    assert seen[-1] == (AUG.stat().st_size, AUG.stat().st_size)  # the progress bar reached the end


def test_a_download_that_breaks_off_is_never_loaded(server: str, tmp_path: Path) -> None:
    db, out = tmp_path / "f.duckdb", tmp_path / "kept"
    with Store.open(db) as store:
        with pytest.raises(FetchError, match=r"broke off|got \d+ of \d+ bytes") as caught:
            fetch(store, "ohss", url=f"{server}/broken/{AUG.name}", out_dir=out)
    assert "nothing loaded" in str(caught.value)
    assert list(out.iterdir()) == []  # the partial file was removed
    assert loads(db) == 0


def test_a_short_download_without_a_length_fails_the_xlsx_check(server: str, tmp_path: Path) -> None:
    db, out = tmp_path / "f.duckdb", tmp_path / "kept"
    with Store.open(db) as store:
        with pytest.raises(FetchError, match="not a usable workbook"):
            fetch(store, "ohss", url=f"{server}/unsized/{AUG.name}", out_dir=out)
        with pytest.raises(FetchError, match="not a usable workbook"):
            fetch(store, "ohss", url=f"{server}/not-a-workbook.xlsx", out_dir=out)
    assert list(out.iterdir()) == []
    assert loads(db) == 0


def test_offline_or_missing_fails_clearly_and_changes_nothing(server: str, tmp_path: Path) -> None:
    db, out = tmp_path / "f.duckdb", tmp_path / "kept"
    with Store.open(db) as store:
        with pytest.raises(FetchError, match=r"cannot reach .*offline.*nothing changed"):
            fetch(store, "ohss", url=f"http://127.0.0.1:{free_port()}/tables.xlsx", out_dir=out, timeout=5)
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch(store, "ohss", url=f"{server}/no-such-edition.xlsx", out_dir=out)
        with pytest.raises(FetchError, match="unknown publisher"):
            fetch(store, "cbp", url=f"{server}/page.html", out_dir=out)
    assert not out.exists()
    assert loads(db) == 0


def test_the_default_url_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPPWATCH_OHSS_URL", raising=False)
    assert default_url("ohss").startswith("https://ohss.dhs.gov/")
    monkeypatch.setenv("MPPWATCH_OHSS_URL", "http://127.0.0.1:9/latest.xlsx")
    assert default_url("OHSS") == "http://127.0.0.1:9/latest.xlsx"


def test_pick_workbook_link() -> None:
    page = (
        '<a href="/sites/default/files/2024_1206_tables-august-2024.xlsx">Aug</a>'
        '<a href="files/2024_1108_tables-july-2024.xlsx">Jul</a><a href="x.pdf">pdf</a>'
    )
    assert pick_workbook_link("https://example.org/topic/page", page) == (
        "https://example.org/sites/default/files/2024_1206_tables-august-2024.xlsx"
    )
    with pytest.raises(FetchError, match="links no .xlsx"):
        pick_workbook_link("https://example.org/", '<a href="x.pdf">pdf</a>')


def test_fetch_command_with_url_and_out(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, out = tmp_path / "f.duckdb", tmp_path / "kept"
    monkeypatch.setenv("MPPWATCH_OHSS_URL", f"{server}/{JUL.name}")
    result = CliRunner().invoke(app, ["--db", str(db), "fetch", "ohss", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dataset,edition,sheet,rows,load_id,status,message\n")
    assert result.stdout.count(",2024-07,") == 34
    assert (out / JUL.name).is_file()
    failed = CliRunner().invoke(
        app, ["--db", str(db), "fetch", "ohss", "--url", f"{server}/broken/{AUG.name}", "--out", str(out)]
    )
    assert isinstance(failed.exception, FetchError)
    assert sorted(p.name for p in out.iterdir()) == [JUL.name]
