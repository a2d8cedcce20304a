"""The dataset catalogue: one record per dataset in the store, from the data package, the readers and `loads`.

A record says what a dataset is (titles and descriptions in English and Spanish), its dimensions and their
hierarchy (which value is the total of which: CBP = OFO + USBP, location "Total" above the sectors, city "All"),
its period kinds with their coverage, row types, editions, source and load ids, the publisher's rounding, and
its roles ("returns_snapshots", "bookouts", "encounters", "shelter_beds", ...), which analyses ask for instead
of naming files. A user's own CSV is described the same way by its sidecar, `<stem>.datapackage.json`, read by
the same reader (`core.datapackage`) when the file is loaded and kept in the store with the load
(`dataset_meta`). A dataset with neither (a CSV without a sidecar, a publisher workbook sheet) gets a record
too: its roles then come from its name (ROLE_WORDS) and its hierarchy from the labels alone (a value named
"Total" or "All" is the total of the others; CBP is OFO + USBP wherever the three appear together).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from mppwatch.core.datapackage import EVERY_OTHER, read_package
from mppwatch.core.rounding import rounding_step
from mppwatch.core.text import N_, THEN, Template, choices_text, fold
from mppwatch.errors import MppwatchError
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store

KEY_COLUMNS = ("source_id", "row_type", "flag")  # observation columns usable in filters and `by` besides dims
NON_ADDITIVE = ("measure", "unit")  # dimension columns whose values are different quantities
NOT_DIMENSIONS = ("fiscal_year", "fy_label", "edition")  # describe the period or the edition, not a breakdown
TOTAL_NAMES = {"total", "all", "grand total"}
TOTAL_LIKE = re.compile(r"^total\b|\btotal$|^all \(")
# CBP's two components, wherever all three are listed
KNOWN_PARTS: dict[str, tuple[str, ...]] = {"CBP": ("OFO", "USBP")}


class QueryError(MppwatchError):
    """A query that names something the store does not have, or asks for a figure that would be wrong.

    Raised with an English template and its fields (`QueryError("no dataset '{dataset}'", dataset=...)`), so the
    CLI can print it in Spanish (`render`); a plain message works too and stays English.
    """

    def __init__(self, template: str, **fields: object) -> None:
        self.message = Template(template, **fields)
        super().__init__(self.message.english())

    def render(self, lang: str) -> str:
        return self.message.render(lang)


CatalogError = QueryError  # a dataset the store does not hold is a query error

# The period kinds a reader writes (sources.generic), marked for the catalog: English shows the name typed
# after --period-kind, Spanish its word ("month" -> "mes").
PERIOD_KINDS = (N_("day"), N_("month"), N_("month_range"), N_("year"), N_("fiscal_year"))


def kind_word(kind: str) -> Template:
    """A period kind as a word of the reader's language (a kind not listed stays as written)."""
    return Template(kind)


@dataclass(frozen=True)
class Dimension:
    """A dimension column: its values as published, and which of them are totals of which."""

    name: str
    values: tuple[str, ...]
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # total -> the values it adds up

    def ancestors(self, value: str) -> set[str]:
        """Every total that includes `value`, directly or through another total."""
        out: set[str] = set()
        todo = [value]
        while todo:
            v = todo.pop()
            for parent, children in self.parts.items():
                if v in children and parent not in out and parent != value:
                    out.add(parent)
                    todo.append(parent)
        return out

    def top(self) -> list[str]:
        """The totals no other total includes."""
        return [p for p in self.parts if not self.ancestors(p)]


@dataclass(frozen=True)
class PeriodKind:
    kind: str
    first: date
    last: date
    rows: int


