"""Errors are values with a place: a file, line and column, a claim id or a scenario key.

An error people read is raised with an English template marked `N_` and its fields as keywords
(`MppwatchError(N_("{file}: no such file"), file=name)`), so the CLI and the pages can show it in Spanish
(`render(lang)`); `str(exc)` is the English sentence. tests/test_i18n.py fails on an f-string message.
"""

from __future__ import annotations

from typing import Protocol

from mppwatch import i18n
from mppwatch.core.text import N_, Field, Template

AT_COLUMN = N_("{where}: column {column}: {reason}")
AT_LEAST_ONE = N_("{option} must be at least 1")  # a count option (--horizon, --cases, ...) below 1


class TranslatableError(Exception):
    """An error people read, in English or Spanish: the base of MppwatchError and of the store's errors.

    `message` is an English template with `fields`, or a Template (another error's reason); a subclass that keeps
    its own `message` Template passes its English text and no fields.
    """

    def __init__(self, message: str | Template = "", /, **fields: Field) -> None:
        if isinstance(message, Template) or fields:
            self.message = message if isinstance(message, Template) else Template(message, **fields)
            message = self.message.english()
        super().__init__(message)

    def render(self, lang: str) -> str:
        """The message in `lang`: its template's translation, else a registered sentence's (`i18n.localise`)."""
        message = getattr(self, "message", None)
        if isinstance(message, Template):
            return translated(message, lang)
        return translated(Template(str(self)), lang)


class MppwatchError(TranslatableError):
    """Base error: the CLI prints it in one line and exits non-zero."""


def reason_of(exc: BaseException) -> Template:
    """An error's reason as a message: its own template when it has one, else its text as written."""
    message = getattr(exc, "message", None)
    return message if isinstance(message, Template) else Template(str(exc))


def reason_in(reason: Renderable, lang: str) -> str:
    """An error's reason in `lang` (a plain sentence may match a registered template: `translated`)."""
    return translated(reason, lang) if isinstance(reason, Template) else reason.render(lang)


def translated(message: Template, lang: str) -> str:
    """`message` in `lang`; a sentence without fields (a plain string) may still match a registered template."""
    if message.fields or lang == "en":
        return message.render(lang)
    lines = message.template.splitlines() or [""]
    return "\n".join(i18n.localise(line, lang) or line for line in lines)


class Renderable(Protocol):
    """A text that can be shown in English or Spanish (a Template, a claims message)."""

    def render(self, lang: str) -> str: ...


class InputError(MppwatchError):
    """Bad input, located at file:line:column; `reason` is an English template with `fields` (or a Template, or
    any text with `render(lang)`). `exc.reason` is the English reason; `render(lang)` the whole line in `lang`.
    """

    def __init__(
        self, file: str, line: int | None, column: str | None, reason: str | Renderable, /, **fields: Field
    ) -> None:
        self.file, self.line, self.column = file, line, column
        self.reason_message: Renderable = reason if not isinstance(reason, str) else Template(reason, **fields)
        self.reason = self.reason_message.render("en")
        super().__init__(self.render("en"))

    def where(self) -> str:
        """file, or file:line."""
        return self.file + (f":{self.line}" if self.line is not None else "")

    def render(self, lang: str) -> str:
        plain = isinstance(self.reason_message, Template) and not self.reason_message.fields
        if lang != "en" and plain:  # a plain reason: a sentence registered whole?
            english = self.render("en")
            whole = i18n.localise(english, lang) or english
            if whole != english:
                return whole
        reason = reason_in(self.reason_message, lang)
        if self.column:
            return Template(AT_COLUMN, where=self.where(), column=repr(self.column), reason=reason).render(lang)
        return f"{self.where()}: {reason}"
