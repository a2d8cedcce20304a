"""Comparator parsing and semantics: qualifier words in unit/quantity, tolerances, projections."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mppwatch.claims.comparators import ComparatorError, claim_rounding, parse_comparator


@pytest.mark.parametrize(
    ("unit", "quantity", "kind", "tolerance", "projection"),
    [
        ("persons (more than)", "MPP returns", "more_than", 0.0, False),
        ("persons", "MPP cases assigned to Brownsville (more than)", "more_than", 0.0, False),
        ("persons (over)", "", "more_than", 0.0, False),
        ("reports", "reported kidnappings (at least)", "at_least", 0.0, False),
        ("persons (just over)", "", "just_over", 0.10, False),
        ("cases", "Cuban pending MPP cases (nearly)", "nearly", 0.10, False),
        ("persons (almost)", "", "nearly", 0.10, False),
        ("persons (approx.)", "", "about", 0.05, False),
        ("persons", "MPP cases, cumulative (about)", "about", 0.05, False),
        ("persons (approximately)", "", "about", 0.05, False),
        ("percent of capacity", "Tijuana shelter occupancy (upper bound)", "at_most", 0.0, False),
        ("persons", "MPP returns to Mexico in 2019", "exact", 0.0, False),
        ("persons (projected)", "MPP returns (projection)", "at_least", 0.05, True),
        ("persons per day (projected)", "", "at_least", 0.05, True),
        ("persons (projected)", "returns expected to fall", "less_than", 0.05, True),
        ("persons", "people returned under MPP", "exact", 0.0, False),  # "under" is not a qualifier here
        ("persons", "over 400 people returned", "more_than", 0.0, False),  # ...but "over 400" is
        ("persons", "fewer than 500 returned", "less_than", 0.0, False),
        ("personas (más de)", "", "more_than", 0.0, False),
    ],
)
def test_parse(unit: str, quantity: str, kind: str, tolerance: float, projection: bool) -> None:
    c = parse_comparator(unit, quantity)
    assert (c.kind, c.tolerance, c.projection) == (kind, pytest.approx(tolerance), projection)


def test_unit_wins_over_quantity_and_parentheses_over_free_text() -> None:
    assert parse_comparator("persons (just over)", "more than anyone expected").kind == "just_over"
    assert parse_comparator("", "almost everyone (more than)").kind == "more_than"


def test_tolerance_override_and_bad_tolerance() -> None:
    assert parse_comparator("persons (about)", tolerance=0.1).tolerance == 0.1
    with pytest.raises(ComparatorError):
        parse_comparator("persons (about)", tolerance=5)


def test_interval_texts() -> None:
    assert parse_comparator("(more than)").tolerance_text(11000) == "> 11,000"
    assert parse_comparator("(about)").tolerance_text(1000) == "[950, 1,050]"
    assert parse_comparator("(just over)").tolerance_text(2500) == "(2,500, 2,750]"
    assert parse_comparator("(nearly)").tolerance_text(100) == "[90, 100)"
    assert parse_comparator("").tolerance_text(37, 0.5) == "[36.5, 37.5]"


def test_claim_rounding() -> None:
    assert claim_rounding("37") == 0.5
    assert claim_rounding("4.5") == pytest.approx(0.05)
    assert claim_rounding("62,144") == 0.5


positive = st.floats(min_value=1, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(positive)
def test_more_than_is_strict(v: float) -> None:
    c = parse_comparator("(more than)")
    assert not c.accepts(v, v)
    assert c.accepts(v * 1.001 + 1, v)
    assert not c.accepts(v * 0.999, v)


@given(positive)
def test_at_least_includes_the_value(v: float) -> None:
    c = parse_comparator("(at least)")
    assert c.accepts(v, v) and not c.accepts(v - 1, v)


@given(positive, st.floats(min_value=-0.049, max_value=0.049))
def test_about_is_five_percent_either_side(v: float, rel: float) -> None:
    c = parse_comparator("(about)")
    assert c.accepts(v * (1 + rel), v)
    assert not c.accepts(v * 1.051, v) and not c.accepts(v * 0.949, v)


@given(positive, st.floats(min_value=0.001, max_value=0.099))
def test_just_over_is_zero_to_ten_percent_above(v: float, rel: float) -> None:
    c = parse_comparator("(just over)")
    assert c.accepts(v * (1 + rel), v)
    assert not c.accepts(v, v) and not c.accepts(v * 1.101, v) and not c.accepts(v * 0.99, v)


@given(positive, st.floats(min_value=0.001, max_value=0.099))
def test_nearly_is_zero_to_ten_percent_below(v: float, rel: float) -> None:
    c = parse_comparator("(nearly)")
    assert c.accepts(v * (1 - rel), v)
    assert not c.accepts(v, v) and not c.accepts(v * 0.899, v) and not c.accepts(v * 1.01, v)


@given(positive, st.floats(min_value=0.0, max_value=10.0))
def test_projection_met_when_outcome_reaches_95_percent(v: float, rel: float) -> None:
    c = parse_comparator("(projected)")
    assert c.accepts(v * (0.95 + rel), v)
    assert not c.accepts(v * 0.9499, v)


@given(positive, st.floats(min_value=0.0, max_value=100.0))
def test_exact_band_is_symmetric(v: float, tol: float) -> None:
    c = parse_comparator("")
    lo, hi, lo_closed, hi_closed = c.interval(v, tol)
    assert math.isclose(v - lo, hi - v, rel_tol=1e-9, abs_tol=1e-9) and lo_closed and hi_closed
    assert c.accepts(v + tol, v, tol) and c.accepts(v - tol, v, tol)


def test_every_message_exists_in_english_and_spanish_with_the_same_fields() -> None:
    import string

    from mppwatch.claims.text import COLUMN_LABELS, REPORT_TEXT, TEMPLATES, VERDICT_LABELS

    for key, (en, es) in TEMPLATES.items():
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        fields_es = {f for _, f, _, _ in string.Formatter().parse(es) if f}
        assert en and es and fields_en == fields_es, key
    for table in (VERDICT_LABELS, COLUMN_LABELS, REPORT_TEXT):
        assert all(en and es for en, es in table.values())
