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


def N_(msgid: str) -> str:
    """Mark an English template for the gettext catalog (tests/test_i18n.py checks it has Spanish); returns it."""
    return msgid


MORE = N_("{shown} (and {n} more)")
NONE = N_("none")


def choices_text(value: str, choices: Iterable[str], limit: int = 12) -> Template:
    """ "a, b, c (and 9 more)": the valid choices for an error message's field, nearest to `value` first."""
    ranked = nearest(value, choices)
    if not ranked:
        return Template(NONE)
    shown = ", ".join(ranked[:limit])
    return (
        Template(MORE, shown=shown, n=len(ranked) - limit) if len(ranked) > limit else Template("{shown}", shown=shown)
    )


THEN = N_("{first}; {then}")  # one sentence, then the one it qualifies (a template of templates)


class Number:
    """A figure inside a message, formatted for the language it is shown in (16,714 / 16 714)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def render(self, lang: str) -> str:
        return i18n.format_number(self.value, lang)


Field = object  # a field value: text, a Number, a nested Template, or a list of Templates (joined by ", ")


class Template:
    """A message kept as its English template and fields, so it can be shown in another language later.

    `str()` is the English sentence; `render(lang)` looks the template up in the gettext catalog (`mppwatch.i18n`)
    and fills in the same fields. A field may itself be a Template (or a list of them, joined by ", "): it is
    rendered in the same language, so no English phrase is left inside a Spanish sentence. The CLI's error line
    calls `render` when an exception has it.
    """

    def __init__(self, template: str, **fields: Field) -> None:
        self.template = template
        self.fields: dict[str, str | Number | Template | list[Template]] = {k: _field(v) for k, v in fields.items()}

    def english(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        values = {k: _render(v, lang) for k, v in self.fields.items()}
        text = self.template if lang == "en" else i18n.translator(lang)(self.template)
        return text.format(**values) if values else text

    def __str__(self) -> str:
        return self.english()


def _field(value: object) -> str | Number | Template | list[Template]:
    if isinstance(value, Template | Number):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, Template) for v in value):
        return list(value)
    return str(value)


def _render(value: str | Number | Template | list[Template], lang: str) -> str:
    if isinstance(value, Template | Number):
        return value.render(lang)
    if isinstance(value, list):
        return ", ".join(v.render(lang) for v in value)
    return value


class Notes(list[str]):
    """A list of English notes that remembers the template each was made from, so it can be shown in Spanish.

    It is a plain list of strings to every reader (JSON, `list(...)`, joins); `add` appends a note from a marked
    template and its fields, and `in_lang(lang)` renders each note in `lang`. A note appended as plain text
    is shown as written.
    """

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__()
        self.messages: dict[str, Template] = {}
        self.extend(items)

    def add(self, template: str, **fields: Field) -> Template:
        message = Template(template, **fields)
        self.append_message(message)
        return message

    def append_message(self, message: Template) -> None:
        text = message.english()
        self.append(text)
        self.messages[text] = message

    def extend(self, items: Iterable[str]) -> None:  # type: ignore[override]
        if isinstance(items, Notes):
            self.messages.update(items.messages)
        super().extend(items)

    def __iadd__(self, items: Iterable[str]) -> Notes:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def message(self, text: str) -> Template:
        """The template a note was made from (a plain note becomes a template without fields)."""
        return self.messages.get(text) or Template(text)

    def in_lang(self, lang: str) -> list[str]:
        return [self.message(text).render(lang) for text in self]
