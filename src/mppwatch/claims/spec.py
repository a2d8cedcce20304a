"""Claims (the published-claims CSV) and check specs (the sidecar TOML that says how to check each claim).

A claims CSV has the columns `claim_id, source_url, quote, quantity, value, unit, as_of_date, geography`.
A spec file `<claims stem>.spec.toml` beside it may hold one `[claims.<ID>]` table per claim:

    [claims.MJ07]
    dataset = "ohss_swb_encounters_by_sector_field_office_monthly"   # or metric = "returns" / "court"
    where = { component = "CBP", location = "Total" }                 # as `mppwatch series --where`
    period = "2019-05"                  # YYYY, YYYY-MM, YYYY-MM-DD, FYnnnn or START..END; default: the claim's
    aggregation = "sum"                 # sum, cumulative, latest, share, ratio, max, min, first, compare, rank
    measure = "pending"                 # metric = "court": cases, completed, pending, in_absentia_rate,
                                        # represented_rate, relief_granted, awaiting_first_hearing(_share),
                                        # transferred(_share): court.measures.MEASURES
    group = "non_mpp"                   # metric = "court": mpp (default), non_mpp or all cases; where takes several
    numerator = { nationality = "Honduras" }   # share/ratio: filters added to `where` for the numerator
    denominator = { nationality = "All" }      # share/ratio: filters added to `where` for the denominator
    per = "day"                         # divide a flow by the days it covers
    since = "2021-12"                   # cumulative: count from here (default: the start of the current run)
    comparator = "more than"            # override the qualifier read from the claim
    # two figures (aggregation = "compare"): the claim's figure A against B, each computed with `of`
    versus = { city = "Tijuana" }       # B's filters (replacing A's on the same columns): a place or group
    versus_period = "2019-01..2019-06"  # B's period (a ratio or change across two periods)
    compare_as = "ratio"                # ratio (A/B), difference (A-B) or change ((A-B)/B in percent)
    of = "cumulative"                   # how A and B are each computed (default: cumulative returns, else sum)
    claimed = 2                         # the claimed ratio/change/rank when `value` holds another figure
    # max / min: the top (lowest) month in `period`, or the highest of dated figures (then a lower bound)
    peak_month = "2019-08"              # the month the claim says was the peak: it must be the top month
    # rank: where the claim's place stands among all values of `by` (1 = the most)
    by = "city"
    rank = 1
    bridge = "..."                      # a different measure standing for the claim's: supports only, low confidence
    tolerance = 0.05                    # override the default tolerance
    checkable = false                   # with `reason` and `would_decide`: an honest not_checkable
    note = "..."                        # shown in the method
    note_es = "..."                     # the same in Spanish (also reason_es, would_decide_es); else English is shown

A claim without an entry is still attempted: `infer.py` builds a spec from its own columns.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mppwatch.claims.text import Msg, Text, msg
from mppwatch.core.periods import fiscal_year_span
from mppwatch.core.text import N_
from mppwatch.errors import InputError, MppwatchError
from mppwatch.sources.generic import CANNOT_READ, DAY_RE, decode_csv, parse_span

CLAIM_COLUMNS = ("claim_id", "source_url", "quote", "quantity", "value", "unit", "as_of_date", "geography")
REQUIRED_COLUMNS = ("claim_id", "quantity", "value", "unit", "as_of_date")
AGGREGATIONS = ("sum", "cumulative", "latest", "share", "ratio", "max", "min", "first", "compare", "rank")
COMPARE_AS = ("ratio", "difference", "change")
SPEC_KEYS = {
    "dataset", "metric", "where", "period", "aggregation", "numerator", "denominator", "per", "since",
    "comparator", "tolerance", "checkable", "reason", "would_decide", "note", "row_type", "measure",
    "reason_es", "would_decide_es", "note_es", "versus", "versus_period", "of", "compare_as", "by", "rank",
    "peak_month", "claimed", "bridge", "group",
}  # fmt: skip
TRANSLATED = ("reason", "would_decide", "note")  # spec texts that may carry a Spanish `<key>_es`
METRICS = ("returns", "court")
COURT_GROUPS = ("mpp", "non_mpp", "all")  # metric = "court": MPP cases, the comparison group, or every case
_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?$")
EMPTY_CLAIMS = N_("empty file: expected a header {columns}")
MISSING_CLAIM_COLUMN = N_("missing column (claims files have {columns})")
NOT_TOML = N_("not valid TOML: {reason}")
NOT_CLAIM_TABLES = N_("expected [claims.<ID>] tables")


class ClaimError(MppwatchError):
    """A claim row or spec entry that cannot be used, named by claim id and field.

    `reason` is a bilingual text (a `msg("err_...")`); `render(lang)` gives the whole line in English or Spanish,
    `str(exc)` the English line and `exc.reason` the English reason.
    """

    def __init__(self, file: str, claim_id: str, field: str, reason: Text, line: int | None = None) -> None:
        self.file, self.claim_id, self.field, self.text, self.line = file, claim_id, field, reason, line
        self.reason = reason.render("en")
        super().__init__(self.render("en"))

    def render(self, lang: str = "en") -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        line = msg("err_line", where=where, claim=self.claim_id or "?", field=repr(self.field), reason=self.text)
        return line.render(lang)


class PeriodError(InputError):
    """A period or date that cannot be read (`parse_period`); `text` is its reason in both languages."""

    def __init__(self, file: str, line: int | None, column: str, text: Text) -> None:
        super().__init__(file, line, column, text)
        self.text = text


@dataclass(frozen=True)
class Period:
    """A calendar span with the precision it was written in (day, month, year, fiscal_year, range)."""

    text: str
    kind: str
    start: date
    end: date


@dataclass(frozen=True)
class Claim:
    """One published claim, as transcribed."""

    claim_id: str
    quote: str
    quantity: str
    value_text: str
    unit: str
    as_of: Period
    geography: str
    source_url: str = ""
    file: str = ""
    line: int = 0

    @property
    def is_date(self) -> bool:
        return bool(re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", self.value_text.strip()))

    @property
    def number(self) -> float:
        return float(self.value_text.replace(",", ""))


@dataclass
class CheckSpec:
    """How one claim is checked. Built from a spec entry or inferred from the claim's own columns."""

    dataset: str | None = None
    metric: str | None = None
    where: dict[str, list[str]] = field(default_factory=dict)
    period: Period | None = None
    aggregation: str = "latest"
    numerator: dict[str, list[str]] = field(default_factory=dict)
    denominator: dict[str, list[str]] = field(default_factory=dict)
    per: str | None = None
    since: Period | None = None
    comparator: str | None = None
    tolerance: float | None = None
    checkable: bool = True
    reason: str = ""
    would_decide: str = ""
    note: str = ""
    reason_es: str = ""  # Spanish texts of reason, would_decide and note ("" = show the English)
    would_decide_es: str = ""
    note_es: str = ""
    row_type: str | None = None
    measure: str | None = None  # metric = "court": one of court.measures.MEASURES
    versus: dict[str, list[str]] = field(default_factory=dict)  # compare: the comparison group's filters
    versus_period: Period | None = None  # compare: the other period
    compare_as: str | None = None  # ratio | difference | change
    of: str | None = None  # compare/rank: the aggregation of each figure
    by: str | None = None  # rank: the column ranked over
    rank: int | None = None  # rank: the claimed position
    peak_month: str | None = None  # max/min: the claimed top month (YYYY-MM)
    claimed: float | None = None  # the claimed number when it is not the claim's `value`
    bridge: str = ""  # the assumption that lets a different measure stand for the claim's
    group: str = "mpp"  # metric = "court": mpp, non_mpp (all cases minus MPP; counts only) or all
    inferred: bool = False
    why: list[Msg] = field(default_factory=list)  # how an inferred spec was chosen


