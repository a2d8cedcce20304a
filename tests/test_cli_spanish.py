"""Spanish where people read: tables, titles, method texts, the API's method text; CSV and JSON never change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from mppwatch import i18n, output
from mppwatch.web.app import create_app

MPPWATCH = str(Path(sys.executable).with_name("mppwatch"))
NBSP = "\u00a0"


def run(db: Path, *args: str, lang_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "250", "MPPWATCH_DB": str(db)})
    env.update(lang_env or {})
    return subprocess.run([MPPWATCH, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        (
            "linear interpolation between snapshots of 2019-06-30 and 2019-07-07",
            "interpolación lineal entre las cifras publicadas del 30 jun 2019 y del 7 jul 2019",
        ),
        (
            "no snapshot on or after this date: not estimated; last known: 14,235 on 2019-08-16 (DEBATE_2019-08-16_JUAREZ)",
            "no hay cifra publicada en esta fecha ni después: sin estimación; última conocida: "
            f"14{NBSP}235 el 16 ago 2019 (DEBATE_2019-08-16_JUAREZ)",
        ),
        ("MPP returns to Mexico as of 2019-09-01", "Devoluciones del MPP a México al 1 sept 2019"),
        ("snapshot", "cifra publicada"),
        (  # a sentence inside a sentence, and the more specific of two templates
            "SYNTHETIC DATA - court table, release 2026-01-SYNTHETIC (MPP cohort)",
            "DATOS SINTÉTICOS - tabla judicial, publicación 2026-01-SYNTHETIC (cohorte del MPP)",
        ),
        ("a sentence no template knows", "a sentence no template knows"),
    ],
)
def test_localise(english, spanish):
    assert i18n.localise(english, "es") == spanish
    assert i18n.localise(english, "en") == english


def test_every_template_has_spanish():
    from babel.messages.pofile import read_po

    import mppwatch.charts  # noqa: F401  (registers the chart titles)
    import mppwatch.texts  # noqa: F401

    with (Path(i18n.locale_dir()) / "es/LC_MESSAGES/mppwatch.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = [t for t in i18n._TEMPLATES if catalog.get(t) is None or not catalog.get(t).string]
    assert not missing


def test_table_in_spanish(capsys):
    frame = pd.DataFrame(
        {"city": ["Ciudad Juárez"], "value": [16714.0], "before_date": ["2019-06-30"], "method": ["snapshot"]}
    )
    output.emit(frame, "table", title="MPP returns to Mexico as of 2019-06-30", lang="es")
    out = capsys.readouterr().out
    assert "Devoluciones del MPP a México al 30 jun 2019" in out
    assert f"16{NBSP}714" in out and "30 jun 2019" in out and "cifra publicada" in out
    assert "ciudad" in out and "método" in out
    output.emit(frame, "table", lang="en")
    out = capsys.readouterr().out
    assert "16,714" in out and "30 Jun 2019" in out and "snapshot" in out


def test_whole_columns(capsys):
    frame = pd.DataFrame({"people": [4245.84], "mean_days": [12.25]})
    output.emit(frame, "table", lang="en", whole=["people"])
    out = capsys.readouterr().out
    assert "4,246" in out and "12.250" in out and "4,245.840" not in out


def test_cli_spanish_table_and_unchanged_csv(bundled_db):
    es = run(bundled_db, "--lang", "es", "returns", "--as-of", "2019-07-01", "--by", "city")
    assert es.returncode == 0, es.stderr
    assert "Devoluciones del MPP a México al 1 jul 2019" in es.stdout
    assert "interpolación lineal" in es.stdout
    env_es = run(bundled_db, "returns", "--as-of", "2019-07-01", "--by", "city", lang_env={"LANG": "es_MX.UTF-8"})
    assert env_es.stdout == es.stdout
    csv_en = run(bundled_db, "returns", "--as-of", "2019-07-01", "--by", "city", "--format", "csv")
    csv_es = run(bundled_db, "--lang", "es", "returns", "--as-of", "2019-07-01", "--by", "city", "--format", "csv")
    assert csv_en.returncode == 0 and csv_en.stdout == csv_es.stdout
    assert "linear interpolation between snapshots of" in csv_es.stdout
    json_en = run(bundled_db, "series", "mexico_mpp_returns_city_snapshots", "--format", "json")
    json_es = run(bundled_db, "--lang", "es", "series", "mexico_mpp_returns_city_snapshots", "--format", "json")
    assert json_en.stdout == json_es.stdout and json_en.stdout


def test_api_returns_in_spanish(bundled_db):
    client = TestClient(create_app(bundled_db))
    en = client.get("/api/v1/returns", params={"as_of": "2019-07-01", "by": "city"}).json()
    es = client.get("/api/v1/returns", params={"as_of": "2019-07-01", "by": "city", "lang": "es"}).json()
    assert [r["value"] for r in en["rows"]] == [r["value"] for r in es["rows"]]
    assert any(r["method"].startswith("linear interpolation") for r in en["rows"])
    assert any(r["method"].startswith("interpolación lineal") for r in es["rows"])
    assert not any("linear interpolation" in (r["method"] or "") for r in es["rows"])
    assert client.get("/api/v1/returns", params={"as_of": "2019-07-01", "lang": "fr"}).status_code == 422


def test_root_help_is_all_spanish():
    """Every help text the root `--help` shows (cli.py's commands, their options, the lazy index) has Spanish."""
    import typer

    from mppwatch.cli import app
    from mppwatch.commands._index import COMMANDS
    from mppwatch.commands._lazy import _Placeholder, translate_text

    _ = i18n.translator("es")
    group = typer.main.get_command(app)
    texts = [group.help, *(p.help for p in group.params)]
    for cmd in group.commands.values():
        if not isinstance(cmd, _Placeholder):
            texts += [cmd.help, *(getattr(p, "help", None) for p in cmd.params)]
    texts += [help_text for _module, help_text, _hidden in COMMANDS.values()]
    missing = sorted(
        {t for t in texts if t and translate_text(t, _) == t and t not in ("city",)} - {"table, csv or json"}
    )
    assert not missing, missing


def test_help_in_spanish_subprocess(bundled_db):
    proc = run(bundled_db, "--lang", "es", "--help")
    assert proc.returncode == 0
    for text in ("Opciones", "Órdenes", "Suma un conjunto de datos por periodo", "Muestra este mensaje y termina."):
        assert text in proc.stdout, text
    proc = run(bundled_db, "--help")
    assert "Sum a dataset per period" in proc.stdout and "Opciones" not in proc.stdout


def test_data_errors_in_spanish(tmp_path, bundled_db):
    proc = run(tmp_path / "none.duckdb", "--lang", "es", "series", "x")
    assert proc.returncode == 1
    assert (
        proc.stderr
        == f"error: {tmp_path / 'none.duckdb'}: todavía no hay base de datos aquí; ejecute primero `mppwatch load`\n"
    )
    proc = run(bundled_db, "--lang", "es", "series", "no_such_dataset")
    assert proc.returncode == 1 and proc.stderr.startswith("error: no hay un conjunto de datos 'no_such_dataset' en ")
    proc = run(bundled_db, "series", "no_such_dataset")
    assert proc.stderr.startswith("error: no dataset 'no_such_dataset' in ")


def _command_paths() -> list[tuple[list[str], object]]:
    """Every command and subcommand (lazily loaded ones too) with its click object, as English help builds it."""
    import typer

    from mppwatch.cli import app
    from mppwatch.commands._lazy import _command_modules, _Placeholder, load_module_commands

    group = typer.main.get_command(app)
    tops = {n: c for n, c in group.commands.items() if not isinstance(c, _Placeholder)}
    for module in _command_modules():
        tops.update(load_module_commands(module))
    paths: list[tuple[list[str], object]] = []

    def walk(path: list[str], cmd: object) -> None:
        paths.append((path, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk([*path, name], sub)

    for name, cmd in tops.items():
        walk([name], cmd)
    return paths


def _paragraphs(cmd: object) -> set[str]:
    texts = [getattr(cmd, "help", None), *(getattr(p, "help", None) for p in getattr(cmd, "params", []))]
    return {" ".join(p.split()) for t in texts if t for p in t.split("\n\n") if p.strip()}


def test_every_command_help_is_spanish(monkeypatch, capsys):
    """`mppwatch --lang es CMD [SUB] --help` for every command: each of our help paragraphs has a catalog entry,
    and none that translates differently is shown in English (sentences: a one- or two-word help such as 'port' is
    also an option's name); Click's 'Usage:' is 'Uso:'."""
    import re

    from babel.messages.pofile import read_po

    from mppwatch.cli import main

    with (Path(i18n.locale_dir()) / "es/LC_MESSAGES/mppwatch.po").open("rb") as fh:
        catalog = read_po(fh)
    _ = i18n.translator("es")
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("LANGUAGE", "en")  # main() sets it for Click's own words; restored after the test
    untranslated: list[str] = []
    shown_english: list[str] = []
    try:
        for path, cmd in _command_paths():
            english = _paragraphs(cmd)
            untranslated += [
                f"{' '.join(path)}: {t!r}" for t in english if not (catalog.get(t) and catalog.get(t).string)
            ]
            try:
                main(["--lang", "es", *path, "--help"])
            except SystemExit as exc:
                assert exc.code in (0, None), exc
            out = capsys.readouterr().out
            flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
            assert flat.startswith("Uso: mppwatch " + " ".join(path)), out[:300]
            shown_english += [
                f"{' '.join(path)}: {t!r}" for t in english if _(t) != t and len(t.split()) > 2 and t in flat
            ]
    finally:
        output.set_lang("en")
    assert not untranslated, "no Spanish in mppwatch.po for help texts:\n" + "\n".join(sorted(untranslated))
    assert not shown_english, "English help shown with --lang es:\n" + "\n".join(shown_english)


def test_series_table_title_and_sources_line_in_the_readers_language(bundled_db):
    """The table's title is the catalogue's title in the reader's language (not the dataset id), and the line
    under it says fuentes/cargas in Spanish; CSV is unchanged."""
    args = ["series", "ohss_swb_bookouts_by_agency_monthly", "--where", "outcome=Migrant Protection Protocols"]
    args += ["--from", "2019-06", "--to", "2019-08"]
    es = run(bundled_db, "--lang", "es", *args)
    assert es.returncode == 0, es.stderr
    lines = es.stdout.splitlines()
    assert lines[0] == "DHS OHSS: salidas de custodia en la frontera suroeste por agencia y resultado, mensual"
    assert any(line.startswith("fuentes: OHSS_IELP_2024-08; cargas: ") for line in lines), es.stdout
    assert "sources:" not in es.stdout and "loads:" not in es.stdout
    en = run(bundled_db, *args)
    lines = en.stdout.splitlines()
    assert lines[0] == "DHS OHSS: southwest border book-outs by agency and outcome, monthly"
    assert any(line.startswith("sources: OHSS_IELP_2024-08; loads: ") for line in lines), en.stdout
    csv = [run(bundled_db, *lang, *args, "--format", "csv").stdout for lang in ([], ["--lang", "es"])]
    assert csv[0] == csv[1] == "period,value\n2019-06,4700\n2019-07,11270\n2019-08,11970\n"


def test_the_datasets_table_shows_one_title_in_the_readers_language(bundled_db: Path) -> None:
    """A Spanish reader sees the Spanish title under 'título' (it showed the English one beside a title_es column);
    CSV keeps both titles under their own names."""
    es = run(bundled_db, "--lang", "es", "datasets")
    assert es.returncode == 0, es.stderr
    assert "inscripcio" in es.stdout and "title_es" not in es.stdout  # cells wrap: a word's start is enough
    assert "inadmisib" in es.stdout and "inadmissib" not in es.stdout  # OFO's title: Spanish, never English
    assert "funciones" in es.stdout and "redondeo" in es.stdout
    en = run(bundled_db, "--lang", "en", "datasets")
    assert "inadmissib" in en.stdout and "inscripcio" not in en.stdout
    csv = run(bundled_db, "--lang", "es", "datasets", "--format", "csv")
    assert csv.stdout.splitlines()[0].startswith("dataset,title,title_es,roles,stock,rounding,")


def test_load_says_what_it_did_in_spanish(tmp_path: Path) -> None:
    """The status column reads 'cargado' and 'sin cambios (omitido)' in a Spanish table (it printed loaded and
    skipped); CSV keeps the codes."""
    db = tmp_path / "es.duckdb"
    first = run(db, "--lang", "es", "load")
    assert first.returncode == 0, first.stderr
    assert "│ cargado" in first.stdout and "│ loaded" not in first.stdout
    again = run(db, "--lang", "es", "load")
    assert "sin cambios (omitido)" in again.stdout and "skipped" not in again.stdout
    csv = run(db, "--lang", "es", "load", "--format", "csv")
    assert csv.stdout.splitlines()[1].endswith(",skipped")


def test_reach_reads_in_spanish_headers_and_notes(bundled_db: Path) -> None:
    """reach's headers and the 'note:' before its notes on stderr in Spanish (they printed start_total, target,
    horizon_end, actual and note:)."""
    r = run(bundled_db, "--lang", "es", "reach", "ohss_swb_bookouts_by_agency_monthly", "--where", "component=CBP",
            "--where", "outcome=Migrant Protection Protocols", "--target", "50000", "--as-of", "2019-06")  # fmt: skip
    assert r.returncode == 0, r.stderr
    for word in ("total_inicial", "meta", "fin_del_horizonte", "observado"):
        assert word in r.stdout, word
    for word in ("start_total", "horizon_end", "actual "):
        assert word not in r.stdout, word
    assert r.stderr.startswith("nota: ") and "note: " not in r.stderr


def test_the_citizenship_table_says_in_spanish_what_is_missing(bundled_db: Path) -> None:
    """mpp-by-nationality without the OHSS workbook: the reason in Spanish, naming the database file only (it
    printed English with the database's full path)."""
    r = run(bundled_db, "--lang", "es", "mpp-by-nationality")
    assert r.returncode == 1
    assert (
        "no hay conjunto de datos" in r.stderr
        and "load-workbook" in r.stderr
        and str(bundled_db.parent) not in r.stderr
    )


def _inputs(tmp_path: Path) -> dict[str, Path]:
    """Bad inputs for the error checks below: CSVs citing a registered source, a non-workbook, a Kobo map."""
    files = {
        "month.csv": "source_id,month,city,count\nCBP_MPP_FY2020_A,2019-13,a,1\n",
        "negative.csv": "source_id,month,city,count\nCBP_MPP_FY2020_A,2019-01,a,-5\n",
        "book.xlsx": "not a workbook\n",
        "kobo.csv": "a,b\n",
        "map.toml": "[columns]\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: tmp_path / name for name in files}


SCENARIO = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline_2019.toml")


@pytest.mark.parametrize(
    ("args", "template", "fields", "spanish"),
    [
        (
            ("load", "month.csv"),
            "'{text}' is not a month (expected YYYY-MM)",
            {"text": "2019-13"},
            "month.csv:2: columna 'month': '2019-13' no es un mes (se espera AAAA-MM)",
        ),
        (("load", "negative.csv"), "negative count {value}", {"value": "-5"}, "columna 'count': conteo negativo -5"),
        (
            ("load-workbook", "book.xlsx"),
            "not an XLSX workbook: not a zip archive (truncated download or wrong file?)",
            {},
            "no es un libro XLSX: no es un archivo zip",
        ),
        (
            ("forecast", "ohss_swb_bookouts_by_agency_monthly", "--model", "zz"),
            "unknown model {model}; choose from {choices}",
            {"model": "'zz'", "choices": "auto"},
            "modelo desconocido 'zz'; elija entre",
        ),
        (
            ("token", "create", "--admin", "--shelter", "1"),
            "give exactly one of --admin or --shelter ID",
            {},
            "indique solo una de estas opciones",
        ),
        (
            ("sweep", SCENARIO, "--grid", "x"),
            "--grid {item}: expected KEY=V1,V2,...",
            {"item": "'x'"},
            "--grid 'x': se espera CLAVE=V1,V2",
        ),
        (
            ("shelters", "import-kobo", "kobo.csv", "--map", "map.toml"),
            "required: the Kobo column that holds it",
            {},
            "columna 'columns.shelter': obligatorio: la columna de Kobo que lo contiene",
        ),
        (
            ("synth", "eoir", "out", "--cases", "0"),
            "{option} must be at least 1",
            {"option": "--cases"},
            "--cases debe ser al menos 1",
        ),
    ],
)
def test_errors_that_printed_english_read_in_spanish(
    fresh_db: Path, tmp_path: Path, args: tuple[str, ...], template: str, fields: dict[str, str], spanish: str
) -> None:
    """Under --lang es each of these errors printed English (f-strings): now one Spanish line, no English left."""
    from test_query import _english_left

    from mppwatch.core.text import Template

    _inputs(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "250", "MPPWATCH_DB": str(fresh_db)})
    r = subprocess.run(
        [MPPWATCH, "--lang", "es", *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert spanish in r.stderr, r.stderr
    left = _english_left(Template(template, **fields), r.stderr)
    assert not left and "column '" not in r.stderr and "expected" not in r.stderr, (left, r.stderr)
