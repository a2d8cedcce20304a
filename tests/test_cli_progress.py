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


def test_court_commands_write_no_progress_into_a_pipe(tmp_path, fresh_db):
    """synth eoir, court load and court validate with stderr on a pipe: their notes and summary lines only,
    no blank line or bar left by a progress display."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "100", "MPPWATCH_DB": str(fresh_db)})

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([MPPWATCH, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc

    synth = run("synth", "eoir", "rel", "--cases", "500", "--seed", "1", "--format", "csv")
    assert synth.stderr.splitlines() == [
        "note: SYNTHETIC data (written to rel/SYNTHETIC_EOIR_CASE_DATA), not real court records"
    ]
    load = run("court", "load", "rel", "--release", "2026-01", "--format", "csv")
    lines = load.stderr.splitlines()
    assert lines[0] == "note: SYNTHETIC data (release 2026-01-SYNTHETIC), not real court records"
    assert all(line.strip() for line in lines) and "\x1b" not in load.stderr, load.stderr
    assert lines[-1].startswith("2026-01-SYNTHETIC: ") and " rows loaded, " in lines[-1]
    validate = run("court", "validate", "--format", "csv")
    notes = validate.stderr.splitlines()  # only notes (the SYNTHETIC label, what orphan counts are): no progress
    assert "note: SYNTHETIC data (release 2026-01-SYNTHETIC), not real court records" in notes
    assert all(line.startswith("note: ") for line in notes) and "\x1b" not in validate.stderr, validate.stderr
    assert validate.stdout.startswith("section,table,column,measure,value\n")
