"""Errors are values with a place: a file, line and column, a claim id or a scenario key."""

from __future__ import annotations


class MppwatchError(Exception):
    """Base error: the CLI prints it in one line and exits non-zero."""


class InputError(MppwatchError):
    """Bad input, located at file:line:column."""

    def __init__(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        self.file, self.line, self.column, self.reason = file, line, column, reason
        where = file
        if line is not None:
            where += f":{line}"
        if column:
            where += f": column {column!r}"
        super().__init__(f"{where}: {reason}")