def parse_period(text: str, file: str = "", line: int | None = None, column: str = "period") -> Period:
    """`2019-05`, `2019-06-08`, `2019`, `FY2020`, or `START..END` (any of the first three)."""
    text = str(text).strip()
    if m := re.fullmatch(r"(?i)FY\s?(\d{4})", text):
        year = int(m[1])
        return Period(f"FY{year}", "fiscal_year", *fiscal_year_span(year))
    if ".." in text:
        a, b = text.split("..", 1)
        first, last = parse_period(a, file, line, column), parse_period(b, file, line, column)
        if last.end < first.start:
            raise PeriodError(file, line, column, msg("err_period_reversed", text=repr(text)))
        return Period(text, "range", first.start, last.end)
    try:
        kind, start, end = parse_span(text, file, line or 0, column)
    except InputError:  # parse_span fails only on a day that does not exist or on a text that is no date
        key = "err_not_real_date" if DAY_RE.match(text) else "err_not_date"
        raise PeriodError(file, line, column, msg(key, text=repr(text))) from None
    return Period(text, kind, start, end)


def read_claims(path: str | Path) -> tuple[list[Claim], list[ClaimError]]:
    """Read a claims CSV: the claims that parse, and one error per row (or field) that does not."""
    path = Path(path)
    file = str(path)
    try:
        text = decode_csv(path.read_bytes(), file)
    except OSError as exc:
        raise InputError(file, None, None, CANNOT_READ, reason=exc.strerror) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(file, 1, None, EMPTY_CLAIMS, columns=",".join(CLAIM_COLUMNS))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(file, 1, missing[0], MISSING_CLAIM_COLUMN, columns=", ".join(CLAIM_COLUMNS))
    reader.fieldnames = header
    claims: list[Claim] = []
    errors: list[ClaimError] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in record.items() if k is not None}
        cid = row.get("claim_id", "")
        try:
            if None in record:
                n = str(len(header) + len(record[None]))
                raise ClaimError(file, cid, "#", msg("err_field_count", n=n, header=str(len(header))))
            if not cid:
                raise ClaimError(file, cid, "claim_id", msg("err_empty_id"))
            if cid in seen:
                raise ClaimError(file, cid, "claim_id", msg("err_duplicate_id", line=str(seen[cid])))
            seen[cid] = line
            value = row.get("value", "")
            if not value:
                raise ClaimError(file, cid, "value", msg("err_empty_value"))
            if not _NUMBER.match(value) and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise ClaimError(file, cid, "value", msg("err_value_kind", value=repr(value)))
            if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                _period_or_error(value, file, cid, "value", line)
            as_of = _period_or_error(row.get("as_of_date", ""), file, cid, "as_of_date", line)
            if not row.get("quantity"):
                raise ClaimError(file, cid, "quantity", msg("err_empty_quantity"))
            claims.append(
                Claim(
                    cid,
                    row.get("quote", ""),
                    row["quantity"],
                    value,
                    row.get("unit", ""),
                    as_of,
                    row.get("geography", ""),
                    row.get("source_url", ""),
                    file,
                    line,
                )  # fmt: skip
            )
        except ClaimError as exc:
            errors.append(ClaimError(file, cid, exc.field, exc.text, line))
    return claims, errors


