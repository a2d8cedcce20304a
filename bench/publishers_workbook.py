"""Bench: reading and storing a whole OHSS monthly-tables workbook (35 sheets, ~105,000 cells).

1. Our reader (openpyxl read-only, tables found by header text) against a baseline in the same process:
   openpyxl's default (non-read-only) load walking every cell, which is what a naive reader would do
   before any tidying. Prints both times and the ratio.
2. Storing the read workbook in a fresh DuckDB file (one transaction, 34 loads), a reload of the same file
   (skipped unread by its sha256) and the July -> August edition diff.

Run: .venv/bin/python bench/publishers_workbook.py [--repeat N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

from mppwatch.publishers.diff import diff_editions
from mppwatch.publishers.load import load_workbook, store_workbook
from mppwatch.sources.ohss_workbook import read_workbook
from mppwatch.store import Store

ROOT = Path(__file__).resolve().parents[1]
AUG = next((ROOT / "data" / "publisher_files").glob("*august-2024.xlsx"))
JUL = next((ROOT / "data" / "publisher_files").glob("*july-2024.xlsx"))


def baseline(path: Path) -> int:
    """openpyxl's default mode, every cell visited: the cost before any tidying."""
    book = openpyxl.load_workbook(path, data_only=True)
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += sum(v is not None for v in row)
    return n


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ours = best(lambda: read_workbook(AUG), args.repeat)
    base = best(lambda: baseline(AUG), args.repeat)
    book = read_workbook(AUG)
    cells = sum(len(t.rows) for t in book.tables)
    print(f"read {AUG.name}: {len(book.tables)} tables, {cells:,} cells")
    print(f"  ours (read-only + tidy): {ours:6.2f} s")
    print(f"  baseline (default load, raw cells only): {base:6.2f} s")
    print(f"  ratio baseline/ours: {base / ours:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        with Store.open(Path(tmp) / "bench.duckdb") as store:
            start = time.perf_counter()
            store_workbook(store, book)
            stored = time.perf_counter() - start
            start = time.perf_counter()
            again = load_workbook(store, AUG)
            reload = time.perf_counter() - start
            load_workbook(store, JUL)
            start = time.perf_counter()
            diff = diff_editions(store, "OHSS", "2024-07", "2024-08")
            diffed = time.perf_counter() - start
    print(f"store (one transaction, {len(book.tables)} loads): {stored:6.2f} s")
    print(f"reload of the same file ({set(again['status'])}): {reload:6.3f} s")
    print(f"diff July -> August ({len(diff):,} changed cells): {diffed:6.2f} s")


if __name__ == "__main__":
    main()
