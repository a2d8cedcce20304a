"""Load files into the store: validate first, then write in one transaction, record the load.

The same file (same sha256) is skipped; a changed file for a dataset replaces that dataset's rows and
marks the old load as superseded. A file that fails validation never touches the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from mppwatch.errors import InputError
from mppwatch.sources import BUNDLED, NOT_OBSERVATIONS, family_for, read_long_csv
from mppwatch.sources.lookups import SOURCE_COLUMNS, read_eoir_lookups, read_source_register
from mppwatch.store import LoadResult, Store, sha256_of

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
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), None, None, "no such file")
    if path.stat().st_size and _is_source_register(path):
        return load_source_register(store, path)
    if path.stem == "eoir_lookup_codes":
        return load_eoir_lookups(store, path)
    if path.stem in NOT_OBSERVATIONS:
        raise InputError(str(path), None, None, "not an observations file (claims are read by `mppwatch claims`)")
    dataset = dataset or path.stem
    sha = sha256_of(path)
    if skipped := _skip(store, dataset, path, sha):
        return skipped
    known = store.known_source_ids()
    parsed = read_long_csv(path, dataset, family_for(path), known_sources=known or None)
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
        written = store.observation_count([load_id])
        if written != parsed.rows_in:
            raise InputError(str(path), None, None, f"{parsed.rows_in} rows read but {written} written; nothing loaded")
    verb = "replaced" if replaced else "loaded"
    return LoadResult(dataset, path.name, load_id, parsed.rows_in, verb, f"{path.name}: {verb} {parsed.rows_in} rows")


def load_source_register(store: Store, path: Path) -> LoadResult:
    """Load a source register (source_id, source_url, title, retrieved_via, note): upsert by source_id."""
    dataset = "source_ids" if path.stem == "source_ids" else f"source_ids:{path.stem}"
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


def load_eoir_lookups(store: Store, path: Path) -> LoadResult:
    """EOIR's code -> description pairs, used to name codes in court tables and in synthetic releases."""
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
