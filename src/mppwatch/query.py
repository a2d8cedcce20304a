"""The query layer: a `Selection` becomes one SQL query with bound parameters, and a `Result` with its provenance.

The CLI, the API and a notebook build the same `Selection`; `series(store, selection)` answers it. The rules
that keep a figure from being silently wrong live here, once:

- **A total is never added to its own parts.** When a sum runs over a dimension with a known hierarchy (from
  the catalogue: CBP = OFO + USBP, location "Total" above the sectors, city "All" above the cities), the sum is
  answered at the top level of that hierarchy: a part is left out wherever its total is in the same cell group,
  and the provenance says so ("component: CBP is the total of OFO, USBP; ..."). Asking for a total and one of its
  own parts together (`--where component=CBP --where component=OFO`) without splitting them is refused.
- **Stocks are never summed across dates.** A dataset of levels on a date (cumulative returns to a day,
  shelter beds) gives each dated figure on its own row, whether dated to the day or the month, and says so;
  or, with `Selection(stocks="latest")`, the latest figure within each month (or year: `stock_period`), with
  an `as_of` column naming the date each value is from (`_latest` has the rule).
- **Forgiving filters, strict answers.** Filter values match whatever their case and accents
  (`city=Ciudad Juarez` finds "Ciudad Juárez"); the value matched is echoed in the provenance. A column, value,
  row type, period kind or edition that matches nothing is an error listing the valid choices, nearest first;
  a period outside the dataset's coverage gives the coverage; `from` later than `to` is an error.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from mppwatch.catalog import KEY_COLUMNS, NON_ADDITIVE, NOT_DIMENSIONS, DatasetRecord, QueryError, kind_word, record
from mppwatch.core.periods import Bounds, PeriodError, fiscal_year_sql, parse_bounds, span
from mppwatch.core.table import Table
from mppwatch.core.text import N_, Field, Template, choices_text, fold
from mppwatch.i18n import localise
from mppwatch.store import Store

if TYPE_CHECKING:
    import pandas as pd

CELL_COLUMNS = [
    "load_id", "line", "source_id", "period", "period_kind", "period_start", "period_end", "row_type", "flag",
    "dims", "value",
]  # fmt: skip


@dataclass(frozen=True)
class Selection:
    """What to read: a dataset, filters (column -> values), `by` columns, a period range, kind, row type, edition."""

    dataset: str
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by: Sequence[str] = ()
    start: str | date | None = None
    end: str | date | None = None
    period_kind: str | None = None
    row_type: str | None = "detail"
    edition: str | None = None
    stocks: str = "each"  # a stock's figures: "each" dated figure, or the "latest" within each stock_period
    stock_period: str = "month"  # "month" or "year": the period `stocks="latest"` picks one figure in

    def describe(self) -> dict[str, Any]:
        out = asdict(self)
        out["filters"] = {k: [v] if isinstance(v, str) else list(v) for k, v in self.filters.items()}
        out["by"] = list(self.by)
        out["start"] = None if self.start is None else str(self.start)
        out["end"] = None if self.end is None else str(self.end)
        return out


Where = Mapping[str, str | Sequence[str]]  # column -> value(s), as `series(...)` takes filters


def parse_where(items: Sequence[str]) -> dict[str, list[str]]:
    """`["component=CBP", "location=Total"]` -> `{"component": ["CBP"], "location": ["Total"]}`."""
    where: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise QueryError(N_("--where {item}: expected COLUMN=VALUE"), item=repr(item))
        col, value = item.split("=", 1)
        where.setdefault(col.strip(), []).append(value.strip())
    return where


def selection(
    dataset: str,
    where: Where | None = None,
    by: Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    row_type: str | None = "detail",
    period_kind: str | None = None,
    edition: str | None = None,
    stocks: str = "each",
    stock_period: str = "month",
) -> Selection:
    """The `Selection` that `series(...)`'s arguments describe."""
    filters = {k: [v] if isinstance(v, str) else list(v) for k, v in (where or {}).items()}
    by_columns = tuple(b for b in (by or []) if b)
    return Selection(dataset, filters, by_columns, start, end, period_kind, row_type, edition, stocks, stock_period)


@dataclass
class Provenance:
    """Where a result's figures come from and what the query resolved on the way.

    `notes` are English (the JSON field, as before); `notes_in(lang)` gives them in English or Spanish, each
    rendered from the gettext-marked template and fields it was made from (`note`), never by translating text.
    """

    dataset: str
    source_ids: list[str] = field(default_factory=list)
    load_ids: list[int] = field(default_factory=list)
    editions: list[str] = field(default_factory=list)
    as_of: list[str] = field(default_factory=list)  # the dates of stock figures (snapshots)
    is_estimate: bool = False
    suppressed: bool = False
    period_kind: str | None = None
    row_type: str | None = None
    matched: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {typed: published}
    notes: list[str] = field(default_factory=list)
    selection: dict[str, Any] = field(default_factory=dict)
    title: dict[str, str] = field(default_factory=dict)
    _messages: dict[str, Template] = field(default_factory=dict, repr=False, compare=False)

    def note(self, template: str, **values: Field) -> None:
        """Add a note from an English template (marked with N_) and its fields."""
        message = Template(template, **values)
        text = message.english()
        self.notes.append(text)
        self._messages[text] = message

    def notes_in(self, lang: str) -> list[str]:
        """The notes in `lang` ('en' or 'es'); a note added as plain text goes through `i18n.localise`."""
        out = []
        for text in self.notes:
            message = self._messages.get(text)
            out.append(message.render(lang) if message is not None else localise(text, lang) or text)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every public field (notes in English, as before) plus `notes_es`."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if not f.name.startswith("_")}
        out["notes_es"] = self.notes_in("es")
        return out


