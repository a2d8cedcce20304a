"""The i18n interface (language choice, catalogs, number and date formats) and the catalog's completeness."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from mppwatch import i18n

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/mppwatch/locale/es/LC_MESSAGES/mppwatch.po"
NBSP = "\u00a0"


def _compile_module():
    spec = importlib.util.spec_from_file_location("compile_catalogs", ROOT / "scripts/compile_catalogs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def marked_msgids() -> dict[tuple[str, str | None], str]:
    """Every string marked `_("...")` (or `pN_(context, "...")`) in the package's Python and templates, with its
    context and where it was found."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "src/mppwatch"),
        method_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "N_": None,
            "template": None,
            "_t": None,
            "_N": None,
            "pN_": ((1, "c"), 2),
        },
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_every_marked_string_has_spanish():
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for (msgid, context), where in sorted(marked_msgids().items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        entry = catalog.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            strings = strings[0] if all(strings) else ""
        if entry is None or not strings or entry.fuzzy:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "no Spanish in mppwatch.po for:\n" + "\n".join(missing)


def test_compiled_catalog_matches_po():
    mod = _compile_module()
    assert mod.catalogs(), "no .po catalogs found"
    assert mod.stale() == [], "run `.venv/bin/python scripts/compile_catalogs.py` and commit the .mo"


def test_stale_detection(tmp_path):
    mod = _compile_module()
    d = tmp_path / "es/LC_MESSAGES"
    d.mkdir(parents=True)
    po = d / "mppwatch.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "a"\nmsgstr "b"\n')
    assert mod.stale(tmp_path) == [po.with_suffix(".mo")]  # missing
    po.with_suffix(".mo").write_bytes(mod.compiled(po))
    assert mod.stale(tmp_path) == []
    po.write_text(po.read_text().replace('msgstr "b"', 'msgstr "c"'))
    assert mod.stale(tmp_path) == [po.with_suffix(".mo")]  # edited .po, old .mo


def test_translator():
    assert i18n.translator("es")("Returns to Mexico") == "Devoluciones a México"
    assert i18n.translator("en")("Returns to Mexico") == "Returns to Mexico"
    assert i18n.translator("es")("a string nobody translated") == "a string nobody translated"
    with pytest.raises(ValueError):
        i18n.translator("fr")


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("es", {"MPPWATCH_LANG": "en"}, "es"),
        ("EN", {"MPPWATCH_LANG": "es"}, "en"),
        (None, {"MPPWATCH_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
        (None, {"LANG": "es_MX.UTF-8"}, "es"),
        (None, {"LC_ALL": "en_US.UTF-8", "LANG": "es_MX.UTF-8"}, "en"),
        (None, {"LC_MESSAGES": "es_ES", "LANG": "C"}, "es"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"MPPWATCH_LANG": "de"}, "en"),
        (None, {}, "en"),
    ],
)
def test_resolve_lang(monkeypatch, explicit, env, expected):
    for var in ("MPPWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.resolve_lang(explicit) == expected


def test_resolve_lang_rejects_unknown():
    with pytest.raises(ValueError, match="en or es"):
        i18n.resolve_lang("fr")


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (16714, "en", "16,714"),
        (16714, "es", f"16{NBSP}714"),
        (16714.0, "es", f"16{NBSP}714"),
        (4245, "en", "4,245"),
        (4245, "es", "4245"),  # Spanish does not group four digits
        (4245.84, "es", "4245,840"),
        (1234567.5, "es", f"1{NBSP}234{NBSP}567,500"),
        (1234567.5, "en", "1,234,567.500"),
        (-16714, "es", f"-16{NBSP}714"),
        (0.25, "es", "0,250"),
        (None, "es", ""),
        (float("nan"), "en", ""),
    ],
)
def test_format_number(value, lang, expected):
    assert i18n.format_number(value, lang) == expected


def test_format_number_decimals():
    assert i18n.format_number(12.3456, "en", decimals=1) == "12.3"
    assert i18n.format_number(12.3456, "es", decimals=1) == "12,3"


def test_format_date():
    assert i18n.format_date(dt.date(2019, 6, 30), "en") == "30 Jun 2019"
    assert i18n.format_date(dt.date(2019, 6, 30), "es") == "30 jun 2019"
    assert i18n.format_date("2019-09-01", "es") == "1 sept 2019"
    assert i18n.format_date(dt.datetime(2020, 1, 2, 13, 0), "es") == "2 ene 2020"


def test_format_date_agrees_with_babel():
    from babel.dates import format_date

    for month in range(1, 13):
        d = dt.date(2019, month, 15)
        for lang in ("en", "es"):
            assert i18n.format_date(d, lang) == format_date(d, "d MMM y", locale=lang)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR, es;q=0.5, en;q=0.4", "es"),
        ("fr-FR", "en"),
        ("es;q=0, en;q=0.1", "en"),
        ("*", "en"),
        ("en;q=0.5, es;q=0.5", "en"),
        ("es;q=bogus, en;q=0.3", "en"),
    ],
)
def test_accept_language(header, expected):
    assert i18n.accept_language(header) == expected


def test_catalog_has_no_duplicate_msgid():
    """Several people append to the .po: a second copy of a msgid would silently hide one translation."""
    import re

    # a msgid is unique within its context (msgctxt): "loaded" for court rows and "loaded" as a file's status
    ids = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"$', PO.read_text(encoding="utf-8"), flags=re.M)
    dupes = sorted({i[1] for i in ids if ids.count(i) > 1 and i[1]})
    assert not dupes, f"msgid appears more than once in mppwatch.po: {dupes}"
