"""Comparators parsed from a claim's qualifier words ("more than", "about", "just over", "projected", ...).

A comparator turns the claimed number into the set of values that would make the claim true: an interval
with open or closed ends. Parsing reads the claim's `unit` and `quantity` columns, so a claim never seen
before is read the same way as the bundled ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mppwatch.claims.text import Text, msg

ABOUT_TOLERANCE = 0.05  # "about"/"approximately": ±5 %
JUST_OVER_TOLERANCE = 0.10  # "just over": 0-10 % above
NEARLY_TOLERANCE = 0.10  # "nearly"/"almost": 0-10 % below
PROJECTION_TOLERANCE = 0.05  # a projection is met when the outcome reaches 95 % of it

# Order matters: the more specific phrase wins ("just over" before "over", "at least" before "least").
_PATTERNS: list[tuple[str, str]] = [
    ("just_over", r"just\s+(?:over|above|more\s+than)|slightly\s+(?:over|above|more\s+than)|a\s+little\s+over"),
    ("nearly", r"nearly|almost|just\s+(?:under|below|shy\s+of)|casi"),
    ("at_least", r"at\s+least|no\s+(?:fewer|less)\s+than|lower\s+bound|minimum|or\s+more"),
    ("at_most", r"at\s+most|no\s+more\s+than|up\s+to|upper\s+bound|maximum|or\s+(?:fewer|less)"),
    ("more_than", r"more\s+than|over|above|exceed(?:s|ed|ing)?|in\s+excess\s+of|m[aá]s\s+de"),
    ("less_than", r"fewer\s+than|less\s+than|under|below|menos\s+de"),
    (
        "about",
        r"about|close\s+to|approx(?:imately|\.)?|around|roughly|some|estimated?|circa|~|cerca\s+de|alrededor\s+de|aproximadamente",
    ),
]
_PROJECTION = re.compile(r"\b(?:projected|projection|expected|forecast|predicted|anticipated)\b", re.I)
# Words that are qualifiers in "(over)" or "over 400" but ordinary words in "returned under MPP".
_AMBIGUOUS = {"over", "under", "above", "below", "some", "up to", "maximum", "minimum", "or more", "or less"}
_FALLING = re.compile(r"\b(?:fall|drop|decline|decrease|shrink|reduce|below|under)\w*", re.I)


class ComparatorError(ValueError):
    """A qualifier that cannot be read (for example contradictory words); `text` says why in either language."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.render("en"))
        self.text = text


@dataclass(frozen=True)
class Comparator:
    """How a claimed value is compared: `kind`, its relative tolerance, and whether it is a projection."""

    kind: str  # exact, more_than, at_least, less_than, at_most, about, just_over, nearly
    tolerance: float = 0.0  # relative, for about / just_over / nearly / projections
    projection: bool = False
    phrase: str = ""  # the words it was read from

    def interval(self, claimed: float, abs_tol: float = 0.0) -> tuple[float, float, bool, bool]:
        """(low, high, low_closed, high_closed): the values that make the claim true.

        `abs_tol` widens exact-style bounds by the rounding of the claim and of the evidence.
        """
        v, t = claimed, self.tolerance
        if self.projection:
            if self.kind in ("less_than", "at_most"):
                return (-math.inf, v * (1 + t) + abs_tol, False, True)
            return (v * (1 - t) - abs_tol, math.inf, True, False)
        match self.kind:
            case "more_than":
                return (v - abs_tol, math.inf, abs_tol > 0, False)
            case "at_least":
                return (v - abs_tol, math.inf, True, False)
            case "less_than":
                return (-math.inf, v + abs_tol, False, abs_tol > 0)
            case "at_most":
                return (-math.inf, v + abs_tol, False, True)
            case "about":  # |v| so that a claimed fall ("about -35 %") is a range too
                return (v - abs(v) * t - abs_tol, v + abs(v) * t + abs_tol, True, True)
            case "just_over":
                return (v - abs_tol, v + abs(v) * t + abs_tol, abs_tol > 0, True)
            case "nearly":
                return (v - abs(v) * t - abs_tol, v + abs_tol, True, abs_tol > 0)
            case _:
                return (v - abs_tol, v + abs_tol, True, True)

    def accepts(self, value: float, claimed: float, abs_tol: float = 0.0) -> bool:
        lo, hi, lo_closed, hi_closed = self.interval(claimed, abs_tol)
        above = value >= lo if lo_closed else value > lo
        below = value <= hi if hi_closed else value < hi
        return above and below

    def tolerance_text(self, claimed: float, abs_tol: float = 0.0) -> str:
        """The accepted range in plain words, e.g. `> 11,000` or `[9,500, 10,500]`."""
        lo, hi, lo_closed, hi_closed = self.interval(claimed, abs_tol)
        if math.isinf(hi):
            return f"{'≥' if lo_closed else '>'} {_fmt(lo)}"
        if math.isinf(lo):
            return f"{'≤' if hi_closed else '<'} {_fmt(hi)}"
        return f"{'[' if lo_closed else '('}{_fmt(lo)}, {_fmt(hi)}{']' if hi_closed else ')'}"