class Result:
    """A tidy frame and its provenance (a typed field: pandas drops `attrs`, this is never lost).

    Made from a pandas frame or a plain `Table`. `frame` is always the pandas frame (built on first use from the
    table); `table` is what an output prints, the plain table when there is one, so that printing a series from
    the command line never imports pandas.
    """

    def __init__(self, frame: pd.DataFrame | Table, provenance: Provenance) -> None:
        self._table = frame if isinstance(frame, Table) else None
        self._frame = None if isinstance(frame, Table) else frame
        self.provenance = provenance

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            assert self._table is not None
            self._frame = self._table.to_frame()
        return self._frame

    @property
    def table(self) -> pd.DataFrame | Table:
        return self._table if self._table is not None else self.frame

    def __repr__(self) -> str:
        return f"Result(frame={self.table!r}, provenance={self.provenance!r})"


@dataclass(frozen=True)
class _Resolved:
    record: DatasetRecord
    filters: dict[str, list[str]]
    kind: str | None
    bounds: Bounds
    edition: str | None
    stock: bool


def _column(rec: DatasetRecord, col: str) -> str:
    """A filter or `by` column as SQL: a key column, or a bound map lookup (the name is a parameter)."""
    if col in KEY_COLUMNS:
        return '"' + col + '"'
    rec.dimension(col)  # raises with the columns, nearest first
    return "dims[?]"


def _column_choices(rec: DatasetRecord) -> list[str]:
    return [*rec.columns, *KEY_COLUMNS]


def _check_column(rec: DatasetRecord, col: str) -> None:
    if col not in rec.dimensions and col not in KEY_COLUMNS:
        raise QueryError(
            N_("{dataset} has no column '{column}'; its columns are: {choices}"),
            dataset=rec.name,
            column=col,
            choices=choices_text(col, _column_choices(rec), 40),
        )


def _match_values(rec: DatasetRecord, col: str, values: Sequence[str], prov: Provenance | None) -> list[str]:
    """Each typed value as the dataset spells it (case and accents ignored); no match is an error."""
    if col == "source_id":
        known: Sequence[str] = rec.source_ids
    elif col == "row_type":
        known = rec.row_types
    elif col == "flag":
        return list(values)
    else:
        known = rec.dimensions[col].values
    exact = set(known)
    folded: dict[str, str] = {}
    for v in known:
        folded.setdefault(fold(v), v)
    out = []
    for v in values:
        if v in exact:
            out.append(v)
            continue
        hit = folded.get(fold(v))
        if hit is None:
            raise QueryError(
                N_("{dataset}: no {column} '{value}'; its {column} values are: {choices}"),
                dataset=rec.name,
                column=col,
                value=v,
                choices=choices_text(v, known),
            )
        out.append(hit)
        if prov is not None:
            prov.matched.setdefault(col, {})[v] = hit
            prov.note(N_("{column}={value} matched '{published}'"), column=col, value=v, published=hit)
    return out


def _resolve(store: Store, sel: Selection, prov: Provenance | None, strict: bool) -> _Resolved:
    rec = record(store, sel.dataset)
    try:
        bounds = parse_bounds(sel.start, sel.end)
    except PeriodError as exc:
        raise QueryError(exc.template, **exc.fields) from None
    filters: dict[str, list[str]] = {}
    for col, vals in (sel.filters or {}).items():
        _check_column(rec, col)
        values = [vals] if isinstance(vals, str) else list(vals)
        filters[col] = _match_values(rec, col, values, prov) if strict else values
    if strict and sel.row_type and sel.row_type not in rec.row_types:
        raise QueryError(
            N_("{dataset}: no row type '{value}'; its row types are: {choices}"),
            dataset=rec.name,
            value=sel.row_type,
            choices=choices_text(sel.row_type, rec.row_types),
        )
    if strict and sel.period_kind and sel.period_kind not in rec.period_kinds:
        raise QueryError(
            N_("{dataset}: no period kind '{value}'; its period kinds are: {choices}"),
            dataset=rec.name,
            value=sel.period_kind,
            choices=choices_text(sel.period_kind, rec.period_kinds),
        )
    edition = None
    if "edition" in rec.dimensions and "edition" not in filters:
        if strict and sel.edition is not None and sel.edition not in rec.editions:
            raise QueryError(
                N_("{dataset}: no edition '{value}'; its editions are: {choices}"),
                dataset=rec.name,
                value=sel.edition,
                choices=choices_text(sel.edition, rec.editions),
            )
        edition = sel.edition or max(rec.editions)
    elif sel.edition is not None and "edition" not in rec.dimensions:
        raise QueryError(N_("{dataset} has no editions"), dataset=rec.name)
    return _Resolved(rec, filters, sel.period_kind, bounds, edition, rec.stock)