def _period_or_error(text: str, file: str, cid: str, column: str, line: int) -> Period:
    if not text:
        raise ClaimError(file, cid, column, msg("err_empty_date"))
    try:
        return parse_period(text, file, line, column)
    except PeriodError as exc:
        raise ClaimError(file, cid, column, exc.text) from None


def default_spec_path(claims_path: str | Path) -> Path:
    """The sidecar spec beside a claims file: `claims_x.csv` -> `claims_x.spec.toml`."""
    p = Path(claims_path)
    return p.with_name(p.stem + ".spec.toml")


def load_spec(path: str | Path) -> tuple[dict[str, CheckSpec], list[ClaimError]]:
    """Read a spec file: one CheckSpec per valid entry, one ClaimError per entry (and field) that is not."""
    path = Path(path)
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(file, None, None, CANNOT_READ, reason=exc.strerror) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(file, int(m[1]) if m else None, None, NOT_TOML, reason=exc) from None
    entries = data.get("claims", {})
    if not isinstance(entries, dict):
        raise InputError(file, None, "claims", NOT_CLAIM_TABLES)
    specs: dict[str, CheckSpec] = {}
    errors: list[ClaimError] = []
    for cid, entry in entries.items():
        try:
            specs[cid] = spec_from_entry(entry, file, cid)
        except ClaimError as exc:
            errors.append(exc)
    return specs, errors


