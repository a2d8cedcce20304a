"""Court-records bench: ingest and cross-tab speed against DuckDB's and pandas' own readers, measured in one run.

    python bench/court.py --rows 10000000          # the issue's size (schedule rows)
    python bench/court.py --rows 1000000           # a quick run

A SYNTHETIC release is written first (quirks included, CRLF line ends as `synth eoir` writes by default). Each step
then runs in its own child process, so each peak RSS is its own (wait4 rusage):
- ingest:        `court` loading tbl_schedule as published (CRLF, NULs, null tokens, both timestamp forms, latin-1)
- ingest_rejects: the same file with a stray TAB in one line of 300 (0.33%, as in EOIR's 1M-case release: 17,192 of
                 5M), which DuckDB takes in as a trailing delimiter and the loader must take out again
- ingest_1thread: the same with DuckDB held to one thread: pandas' C reader uses one core, DuckDB all of them,
                 so this shows how the pandas ratio depends on the machine's cores
- duckdb_clean:  DuckDB `read_csv` (auto-detected) on a cleaned LF copy of the same file, into a table
- pandas_clean:  `pandas.read_csv` (C engine, 1M-row chunks) on the cleaned copy, appended into DuckDB
- pandas_read:   the same pandas read without storing it anywhere (the frames are dropped)
- full_load:     `court load` of the whole release (all five tables, lookups, cohort facts, status tables, sha256,
                 repairs), with a cProfile of it written to profile_full_load.txt in --work when --profile is given
- duckdb_tables: DuckDB `read_csv` of a cleaned LF copy of each of the five tables, one after the other: the floor
                 a whole load is compared with
- crosstab:      nationality x hearing location x NTA month with in-absentia rate, from the store (whole release:
                 reads the case status kept at load)
- crosstab_as_of: the same table as of a date, which recomputes each case's status from its proceedings
- crosstab_pandas: the same table computed by pandas from the same proceedings and case facts (already in memory)
- --peer PATH:    the peer eoir-database's build_database.py (fetched by you; its requests and tqdm importable) on
                 the same release, beside `mppwatch court load`, both as whole processes: time, peak RSS, cases kept
Ratios are baseline time / our time (higher is better for us). Targets: ingest >= 0.9x DuckDB's own read_csv at
10M schedule rows; a reject costs about its bytes (ingest_rejects close to ingest). The 3x pandas target is retired
(pandas' reader uses one core, and DuckDB's own reader is only 2.3-2.6x pandas on 2 cores): its ratio is printed
as information.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NULLS = ["", "N/A", "NULL", "b6"]


def clean_copy(src: Path, dst: Path) -> int:
    """The file with LF line ends, without NUL bytes and without lines of the wrong width: what a careful user
    would hand DuckDB."""
    kept = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        header = fin.readline().replace(b"\r\n", b"\n")
        width = header.count(b"\t")
        fout.write(header)
        carry = b""
        while block := fin.read(1 << 24):
            text = (carry + block).replace(b"\x00", b"").replace(b"\r\n", b"\n")
            cut = text.rfind(b"\n") + 1
            body, carry = text[:cut], text[cut:]
            n = body.count(b"\n")
            if body.count(b"\t") == width * n:
                fout.write(body)
                kept += n
            else:
                good = [ln for ln in body.split(b"\n")[:-1] if ln.count(b"\t") == width]
                fout.write(b"\n".join(good) + b"\n")
                kept += len(good)
    return kept


def with_stray_tabs(src: Path, dst: Path, every: int = 300) -> int:
    """A copy of `src` with a TAB added inside the second field of one line in `every`: how many lines got one."""
    done, line_no = 0, 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(fin.readline())
        for raw in fin:
            line_no += 1
            if line_no % every == 0:
                first, rest = raw.split(b"\t", 1)
                raw = first + b"\t" + rest[:1] + b"\t" + rest[1:]
                done += 1
            fout.write(raw)
    return done


def step(name: str, release: Path, clean: Path, db: Path, profile: Path | None = None) -> dict[str, float]:
    """One measured step, run inside a child process."""
    import duckdb
    import pandas as pd

    from mppwatch import court
    from mppwatch.court.ingest import Member, ensure_schema, load_table
    from mppwatch.court.tables import SCHEDULE
    from mppwatch.store import Store

    sched = next(release.rglob("tbl_schedule.csv"))
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    if name in ("ingest", "ingest_1thread", "ingest_rejects"):
        from mppwatch.court.ingest import private_tmp

        if name == "ingest_rejects":
            sched = clean.parent / "tbl_schedule.stray.csv"
        store = Store.open(db)
        ensure_schema(store)
        store.con.execute("SET preserve_insertion_order = false")
        if name == "ingest_1thread":
            store.con.execute("SET threads = 1")
        with private_tmp() as tmp, store.transaction():
            member = Member(sched.name, sched, size=sched.stat().st_size)
            count, _ = load_table(store, SCHEDULE, member, "bench", tmp, max_reject_share=0.01)
        out["rows"] = count.rows_loaded
        out["rejected"] = count.rows_rejected
    elif name == "duckdb_tables":
        con = duckdb.connect(str(db))
        con.execute("SET preserve_insertion_order = false")
        rows = 0
        for path in sorted(clean.parent.glob("*.lf.csv")):
            con.execute(
                f"CREATE TABLE \"{path.stem}\" AS SELECT * FROM read_csv('{path}', delim='\\t', quote='', escape='', "
                f"header=true, encoding='latin-1', nullstr={NULLS})"
            )
            rows += con.execute(f'SELECT count(*) FROM "{path.stem}"').fetchone()[0]  # type: ignore[index]
        out["rows"] = rows
        # DuckDB leaves a CREATE TABLE AS's rows where its threads wrote them and merges them at the next
        # checkpoint (at close, after this timer); a load's COMMIT checkpoints. Timed apart, to compare both ways.
        before = time.perf_counter()
        con.execute("CHECKPOINT")
        out["checkpoint_seconds"] = time.perf_counter() - before
    elif name == "duckdb_clean":
        con = duckdb.connect(str(db))
        con.execute("SET preserve_insertion_order = false")
        con.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv('{clean}', delim='\\t', quote='', escape='', header=true, "
            f"encoding='latin-1', nullstr={NULLS})"
        )
        out["rows"] = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
    elif name in ("pandas_clean", "pandas_read"):
        con = duckdb.connect(str(db)) if name == "pandas_clean" else None
        rows = 0
        for i, chunk in enumerate(
            pd.read_csv(
                clean,
                sep="\t",
                quoting=3,
                encoding="latin-1",
                na_values=NULLS,
                keep_default_na=False,
                chunksize=1_000_000,
                low_memory=False,
            )
        ):
            for col in ("OSC_DATE", "INPUT_DATE", "UPDATE_DATE", "ADJ_DATE"):
                chunk[col] = pd.to_datetime(chunk[col], format="ISO8601")
            if con is not None:
                con.register("chunk", chunk)
                con.execute("CREATE TABLE t AS SELECT * FROM chunk" if i == 0 else "INSERT INTO t SELECT * FROM chunk")
                con.unregister("chunk")
            rows += len(chunk)
        out["rows"] = rows
    elif name == "full_load":
        store = Store.open(db)
        t0 = time.perf_counter()
        if profile is not None:
            import cProfile
            import io
            import pstats

            prof = cProfile.Profile()
            summary = prof.runcall(court.load, store, release, "2026-01")
            text = io.StringIO()
            pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(40)
            profile.write_text(text.getvalue())
        else:
            summary = court.load(store, release, "2026-01")
        out["rows"] = sum(t.rows_loaded for t in summary.tables)
    elif name == "crosstab":
        store = Store.open(db, read_only=True)
        t0 = time.perf_counter()
        frame = court.table(store, ["nationality", "hearing_location", "nta_month"], ["cases", "in_absentia_rate"])
        out["groups"] = len(frame)
    elif name == "crosstab_as_of":
        import datetime as dt

        store = Store.open(db, read_only=True)
        t0 = time.perf_counter()
        dims = ["nationality", "hearing_location", "nta_month"]
        frame = court.table(store, dims, ["cases", "in_absentia_rate"], as_of=dt.date(2030, 1, 1))
        out["groups"] = len(frame)
    elif name == "crosstab_pandas":
        store = Store.open(db, read_only=True)
        p = store.query(
            "SELECT IDNCASE, OSC_DATE, INPUT_DATE, COMP_DATE, ABSENTIA FROM court_proceeding WHERE release = '2026-01-SYNTHETIC'"
        )
        f = store.query(
            "SELECT idncase AS IDNCASE, nationality, hearing_location, nta_date FROM court_facts "
            "WHERE release = '2026-01-SYNTHETIC'"
        )
        t0 = time.perf_counter()
        p = p[p.OSC_DATE.fillna(p.INPUT_DATE).notna()]
        p = p.assign(open=p.COMP_DATE.isna()).sort_values(["IDNCASE", "COMP_DATE"])
        last = p.dropna(subset=["COMP_DATE"]).groupby("IDNCASE").tail(1).set_index("IDNCASE")["ABSENTIA"]
        st = p.groupby("IDNCASE")["open"].any().to_frame()
        st["absentia"] = last.reindex(st.index).eq("Y") & ~st["open"]
        st = st.join(f.set_index("IDNCASE"), how="inner")
        st["nta_month"] = st.nta_date.dt.strftime("%Y-%m")
        st["completed"] = ~st["open"]
        g = st.groupby(["nationality", "hearing_location", "nta_month"], dropna=False).agg(
            cases=("open", "size"), completed=("completed", "sum"), absentia=("absentia", "sum")
        )
        g["rate"] = np.where(g.completed > 0, g.absentia / g.completed.where(g.completed > 0), np.nan)
        out["groups"] = len(g)
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_gb"] = peak_rss_gb()
    return out


PEER = (
    "the peer eoir-database took 28 s (peak 0.5 GB) for a 1M-case EOIR release of 5M schedule rows (998 MB) on "
    "this kind of machine, and kept 71.4% of its cases (it drops every latin-1 row); run --rows 5000000 to compare, "
    "and --peer PATH/build_database.py to run it here on the same release"
)


def ratio(res: dict[str, dict[str, float]], base: str, ours: str, text: str) -> None:
    """Print base time / our time, when both steps ran."""
    if base in res and ours in res:
        print(f"ratio {text}: {res[base]['seconds'] / res[ours]['seconds']:.2f}x")


def report(res: dict[str, dict[str, float]], n_sched: int, release_bytes: int) -> None:
    """The ratios of the steps that ran (higher is better for mppwatch)."""
    ratio(res, "duckdb_clean", "ingest", "ingest (CRLF as published) vs DuckDB read_csv on a cleaned LF copy "
          "(target >= 0.9 at 10M rows)")  # fmt: skip
    ratio(res, "ingest", "ingest_rejects", "ingest with 0.33% stray-TAB rejects vs without (a reject costs its bytes: "
          "close to 1)")  # fmt: skip
    ratio(res, "pandas_clean", "ingest", "ingest vs pandas.read_csv on cleaned copy (information: the 3x target is "
          "retired, pandas' reader uses one core)")  # fmt: skip
    ratio(res, "pandas_read", "ingest", "ingest vs pandas.read_csv alone (nothing stored)")
    cores = os.cpu_count() or 1
    ratio(res, "ingest_1thread", "ingest", f"ingest on {cores} cores vs DuckDB held to 1 thread")
    ratio(res, "pandas_clean", "ingest_1thread", "ingest on 1 DuckDB thread vs pandas (pandas' reader uses one core)")
    if "duckdb_tables" in res and "full_load" in res:
        floor, load = res["duckdb_tables"], res["full_load"]["seconds"]
        checkpointed = floor["seconds"] + floor.get("checkpoint_seconds", 0.0)
        print(
            f"ratio whole court load vs the sum of DuckDB's plain read_csv of each table: {floor['seconds'] / load:.2f}x"
            f" as read; {checkpointed / load:.2f}x with the floor's tables checkpointed, as the load's COMMIT does "
            f"({floor.get('checkpoint_seconds', 0.0):.2f}s)"
        )
    ratio(res, "crosstab_pandas", "crosstab", "cross-tab vs pandas (target >= 5)")
    ratio(res, "crosstab_pandas", "crosstab_as_of", "cross-tab as of a date (status recomputed) vs pandas")
    if "full_load" in res:
        r = res["full_load"]
        print(
            f"whole court load: {r['seconds']:.1f} s, peak {r['peak_rss_gb']:.2f} GB, {int(r['rows']):,} rows of "
            f"{release_bytes / 1e6:,.0f} MB ({n_sched:,} schedule rows), every line loaded or rejected; {PEER}"
        )


def run_peer(script: Path, release: Path, work: Path) -> dict[str, float]:
    """The peer eoir-database's `build_database.py --data-dir` on the same release, as a whole process (its own
    dependencies must be importable: requests, tqdm, duckdb): wall time, peak RSS and the cases it kept."""
    import duckdb

    layout = work / "peer-layout"  # it looks for Data/ and Lookup/ folders
    shutil.rmtree(layout, ignore_errors=True)
    (layout / "Data").mkdir(parents=True)
    folder = next(release.rglob("tbl_schedule.csv")).parent
    for table in folder.glob("*.csv"):
        (layout / "Data" / table.name).symlink_to(table)
    (layout / "Lookup").symlink_to(folder / "Lookup")
    out = work / "peer.duckdb"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with open(work / "peer.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(script), "--data-dir", str(layout), "--output", str(out)],
            cwd=work, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS (KB)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the peer's build failed: see {work / 'peer.log'}")
    peak = usage.ru_maxrss / 1024**2
    con = duckdb.connect(str(out), read_only=True)
    cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
    con.close()
    return {"seconds": seconds, "peak_rss_gb": peak, "cases": cases}


def run_ours(release: Path, work: Path) -> dict[str, float]:
    """`mppwatch court load` of the release as a whole process (start-up included, as for the peer)."""
    import duckdb

    db = work / "ours-whole.duckdb"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    cmd = [str(Path(sys.executable).with_name("mppwatch")), "--db", str(db), "court", "load", str(release)]
    subprocess.run([*cmd, "--release", "2026-01", "--format", "csv"], capture_output=True, check=True)
    seconds = time.perf_counter() - t0
    con = duckdb.connect(str(db), read_only=True)
    cases = con.execute("SELECT count(*) FROM court_case").fetchone()[0]  # type: ignore[index]
    con.close()
    db.unlink(missing_ok=True)
    return {"seconds": seconds, "cases": cases}


def peak_rss_gb() -> float:
    """This process's own high-water RSS (VmHWM is per address space, so it starts afresh at exec; wait4's
    ru_maxrss would also count the parent's size at fork)."""
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024**2
    return float("nan")