def _where(res: _Resolved, row_type: str | None) -> tuple[list[str], list[object]]:
    clauses: list[str] = ["dataset = ?"]
    params: list[object] = [res.record.name]
    for col, vals in res.filters.items():
        sql = _column(res.record, col)
        if sql == "dims[?]":
            params.append(col)
        clauses.append(f"{sql} IN ({', '.join('?' for _ in vals)})")
        params += vals
    if row_type:
        clauses.append("row_type = ?")
        params.append(row_type)
    if res.edition is not None:
        clauses.append("dims['edition'] = ?")
        params.append(res.edition)
    return clauses, params


def to_sql(
    res: _Resolved, row_type: str | None, kind: str | None, dim_columns: Sequence[str] = ()
) -> tuple[str, list[object]]:
    """The one SQL over `observations` for a selection: bound parameters, quoted names, one capture per cell.

    When several captures (source ids) print the same cell, the one that covers most periods of that fiscal
    year wins, ties going to the later load and the later row of the file, which the publishers' revisions follow.
    A stock's range applies to the date each figure is counted to (its period end). A dataset that prints each
    cell once (the catalogue's `unique_cells`) is read without the ranking.
    """
    clauses, params = _where(res, row_type)
    if kind:
        clauses.append("period_kind = ?")
        params.append(kind)
    lo, hi = res.bounds.start, res.bounds.end
    if lo is not None:
        clauses.append("period_end >= ?" if res.stock else "period_start >= ?")
        params.append(lo)
    if hi is not None:
        clauses.append("period_end <= ?")
        params.append(hi)
    extra = "".join(f', dims[?] AS "d:{i}"' for i, _ in enumerate(dim_columns))
    columns = "load_id, line, source_id, period, period_kind, period_start, period_end, row_type, flag, "
    columns += ("" if dim_columns else "dims, ") + "value" + extra
    if res.record.unique_cells:  # one capture of each cell: nothing to choose between
        sql = f"""SELECT {columns} FROM observations WHERE {" AND ".join(clauses)}
                  ORDER BY period_end, period_start, line"""
        return sql, [*dim_columns, *params]
    sql = f"""
        WITH picked AS (SELECT * FROM observations WHERE {" AND ".join(clauses)}),
        fy AS (SELECT *, {fiscal_year_sql("period_start")} AS fy_of_period FROM picked),
        coverage AS (
            SELECT source_id, fy_of_period, count(DISTINCT period) AS periods FROM fy GROUP BY ALL
        ),
        ranked AS (
            SELECT fy.*, row_number() OVER (
                PARTITION BY dims::VARCHAR, period, row_type
                ORDER BY coverage.periods DESC, fy.load_id DESC, fy.line DESC
            ) AS capture_rank
            FROM fy JOIN coverage USING (source_id, fy_of_period)
        )
        SELECT {columns}
        FROM ranked WHERE capture_rank = 1 ORDER BY period_end, period_start, line
    """
    return sql, [*params, *dim_columns]


def _default_kind(store: Store, res: _Resolved, row_type: str | None) -> str | None:
    """Months when the selection has them, else its most common period kind; a stock keeps every kind."""
    if res.stock:
        return None
    if len(res.record.period_kinds) == 1:
        return next(iter(res.record.period_kinds))
    clauses, params = _where(res, row_type)
    key = (res.record.name, res.record.load_ids, " AND ".join(clauses), tuple(map(str, params)))
    if key in _KINDS:
        return _KINDS[key]
    rows = store.con.execute(
        f"SELECT period_kind, count(*) FROM observations WHERE {' AND '.join(clauses)} GROUP BY 1 ORDER BY 2 DESC",
        params,
    ).fetchall()
    kinds = [r[0] for r in rows]
    kind = "month" if not kinds or "month" in kinds else kinds[0]
    if len(_KINDS) > 10_000:
        _KINDS.clear()
    _KINDS[key] = kind
    return kind


_KINDS: dict[tuple, str] = {}  # default period kind per selection and loads (a load never changes)


def cells(store: Store, sel: Selection, strict: bool = False) -> pd.DataFrame:
    """The published cells a selection reads, one row per cell after choosing one capture (columns CELL_COLUMNS).

    Not strict (what `metrics.select` gives): filter values, row type, period kind and edition are taken as
    typed, and what matches nothing gives an empty frame, as before the query layer.
    """
    res = _resolve(store, sel, None, strict)
    kind = sel.period_kind or _default_kind(store, res, sel.row_type)
    sql, params = to_sql(res, sel.row_type, kind)
    return store.query(sql, params)


def _coverage_error(rec: DatasetRecord, res: _Resolved, kind: str | None) -> QueryError:
    return QueryError(
        N_("{dataset} has no figures in {span}{kind}; it covers {coverage}"),
        dataset=rec.name,
        span=res.bounds.text(),
        kind=Template(N_(" ({kind})"), kind=kind_word(kind)) if kind else "",
        coverage=rec.coverage_text(kind),
    )