def _filters(value: Any, file: str, cid: str, name: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ClaimError(file, cid, name, msg("err_filter_table"))
    out: dict[str, list[str]] = {}
    for col, vals in value.items():
        vals = vals if isinstance(vals, list) else [vals]
        if not vals or not all(isinstance(v, str | int) for v in vals):
            raise ClaimError(file, cid, f"{name}.{col}", msg("err_filter_values"))
        out[str(col)] = [str(v) for v in vals]
    return out


def spec_from_entry(entry: Any, file: str, cid: str) -> CheckSpec:
    """Validate one `[claims.<ID>]` table."""
    if not isinstance(entry, dict):
        raise ClaimError(file, cid, "claims", msg("err_entry_table"))
    unknown = sorted(set(entry) - SPEC_KEYS)
    if unknown:
        raise ClaimError(file, cid, unknown[0], msg("err_unknown_key", known=", ".join(sorted(SPEC_KEYS))))
    spec = CheckSpec()
    spec.checkable = bool(entry.get("checkable", True))
    for key in ("reason", "would_decide", "note", "comparator", "row_type", *(f"{k}_es" for k in TRANSLATED)):
        if key in entry and not isinstance(entry[key], str):
            raise ClaimError(file, cid, key, msg("err_not_string"))
    for key in TRANSLATED:
        if f"{key}_es" in entry and not entry.get(key):
            raise ClaimError(file, cid, f"{key}_es", msg("err_spanish_alone", name=key))
    spec.reason_es, spec.would_decide_es = entry.get("reason_es", ""), entry.get("would_decide_es", "")
    spec.note_es = entry.get("note_es", "")
    spec.reason, spec.would_decide = entry.get("reason", ""), entry.get("would_decide", "")
    spec.note, spec.comparator, spec.row_type = entry.get("note", ""), entry.get("comparator"), entry.get("row_type")
    if not spec.checkable:
        if not spec.reason:
            raise ClaimError(file, cid, "reason", msg("err_reason_needed"))
        return spec
    if "dataset" in entry and "metric" in entry:
        raise ClaimError(file, cid, "metric", msg("err_dataset_and_metric"))
    if "dataset" not in entry and "metric" not in entry:
        raise ClaimError(file, cid, "dataset", msg("err_no_dataset"))
    if "metric" in entry and entry["metric"] not in METRICS:
        raise ClaimError(
            file, cid, "metric", msg("err_unknown_metric", metric=repr(entry["metric"]), known=", ".join(METRICS))
        )
    spec.dataset, spec.metric = entry.get("dataset"), entry.get("metric")
    if spec.dataset is not None and not isinstance(spec.dataset, str):
        raise ClaimError(file, cid, "dataset", msg("err_not_string"))
    agg = entry.get("aggregation", "cumulative" if spec.metric == "returns" else "latest" if spec.metric else "sum")
    if agg not in AGGREGATIONS:
        raise ClaimError(file, cid, "aggregation", msg("err_one_of", value=repr(agg), known=", ".join(AGGREGATIONS)))
    spec.aggregation = agg
    for key in ("where", "numerator", "denominator"):
        if key in entry:
            setattr(spec, key, _filters(entry[key], file, cid, key))
    if spec.metric == "court":
        from mppwatch.court.measures import MEASURES as COURT_MEASURES  # the court tables' own list

        spec.measure = entry.get("measure")
        if spec.measure not in COURT_MEASURES:
            known = ", ".join(COURT_MEASURES)
            raise ClaimError(file, cid, "measure", msg("err_one_of", value=repr(spec.measure), known=known))
        spec.group = entry.get("group", "mpp")
        if spec.group not in COURT_GROUPS:
            raise ClaimError(
                file, cid, "group", msg("err_one_of", value=repr(spec.group), known=", ".join(COURT_GROUPS))
            )
    if spec.metric == "returns" and set(spec.where) - {"city"}:
        raise ClaimError(file, cid, "where", msg("err_returns_where"))
    if spec.metric == "returns" and agg not in ("cumulative", "sum", "first", "compare", "rank"):
        raise ClaimError(file, cid, "aggregation", msg("err_returns_aggregation", aggregation=repr(agg)))
    if agg in ("share", "ratio") and not (spec.numerator or spec.denominator):
        raise ClaimError(file, cid, "numerator", msg("err_share_filters", aggregation=agg))
    for key in ("period", "since"):
        if key in entry:
            try:
                setattr(spec, key, parse_period(str(entry[key]), file, None, key))
            except PeriodError as exc:
                raise ClaimError(file, cid, key, exc.text) from None
    _shape_keys(spec, entry, file, cid)
    if "per" in entry and entry["per"] not in ("day", "month"):
        raise ClaimError(file, cid, "per", msg("err_per", per=repr(entry["per"])))
    spec.per = entry.get("per")
    if "tolerance" in entry:
        tol = entry["tolerance"]
        if not isinstance(tol, int | float) or isinstance(tol, bool) or not 0 <= tol < 1:
            raise ClaimError(file, cid, "tolerance", msg("err_tolerance", tolerance=repr(tol)))
        spec.tolerance = float(tol)
    return spec


def _shape_keys(spec: CheckSpec, entry: dict[str, Any], file: str, cid: str) -> None:
    """The keys of the two-figure, peak and rank shapes."""
    if "versus" in entry:
        spec.versus = _filters(entry["versus"], file, cid, "versus")
    if "versus_period" in entry:
        try:
            spec.versus_period = parse_period(str(entry["versus_period"]), file, None, "versus_period")
        except PeriodError as exc:
            raise ClaimError(file, cid, "versus_period", exc.text) from None
    if spec.aggregation == "compare" and not (spec.versus or spec.versus_period):
        raise ClaimError(file, cid, "versus", msg("err_compare_needs_versus"))
    if "compare_as" in entry:
        if entry["compare_as"] not in COMPARE_AS:
            known = ", ".join(COMPARE_AS)
            raise ClaimError(file, cid, "compare_as", msg("err_one_of", value=repr(entry["compare_as"]), known=known))
        spec.compare_as = entry["compare_as"]
    if "of" in entry:
        if entry["of"] not in ("sum", "cumulative", "latest", "max", "min"):
            raise ClaimError(
                file, cid, "of", msg("err_one_of", value=repr(entry["of"]), known="sum, cumulative, latest")
            )
        spec.of = entry["of"]
    for key in ("by", "peak_month", "bridge"):
        if key in entry:
            if not isinstance(entry[key], str):
                raise ClaimError(file, cid, key, msg("err_not_string"))
            setattr(spec, key, entry[key])
    if spec.peak_month is not None and not re.fullmatch(r"\d{4}-\d{2}", spec.peak_month):
        raise ClaimError(file, cid, "peak_month", msg("err_not_date", text=repr(spec.peak_month)))
    if spec.aggregation == "rank" and not spec.by:
        raise ClaimError(file, cid, "by", msg("err_rank_needs_by"))
    for key in ("rank", "claimed"):
        if key in entry:
            value = entry[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or (key == "rank" and value < 1):
                raise ClaimError(file, cid, key, msg("err_not_number", name=key))
            setattr(spec, key, int(value) if key == "rank" else float(value))
