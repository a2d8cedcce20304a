"""The publisher's rounding, found from the figures themselves (OHSS rounds its tables to 10).

One detector for `reconcile`, the claims checker and the catalogue, so they never disagree about a table.
"""

from __future__ import annotations

from collections.abc import Iterable

STEPS = (1000, 100, 10)
MIN_VALUES = 20  # fewer figures than this are too few to tell rounding from chance


def rounding_step(values: Iterable[float | None]) -> int:
    """The largest of 1000, 100, 10 that divides every nonzero figure (at least 20 of them), else 0 (not rounded).

    Zeros are left out: a zero is a multiple of every step and says nothing about rounding.
    """
    vals = [float(v) for v in values if v is not None and v == v and float(v) != 0.0]
    if len(vals) < MIN_VALUES:
        return 0
    for step in STEPS:
        if all(v % step == 0 for v in vals):
            return step
    return 0


def tolerance(step: int, cells: int) -> float:
    """How far a sum of `cells` rounded figures may lie from a rounded total: half a step per cell, plus one."""
    return step / 2 * (cells + 1) if step else 0.0
