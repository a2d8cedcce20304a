"""Published MPP figures that were wrong or disputed (fact-checked statements, counts that disagree between DHS,
INM and TRAC, a running total printed as one week's returns), each with a verdict decided by hand from the bundled
data before the checker ran (data/claims_disputed_2019-2022.csv: expected_verdict, expected_reasoning)."""

from __future__ import annotations

import csv
from pathlib import Path

from mppwatch.claims import check
from mppwatch.claims.infer import read_claim
from mppwatch.claims.spec import Claim, parse_period
from mppwatch.store import Store

DISPUTED = Path(__file__).resolve().parents[1] / "data" / "claims_disputed_2019-2022.csv"


def test_disputed_public_claims_agree_with_the_hand_check(bundled_db: Path, tmp_path: Path) -> None:
    """No spec: agreement >= 90 %, never `contradicted` on a claim the data support or cannot decide, and the false
    claims the data can decide are contradicted."""
    with open(DISPUTED, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 10
    assert all(r["source_url"].startswith("http") and r["quote"] and r["expected_reasoning"] for r in rows)
    expected = {r["claim_id"]: r["expected_verdict"] for r in rows}
    assert sum(v == "contradicted" for v in expected.values()) >= 3
    empty = tmp_path / "none.spec.toml"
    empty.write_text("", encoding="utf-8")
    with Store.open(bundled_db, read_only=True) as store:
        result = check(store, DISPUTED, empty, load_missing=False)
    assert result.errors == []
    got = {v.claim.claim_id: v.verdict for v in result.verdicts}
    assert set(got) == set(expected)
    agree = sum(got[c] == expected[c] for c in expected) / len(expected)
    print(f"agreement with the hand check: {agree:.0%} of {len(expected)} claims")
    false_contradictions = [c for c in expected if got[c] == "contradicted" and expected[c] != "contradicted"]
    assert false_contradictions == []
    assert agree >= 0.9


def test_a_week_of_a_month_is_read_as_its_days() -> None:
    """'in the first week of July 2019' is 1-7 July, not the month (D01 counts returns in those seven days)."""

    def period(quantity: str) -> tuple[str, str]:
        claim = Claim("W", "", quantity, "5", "persons", parse_period("2019-07-31"), "")
        p = read_claim(claim).period
        return p.start.isoformat(), p.end.isoformat()

    assert period("returns in the first week of July 2019") == ("2019-07-01", "2019-07-07")
    assert period("returns in the second week of july 2019") == ("2019-07-08", "2019-07-14")
    assert period("returns in the last week of February 2020") == ("2020-02-23", "2020-02-29")
