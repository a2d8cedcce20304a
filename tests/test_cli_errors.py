"""Usage errors, data errors and bugs as a person sees them: the real `mppwatch` entry point in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from mppwatch.commands import _errors

MPPWATCH = str(Path(sys.executable).with_name("mppwatch"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "MPPWATCH_DEBUG")}
    base.update({"LANG": "C.UTF-8", "LC_ALL": "", "COLUMNS": "100"})
    base.update(env or {})
    return subprocess.run([MPPWATCH, *args], capture_output=True, text=True, env=base, timeout=60)


def usage_error(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """Click's usage error: exit 2, nothing on stdout, usage + hint + error on stderr, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and "│" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line]
    assert 3 <= len(lines) <= 4, proc.stderr
    return lines


def test_unknown_command(tmp_path):
    lines = usage_error(run("--db", str(tmp_path / "x.duckdb"), "datasest", "x"))
    assert lines[0] == "Usage: mppwatch [OPTIONS] COMMAND [ARGS]..."
    assert lines[1] == "Try 'mppwatch --help' for help."
    assert lines[2] == "Error: No such command 'datasest'. Did you mean 'datasets', 'backtest'?"


def test_missing_argument():
    lines = usage_error(run("series"))
    assert lines[0].startswith("Usage: mppwatch series [OPTIONS]")
    assert lines[1] == "Try 'mppwatch series --help' for help."
    assert lines[2].startswith("Error: Missing argument") and "dataset" in lines[2].lower()


def test_bad_choice():
    lines = usage_error(run("series", "x", "--format", "xml"))
    assert lines[2] == "Error: Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'csv', 'json'."


def test_global_option_after_the_command():
    lines = usage_error(run("returns", "--db", "x.duckdb", "--as-of", "2019-01-01"))
    assert lines[2].startswith("Error: No such option: --db")
    assert lines[3] == "--db is a global option: put it before the command, as in 'mppwatch --db ... returns'."
    # the --lang given in the wrong place still chooses the language of the error
    lines = usage_error(run("returns", "--lang", "es", "--as-of", "2019-01-01"))
    assert lines[2] == "Error: No existe la opción: --lang"
    assert lines[3].startswith("--lang es una opción global: póngala antes de la orden")


def test_bad_language():
    lines = usage_error(run("--lang", "fr", "datasets"))
    assert lines[2] == "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'es'."


def test_unknown_option_of_a_lazy_command():
    lines = usage_error(run("court", "table", "--nope"))
    assert lines[2].startswith("Error: No such option: --nope")


def test_usage_errors_in_spanish():
    lines = usage_error(run("--lang", "es", "datasest", "x"))
    assert lines == [
        "Uso: mppwatch [OPTIONS] COMMAND [ARGS]...",
        "Pruebe 'mppwatch --help' para ver la ayuda.",
        "Error: No existe la orden 'datasest'. ¿Quiso decir 'datasets', 'backtest'?",
    ]
    lines = usage_error(run("series", "x", "-f", "xml", env={"MPPWATCH_LANG": "es"}))
    assert lines[2] == "Error: Valor no válido para '--format' / '-f': 'xml' no es uno de 'table', 'csv', 'json'."
    lines = usage_error(run("series", env={"LANG": "es_MX.UTF-8"}))
    assert lines[2].startswith("Error: Falta el argumento")


def test_data_error_is_one_line(tmp_path):
    proc = run("--db", str(tmp_path / "none.duckdb"), "series", "x")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"error: {tmp_path / 'none.duckdb'}: no database here yet; run `mppwatch load` first"
    ]
    assert not (tmp_path / "none.duckdb").exists()


def test_debug_shows_the_traceback(tmp_path):
    proc = run("--debug", "--db", str(tmp_path / "none.duckdb"), "series", "x")
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "no database here yet" in proc.stderr.splitlines()[-1]
    proc = run("--db", str(tmp_path / "none.duckdb"), "series", "x", env={"MPPWATCH_DEBUG": "1"})
    assert "Traceback (most recent call last)" in proc.stderr


def test_help_exits_zero():
    proc = run("--help")
    assert proc.returncode == 0 and "series" in proc.stdout and proc.stderr == ""
    proc = run()  # no arguments: the help, as Click's no_args_is_help does (exit 2 is Click's convention)
    assert "series" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


def _bug_app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise RuntimeError("a bug\nsecond line")

    @app.command()
    def other() -> None:
        pass

    return app


def test_a_bug_is_one_line_pointing_to_debug(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _errors.run(_bug_app(), ["boom"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err == "error: internal error (RuntimeError: a bug); run with --debug for the traceback\n"


def test_a_bug_with_debug_shows_the_traceback(capsys):
    with pytest.raises(SystemExit):
        _errors.run(_bug_app(), ["boom"], debug_env=True)
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: a bug" in err


def test_prescan():
    assert _errors.prescan(["--db", "x", "--lang", "es", "series"]) == ("es", False)
    assert _errors.prescan(["--lang=es", "--debug", "series"]) == ("es", True)
    assert _errors.prescan(["claims", "check", "f.csv", "--lang", "es"]) == ("es", False)
    assert _errors.prescan(["series", "--", "--debug"]) == (None, False)


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("No such command 'x'.", "No existe la orden 'x'."),
        ("No such option: --nope Did you mean --no?", "No existe la opción: --nope ¿Quiso decir --no?"),
        ("Missing option '--as-of'.", "Falta la opción '--as-of'."),
        ("Option '--db' requires an argument.", "La opción '--db' necesita un valor."),
        ("Got unexpected extra argument (b)", "Sobran argumentos (b)"),
        (
            "Invalid value for '--days': 'x' is not a valid integer.",
            "Valor no válido para '--days': 'x' is not a valid integer.",
        ),
        ("something Click has never said", "something Click has never said"),
    ],
)
def test_usage_message_in_spanish(english, spanish):
    assert _errors.usage_message(english, "es") == spanish
    assert _errors.usage_message(english, "en") == english
