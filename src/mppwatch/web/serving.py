"""The real server in a child process, on a free loopback port: for the benches, the reliability tests and
anyone who wants `mppwatch serve` under a script's control (start, wait for health, stop).

It runs the installed `mppwatch serve` (the same process a user starts), binds 127.0.0.1 only, and is stopped
(SIGTERM, then SIGKILL) when the `with` block ends, whatever happens inside it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError

__all__ = ["Served", "free_port", "served", "served_in_thread"]


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A running server: its base URL and its process (for memory and CPU readings)."""

    base: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:  # noqa: S310 - loopback URL built here
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def served(db: str | Path, env: Mapping[str, str] | None = None, timeout: float = 60.0) -> Iterator[Served]:
    """`mppwatch --db DB serve` on a free 127.0.0.1 port, yielded once /api/v1/health answers 200.

    `env` adds to this process's environment (e.g. MPPWATCH_RATE_LIMIT). A server that exits early or does not
    answer within `timeout` seconds is an error, and it is stopped either way.
    """
    exe = Path(sys.executable).with_name("mppwatch")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(exe), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while not _answers(f"{base}/api/v1/health"):
            if process.poll() is not None:
                raise MppwatchError(
                    N_("the server exited with status {status} before it answered"), status=process.returncode
                )
            if time.monotonic() > deadline:
                raise MppwatchError(
                    N_("the server did not answer /api/v1/health within {seconds} s"), seconds=f"{timeout:.0f}"
                )
            time.sleep(0.1)
        yield Served(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def served_in_thread(db: str | Path, timeout: float = 20.0) -> Iterator[str]:
    """The app for `db` under uvicorn in a thread of this process, on a free 127.0.0.1 port: yields its base URL.

    For tests and benches that also open the store themselves (a token, a seed) or drive a browser against the
    pages; `served` is the whole `mppwatch serve` process. A server that has not started within `timeout`
    seconds is an error; it is asked to exit when the `with` block ends.
    """
    import threading

    import uvicorn

    from mppwatch.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise MppwatchError(N_("the server did not start within {seconds} s"), seconds=timeout)
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
