"""A SYNTHETIC EOIR case-data release in the exact published format, quirks included.

Why: the real release is 4 GB and holds personal records, so tests and benches need a stand-in that is
as awkward as the real thing (TAB-delimited, no quoting, latin-1, NUL bytes, stray tabs mid-row, `N/A`/`NULL`/`b6`
nulls, timestamps with and without milliseconds) and whose MPP cohort looks like the published figures:
monthly volumes by hearing location follow TRAC's 2019 table, nationalities follow INM's 2019 shares, about half
of completed MPP cases end in absentia and about 6% are represented.

Columns are drawn with numpy per chunk of cases and formatted by DuckDB (`COPY ... TO`), so 10M hearing rows
take a minute or two, in bounded memory. Every file and the release folder say SYNTHETIC.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mppwatch.court.tables import CASE, CASE_IDENTIFIER, PROCEEDING, REPS_ASSIGNED, SCHEDULE, TableSpec
from mppwatch.court.texts import BAD_LINE_ENDS, NO_TRAC_ROWS
from mppwatch.errors import AT_LEAST_ONE, MppwatchError

RELEASE_DIR = "SYNTHETIC_EOIR_CASE_DATA"
CHUNK_CASES = 250_000
EPOCH = np.datetime64("1970-01-01", "D")

TRAC_LOCATIONS = {
    "El Paso": "ENP",
    "San Ysidro Port": "SYP",
    "Calexico Port": "CIX",
    "Laredo Port of Entry": "MPL",
    "Brownsville International Bridge": "MPB",
}
# INM names -> EOIR nationality codes; INM's unitemised remainder is spread over these codes.
INM_NATIONALITIES = {
    "Honduras": "HO",
    "Guatemala": "GT",
    "El Salvador": "ES",
    "Cuba": "CU",
    "Ecuador": "EC",
    "Venezuela": "VE",
    "Nicaragua": "NU",
    "Spain": "SP",
}
OTHER_NATIONALITIES = ("CO", "PE", "DR", "BR")
# Where an MPP case goes when it is moved off the MPP docket, and its base city.
MPP_BASE = {"SYP": "SND", "OPP": "SND", "CIX": "IMP", "ENP": "ELP", "MPL": "HLG", "MPB": "HLG", "TUM": "HLG"}
BACKGROUND_LOCS = ("SND", "ELP", "HOU", "LOS", "NYC", "MIA", "SFR", "CHI", "DAL", "HLG")
BACKGROUND_NATS = (
    ("MX", 0.40),
    ("GT", 0.15),
    ("HO", 0.15),
    ("ES", 0.10),
    ("CU", 0.05),
    ("VE", 0.05),
    ("CO", 0.04),
    ("BR", 0.03),
    ("NU", 0.03),
)
MPP_CITIES = {
    "SYP": "TIJUANA",
    "OPP": "TIJUANA",
    "CIX": "MEXICALI",
    "ENP": "CIUDAD JUÁREZ",
    "MPL": "NUEVO LAREDO",
    "MPB": "MATAMOROS",
    "TUM": "DOMICILIO CONOCIDO",
}
US_CITIES = ("HOUSTON", "LOS ANGELES", "SAN JOSÉ", "PEÑASCO", "NEW YORK", "MIAMI", "ESPAÑOLA", "CHICAGO")
DECISIONS = {"X": "REMOVED", "V": "VOLUNTARY DEPARTURE", "T": "TERMINATED", "R": "RELIEF GRANTED", "O": "OTHER"}
ADJ_CODES = {
    "01": "ALIEN TO SEEK REPRESENTATION",
    "06": "ALIEN TO FILE APPLICATION",
    "17": "IJ REQUEST",
    "54": "DHS TO ISSUE NTA",
    "03": "OPERATIONAL",
    "12": "RESET - MPP",
}


@dataclass
class SynthSummary:
    """What was written: the release folder and the rows per table (the stray-tab rows included)."""

    release_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    mpp_cases: int = 0
    stray_tab_rows: dict[str, int] = field(default_factory=dict)
    nul_rows: dict[str, int] = field(default_factory=dict)


def _data_dir() -> Path:
    from mppwatch.sources.loader import bundled_data_dir

    return bundled_data_dir()


def _trac_weights(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(month start days, hearing location codes, counts) from TRAC's 2019 table, detail rows only."""
    months, locs, counts = [], [], []
    with open(data / "trac_mpp_cases_by_month_hearing_location_2019.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["row_type"] != "detail" or row["hearing_location"] not in TRAC_LOCATIONS:
                continue
            count = int(row["count"])
            if count > 0:
                months.append((np.datetime64(row["month"], "M").astype("datetime64[D]") - EPOCH).astype(int))
                locs.append(TRAC_LOCATIONS[row["hearing_location"]])
                counts.append(count)
    if not counts:
        raise MppwatchError(NO_TRAC_ROWS, file=data)
    return np.array(months), np.array(locs), np.array(counts, dtype=float)


def _inm_weights(data: Path) -> tuple[np.ndarray, np.ndarray]:
    codes: list[str] = []
    weights: list[float] = []
    total = 0.0
    with open(data / "inm_mpp_returns_by_nationality_2019.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["row_type"] == "published_total":
                total = float(row["count"])
            elif row["nationality"] in INM_NATIONALITIES:
                codes.append(INM_NATIONALITIES[row["nationality"]])
                weights.append(float(row["count"]))
    rest = max(total - sum(weights), 0.0)
    for code in OTHER_NATIONALITIES:
        codes.append(code)
        weights.append(rest / len(OTHER_NATIONALITIES))
    return np.array(codes), np.array(weights)


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (groups are consecutive runs of `counts` rows)."""
    total = np.cumsum(values)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0)
    return total - before


@dataclass
class _Ids:
    case: int = 1_000_001
    proceeding: int = 3_000_001
    schedule: int = 20_000_001
    identifier: int = 500_001
    reps: int = 7_000_001


def _draw_chunk(
    rng: np.random.Generator, n: int, ids: _Ids, trac: tuple, inm: tuple, first: bool
) -> dict[str, pa.Table]:
    """One chunk of cases with their proceedings, hearings, identifiers and representatives."""
    t_month, t_loc, t_count = trac
    nat_codes, nat_w = inm
    idncase = np.arange(ids.case, ids.case + n, dtype=np.int64)
    ids.case += n
    mpp = rng.random(n) < 0.8
    # hearing location and NTA date
    pick = rng.choice(len(t_count), size=n, p=t_count / t_count.sum())
    bg_loc = np.array(BACKGROUND_LOCS)[rng.integers(0, len(BACKGROUND_LOCS), n)]
    test_loc = (~mpp) & (rng.random(n) < 0.005)
    loc = np.where(mpp, t_loc[pick], np.where(test_loc, "MPP", bg_loc))
    mpp_day = t_month[pick] + rng.integers(0, 28, n)
    bg_day = (np.datetime64("2018-01-01") - EPOCH).astype(int) + rng.integers(0, 3 * 365, n)
    osc = np.where(mpp, mpp_day, bg_day).astype(np.int64)
    # nationality, language, custody
    nat = np.where(
        mpp,
        nat_codes[rng.choice(len(nat_w), size=n, p=nat_w / nat_w.sum())],
        np.array([c for c, _ in BACKGROUND_NATS])[
            rng.choice(len(BACKGROUND_NATS), size=n, p=np.array([w for _, w in BACKGROUND_NATS]) / 1.0)
        ],
    )
    u = rng.random(n)
    lang = np.where(
        nat == "BR", "POR", np.where((nat == "GT") & (u < 0.1), "MAM", np.where((nat == "GT") & (u < 0.2), "QUI", "SP"))
    )
    custody = np.where(
        mpp, np.where(rng.random(n) < 0.9, "N", "R"), np.array(["D", "R", "N"])[rng.choice(3, n, p=[0.2, 0.3, 0.5])]
    )
    represented = rng.random(n) < np.where(mpp, 0.06, 0.55)
    transfer = rng.random(n) < np.where(mpp, 0.08, 0.03)
    completed = rng.random(n) < np.where(mpp, 0.97, 0.7)
    absentia = completed & (rng.random(n) < np.where(represented, 0.1, np.where(mpp, 0.53, 0.2)))
    dec_keys = np.array(list(DECISIONS))
    dec_p_mpp = np.array([0.55, 0.07, 0.30, 0.03, 0.05])
    dec_p_bg = np.array([0.35, 0.10, 0.20, 0.25, 0.10])
    dec = np.where(mpp, dec_keys[rng.choice(5, n, p=dec_p_mpp)], dec_keys[rng.choice(5, n, p=dec_p_bg)])
    dec = np.where(absentia, "X", dec)
    dec = np.where(completed, dec, "")
    # proceedings: one per case, a second one after a transfer off the first location
    base1 = np.array([MPP_BASE.get(x, x if x != "MPP" else "SND") for x in loc])
    loc2 = np.where(mpp, base1, np.array(BACKGROUND_LOCS)[rng.integers(0, len(BACKGROUND_LOCS), n)])
    k1 = 1 + rng.poisson(np.where(transfer, 1.5, 2.6))
    k2 = np.where(transfer, 1 + rng.poisson(1.5, n), 0)
    first1 = osc + rng.integers(30, 100, n)
    gaps1 = rng.integers(21, 75, int(k1.sum()))
    gaps1[np.cumsum(k1) - k1] = 0
    h1 = np.repeat(first1, k1) + _group_cumsum(gaps1, k1)
    last1 = h1[np.cumsum(k1) - 1]
    t_idx = np.flatnonzero(transfer)
    first2 = last1[t_idx] + rng.integers(30, 90, len(t_idx))
    kk2 = k2[t_idx]
    gaps2 = rng.integers(21, 75, int(kk2.sum()))
    if len(gaps2):
        gaps2[np.cumsum(kk2) - kk2] = 0
    h2 = np.repeat(first2, kk2) + _group_cumsum(gaps2, kk2)
    last2 = h2[np.cumsum(kk2) - 1] if len(kk2) else np.array([], dtype=np.int64)

    n2 = len(t_idx)
    p_case = np.concatenate([np.arange(n), t_idx])
    p_seq = np.concatenate([np.ones(n, np.int8), np.full(n2, 2, np.int8)])
    p_ids = np.arange(ids.proceeding, ids.proceeding + n + n2, dtype=np.int64)
    ids.proceeding += n + n2
    p_loc = np.concatenate([loc, loc2[t_idx]])
    p_base = np.concatenate([base1, loc2[t_idx]])
    p_last = np.concatenate([last1, last2])
    final = np.concatenate([~transfer, np.ones(n2, bool)])  # the proceeding that carries the outcome
    p_done = np.where(final, completed[p_case], True)
    p_comp = np.where(p_done, p_last, -1)
    p_trans_in = np.concatenate([np.full(n, -1), last1[t_idx]])
    p_prev = np.concatenate([np.full(n, ""), loc[t_idx]])
    p_transfer_to = np.concatenate([np.where(transfer, loc2, ""), np.full(n2, "")])
    p_dec = np.where(final, dec[p_case], "")
    p_abs = np.where(final & completed[p_case], np.where(absentia[p_case], "Y", "N"), "")
    p_other = np.where(final, "", "V")
    p_hearing = np.where(p_done, p_last, p_last + 120)
    proc = pa.table(
        {
            "IDNPROCEEDING": p_ids,
            "IDNCASE": idncase[p_case],
            "OSC": osc[p_case],
            "INPUT": osc[p_case] + rng.integers(0, 12, n + n2),
            "BASE": p_base,
            "LOC": p_loc,
            "IJ": np.array(["AAB", "BCD", "CDE", "DEF", "EFG"])[rng.integers(0, 5, n + n2)],
            "TRANS_IN": p_trans_in,
            "PREV": p_prev,
            "HEARING": p_hearing,
            "HTIME": np.array(["0830", "0900", "1300", "1330"])[rng.integers(0, 4, n + n2)],
            "DEC": p_dec,
            "OTHER": p_other,
            "COMP": p_comp,
            "ABS": p_abs,
            "TRANSFER_TO": p_transfer_to,
            "CUSTODY": custody[p_case],
            "NAT": nat[p_case],
            "LANG": lang[p_case],
            "SEQ": p_seq,
        }
    )
    # hearings (schedule rows) for every proceeding, in the order the proceedings were numbered
    k_all = np.concatenate([k1, kk2])
    h_all = np.concatenate([h1, h2])
    s_proc = np.repeat(np.arange(n + n2), k_all)
    is_last = np.zeros(len(h_all), bool)
    is_last[np.cumsum(k_all) - 1] = True
    s_done = p_done[s_proc]
    adj_codes = np.array(list(ADJ_CODES))
    adj = np.where(is_last & s_done, "", adj_codes[rng.integers(0, len(adj_codes), len(h_all))])
    ns = len(h_all)
    sched = pa.table(
        {
            "IDNSCHEDULE": np.arange(ids.schedule, ids.schedule + ns, dtype=np.int64),
            "IDNPROCEEDING": p_ids[s_proc],
            "IDNCASE": idncase[p_case[s_proc]],
            "OSC": osc[p_case[s_proc]],
            "LANG": lang[p_case[s_proc]],
            "LOC": p_loc[s_proc],
            "BASE": p_base[s_proc],
            "ADJ": h_all,
            "INPUT": h_all - rng.integers(14, 60, ns),
            "RSN": adj,
            "CAL": np.where(is_last & s_done, "I", "M"),
            "STYPE": np.where(is_last & s_done, "IA", np.where(np.arange(ns) % 3 == 0, "MM", "MR")),
            "START": np.array(["0830", "0900", "1300", "1330"])[rng.integers(0, 4, ns)],
        }
    )
    ids.schedule += ns
    # case identifiers: most MPP cases carry MP or RM; some only show up through the hearing location
    u = rng.random(n)
    ident = np.where(mpp, np.where(u < 0.75, "MP", np.where(u < 0.85, "RM", "")), np.where(u < 0.05, "AD", ""))
    i_rows = np.flatnonzero(ident != "")
    ident_t = pa.table(
        {
            "IDNCASEID": np.arange(ids.identifier, ids.identifier + len(i_rows), dtype=np.int64),
            "IDNCASE": idncase[i_rows],
            "CASE_ID": ident[i_rows],
        }
    )
    ids.identifier += len(i_rows)
    # representatives: one or two notices of appearance (E-28) per represented case
    r_case = np.flatnonzero(represented)
    r_n = 1 + (rng.random(len(r_case)) < 0.2)
    rr = np.repeat(r_case, r_n)
    e28 = osc[rr] + rng.integers(10, 200, len(rr))
    reps = pa.table(
        {
            "IDNREPSASSIGNED": np.arange(ids.reps, ids.reps + len(rr), dtype=np.int64),
            "IDNCASE": idncase[rr],
            "PARENT_IDN": p_ids[rr],
            "BASE": base1[rr],
            "E28": e28,
        }
    )
    ids.reps += len(rr)
    e28_case = np.full(n, 10**9)
    np.minimum.at(e28_case, rr, e28)
    e28_case = np.where(e28_case == 10**9, -1, e28_case)
    city = np.where(
        mpp,
        np.array([MPP_CITIES.get(x, "DOMICILIO CONOCIDO") for x in loc]),
        np.array(US_CITIES)[rng.integers(0, len(US_CITIES), n)],
    )
    # stray tabs: about 97 per 12.5M cases and 71 per 16.2M proceedings, and always a few in the first chunk
    stray_case = rng.random(n) < 97 / 12.5e6
    stray_proc = rng.random(n + n2) < 71 / 16.2e6
    if first:
        stray_case[: min(3, n)] = True
        stray_proc[min(5, n + n2 - 1)] = True
        stray_proc[min(9, n + n2 - 1)] = True
    case_t = pa.table(
        {
            "IDNCASE": idncase,
            "CITY": city,
            "STATE": np.where(mpp, "BC", "TX"),
            "NAT": nat,
            "LANG": lang,
            "CUSTODY": custody,
            "E28": e28_case,
            "ATTY": np.where(represented, "1", ""),
            "LATEST": p_last[:n],
            "SEX": np.where(rng.random(n) < 0.45, "F", "M"),
            "STRAY": stray_case,
        }
    )
    proc = proc.append_column("STRAY", pa.array(stray_proc))
    return {
        "mpp": pa.table({"MPP": mpp}),
        "case": case_t,
        "proceeding": proc,
        "schedule": sched,
        "identifier": ident_t,
        "reps": reps,
    }


# DuckDB formats each table; h(...) picks quirks deterministically from the row id.
MACROS = r"""
CREATE OR REPLACE MACRO nulltok(h) AS CASE h % 11 WHEN 0 THEN 'NULL' WHEN 1 THEN 'N/A' ELSE '' END;
CREATE OR REPLACE MACRO txt(v, h) AS CASE WHEN v IS NULL OR v = '' THEN nulltok(h) ELSE v END;
CREATE OR REPLACE MACRO ts(d, h) AS CASE WHEN d IS NULL OR d < 0 THEN nulltok(h)
    ELSE strftime(DATE '1970-01-01' + d::INTEGER, '%Y-%m-%d') || ' 00:00:00'
         || CASE WHEN h % 5 = 0 THEN '.' || lpad(((h // 5) % 1000)::VARCHAR, 3, '0') ELSE '' END END;
CREATE OR REPLACE MACRO hh(id, k) AS hash(id * 131 + k);
"""

SELECTS: dict[str, str] = {
    "case": r"""SELECT IDNCASE,
        CASE WHEN STRAY THEN replace(CITY, ' ', chr(9)) || chr(9) || 'X'
             WHEN hh(IDNCASE, 1) % 500 = 0 THEN CITY || chr(0) ELSE CITY END,
        STATE, 'b6', 'b6', txt(NULL, hh(IDNCASE, 2)), NAT, LANG, CUSTODY, txt(NULL, hh(IDNCASE, 3)),
        ts(E28, hh(IDNCASE, 4)), txt(ATTY, hh(IDNCASE, 5)), 'RMV', txt(NULL, hh(IDNCASE, 6)), ts(LATEST, hh(IDNCASE, 7)),
        '0900', 'M', '', '', '', '', '', '', ts(NULL, hh(IDNCASE, 8)), 'N/A', 'b6', '', '', '', '', SEX, '', '', 'N',
        '', '', '', '', 'N/A' FROM chunk""",
    "proceeding": r"""SELECT IDNPROCEEDING, IDNCASE, ts(OSC, hh(IDNPROCEEDING, 1)),
        ts(INPUT, hh(IDNPROCEEDING, 2)) || CASE WHEN hh(IDNPROCEEDING, 99) % 4000 = 0 THEN chr(0) ELSE '' END,
        BASE, LOC,
        CASE WHEN STRAY THEN IJ || chr(9) WHEN hh(IDNPROCEEDING, 3) % 1000 = 0 THEN chr(0) ELSE IJ END,
        ts(TRANS_IN, hh(IDNPROCEEDING, 4)), txt(PREV, hh(IDNPROCEEDING, 5)), '', '', '',
        ts(HEARING, hh(IDNPROCEEDING, 6)), HTIME, CASE WHEN DEC = '' THEN '' ELSE 'O' END, txt(DEC, hh(IDNPROCEEDING, 7)),
        '', '', txt(OTHER, hh(IDNPROCEEDING, 8)), '', '', ts(COMP, hh(IDNPROCEEDING, 9)), txt(ABS, hh(IDNPROCEEDING, 10)),
        '', txt(TRANSFER_TO, hh(IDNPROCEEDING, 11)), '', '', CUSTODY, 'RMV', NAT, LANG, LOC, '', 'N', 'N', 'N',
        'b6', 'b6' FROM chunk""",
    "schedule": r"""SELECT IDNSCHEDULE, IDNPROCEEDING, IDNCASE, ts(OSC, hh(IDNSCHEDULE, 1)), '1', '1', 'S', LANG, LOC, BASE,
        'AAB', txt(NULL, hh(IDNSCHEDULE, 2)), ts(INPUT, hh(IDNSCHEDULE, 3)), '1015', ts(INPUT, hh(IDNSCHEDULE, 4)), '1016',
        'N/A', CAL, ts(ADJ, hh(IDNSCHEDULE, 5)), START, '', txt(RSN, hh(IDNSCHEDULE, 6)), 'P',
        CASE WHEN hh(IDNSCHEDULE, 7) % 3000 = 0 THEN 'NOTE' || chr(0) ELSE '' END, '0', '', STYPE, '', '0', '' FROM chunk""",
    "identifier": "SELECT IDNCASEID, IDNCASE, CASE_ID FROM chunk",
    "reps": r"""SELECT IDNREPSASSIGNED, IDNCASE, 'COURT', 'ALIEN', 'B_TblProceeding', PARENT_IDN, BASE,
        ts(E28 - 2, hh(IDNREPSASSIGNED, 1)), '', ts(E28, hh(IDNREPSASSIGNED, 2)), '1' FROM chunk""",
}
OUTPUTS: dict[str, TableSpec] = {
    "case": CASE,
    "proceeding": PROCEEDING,
    "schedule": SCHEDULE,
    "identifier": CASE_IDENTIFIER,
    "reps": REPS_ASSIGNED,
}


LINE_ENDS = {"crlf": b"\r\n", "lf": b"\n"}


def _line_end(line_ends: str) -> bytes:
    try:
        return LINE_ENDS[line_ends.lower()]
    except KeyError:
        raise MppwatchError(BAD_LINE_ENDS, value=repr(line_ends)) from None


def _write_lookups(folder: Path, data: Path, eol: bytes = b"\n") -> None:
    """Lookup/ files in the release's own layout (TAB, latin-1), from the bundled code list plus synthetic codes."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[tuple[str, str]]] = {}
    with open(data / "eoir_lookup_codes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["table"], []).append((row["code"], row["description"]))
    rows["tblDecCode"] = list(DECISIONS.items())
    rows["tblAdjournmentcodes"] = list(ADJ_CODES.items())
    headers = {
        "tblLookupHloc": ("HEARING_LOC_CODE", "HEARING_LOC_NAME"),
        "tblLookupBaseCity": ("BASE_CITY_CODE", "BASE_CITY_NAME"),
        "tblDecCode": ("strDecCode", "strDecDescription"),
    }
    for name, pairs in rows.items():
        code_col, desc_col = headers.get(name, ("strCode", "strDescription"))
        newline = eol.decode()
        with open(folder / f"{name}.csv", "w", encoding="latin-1", errors="replace", newline=newline) as out:
            out.write(f"{code_col}\t{desc_col}\n")
            seen: set[str] = set()
            for code, desc in pairs:
                if code in seen:  # keep the first (active) entry, as one release file would
                    continue
                seen.add(code)
                out.write(f"{code}\t{desc}\n")


def synth_eoir(
    out: Path,
    cases: int,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    line_ends: str = "crlf",
) -> SynthSummary:
    """Write a SYNTHETIC release of `cases` cases (about 3.5 hearings each) under `out/SYNTHETIC_EOIR_CASE_DATA/`.

    Lines end in CRLF by default, as in files exported from or re-saved on Windows (the harder case for a reader);
    `line_ends="lf"` writes the same bytes otherwise."""
    if cases < 1:
        raise MppwatchError(AT_LEAST_ONE, option="--cases")
    eol = _line_end(line_ends)
    data = _data_dir()
    trac, inm = _trac_weights(data), _inm_weights(data)
    rel = Path(out) / RELEASE_DIR
    if rel.exists():
        shutil.rmtree(rel)
    rel.mkdir(parents=True)
    (rel / "SYNTHETIC_README.txt").write_text(
        f"SYNTHETIC EOIR case data made by mppwatch synth eoir (cases={cases}, seed={seed}). Not real records.\n",
        encoding="utf-8",
        newline=eol.decode(),
    )
    _write_lookups(rel / "Lookup", data, eol)
    summary = SynthSummary(rel)
    rng = np.random.default_rng(seed)
    ids = _Ids()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(MACROS)
    handles = {}
    tmp = Path(tempfile.mkdtemp(prefix="synth-", dir=rel))
    try:
        for key, spec in OUTPUTS.items():
            handles[key] = open(rel / f"{spec.stem}.csv", "wb")  # noqa: SIM115 - closed in finally
            handles[key].write("\t".join(spec.columns).encode("latin-1") + eol)
            summary.rows[spec.stem] = 0
        done = 0
        while done < cases:
            n = min(CHUNK_CASES, cases - done)
            tables = _draw_chunk(rng, n, ids, trac, inm, first=done == 0)
            summary.mpp_cases += int(tables.pop("mpp")["MPP"].to_numpy().sum())
            for key, table in tables.items():
                spec = OUTPUTS[key]
                part = tmp / f"{key}.tsv"
                con.register("chunk", table)
                con.execute(
                    f"COPY ({SELECTS[key]}) TO '{part}' (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false)"
                )
                con.unregister("chunk")
                with open(part, "rb") as src:
                    if key == "case":  # names are latin-1 in the release
                        handles[key].write(src.read().decode("utf-8").encode("latin-1").replace(b"\n", eol))
                    elif eol == b"\n":
                        shutil.copyfileobj(src, handles[key], 1 << 22)
                    else:
                        while block := src.read(1 << 22):
                            handles[key].write(block.replace(b"\n", eol))
                part.unlink()
                summary.rows[spec.stem] += table.num_rows
                if "STRAY" in table.column_names:
                    summary.stray_tab_rows[spec.stem] = summary.stray_tab_rows.get(spec.stem, 0) + int(
                        table["STRAY"].to_numpy().sum()
                    )
            done += n
            if progress:
                progress(n)
        # EOIR's zip carries a Count.txt of rows per table; so does this release (checked at load, `court validate`)
        count = b"".join(f"{stem}.csv\t{rows}".encode() + eol for stem, rows in summary.rows.items())
        (rel / "Count.txt").write_bytes(count)
    finally:
        for handle in handles.values():
            handle.close()
        shutil.rmtree(tmp, ignore_errors=True)
        con.close()
    return summary
