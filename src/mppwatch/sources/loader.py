"""Load files into the store: validate first, then write in one transaction, record the load.

The same file (same sha256) is skipped; a changed file for a dataset replaces that dataset's rows and
marks the old load as superseded. A file that fails validation never touches the database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mppwatch.core.datapackage import SIDECAR_ALONE, SIDECAR_SUFFIX, PackageError, sidecar
from mppwatch.core.text import N_, Field, Template
from mppwatch.errors import InputError, MppwatchError
from mppwatch.sources import NOT_OBSERVATIONS
from mppwatch.store import LoadResult, Store, sha256_of

if TYPE_CHECKING:
    import pandas as pd

# the readers (pandas, pyarrow) are imported by the functions that read files: the catalogue imports this
# module for bundled_data_dir, and a read-only command should not pay for them

NO_SUCH_FILE = N_("no such file")
NOT_OBSERVATIONS_FILE = N_("not an observations file (claims are read by `mppwatch claims`)")
LOST_ROWS = N_("{read} rows read but {written} written; nothing loaded")

LOOKUPS_DDL = """
CREATE TABLE IF NOT EXISTS eoir_lookups (
    load_id BIGINT, "table" VARCHAR, column_hint VARCHAR, code VARCHAR, description VARCHAR
)"""


def bundled_data_dir() -> Path:
    """The bundled data: $MPPWATCH_DATA, else `mppwatch/data` inside an installed wheel (package data, read
    through importlib.resources), else the checkout's `data/` folder."""
    if env := os.environ.get("MPPWATCH_DATA"):
        return Path(env)
    from importlib import resources

    packaged = resources.files("mppwatch").joinpath("data")
    if packaged.joinpath("source_ids.csv").is_file():
        return Path(str(packaged))
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "data" / "source_ids.csv").exists():
            return parent / "data"
    return Path.cwd() / "data"


def _is_source_register(path: Path) -> bool:
    from mppwatch.sources.lookups import SOURCE_COLUMNS

    with open(path, "rb") as handle:
        first = handle.readline().decode("utf-8-sig", "replace").strip()
    return first.split(",") == list(SOURCE_COLUMNS)


def _skip(store: Store, dataset: str, path: Path, sha: str) -> LoadResult | None:
    current = store.current_load(dataset)
    if current and current[1] == sha:
        rows = store.con.execute("SELECT rows FROM loads WHERE load_id = ?", [current[0]]).fetchone()
        n = int(rows[0]) if rows else 0
        return LoadResult(dataset, path.name, current[0], n, "skipped", f"{path.name}: unchanged (load {current[0]})")
    return None