def series(store: Store, sel: Selection) -> Result:
    """Sum a dataset's figures per period (and per `by` column): a frame `*by, period, value` and its provenance.

    `value` is empty where every summed cell was not published (flag X / NA). Figures of different measures (a
    `measure` or `unit` column) do not add up, so a selection that mixes them must be split or narrowed. A total
    is never added to its own parts and a stock is never added across dates (see the module docstring).
    """
    prov = Provenance(dataset=sel.dataset, selection=sel.describe())
    res = _resolve(store, sel, prov, strict=True)
    rec = res.record
    prov.dataset, prov.title = rec.name, dict(rec.title)
    by = [b for b in sel.by if b]
    _check_stocks(rec, sel)
    for col in by:
        _check_column(rec, col)
    if len(set(by)) != len(by):
        raise QueryError(N_("by: a column is named twice ({columns}); name each column once"), columns=", ".join(by))
    kind = sel.period_kind or _default_kind(store, res, sel.row_type)
    if res.bounds.start or res.bounds.end:
        spans = [rec.period_kinds[kind]] if kind in rec.period_kinds else list(rec.period_kinds.values())
        first, last = min(k.first for k in spans), max(k.last for k in spans)
        lo, hi = res.bounds.start or first, res.bounds.end or last
        if hi < first or lo > last:
            raise _coverage_error(rec, res, kind)
    dims = list(rec.columns)
    sql, params = to_sql(res, sel.row_type, kind, dims)
    rows = _fetch(store, sql, params, {f"d:{i}": f"dim:{d}" for i, d in enumerate(dims)})
    prov.period_kind, prov.row_type = kind, sel.row_type
    if not rows:
        raise _empty_error(rec, sel, res, kind)
    _check_additive(rec, rows, by)
    rows = _top_of_hierarchies(rec, rows, by, res.filters, prov)
    latest = res.stock and sel.stocks == "latest"
    sums = _sum(rows, by, res.stock)
    if latest:
        table = Table((*by, "period", N_("as_of"), "value"), _latest(sums, by, sel.stock_period), VALUE)  # es header
        rows = _rows_of(rows, table.rows, by)
        prov.note(LATEST[sel.stock_period], dataset=rec.name)
        prov.as_of = sorted({r[len(by) + 1] for r in table.rows})
    else:
        table = Table((*by, "period", "value"), sums, VALUE)
        if res.stock:
            prov.as_of = sorted({r["period_end"].isoformat() for r in rows})
    if res.stock:
        _stock_notes(rec, rows, by, prov, latest)
    prov.source_ids = sorted({r["source_id"] for r in rows})
    prov.load_ids = sorted({int(r["load_id"]) for r in rows})
    prov.editions = [res.edition] if res.edition else []
    return Result(table, prov)


Cell = dict[str, Any]  # one published cell: the observation's columns, and its dimensions as "dim:<name>"
VALUE = frozenset({"value"})


