"""English and Spanish for everything people read: language choice, gettext catalogs, numbers and dates.

The catalogs are `mppwatch/locale/<lang>/LC_MESSAGES/mppwatch.po` (source) and `.mo` (compiled by
`scripts/compile_catalogs.py`, shipped in the wheel). Strings are marked `_("...")` in code so Babel can extract
them; English is the msgid, so a missing translation falls back to English rather than failing, and
`tests/test_i18n.py` fails when any marked string has no Spanish.

Formatting is for tables and pages only: CSV and JSON keep plain machine numbers and ISO dates.
This module imports nothing heavy (no Babel at run time), so the CLI can use it at start-up.
"""

from __future__ import annotations

import datetime as dt
import gettext
import math
import os
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

__all__ = [
    "LANGS",
    "DOMAIN",
    "resolve_lang",
    "translator",
    "pN_",
    "ptranslate",
    "format_number",
    "format_date",
    "accept_language",
    "locale_dir",
    "template",
    "localise",
]

LANGS = ("en", "es")
DOMAIN = "mppwatch"

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    # CLDR's abbreviations (what Babel prints for `d MMM y` in es), so CLI and web pages agree
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}
_NBSP = "\u00a0"


def _norm(value: str | None) -> str | None:
    """`"es_MX.UTF-8"` -> `"es"`; `"EN"` -> `"en"`; anything not English or Spanish -> None."""
    if not value:
        return None
    code = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGS else None


def resolve_lang(explicit: str | None = None) -> str:
    """The language to speak: `explicit`, else $MPPWATCH_LANG, else the locale ($LC_ALL, $LC_MESSAGES, $LANG), else en.

    An explicit value that is neither en nor es is an error (a typo should not silently give English);
    environment values that are not en/es are ignored (a French locale gets English).
    """
    if explicit is not None:
        lang = explicit.strip().lower()
        if lang not in LANGS:
            raise ValueError(UNKNOWN_LANG.format(lang=repr(explicit)))
        return lang
    env = _norm(os.environ.get("MPPWATCH_LANG"))
    if env:
        return env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:  # the first one set decides, as in POSIX
            return "es" if value.lower().startswith("es") else "en"
    return "en"


def locale_dir() -> str:
    """The directory holding `<lang>/LC_MESSAGES/mppwatch.mo`, inside the installed package."""
    return str(resources.files("mppwatch").joinpath("locale"))


@lru_cache(maxsize=4)
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=locale_dir(), languages=[lang], fallback=True)


def translator(lang: str) -> Callable[[str], str]:
    """`_ = translator("es"); _("Returns to Mexico")` -> the Spanish text (the English one when untranslated)."""
    if lang not in LANGS:
        raise ValueError(UNKNOWN_LANG.format(lang=repr(lang)))
    return _translations(lang).gettext


def pN_(context: str, text: str) -> str:
    """Mark a word whose translation depends on its context ("loaded" is "cargado" for a file and "cargadas" for
    court rows): `ptranslate(lang, context, text)` translates it where it is shown."""
    return text


def ptranslate(lang: str, context: str, text: str) -> str:
    """`text` marked with `pN_(context, text)`, in `lang` (the English text when untranslated)."""
    if lang not in LANGS:
        raise ValueError(UNKNOWN_LANG.format(lang=repr(lang)))
    return _translations(lang).pgettext(context, text)


def format_number(value: float | int | None, lang: str, decimals: int | None = None) -> str:
    """A number for a table or page: 16,714 in English, 16 714 in Spanish (no-break space groups, comma decimals).

    Spanish leaves four-digit numbers ungrouped (RAE/ISO 31-0: 4245, but 16 714). Whole values print without
    decimals; others with `decimals` places (default 3). None and NaN print as an empty string.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 3
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    whole, _, frac = text.partition(".")
    digits = whole.lstrip("-").replace(",", "")
    if len(digits) <= 4:
        whole = whole.replace(",", "")
    else:
        whole = whole.replace(",", _NBSP)
    return f"{whole},{frac}" if frac else whole


def format_date(d: dt.date | str, lang: str) -> str:
    """`30 Jun 2019` in English, `30 jun 2019` in Spanish; accepts a date, datetime or ISO string."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return f"{d.day} {_MONTHS['es' if lang == 'es' else 'en'][d.month - 1]} {d.year}"


def accept_language(header: str | None) -> str:
    """The best of en/es for an HTTP Accept-Language header (`"es-MX,es;q=0.9,en;q=0.8"` -> es); en by default."""
    if not header:
        return "en"
    best, best_q = "en", -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        lang = _norm(tag) if tag.strip() != "*" else None
        # ties keep the earlier tag (the client's order); q=0 means "not this one"
        if lang and q > 0 and q > best_q:
            best, best_q = lang, q
    return best


# --- texts with values in them ---------------------------------------------------------------------------------
# Analysis modules write English sentences with values in them ("linear interpolation between snapshots of
# 2019-06-25 and 2019-08-11"). `localise` finds the template such a sentence was made from (templates are
# registered with `template()`, mostly in mppwatch.texts) and gives the Spanish sentence with the values
# formatted for Spanish. A sentence no template matches stays English: nothing is guessed.

_TEMPLATES: dict[str, re.Pattern[str]] = {}
_FIELD = re.compile(r"\{(\w+)\}")


def template(msgid: str) -> str:
    """Register `msgid` (English, with {named} fields) as a sentence `localise` can translate; returns it."""
    parts = _FIELD.split(msgid)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    _TEMPLATES[msgid] = re.compile(regex, re.S)
    return msgid


UNKNOWN_LANG = template("unknown language {lang}: choose en or es")  # a --lang typo (a usage error, translated)
_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+\.\d+|-?\d{4,}")


def _localise_value(value: str, lang: str) -> str:
    text = value.strip()
    if _NUMBER.fullmatch(text):
        number = float(text.replace(",", ""))
        return format_number(int(number) if number.is_integer() else number, lang)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return format_date(dt.date.fromisoformat(text), lang)
        except ValueError:
            return value
    nested = _match_template(text, lang)  # "SYNTHETIC DATA - {title}" holds another sentence
    return value if nested is None else nested


def _match_template(text: str, lang: str) -> str | None:
    """`text` translated through the first registered template it matches (with fields), else None."""
    _ = translator(lang)
    # the most specific template first: "court table, release {r} (MPP cohort)" before "court table, release {r}"
    for msgid, pattern in sorted(_TEMPLATES.items(), key=lambda item: -len(_FIELD.sub("", item[0]))):
        m = pattern.fullmatch(text)
        if m and m.groupdict():
            return _(msgid).format(**{k: _localise_value(v, lang) for k, v in m.groupdict().items()})
    return None


def localise(text: str | None, lang: str) -> str | None:
    """`text` in `lang`: the catalog's translation, else a registered template's, parts split at "; " each
    translated; English (or no match) comes back unchanged."""
    if text is None or lang == "en" or not text:
        return text
    import mppwatch.texts  # noqa: F401  (registers the common templates; other modules add theirs on import)

    _ = translator(lang)
    direct = _(text)
    if direct != text:
        return direct
    matched = _match_template(text, lang)
    if matched is not None:
        return matched
    if "; " in text:
        return "; ".join(localise(part, lang) or part for part in text.split("; "))
    return text