def _fmt(x: float) -> str:
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def parse_comparator(*texts: str, tolerance: float | None = None) -> Comparator:
    """Read the comparator from qualifier texts (the `unit` column, then `quantity`).

    Qualifiers are looked for in parentheses first ("persons (more than)"), then anywhere in the text. With
    no qualifier the claim is exact. "projected" and its kin mark a projection, compared with the outcome.
    """
    joined = " ; ".join(t for t in texts if t)
    projection = bool(_PROJECTION.search(joined))
    scopes = [(" ".join(re.findall(r"\(([^)]*)\)", t)), False) for t in texts if t]
    scopes += [(re.sub(r"\([^)]*\)", " ", t), True) for t in texts if t]
    hit = next((h for scope, strict in scopes if (h := _first_match(scope, strict))), None)
    if hit:
        kind, phrase = hit
    elif projection:
        kind, phrase = ("less_than" if _FALLING.search(joined) else "at_least"), _PROJECTION.search(joined)[0]  # type: ignore[index]
    else:
        kind, phrase = "exact", ""
    default = {
        "about": ABOUT_TOLERANCE,
        "just_over": JUST_OVER_TOLERANCE,
        "nearly": NEARLY_TOLERANCE,
    }.get(kind, PROJECTION_TOLERANCE if projection else 0.0)
    if tolerance is not None:
        if not 0 <= tolerance < 1:
            raise ComparatorError(msg("err_comparator_tolerance", tolerance=repr(tolerance)))
        default = tolerance
    return Comparator(kind, default, projection, phrase)


def _first_match(text: str, strict: bool = False) -> tuple[str, str] | None:
    """The earliest qualifier in `text`; at the same position the more specific phrase wins.

    `strict` (free text outside parentheses) ignores ambiguous words unless a number follows them.
    """
    best: tuple[int, int, str, str] | None = None
    for rank, (kind, pattern) in enumerate(_PATTERNS):
        for m in re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.I):
            phrase = re.sub(r"\s+", " ", m.group(0).lower())
            if strict and phrase in _AMBIGUOUS and not re.match(r"\s*[\d$]", text[m.end() :]):
                continue
            if best is None or (m.start(), rank) < (best[0], best[1]):
                best = (m.start(), rank, kind, m.group(0))
            break
    return (best[2], best[3]) if best else None


def claim_rounding(raw: str) -> float:
    """Half a unit of the last printed digit of a claimed number: `37` -> 0.5, `4.5` -> 0.05."""
    text = raw.strip().replace(",", "")
    if "." in text:
        decimals = len(text.split(".", 1)[1])
        return 0.5 * 10 ** (-decimals)
    return 0.5
