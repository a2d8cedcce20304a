"""Check published claims against the data: verdicts with evidence, dates, tolerances and sources."""

from mppwatch.claims.check import VERDICTS, CheckResult, Verdict, check, check_claim
from mppwatch.claims.spec import CheckSpec, Claim, ClaimError, load_spec, read_claims

__all__ = [
    "VERDICTS", "CheckResult", "CheckSpec", "Claim", "ClaimError", "Verdict", "check", "check_claim",
    "load_spec", "read_claims",
]  # fmt: skip
