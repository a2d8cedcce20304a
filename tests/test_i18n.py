"""The i18n interface (language choice, catalogs, number and date formats) and the catalog's completeness."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import re
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


# --- errors people read are templates, not f-strings --------------------------------------------------------------
# An error raised with an f-string (or `%`, `.format`, `+`) prints in English under --lang es: its sentence has no
# msgid. Each message must be an English template marked N_() with its values passed as keyword fields.
# There is no allow-list: an error that can never reach a person (a bug) is not a TranslatableError (it is a
# RuntimeError or ValueError, which the CLI reports as an internal error).


def _error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """The names of TranslatableError, MppwatchError and every class derived from them in the package (found by
    their bases)."""
    names = {"TranslatableError", "MppwatchError"}
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any((b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)) in names for b in node.bases)
        }
        if more <= names:
            return names
        names |= more


def _literal(node: ast.expr) -> str | None:
    """The literal text of a string constant or f-string (its fields left out), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _words(text: str | None) -> bool:
    """Text with words in it (a sentence), not a key path such as `resources[{i}]` or `{sheet}!{cell}`."""
    return text is not None and bool(re.search(r"[^\W\d_]{2,}", text)) and bool(re.search(r"\s", text))


def _formatted(node: ast.expr) -> bool:
    """A sentence built from values: an f-string with fields, `"..." % x`, `"...".format(...)`, `"a " + b`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values) and _words(_literal(node))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _words(_literal(node.left))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(_formatted(side) or _words(_literal(side)) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal(node.func.value) is None or _words(_literal(node.func.value))
    return False


def _spanish_msgids() -> set[str]:
    with PO.open("rb") as fh:
        return {m.id for m in read_po(fh) if isinstance(m.id, str) and m.string and not m.fuzzy}


def formatted_errors(root: Path = ROOT / "src/mppwatch", spanish: set[str] | None = None) -> dict[str, list[str]]:
    """file -> ["file:line", ...]: each error people read with a positional argument that is a sentence built by
    formatting, or a sentence (a plain string) the catalog has no Spanish for."""
    spanish = _spanish_msgids() if spanish is None else spanish
    trees = {str(p.relative_to(root.parent)): ast.parse(p.read_text(encoding="utf-8")) for p in root.rglob("*.py")}
    classes = _error_classes(trees)
    found: dict[str, list[str]] = {}
    for name, tree in sorted(trees.items()):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if called not in classes:
                continue
            plain = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if any(_formatted(a) for a in node.args) or any(_words(t) and t not in spanish for t in plain):
                found.setdefault(name, []).append(f"{name}:{node.lineno}")
    return found


def test_no_error_people_read_is_formatted_in_english():
    """Every MppwatchError, InputError, QueryError, StoreError... is raised with a template the catalog translates
    and keyword fields."""
    over = [site for sites in formatted_errors().values() for site in sites]
    assert not over, (
        "errors raised with an f-string (or %, .format, +), or with a sentence the catalog has no Spanish for: "
        "use N_(...) with keyword fields and add its Spanish to mppwatch.po:\n" + "\n".join(over)
    )


def test_an_error_reads_in_the_language_asked_for():
    """A template with fields, a plain msgid, a reason at file:line:column or at sheet and cell, a sentence the
    court module registers whole, a store error and a list of choices: English by str(), Spanish by render."""
    import mppwatch.court.texts  # noqa: F401  (registers court load's sentences)
    from mppwatch.core.text import choices_text
    from mppwatch.errors import InputError, MppwatchError
    from mppwatch.sources.ohss_workbook import NEGATIVE, WorkbookError
    from mppwatch.store import NO_DATABASE, StoreError

    error = MppwatchError("{option} must be at least 1", option="--cases")
    assert str(error) == "--cases must be at least 1" and error.render("es") == "--cases debe ser al menos 1"
    assert MppwatchError("no such file").render("es") == "no existe ese archivo"
    bad = InputError("a.csv", 3, "count", "negative count {value}", value=-5)
    assert str(bad) == "a.csv:3: column 'count': negative count -5" and bad.reason == "negative count -5"
    assert bad.render("es") == "a.csv:3: columna 'count': conteo negativo -5"
    assert (
        InputError("x.zip", None, None, "no such file or folder").render("es")
        == "x.zip: no existe ese archivo ni carpeta"
    )
    cell = WorkbookError("b.xlsx", "T1", "C7", NEGATIVE, value=-2)
    assert str(cell) == "b.xlsx: sheet 'T1', cell C7: negative count -2"
    assert cell.render("es") == "b.xlsx: hoja 'T1', celda C7: conteo negativo -2"
    assert StoreError(NO_DATABASE, path="m.duckdb").render("es").startswith("m.duckdb: todavía no hay base de datos")
    many = MppwatchError(
        "{file}: not a bundled claims file ({files})", file="x", files=choices_text("a", "abcdefgh", 3)
    )
    assert str(many).endswith("(a, b, c (and 5 more))") and many.render("es").endswith("(a, b, c (y 5 más))")


def test_the_scan_finds_a_formatted_error(tmp_path):
    """The scan sees an f-string, `%` and `+` message, a subclass of a subclass, and leaves a template alone."""
    pkg = tmp_path / "mppwatch"
    pkg.mkdir()
    (pkg / "errors.py").write_text(
        "class TranslatableError(Exception): ...\nclass MppwatchError(TranslatableError): ...\n"
    )
    (pkg / "a.py").write_text(
        "from mppwatch.errors import MppwatchError\n"
        "class DeepError(MppwatchError): ...\n"
        "class Other(ValueError): ...\n"
        "def f(x):\n"
        "    raise DeepError(f'no {x}')\n"
        "def g(x):\n"
        "    raise MppwatchError('no %s' % x)\n"
        "def h(x):\n"
        "    return DeepError('no ' + x)\n"
        "def ok(x):\n"
        "    raise MppwatchError(N_('no {x}'), x=f'{x}!')\n"
        "def internal(x):\n"
        "    raise Other(f'no {x}')\n"
        "def key_path(k, i):\n"
        "    raise DeepError(f'{k}.items[{i}]')\n"
        "def plain():\n"
        "    raise MppwatchError('no store here')\n"
        "def translated():\n"
        "    raise MppwatchError('no such file')\n"
    )
    found = formatted_errors(pkg, spanish={"no such file"})
    assert found == {"mppwatch/a.py": [f"mppwatch/a.py:{n}" for n in (5, 7, 9, 17)]}