@dataclass(frozen=True)
class DatasetRecord:
    """Everything the query layer and the analyses need to know about one dataset."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    origin: str  # 'bundled', 'workbook' or 'user'
    roles: tuple[str, ...]
    stock: bool  # figures are levels on a date (cumulative counts, beds): never added across dates
    dimensions: dict[str, Dimension]
    period_kinds: dict[str, PeriodKind]
    row_types: tuple[str, ...]
    editions: tuple[str, ...]
    source_ids: tuple[str, ...]
    load_ids: tuple[int, ...]
    rounding: int  # the publisher's rounding step (10 for OHSS), 0 when not rounded
    rows: int
    unique_cells: bool = False  # no cell is printed twice (one capture): the query needs no capture ranking
    metadata: str = ""  # the data package that describes it (datapackage.json, or a file's sidecar), if any

    @property
    def columns(self) -> list[str]:
        """Dimension names as in the CSV (fiscal_year, fy_label and edition included), sorted."""
        return sorted(self.dimensions)

    def dimension(self, name: str) -> Dimension:
        if name not in self.dimensions:
            raise QueryError(
                N_("{dataset} has no column '{column}'; its columns are: {choices}"),
                dataset=self.name,
                column=name,
                choices=choices_text(name, self.columns, 40),
            )
        return self.dimensions[name]

    def coverage(self, kind: str | None = None) -> str:
        """The coverage per period kind, in English ("day 2019-01-29..2022-03-10; month ..."), for JSON."""
        return self.coverage_text(kind).english()

    def coverage_text(self, kind: str | None = None) -> Template:
        """The coverage as a message: the period kinds' words in the reader's language ("día 2019-01-29..")."""
        kinds = [self.period_kinds[kind]] if kind in self.period_kinds else list(self.period_kinds.values())
        parts = [
            Template(
                N_("{kind} {first}..{last}"), kind=kind_word(k.kind), first=k.first.isoformat(), last=k.last.isoformat()
            )
            for k in kinds
        ]
        if not parts:
            return Template(N_("no periods"))
        text = parts[-1]
        for part in reversed(parts[:-1]):
            text = Template(THEN, first=part, then=text)
        return text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready record (for `mppwatch datasets --format json` and the metadata in downloads)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "origin": self.origin,
            "roles": list(self.roles),
            "stock": self.stock,
            "dimensions": {
                d.name: {"values": list(d.values), "hierarchy": {k: list(v) for k, v in d.parts.items()}}
                for d in self.dimensions.values()
            },
            "period_kinds": {
                k.kind: {"first": k.first.isoformat(), "last": k.last.isoformat(), "rows": k.rows}
                for k in self.period_kinds.values()
            },
            "row_types": list(self.row_types),
            "editions": list(self.editions),
            "source_ids": list(self.source_ids),
            "load_ids": list(self.load_ids),
            "rounding": self.rounding,
            "rows": self.rows,
            "metadata": self.metadata,
        }


def datapackage_path() -> Path:
    return bundled_data_dir() / "datapackage.json"


@cache
def _package(path: Path) -> dict[str, dict]:
    """The `mppwatch` block of each resource in the bundled data package, by dataset (file stem); a data folder
    without one describes nothing, a malformed one is an error naming the key (core.datapackage)."""
    return read_package(path) if path.is_file() else {}


def _is_total_name(value: str) -> bool:
    return fold(value) in TOTAL_NAMES


def _hierarchy(name: str, values: tuple[str, ...], declared: dict[str, list[str]] | None) -> dict[str, tuple]:
    """Totals and their parts in one dimension: declared in the data package, else read from the labels."""
    present = set(values)
    parts: dict[str, tuple[str, ...]] = {}
    if declared is not None:
        for parent, children in declared.items():
            if parent in present:
                kids = [v for v in values if v != parent] if children == [EVERY_OTHER] else children
                parts[parent] = tuple(k for k in kids if k in present and k != parent)
        return {p: c for p, c in parts.items() if c}
    totals = [v for v in values if _is_total_name(v)]
    named = [v for v in values if TOTAL_LIKE.search(fold(v))]
    if not totals and len(named) == 1:
        totals = named  # one "Total Encounters" / "Southwest Border Total" among parts: the total of them
    for parent, known in KNOWN_PARTS.items():
        if parent in present and all(c in present for c in known):
            parts[parent] = known
    for total in totals:
        parts[total] = tuple(v for v in values if v != total and v not in totals)
    return {p: c for p, c in parts.items() if c}


_CACHE: dict[tuple[str, tuple], dict[str, DatasetRecord]] = {}
_LOCK = threading.Lock()


def _signature(store: Store) -> tuple:
    row = store.con.execute(
        "SELECT count(*), max(load_id), max(loaded_at) FROM loads WHERE status = 'current'"
    ).fetchone()
    return tuple(row) if row else ()


def catalog(store: Store) -> dict[str, DatasetRecord]:
    """Every dataset with observations in the store, by name (cached until a load changes the store)."""
    key = (str(Path(store.path).resolve()), _signature(store))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    records = _build(store)
    with _LOCK:
        for old in [k for k in _CACHE if k[0] == key[0]]:
            del _CACHE[old]
        _CACHE[key] = records
    return records


def record(store: Store, dataset: str) -> DatasetRecord:
    """One dataset's record; an unknown name is an error listing the loaded datasets, nearest first."""
    records = catalog(store)
    if dataset in records:
        return records[dataset]
    folded = {fold(n): n for n in records}
    if fold(dataset) in folded:
        return records[folded[fold(dataset)]]
    known: object = choices_text(dataset, records, 8) if records else Template(N_("none (run `mppwatch load`)"))
    raise QueryError(
        N_("no dataset '{dataset}' in {path}; loaded: {known}"), dataset=dataset, path=store.path, known=known
    )


def with_role(store: Store, role: str) -> list[str]:
    """The datasets that play a role (e.g. 'returns_snapshots'), by name."""
    return sorted(name for name, rec in catalog(store).items() if role in rec.roles)