def load_file(store: Store, path: str | Path, dataset: str | None = None) -> LoadResult:
    """Load one file: a source register, EOIR lookups, or observations in the long convention."""
    import pyarrow as pa

    from mppwatch.sources import family_for, read_long_csv

    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), None, None, NO_SUCH_FILE)
    if path.stat().st_size and _is_source_register(path):
        return load_source_register(store, path)
    if path.stem == "eoir_lookup_codes":
        return load_eoir_lookups(store, path)
    if path.stem in NOT_OBSERVATIONS:
        raise InputError(str(path), None, None, NOT_OBSERVATIONS_FILE)
    if path.name.endswith(SIDECAR_SUFFIX):
        raise PackageError(str(path), "", SIDECAR_ALONE, file=path.name.removesuffix(SIDECAR_SUFFIX) + ".csv")
    dataset = dataset or path.stem
    sha = sha256_of(path)
    described = sidecar(path)  # `<stem>.datapackage.json` beside the file: its title, roles, stock, hierarchy
    skipped = _skip(store, dataset, path, sha)
    if skipped and store.load_meta(int(skipped.load_id or 0)) == (described.text if described else None):
        return skipped  # a changed sidecar alone is a new load of the same rows
    known = store.known_source_ids()
    parsed = read_long_csv(path, dataset, family_for(path), known_sources=known or None)
    if described is not None:
        described.check_columns(path.name, _dimension_values(parsed.frame))
    replaced = store.current_load(dataset) is not None
    frame = parsed.frame
    table = pa.Table.from_pandas(frame, preserve_index=False).cast(
        pa.schema(
            [
                ("dataset", pa.string()), ("line", pa.int64()), ("source_id", pa.string()),
                ("period", pa.string()), ("period_kind", pa.string()), ("period_start", pa.date32()),
                ("period_end", pa.date32()), ("row_type", pa.string()), ("flag", pa.string()),
                ("note", pa.string()), ("dim_keys", pa.list_(pa.string())),
                ("dim_values", pa.list_(pa.string())), ("meta_keys", pa.list_(pa.string())),
                ("meta_values", pa.list_(pa.string())), ("value", pa.float64()),
            ]
        )
    )  # fmt: skip
    with store.transaction() as con:
        load_id = store.begin_load(path.name, sha, dataset, parsed.rows_in)
        store.delete_observations(dataset)
        con.register("incoming", table)
        con.execute(
            """INSERT INTO observations
               SELECT ?, dataset, line, source_id, period, period_kind, period_start, period_end, row_type, flag, note,
                      map(dim_keys, dim_values), map(meta_keys, meta_values), value
               FROM incoming""",
            [load_id],
        )
        con.unregister("incoming")
        if described is not None:
            store.save_meta(load_id, dataset, described.file, described.text)
        written = store.observation_count([load_id])
        if written != parsed.rows_in:
            raise InputError(str(path), None, None, LOST_ROWS, read=parsed.rows_in, written=written)
    verb = "replaced" if replaced else "loaded"
    return LoadResult(dataset, path.name, load_id, parsed.rows_in, verb, f"{path.name}: {verb} {parsed.rows_in} rows")


def _dimension_values(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Each dimension column's values in a parsed file (what a sidecar's hierarchy may name)."""
    values: dict[str, set[str]] = {}
    for keys, vals in zip(frame["dim_keys"], frame["dim_values"], strict=True):
        for k, v in zip(keys, vals, strict=True):
            values.setdefault(k, set()).add(v)
    return values


def _register_dataset(path: Path) -> str:
    """The load name of a source register: `source_ids` for the bundled one, `source_ids:<stem>` for a register of
    one's own (`source_ids:<folder>` for a source_ids.csv elsewhere, so it never stands in for the bundled one)."""
    if path.stem != "source_ids":
        return f"source_ids:{path.stem}"
    if path.resolve().parent == bundled_data_dir().resolve():
        return "source_ids"
    return f"source_ids:{path.resolve().parent.name}"


def load_source_register(store: Store, path: Path) -> LoadResult:
    """Load a source register (source_id, source_url, title, retrieved_via, note): upsert by source_id."""
    from mppwatch.sources.lookups import read_source_register

    dataset = _register_dataset(path)
    sha = sha256_of(path)
    if skipped := _skip(store, dataset, path, sha):
        return skipped
    frame = read_source_register(path)
    with store.transaction() as con:
        load_id = store.begin_load(path.name, sha, dataset, len(frame), kind="sources")
        con.register("incoming", frame)
        con.execute("DELETE FROM sources WHERE source_id IN (SELECT source_id FROM incoming)")
        con.execute("INSERT INTO sources SELECT source_id, source_url, title, retrieved_via, note FROM incoming")
        con.unregister("incoming")
    return LoadResult(dataset, path.name, load_id, len(frame), "loaded", f"{path.name}: {len(frame)} sources")


SOURCE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")


class SourceError(MppwatchError):
    """Source details that cannot be registered; `field` is source_id, source_url or title (the CLI names its
    option from it). `reason` is an English template with `fields`; `exc.reason` is its English text."""

    def __init__(self, field: str, value: str, reason: str, /, **fields: Field) -> None:
        why = Template(reason, **fields)
        self.field, self.value, self.why, self.reason = field, value, why, why.english()
        super().__init__(BAD_DETAIL, field=field, value=repr(value), reason=why)


