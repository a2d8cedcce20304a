"""Progress on long work: drawn on a terminal's stderr after a second, never on stdout, never into a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from mppwatch.commands import _progress

MPPWATCH = str(Path(sys.executable).with_name("mppwatch"))


def test_shown_on_a_terminal_only_after_the_delay(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(_progress, "err", Console(file=screen, force_terminal=True, width=80))
    with _progress.working("quick", after=0.5):
        pass
    assert screen.getvalue() == ""
    with _progress.working("backtest origins", total=4, after=0.05) as work:
        time.sleep(0.3)
        work.update(2, 4)
        time.sleep(0.3)
    assert "backtest origins" in screen.getvalue()


def test_nothing_drawn_off_a_terminal(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(_progress, "err", Console(file=screen, force_terminal=False, width=80))
    with _progress.working("reconciling", total=3, after=0.0) as work:
        time.sleep(0.2)
        work.advance()
    assert screen.getvalue() == ""


def test_stdout_stays_clean_with_stderr_on_a_terminal(tmp_path):
    """With the delay at 0 (MPPWATCH_PROGRESS_AFTER), loading the bundled data draws its progress on the terminal
    on stderr; stdout is the CSV alone, the same as with stderr on a pipe (where nothing at all is drawn)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "100"})
    env["MPPWATCH_DB"] = str(tmp_path / "piped.duckdb")
    plain = subprocess.run([MPPWATCH, "load", "--format", "csv"], capture_output=True, text=True, env=env)
    assert plain.returncode == 0 and plain.stderr == ""
    env.update({"MPPWATCH_DB": str(tmp_path / "terminal.duckdb"), "MPPWATCH_PROGRESS_AFTER": "0"})
    main, child = pty.openpty()
    proc = subprocess.run(
        [MPPWATCH, "load", "--format", "csv"], stdout=subprocess.PIPE, stderr=child, env=env, timeout=300
    )
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert proc.returncode == 0
    assert proc.stdout.decode() == plain.stdout
    assert b".csv" in shown  # the progress line names the file being loaded