def run_child(name: str, release: Path, clean: Path, db: Path, profile: Path | None = None) -> dict[str, float]:
    """Run a step in a fresh process (it reports its own time and peak RSS in GB)."""
    cmd = [sys.executable, __file__, "--step", name, "--release", str(release), "--clean", str(clean), "--db", str(db)]
    if profile is not None:
        cmd += ["--profile-to", str(profile)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"step {name} failed: {proc.stdout}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000, help="schedule (hearing) rows in the synthetic release")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir, removed after)")
    ap.add_argument("--reuse", action="store_true", help="keep a release already written in --work")
    ap.add_argument("--step")
    ap.add_argument("--release", type=Path)
    ap.add_argument("--clean", type=Path)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--profile", action="store_true", help="cProfile the full load (written to --work)")
    ap.add_argument("--profile-to", type=Path)
    ap.add_argument("--line-ends", default="crlf", help="line ends of the synthetic release (crlf or lf)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="run the load steps in N interleaved rounds; each keeps its fastest run"
    )
    ap.add_argument("--steps", default=None, help="comma-separated steps to run (default: all); ratios need pairs")
    ap.add_argument(
        "--peer", type=Path, default=None,
        help="the peer eoir-database's build_database.py: run it on the same release, beside `mppwatch court load`",
    )  # fmt: skip
    args = ap.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.release, args.clean, args.db, args.profile_to)))
        return

    from mppwatch import court

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-court-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        cases = max(1000, int(args.rows / 3.7))  # the generator draws about 3.7 hearings per case
        t0 = time.perf_counter()
        clean = work / "tbl_schedule.clean.csv"
        if not (args.reuse and clean.exists()):
            court.synth_eoir(work / "release", cases, seed=7, line_ends=args.line_ends)
        synth_s = time.perf_counter() - t0
        sched = next((work / "release").rglob("tbl_schedule.csv"))
        with open(sched, "rb") as handle:
            n_sched = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1
        print(
            f"SYNTHETIC release: {cases:,} cases, {n_sched:,} schedule rows "
            f"({sched.stat().st_size / 1e9:.2f} GB), written in {synth_s:.0f}s"
        )
        if not (args.reuse and clean.exists()):
            clean_copy(sched, clean)
            for table in (work / "release").rglob("*.csv"):
                if "Lookup" not in table.parts:
                    clean_copy(table, work / f"{table.stem}.lf.csv")
            strays = with_stray_tabs(sched, work / "tbl_schedule.stray.csv")
            print(f"stray-TAB copy: {strays:,} of {n_sched:,} lines with one TAB too many")
        names = [
            name
            for name in (
                "ingest",
                "ingest_rejects",
                "ingest_1thread",
                "duckdb_clean",
                "pandas_clean",
                "pandas_read",
                "duckdb_tables",
                "full_load",
                "crosstab",
                "crosstab_as_of",
                "crosstab_pandas",
            )
            if not args.steps or name in args.steps.split(",")
        ]
        # --repeat N runs the load steps in N rounds, each step once per round (ingest, duckdb_clean, ingest, ...),
        # so that a ratio compares runs made in the same minutes of a shared machine; each keeps its fastest run
        runs: dict[str, list[dict[str, float]]] = {}
        for round_no in range(args.repeat):
            for name in names:
                if name.startswith("crosstab") and round_no > 0:
                    continue
                db = work / ("store.duckdb" if name.startswith(("full_load", "crosstab")) else f"{name}.duckdb")
                if not name.startswith("crosstab"):  # a store left by an earlier run (--reuse) would make loads no-ops
                    db.unlink(missing_ok=True)
                profile = work / "profile_full_load.txt" if args.profile and name == "full_load" else None
                runs.setdefault(name, []).append(run_child(name, work / "release", clean, db, profile))
                if name not in ("full_load",) and not name.startswith("crosstab"):
                    db.unlink(missing_ok=True)
        res = {}
        for name in names:
            res[name] = min(runs[name], key=lambda r: r["seconds"])  # the least disturbed run on a shared machine
            r = res[name]
            times = ", ".join(f"{x['seconds']:.2f}" for x in runs[name])
            spread = f"  (runs: {times})" if len(runs[name]) > 1 else ""
            print(
                f"{name:16s} {r['seconds']:8.2f}s  peak RSS {r['peak_rss_gb']:.2f} GB  "
                + " ".join(f"{k}={int(v):,}" for k, v in r.items() if k in ("rows", "rejected", "groups"))
                + spread
            )
        report(res, n_sched, sum(t.stat().st_size for t in (work / "release").rglob("*.csv")))
        if len(runs.get("ingest", [])) > 1 and len(runs.get("duckdb_clean", [])) > 1:
            paired = sorted(
                b["seconds"] / o["seconds"] for o, b in zip(runs["ingest"], runs["duckdb_clean"], strict=True)
            )
            print(
                f"ingest vs DuckDB round by round: {', '.join(f'{x:.2f}' for x in paired)}x "
                f"(median {paired[len(paired) // 2]:.2f}x)"
            )
        if args.peer is not None:
            peer, ours = run_peer(args.peer, work / "release", work), run_ours(work / "release", work)
            cases = sum(1 for _ in open(next((work / "release").rglob("A_TblCase.csv")), "rb")) - 1
            print(
                f"side by side, whole processes on this release: mppwatch court load {ours['seconds']:.1f} s, "
                f"{int(ours['cases']):,} of {cases:,} case lines kept (the rest rejected with reasons); the peer "
                f"{peer['seconds']:.1f} s (peak {peer['peak_rss_gb']:.2f} GB), {int(peer['cases']):,} kept: "
                f"{peer['seconds'] / ours['seconds']:.2f}x"
            )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
