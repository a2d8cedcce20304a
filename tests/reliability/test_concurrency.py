"""Readers keep working while loads run: the real server and the CLI, against a workbook load and a court load.

A thread loops over API reads and another over CLI reads, while the same database gets an OHSS workbook and a
SYNTHETIC court release in child processes. Every read must answer (no 500, no lock error), and no reader may see
half a load: the workbook's sheets appear all at once (0 or all of its datasets), and so does the release.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from mppwatch import court
from mppwatch.web.serving import served

EXE = str(Path(sys.executable).with_name("mppwatch"))
WORKBOOK = next(Path(__file__).parents[2].joinpath("data", "publisher_files").glob("*august-2024.xlsx"))
SERIES = ["series", "ohss_swb_bookouts_by_agency_monthly", "--where", "component=CBP", "--from", "2019-08", "--to",
          "2019-08", "--where", "outcome=Migrant Protection Protocols", "--format", "csv"]  # fmt: skip


def test_readers_keep_answering_while_loads_run(bundled_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "served.duckdb"
    shutil.copy(bundled_db, db)
    release = tmp_path / "rel"
    court.synth_eoir(release, 2000, seed=9)
    env = dict(os.environ, MPPWATCH_DB=str(db), MPPWATCH_RATE_LIMIT="100000")
    problems: list[str] = []
    workbook_counts: set[int] = set()
    release_counts: set[int] = set()
    stop = threading.Event()
    api_reads = cli_reads = 0

    def api_loop(base: str) -> None:
        nonlocal api_reads
        with httpx.Client(base_url=base, timeout=60.0) as client:
            while not stop.is_set():
                for url in ("/api/v1/health", "/api/v1/datasets", "/api/v1/court/releases"):
                    response = client.get(url)
                    api_reads += 1
                    if response.status_code != 200:
                        problems.append(f"{url}: {response.status_code} {response.text[:200]}")
                        continue
                    rows = response.json().get("rows", [])
                    if url.endswith("datasets"):
                        workbook_counts.add(sum(1 for r in rows if str(r.get("dataset", "")).startswith("ohss_c")))
                    if url.endswith("releases"):
                        release_counts.add(len(rows))

    def cli_loop() -> None:
        nonlocal cli_reads
        while not stop.is_set():
            run = subprocess.run([EXE, "--db", str(db), *SERIES], capture_output=True, text=True, env=env)
            cli_reads += 1
            if run.returncode != 0 or "11970" not in run.stdout:
                problems.append(f"cli series: exit {run.returncode}: {run.stderr.strip()[-200:]}")

    with served(db, env) as server:
        threads = [threading.Thread(target=api_loop, args=(server.base,)), threading.Thread(target=cli_loop)]
        try:
            for thread in threads:
                thread.start()
            time.sleep(1.0)
            for load in (["load-workbook", str(WORKBOOK)], ["court", "load", str(release), "--release", "2026-01"]):
                done = subprocess.run([EXE, "--db", str(db), *load], capture_output=True, text=True, env=env)
                assert done.returncode == 0, done.stderr[-400:]
            time.sleep(3.0)  # readers see the finished loads
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
    assert not problems, problems[:5]
    assert api_reads > 10 and cli_reads > 2
    full = max(workbook_counts)
    assert full > 0, "the readers never saw the workbook"
    assert workbook_counts <= {0, full}, f"a reader saw part of the workbook: {sorted(workbook_counts)}"
    assert release_counts <= {0, 1} and 1 in release_counts, sorted(release_counts)