def _fetch(store: Store, sql: str, params: list[object], names: Mapping[str, str]) -> list[Cell]:
    """The cells as plain dicts (a few thousand at most: plain Python is quicker here than a frame)."""
    cur = store.con.execute(sql, params)
    cols = [names.get(d[0], d[0]) for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _key(col: str) -> str:
    """A `by` column's key in a cell: an observation column, or a dimension."""
    return col if col in KEY_COLUMNS else f"dim:{col}"


def _nulls_last(value: Any) -> tuple[bool, Any]:
    """A sort key that puts missing values after every other (as pandas' sort does)."""
    return (True, "") if value is None else (False, value)


def _number(value: Any) -> bool:
    return value is not None and value == value  # NaN is not a published figure


STOCK_MODES = ("each", "latest")
STOCK_PERIODS = ("month", "year")
LATEST = {
    "month": N_(
        "{dataset}: the latest figure within each month (as_of gives its date; a figure dated only to a month "
        "counts from the month's first day, so a day-dated figure later in the month is preferred), never added "
        "across dates"
    ),
    "year": N_(
        "{dataset}: the latest figure within each year (as_of gives its date; a figure dated only to a month "
        "counts from the month's first day, so a day-dated figure later in that month is preferred), never added "
        "across dates"
    ),
}


def _rows_of(rows: list[Cell], chosen: Sequence[tuple[Any, ...]], by: list[str]) -> list[Cell]:
    """The cells behind the chosen figures (rows `*by, period, as_of, value`): their `by` values and `as_of` period."""
    n = len(by)
    wanted = {tuple(str(v) for v in (*r[:n], r[n + 1])) for r in chosen}
    keys = [_key(b) for b in by]
    return [r for r in rows if tuple(str(r[k]) for k in [*keys, "period"]) in wanted]


def _check_stocks(rec: DatasetRecord, sel: Selection) -> None:
    """`stocks` and `stock_period` name known modes, and "latest" is asked of a stock only."""
    for name, value, choices in (
        ("stocks", sel.stocks, STOCK_MODES),
        ("stock_period", sel.stock_period, STOCK_PERIODS),
    ):
        if value not in choices:
            raise QueryError(
                N_("{option} '{value}': choose one of {choices}"),
                option=name,
                value=value,
                choices=choices_text(value, choices),
            )
    if sel.stocks == "latest" and not rec.stock:
        raise QueryError(
            N_(
                "{dataset} holds counts over periods, not levels on a date: stocks=latest applies only to stocks "
                "(cumulative counts, shelter beds); its figures are added per period"
            ),
            dataset=rec.name,
        )


def _latest(sums: list[tuple[Any, ...]], by: list[str], per: str) -> list[tuple[Any, ...]]:
    """The latest figure of each `by` group within each month or year: rows `*by, period, as_of, value`.

    A figure's date is the date printed: a day, or a month, which counts from its first day (the figure may be
    from any day of it), so a day-dated figure later in the same month wins over the month-dated one, and the
    two tie-break to the day-dated one on the first. Unpublished figures (empty values) are never chosen.
    """
    n = len(by)
    dated = []
    for r in sums:
        if not _number(r[n + 1]):
            continue
        kind, first = _printed_date(str(r[n]))
        dated.append((r, first, kind == "day", f"{first:%Y-%m}" if per == "month" else f"{first:%Y}"))
    dated.sort(key=lambda d: (*(_nulls_last(v) for v in d[0][:n]), d[3], d[1], d[2]))
    last: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for r, _, _, period in dated:  # in date order: the last one seen in a group is its latest
        last[(*r[:n], period)] = (*r[:n], period, r[n], r[n + 1])
    return sorted(last.values(), key=lambda r: (r[n], *(_nulls_last(v) for v in r[:n])))


def _printed_date(period: str) -> tuple[str, date]:
    """(kind, first day) of a period label as printed: 2019-06-14 (day), 2019-09 (month), 2019 (year)."""
    try:
        kind, first, _ = span(period)
    except PeriodError:
        raise QueryError(
            N_("a stock's period '{period}' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"), period=period
        ) from None
    return kind, first


def _empty_error(rec: DatasetRecord, sel: Selection, res: _Resolved, kind: str | None) -> QueryError:
    filters: Field = ", ".join(f"{k}={'|'.join(v)}" for k, v in res.filters.items()) or Template(N_("no filters"))
    return QueryError(
        N_(
            "{dataset}: no figures match {filters}, row type {row_type}{kind}{span}; "
            "the dataset covers {coverage} with row types {row_types}"
        ),
        dataset=rec.name,
        filters=filters,
        row_type=sel.row_type or Template(N_("any")),
        kind=Template(N_(", period kind {kind}"), kind=kind_word(kind)) if kind else "",
        span=Template(N_(" in {span}"), span=res.bounds.text()) if res.bounds.start or res.bounds.end else "",
        coverage=rec.coverage_text(kind),
        row_types=", ".join(rec.row_types),
    )


def _check_additive(rec: DatasetRecord, rows: list[Cell], by: list[str]) -> None:
    for col in NON_ADDITIVE:
        if col in rec.dimensions and col not in by:
            kinds = sorted({"-" if r[f"dim:{col}"] is None else str(r[f"dim:{col}"]) for r in rows})
            if len(kinds) > 1:
                raise QueryError(
                    N_(
                        "{dataset}: the selection mixes {column}s ({values}), which do not add up; "
                        "pick one with --where {column}=... or split with --by {column}"
                    ),
                    dataset=rec.name,
                    column=col,
                    values=", ".join(kinds),
                )


def _top_of_hierarchies(
    rec: DatasetRecord, rows: list[Cell], by: list[str], filters: dict[str, list[str]], prov: Provenance
) -> list[Cell]:
    """Leave out every part whose total is in the same cell group, so a sum never counts a figure twice."""
    dim_cols = [f"dim:{d}" for d in rec.columns]
    for name, dim in rec.dimensions.items():
        if not dim.parts or name in by or name in NOT_DIMENSIONS:
            continue
        chosen = filters.get(name, [])
        for v in chosen:
            if clash := sorted(dim.ancestors(v) & set(chosen)):
                raise QueryError(
                    N_(
                        "{dataset}: {column}={total} already includes {column}={part}; adding them would count "
                        "{part} twice. Choose {total}, or its parts ({parts}), or split with --by {column}"
                    ),
                    dataset=rec.name,
                    column=name,
                    total=clash[0],
                    part=v,
                    parts=", ".join(dim.parts[clash[0]]),
                )
        col = f"dim:{name}"
        ancestors = {v: dim.ancestors(v) for v in {r[col] for r in rows} if v is not None}
        if not any(ancestors.values()):
            continue
        keys = [c for c in dim_cols if c != col] + ["period", "row_type"]
        groups = [tuple(r[k] for k in keys) for r in rows]  # the cell group: every other column the same
        present = {(g, r[col]) for g, r in zip(groups, rows, strict=True)}
        kept = []
        dropped_under: dict[str, set[str]] = {}
        for g, r in zip(groups, rows, strict=True):
            hits = [a for a in ancestors.get(r[col], ()) if (g, a) in present]
            if not hits:
                kept.append(r)
            for a in hits:
                dropped_under.setdefault(a, set()).add(r[col])
        if len(kept) < len(rows):
            rows = kept
            for parent in sorted(dropped_under):
                if parent in {p for p in dropped_under if dim.ancestors(p) & set(dropped_under)}:
                    continue
                prov.note(
                    N_(
                        "{column}: {total} is the total of {parts}; the figures are {total}'s (its parts are not "
                        "added to it again); --by {column} or --where {column}=... gives the parts"
                    ),
                    column=name,
                    total=parent,
                    parts=", ".join(dim.parts[parent]),
                )
    return rows


def _stock_notes(rec: DatasetRecord, rows: list[Cell], by: list[str], prov: Provenance, latest: bool) -> None:
    kinds = Counter(r["period_kind"] for r in rows)
    counted = [_dated(str(k), int(n)) for k, n in sorted(kinds.items())]
    if not latest:
        prov.note(
            N_(
                "{dataset} holds levels on a date (cumulative counts): each row is the figure to its date ({counted}), "
                "never added across dates"
            ),
            dataset=rec.name,
            counted=counted,
        )
    keys = [_key(b) for b in by] + ["period"]
    for name in rec.dimensions:
        if name in by or name in NOT_DIMENSIONS or not rec.dimensions[name].values:
            continue
        seen: dict[tuple[Any, ...], set[Any]] = {}
        for r in rows:
            values = seen.setdefault(tuple(r[k] for k in keys), set())
            if r[f"dim:{name}"] is not None:
                values.add(r[f"dim:{name}"])
        many = sum(len(values) > 1 for values in seen.values())
        if many:
            prov.note(
                N_(
                    "on {n} date(s) the figure adds several {column} values reported that day; --by {column} shows each"
                ),
                n=many,
                column=name,
            )


DATED = {
    "day": N_("{n} dated to the day"),
    "month": N_("{n} dated to the month"),
    "year": N_("{n} dated to the year"),
    "fiscal_year": N_("{n} dated to the fiscal year"),
}


def _dated(kind: str, n: int) -> Template:
    """ "3 dated to the day": how many stock figures are dated to each period kind."""
    if kind in DATED:
        return Template(DATED[kind], n=n)
    return Template(N_("{n} dated to the {kind}"), n=n, kind=kind.replace("_", " "))


def _sum(rows: list[Cell], by: list[str], stock: bool) -> list[tuple[Any, ...]]:
    """Rows `*by, period, value`: the cells added per `by` group and period, in date order (a stock by its end).

    A group whose every cell is unpublished sums to None (empty), not 0.
    """
    order = "period_end" if stock else "period_start"
    keys = [_key(b) for b in by]
    groups: dict[tuple[Any, ...], list[float]] = {}
    for r in rows:
        values = groups.setdefault((*(r[k] for k in keys), r[order], r["period"]), [])
        if _number(r["value"]):
            values.append(r["value"])
    n = len(by)
    ordered = sorted(groups, key=lambda g: (g[n], *(_nulls_last(v) for v in g[:n]), g[n + 1]))
    return [(*g[:n], g[n + 1], math.fsum(groups[g]) if groups[g] else None) for g in ordered]


# -- the other reads over `observations`, named here so no analysis module writes SQL over it ------------------


def totals(store: Store) -> dict[str, int]:
    """How much is loaded: distinct datasets and observation rows (what /health reports)."""
    row = store.con.execute("SELECT count(DISTINCT dataset), count(*) FROM observations").fetchone()
    return {"datasets": int(row[0]), "observations": int(row[1])} if row else {"datasets": 0, "observations": 0}


def dataset_table(store: Store) -> pd.DataFrame:
    """One row per loaded dataset: rows, period coverage, period kinds, source ids and the current load."""
    return store.query(
        """
        SELECT o.dataset, count(*) AS rows, min(o.period_start) AS first_period, max(o.period_end) AS last_period,
               string_agg(DISTINCT o.period_kind, ',' ORDER BY o.period_kind) AS period_kinds,
               string_agg(DISTINCT o.source_id, ' ' ORDER BY o.source_id) AS source_ids,
               l.load_id, l.file_name, l.sha256, l.loaded_at
        FROM observations o JOIN loads l ON l.load_id = o.load_id AND l.status = 'current'
        GROUP BY o.dataset, l.load_id, l.file_name, l.sha256, l.loaded_at
        ORDER BY o.dataset
        """
    )


def source_table(store: Store) -> pd.DataFrame:
    """The source register, with the datasets that cite each source."""
    return store.query(
        """
        SELECT s.source_id, s.title, s.source_url, s.retrieved_via, s.note,
               string_agg(DISTINCT o.dataset, ' ' ORDER BY o.dataset) AS datasets
        FROM sources s LEFT JOIN observations o USING (source_id)
        GROUP BY ALL ORDER BY s.source_id
        """
    )


def dataset_names(store: Store) -> list[str]:
    """Every dataset with observations, sorted."""
    return [r[0] for r in store.con.execute("SELECT DISTINCT dataset FROM observations ORDER BY 1").fetchall()]


def dataset_load_ids(store: Store) -> dict[str, tuple[int, ...]]:
    """The load ids each dataset's observations come from (a cache key: a load never changes once written)."""
    ids: dict[str, list[int]] = {}
    for dataset, load_id in store.con.execute(
        "SELECT DISTINCT dataset, load_id FROM observations ORDER BY 1, 2"
    ).fetchall():
        ids.setdefault(dataset, []).append(int(load_id))
    return {d: tuple(v) for d, v in ids.items()}


DIMS_TEXT = (
    "array_to_string(list_transform(map_entries(dims), lambda e: e.key || chr(31) || coalesce(e.value, '')), chr(30))"
)


def plain_records(store: Store, datasets: Sequence[str] | None = None) -> list[tuple]:
    """Every observation of `datasets` (all when None) in file order, as plain tuples for a fast scan.

    Columns: dataset, source_id, period, period_kind, period_start, period_end (ISO text), row_type, flag, note,
    dims (``key\x1fvalue`` pairs joined by ``\x1e``), value. Text is far faster to fetch than MAPs and dates.
    """
    where, params = "", []
    if datasets:
        where = f"WHERE dataset IN ({', '.join('?' for _ in datasets)})"
        params = list(datasets)
    return store.con.execute(
        f"""SELECT dataset, source_id, period, period_kind, period_start::VARCHAR AS period_start,
                   period_end::VARCHAR AS period_end, row_type, flag, note, {DIMS_TEXT} AS dims, value
            FROM observations {where} ORDER BY dataset, line""",
        params,
    ).fetchall()


PLAIN_COLUMNS = (
    "dataset", "source_id", "period", "period_kind", "period_start", "period_end", "row_type", "flag", "note",
    "dims", "value",
)  # fmt: skip


def city_snapshot_rows(store: Store, datasets: Sequence[str], row_types: Sequence[str]) -> pd.DataFrame:
    """Figures with a `city` of the given datasets and row types (the raw material of cumulative returns)."""
    return store.query(
        f"""SELECT dataset, source_id, period, period_kind, period_start, period_end, row_type, note,
                   dims['city'] AS city, value
            FROM observations
            WHERE dataset IN ({", ".join("?" for _ in datasets)}) AND row_type IN ({", ".join("?" for _ in row_types)})
              AND value IS NOT NULL AND map_contains(dims, 'city')""",
        [*datasets, *row_types],
    )


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def distinct_values(store: Store, dataset: str, column: str) -> list[str]:
    """The values a dimension takes in a dataset, sorted (the column name is a bound parameter)."""
    rows = store.con.execute(
        "SELECT DISTINCT dims[?] FROM observations WHERE dataset = ? AND dims[?] IS NOT NULL", [column, dataset, column]
    ).fetchall()
    return sorted(str(r[0]) for r in rows if r[0] is not None)


def nonzero_values(store: Store, dataset: str) -> list[float]:
    """Every non-zero figure of a dataset: what the rounding detector (core.rounding) reads."""
    return [
        r[0]
        for r in store.con.execute(
            "SELECT value FROM observations WHERE dataset = ? AND value IS NOT NULL AND value <> 0", [dataset]
        ).fetchall()
    ]


def period_kinds(store: Store, dataset: str) -> set[str]:
    """The period kinds (day, month, fiscal_year, ...) a dataset's figures are counted over."""
    rows = store.con.execute("SELECT DISTINCT period_kind FROM observations WHERE dataset = ?", [dataset])
    return {r[0] for r in rows.fetchall()}


def day_subperiods_from(store: Store, datasets: Sequence[str], start: date) -> pd.DataFrame:
    """Published day-dated counts of the given datasets for a span starting on `start` (back-casting a snapshot)."""
    return store.query(
        f"""SELECT source_id, period_start, period_end, dims['city'] AS city, value FROM observations
            WHERE dataset IN ({_marks(datasets)}) AND row_type = 'published_subperiod' AND period_kind = 'day'
              AND period_start = ? AND value IS NOT NULL""",
        [*datasets, start],
    )


def positive_snapshot_rows(store: Store, datasets: Sequence[str]) -> pd.DataFrame:
    """Detail and published-total figures above zero, with city and note (when the published counts start)."""
    return store.query(
        f"""SELECT source_id, period_start, dims['city'] AS city, note, value FROM observations
            WHERE dataset IN ({_marks(datasets)}) AND value > 0 AND row_type IN ('detail', 'published_total')""",
        list(datasets),
    )


def cumulative_rows(store: Store, dataset: str) -> pd.DataFrame:
    """A dataset's `published_cumulative*` figures, by period end."""
    return store.query(
        "SELECT source_id, period, period_start, period_end, dims, value FROM observations "
        "WHERE dataset = ? AND row_type LIKE 'published_cumulative%' AND value IS NOT NULL ORDER BY period_end",
        [dataset],
    )


def dated_rows(
    store: Store,
    dataset: str,
    where: Mapping[str, Sequence[str]],
    row_type: str | None,
    excluded_row_types: Sequence[str] = (),
) -> pd.DataFrame:
    """Every figure of a dataset matching exact filters, by period end: of `row_type`, or of any row type but
    `excluded_row_types`. Key columns are quoted names, dimension names bound parameters."""
    clauses, params = ["dataset = ?", "value IS NOT NULL"], [dataset]
    for col, vals in where.items():
        if col in KEY_COLUMNS:
            clauses.append(f'"{col}" IN ({_marks(vals)})')
        else:
            clauses.append(f"dims[?] IN ({_marks(vals)})")
            params.append(col)
        params += list(vals)
    if row_type:
        clauses.append("row_type = ?")
        params.append(row_type)
    else:
        clauses.append(f"row_type NOT IN ({_marks(excluded_row_types)})")
        params += list(excluded_row_types)
    return store.query(
        f"SELECT source_id, period, period_kind, period_start, period_end, row_type, value FROM observations "
        f"WHERE {' AND '.join(clauses)} ORDER BY period_end",
        params,
    )


def note_text(store: Store, dataset: str) -> dict[tuple[str, str], str]:
    """The notes of each (source id, period) of a dataset, joined by spaces."""
    rows = store.con.execute(
        "SELECT source_id, period, string_agg(coalesce(note, ''), ' ') FROM observations WHERE dataset = ? "
        "GROUP BY source_id, period",
        [dataset],
    ).fetchall()
    return {(str(s), str(p)): str(n or "") for s, p, n in rows}


def bed_figures(store: Store, dataset: str) -> pd.DataFrame:
    """A shelter register's bed capacities (`measure=capacity_beds`), by date and source."""
    return store.query(
        "SELECT source_id, period, period_start, dims['city'] AS city, dims['shelter'] AS shelter, value "
        "FROM observations WHERE dataset = ? AND dims['measure'] = 'capacity_beds' AND value IS NOT NULL "
        "ORDER BY period_start, source_id",
        [dataset],
    )


def day_snapshots(store: Store, datasets: Sequence[str]) -> pd.DataFrame:
    """Day-dated detail snapshots (cumulative figures to a date) of the given datasets, with city and note."""
    return store.query(
        "SELECT source_id, period_end AS as_of, period_start, dims['city'] AS city, value, note FROM observations "
        f"WHERE dataset IN ({_marks(datasets)}) AND row_type = 'detail' AND period_kind = 'day' "
        "AND value IS NOT NULL ORDER BY period_end, source_id",
        list(datasets),
    )


def edition_changes(store: Store, prefix: str, datasets: Sequence[str] | None, old: str, new: str) -> pd.DataFrame:
    """Cells of the current workbook loads (datasets starting `prefix`) added, removed or revised from edition
    `old` to `new`: dataset, sheet, change, key_dims, fiscal_year, period, period_kind, old, new, difference,
    old_flag, new_flag, old_cell, new_cell (unsorted)."""
    params: list[object] = [prefix]
    dataset_sql = ""
    if datasets:
        dataset_sql = f"AND o.dataset IN ({', '.join('?' for _ in datasets)})"
        params += list(datasets)
    sql = f"""
        WITH cells AS (
            SELECT o.dataset, o.dims['edition'] AS edition, o.meta['sheet'] AS sheet, o.meta['cell'] AS cell,
                   o.dims['fiscal_year'] AS fiscal_year, o.period, o.period_kind, o.value, o.flag,
                   map_from_entries(list_filter(map_entries(o.dims),
                       lambda e: e.key NOT IN ('edition', 'fy_label', 'fiscal_year'))) AS key_dims,
                   CASE WHEN o.period_kind = 'fiscal_year' THEN 'FY' || o.dims['fiscal_year'] ELSE o.period END
                       AS period_key
            FROM observations o JOIN loads l ON l.load_id = o.load_id
            WHERE l.kind = 'workbook' AND l.status = 'current' AND starts_with(o.dataset, ?) {dataset_sql}
        ),
        a AS (SELECT *, key_dims::VARCHAR AS k FROM cells WHERE edition = ?),
        b AS (SELECT *, key_dims::VARCHAR AS k FROM cells WHERE edition = ?)
        SELECT coalesce(b.dataset, a.dataset) AS dataset, coalesce(b.sheet, a.sheet) AS sheet,
               CASE WHEN a.dataset IS NULL THEN 'added' WHEN b.dataset IS NULL THEN 'removed' ELSE 'revised' END
                   AS change,
               coalesce(b.key_dims, a.key_dims) AS key_dims,
               coalesce(b.fiscal_year, a.fiscal_year) AS fiscal_year,
               coalesce(b.period, a.period) AS period, coalesce(b.period_kind, a.period_kind) AS period_kind,
               a.value AS old, b.value AS new, b.value - a.value AS difference,
               a.flag AS old_flag, b.flag AS new_flag, a.cell AS old_cell, b.cell AS new_cell
        FROM a FULL OUTER JOIN b ON a.dataset = b.dataset AND a.k = b.k AND a.period_key = b.period_key
        WHERE a.dataset IS NULL OR b.dataset IS NULL
           OR a.value IS DISTINCT FROM b.value OR a.flag IS DISTINCT FROM b.flag
    """
    return store.query(sql, [*params, old, new])
