"""Text folding and nearest-first suggestions: the one rule for matching what a user typed to a published label."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


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