BAD_DETAIL = N_("{field} {value}: {reason}")
BAD_ID = N_("expected letters, digits and _ . : - (at most 100, a letter or digit first)")
NOT_A_URL = N_("not a web address (expected http://... or https://...)")
NO_TITLE = N_("expected the source's title on one line")
REGISTERED = N_("already registered with other details ('{title}', {url}): give the same details or another id")


def check_source(source_id: str, source_url: str, title: str) -> None:
    """Raise SourceError for an id the register cannot hold, an address that is not a web address, or no title."""
    if not SOURCE_ID_RE.fullmatch(source_id):
        raise SourceError("source_id", source_id, BAD_ID)
    parts = urlsplit(source_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in source_url):
        raise SourceError("source_url", source_url, NOT_A_URL)
    if not title.strip() or "\n" in title or "\r" in title:
        raise SourceError("title", title, NO_TITLE)


def register_source(store: Store, source_id: str, source_url: str, title: str) -> LoadResult:
    """Register one source, as a line of a source register would (inside the caller's transaction when there is
    one). The same details again change nothing; an id already registered with other details is an error, never
    an overwrite (a file citing it would silently change source)."""
    check_source(source_id, source_url, title)
    title = title.strip()
    with store.transaction() as con:
        row = con.execute("SELECT source_url, title FROM sources WHERE source_id = ?", [source_id]).fetchone()
        if row is not None and (row[0], row[1]) != (source_url, title):
            raise SourceError("source_id", source_id, REGISTERED, title=row[1], url=row[0])
        if row is None:
            con.execute("INSERT INTO sources VALUES (?, ?, ?, '', '')", [source_id, source_url, title])
    status = "unchanged" if row is not None else "registered"
    return LoadResult("sources", source_id, None, 1, status, f"{source_id}: {status}")


def registers_beside(paths: Sequence[Path]) -> list[Path]:
    """The `source_ids.csv` in the folder of each named file (once each, and not those named themselves): a file's
    own register, loaded before it in the same transaction."""
    named = {p.resolve() for p in paths}
    found: list[Path] = []
    for path in paths:
        register = path.resolve().parent / "source_ids.csv"
        if register not in named and register.is_file() and register not in found:
            found.append(register)
    return found


def load_eoir_lookups(store: Store, path: Path) -> LoadResult:
    """EOIR's code -> description pairs, used to name codes in court tables and in synthetic releases."""
    from mppwatch.sources.lookups import read_eoir_lookups

    dataset = "eoir_lookup_codes"
    sha = sha256_of(path)
    if skipped := _skip(store, dataset, path, sha):
        return skipped
    frame = read_eoir_lookups(path)
    with store.transaction() as con:
        con.execute(LOOKUPS_DDL)
        load_id = store.begin_load(path.name, sha, dataset, len(frame), kind="lookups")
        con.execute("DELETE FROM eoir_lookups")
        con.register("incoming", frame)
        con.execute(
            'INSERT INTO eoir_lookups SELECT ?, "table", column_hint, code, description FROM incoming', [load_id]
        )
        con.unregister("incoming")
    return LoadResult(dataset, path.name, load_id, len(frame), "loaded", f"{path.name}: {len(frame)} lookup codes")


def bundled_files(data_dir: Path | None = None) -> list[Path]:
    """The bundled files in load order: the source register first, then lookups, then observations."""
    from mppwatch.sources import BUNDLED

    data_dir = data_dir or bundled_data_dir()
    files = [data_dir / "source_ids.csv", data_dir / "eoir_lookup_codes.csv"]
    files += [data_dir / f"{stem}.csv" for stem in sorted(BUNDLED)]
    return [f for f in files if f.exists()]


def load_bundled(
    store: Store, data_dir: Path | None = None, on_file: Callable[[Path, LoadResult], None] | None = None
) -> list[LoadResult]:
    """Load every bundled file in one transaction (a killed load leaves none of them); unchanged files are skipped."""
    results = []
    with store.transaction():
        for path in bundled_files(data_dir):
            result = load_file(store, path)
            results.append(result)
            if on_file:
                on_file(path, result)
    return results