NO_ROLE = N_(
    "no loaded dataset plays the role '{role}': run `mppwatch load` for the bundled data, or load a CSV of yours "
    "whose name says it ({words}) or whose data-package entry lists the role"
)
SEVERAL_ROLE = N_("several loaded datasets play the role '{role}': {names}; name the one to use ({key})")


def role_datasets(store: Store, role: str) -> list[str]:
    """Every dataset that plays `role`; none is an error naming the role and how to load one."""
    names = with_role(store, role)
    if not names:
        raise QueryError(NO_ROLE, role=role, words=", ".join(ROLE_WORDS.get(role, (role,))))
    return names


def role_dataset(store: Store, role: str, key: str, columns: tuple[str, ...] = ()) -> str:
    """The one dataset that plays `role` (and has `columns`), for an analysis that reads a single table.

    Of several, the one the data package describes is used (the curated table: a workbook sheet or a file of
    yours named like a role is read only when named, with `key`); several such, or none among several, is an
    error naming them and `key`. Callers name the dataset they used in their notes.
    """
    names = role_datasets(store, role)
    records = catalog(store)
    fit = [n for n in names if all(c in records[n].dimensions for c in columns)] or names
    described = [n for n in fit if records[n].origin == "bundled"]
    if len(fit) == 1:
        return fit[0]
    if len(described) == 1:
        return described[0]
    raise QueryError(SEVERAL_ROLE, role=role, names=", ".join(fit), key=key)


def _build(store: Store) -> dict[str, DatasetRecord]:
    con = store.con
    base, kinds, dim_rows, value_rows, unique = store.observation_profile()
    origins = dict(
        con.execute(
            "SELECT dataset, any_value(file_name) FROM loads WHERE status = 'current' GROUP BY dataset"
        ).fetchall()
    )
    package = _package(datapackage_path())
    described = {ds: (name, json.loads(text)) for ds, (name, text) in store.dataset_meta().items()}
    by_kind: dict[str, dict[str, PeriodKind]] = {}
    for ds, kind, first, last, n in kinds:
        by_kind.setdefault(ds, {})[kind] = PeriodKind(kind, first, last, int(n))
    dims: dict[str, dict[str, tuple[str, ...]]] = {}
    for ds, k, vals in dim_rows:
        dims.setdefault(ds, {})[k] = tuple(str(v) for v in vals if v is not None)
    steps = {ds: rounding_step(vals) for ds, vals in value_rows}
    out: dict[str, DatasetRecord] = {}
    for ds, n, row_types, source_ids, load_ids in base:
        sidecar, meta = described.get(ds) or (datapackage_path().name if ds in package else "", package.get(ds, {}))
        declared = meta.get("hierarchy")
        file_name = str(origins.get(ds, ""))
        workbook = file_name.endswith(".xlsx") or "edition" in dims.get(ds, {})
        origin = "bundled" if ds not in described and meta else ("workbook" if workbook else "user")
        dimensions = {
            k: Dimension(k, vals, {} if k in NOT_DIMENSIONS else
                         _hierarchy(k, vals, None if declared is None else declared.get(k, {})))
            for k, vals in sorted(dims.get(ds, {}).items())
        }  # fmt: skip
        roles = tuple(meta["roles"] if "roles" in meta else _inferred_roles(ds, dimensions))
        title = meta.get("title") or {"en": ds, "es": ds}
        out[ds] = DatasetRecord(
            name=ds,
            title=title,
            description=meta.get("description") or {"en": "", "es": ""},
            origin=origin,
            roles=roles,
            stock=bool(meta.get("stock", "returns_snapshots" in roles)),
            dimensions=dimensions,
            period_kinds=by_kind.get(ds, {}),
            row_types=tuple(row_types),
            editions=dimensions["edition"].values if "edition" in dimensions else (),
            source_ids=tuple(source_ids),
            load_ids=tuple(int(x) for x in load_ids),
            rounding=steps.get(ds, 0),
            rows=int(n),
            unique_cells=bool(unique.get(ds, False)),
            metadata=sidecar,
        )
    return out


# The words in a dataset's name that give it a role when the data package does not describe it.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "returns_snapshots": ("return",),  # and a city column, no nationality
    "bookouts": ("book_out", "bookout"),
    "encounters": ("encounter",),
    "shelter_beds": ("shelter", "beds"),
    "court_cases": ("court_cases", "mpp_cases"),  # and a hearing_location column
}


def _inferred_roles(name: str, dimensions: dict[str, Dimension]) -> list[str]:
    """Roles of a dataset the data package does not describe, from its name and columns."""
    roles = []
    for role, words in ROLE_WORDS.items():
        if not any(w in name for w in words):
            continue
        if role == "returns_snapshots" and ("city" not in dimensions or "nationality" in dimensions):
            continue
        if role == "court_cases" and "hearing_location" not in dimensions:
            continue
        roles.append(role)
    return roles
