"""Errors are values with a place: a file, line and column, a claim id or a scenario key.

An error people read is raised with an English template marked `N_` and its fields as keywords
(`MppwatchError(N_("{file}: no such file"), file=name)`), so the CLI and the pages can show it in Spanish
(`render(lang)`); `str(exc)` is the English sentence. tests/test_i18n.py fails on an f-string message.
"""

from __future__ import annotations

from mppwatch import i18n
from mppwatch.core.text import N_, Field, Template

AT_COLUMN = N_("{where}: column {column}: {reason}")


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


def translated(message: Template, lang: str) -> str:
    """`message` in `lang`; a sentence without fields (a plain string) may still match a registered template."""
    if message.fields or lang == "en":
        return message.render(lang)
    lines = message.template.splitlines() or [""]
    return "\n".join(i18n.localise(line, lang) or line for line in lines)


class InputError(MppwatchError):
    """Bad input, located at file:line:column; `reason` is an English template with `fields` (or a Template).

    `exc.reason` is the English reason; `render(lang)` the whole line in `lang`.
    """

    def __init__(
        self, file: str, line: int | None, column: str | None, reason: str | Template, /, **fields: Field
    ) -> None:
        self.file, self.line, self.column = file, line, column
        self.reason_message = reason if isinstance(reason, Template) else Template(reason, **fields)
        self.reason = self.reason_message.english()
        super().__init__(self.render("en"))

    def where(self) -> str:
        """file, or file:line."""
        return self.file + (f":{self.line}" if self.line is not None else "")

    def render(self, lang: str) -> str:
        if lang != "en" and not self.reason_message.fields:  # a plain reason: a sentence registered whole?
            english = self.render("en")
            whole = i18n.localise(english, lang) or english
            if whole != english:
                return whole
        reason = translated(self.reason_message, lang)
        if self.column:
            return Template(AT_COLUMN, where=self.where(), column=repr(self.column), reason=reason).render(lang)
        return f"{self.where()}: {reason}"
