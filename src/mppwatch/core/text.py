"""Text folding and nearest-first suggestions: the one rule for matching what a user typed to a published label."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from mppwatch import i18n


def fold(text: str) -> str:
    """Case, accents and runs of spaces ignored: "Ciudad  JUAREZ" and "ciudad juárez" fold alike."""
    norm = unicodedata.normalize("NFKD", str(text))
    return " ".join("".join(c for c in norm if not unicodedata.combining(c)).casefold().split())


def ascii_fold(text: str) -> str:
    """`fold` kept to ASCII letters (for keys such as country names matched across publishers)."""
    return fold(text).encode("ascii", "ignore").decode()


def nearest(value: str, choices: Iterable[str], limit: int | None = None) -> list[str]:
    """`choices` ordered by likeness to `value` (folded), most alike first; ties keep alphabetical order."""
    target = fold(value)
    ranked = sorted(set(choices), key=lambda c: (-difflib.SequenceMatcher(None, target, fold(c)).ratio(), fold(c), c))
    return ranked[:limit] if limit else ranked


def choices_text(value: str, choices: Iterable[str], limit: int = 12) -> str:
    """ "a, b, c (and 9 more)": the valid choices for an error message, nearest to `value` first."""
    ranked = nearest(value, choices)
    shown = ", ".join(ranked[:limit])
    return shown + (f" (and {len(ranked) - limit} more)" if len(ranked) > limit else "") if ranked else "none"


class Template:
    """A message kept as its English template and fields, so it can be shown in another language later.

    `str()` is the English sentence; `render(lang)` looks the template up in the gettext catalog (`mppwatch.i18n`)
    and fills in the same fields. The CLI's error line calls `render` when an exception has it.
    """

    def __init__(self, template: str, **fields: object) -> None:
        self.template = template
        self.fields = {k: str(v) for k, v in fields.items()}

    def english(self) -> str:
        return self.template.format(**self.fields) if self.fields else self.template

    def render(self, lang: str) -> str:
        if lang == "en":
            return self.english()
        return i18n.translator(lang)(self.template).format(**self.fields)
