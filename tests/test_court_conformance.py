"""Conformance matrix: one small hand-made release per real-world variant of EOIR's format, all giving the same rows.

The base release (bytes written here, not by `synth eoir`) has 6 cases, 7 proceedings, 8 hearings, 3 case
identifiers, 2 representation rows and 3 lookup files (12 codes). Counted by hand:
- MPP cohort: cases 1 (ENP), 2 (SYP) and 5 (SYP, also RM) by hearing location, 3 by identifier MP -> [1, 2, 3, 5].
  Case 4 (SND, identifier AD) and case 6 (LOS) are not MPP.
- Case 1's city is CIUDAD JUÁREZ (latin-1 byte 0xC1); proceeding 106 completed on 2019-10-01; representation row 2
  ends its line with BLNPRIMEATTY = 1 (the field a CR would cling to).
Each variant changes only the bytes; some add one line that must be repaired or rejected, and say which.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mppwatch import court
from mppwatch.court.tables import CASE, CASE_IDENTIFIER, PROCEEDING, REPS_ASSIGNED, SCHEDULE, TableSpec
from mppwatch.store import Store

Files = dict[str, bytes]  # path inside the release -> bytes
T = "\t"


def row(spec: TableSpec, columns: tuple[str, ...] | None = None, **values: str) -> str:
    """One row: the values in the header's column order, every other field empty."""
    assert not set(values) - set(spec.columns), set(values) - set(spec.columns)
    return T.join(values.get(c, "") for c in (columns or spec.columns))


def ts(day: str) -> str:
    return f"{day} 00:00:00"


CITY = "CIUDAD JU\u00c1REZ"


def base_tables() -> dict[TableSpec, list[str]]:
    """The rows of each table as text (the header is added by `render`)."""
    C, P, S = CASE, PROCEEDING, SCHEDULE
    cases = [
        row(C, IDNCASE="1", ALIEN_CITY=CITY, NAT="HO", LANG="SP", CUSTODY="N"),
        row(C, IDNCASE="2", ALIEN_CITY="TIJUANA", NAT="GT", LANG="SP", CUSTODY="N"),
        row(C, IDNCASE="3", NAT="HO", LANG="SP", CUSTODY="N", ALIEN_ZIPCODE="b6"),
        row(C, IDNCASE="4", NAT="MX", LANG="SP", CUSTODY="D", Sex="M"),
        row(C, IDNCASE="5", NAT="CU", LANG="SP", CUSTODY="N", E_28_DATE="NULL"),
        row(C, IDNCASE="6", NAT="ES", LANG="SP", CUSTODY="N", CASEPRIORITY_CODE="N/A"),
    ]
    p = [
        ("101", "1", "ENP", "2019-03-01", "2019-06-10", "Y", "X"),
        ("102", "1", "ELP", "2019-07-01", "", "", ""),
        ("103", "2", "SYP", "2019-04-02", "2019-08-01", "N", "R"),
        ("104", "3", "SND", "2019-05-01", "", "", ""),
        ("105", "4", "SND", "2019-05-01", "2019-09-01", "N", "X"),
        ("106", "5", "SYP", "2019-06-01", "2019-10-01", "Y", "X"),
        ("107", "6", "LOS", "2019-06-15", "", "", ""),
    ]
    proceedings = [
        row(
            P,
            IDNPROCEEDING=i,
            IDNCASE=c,
            HEARING_LOC_CODE=loc,
            OSC_DATE=ts(osc),
            COMP_DATE=ts(comp) if comp else "N/A",
            ABSENTIA=ab,
            DEC_CODE=dec,
            NAT="HO",
        )  # fmt: skip
        for i, c, loc, osc, comp, ab, dec in p
    ]
    s = [
        ("1001", "101", "1", "ENP", "2019-04-01"),
        ("1002", "101", "1", "ENP", "2019-06-10"),
        ("1003", "102", "1", "ELP", "2019-08-01"),
        ("1004", "103", "2", "SYP", "2019-05-01"),
        ("1005", "103", "2", "SYP", "2019-08-01"),
        ("1006", "104", "3", "SND", "2019-06-01"),
        ("1007", "106", "5", "SYP", "2019-07-01"),
        ("1008", "107", "6", "LOS", "2019-07-15"),
    ]
    schedule = [
        row(S, IDNSCHEDULE=i, IDNPROCEEDING=pr, IDNCASE=c, HEARING_LOC_CODE=loc, ADJ_DATE=ts(d), ADJ_TIME_START="0830")
        for i, pr, c, loc, d in s
    ]
    identifiers = [
        row(CASE_IDENTIFIER, IDNCASEID="1", IDNCASE="3", CASE_ID="MP"),
        row(CASE_IDENTIFIER, IDNCASEID="2", IDNCASE="4", CASE_ID="AD"),
        row(CASE_IDENTIFIER, IDNCASEID="3", IDNCASE="5", CASE_ID="RM"),
    ]
    reps = [
        row(REPS_ASSIGNED, IDNREPSASSIGNED="1", IDNCASE="2", E_28_DATE=ts("2019-05-01")),
        row(REPS_ASSIGNED, IDNREPSASSIGNED="2", IDNCASE="6", E_28_DATE=ts("2019-07-01"), BLNPRIMEATTY="1"),
    ]
    return {CASE: cases, PROCEEDING: proceedings, SCHEDULE: schedule, CASE_IDENTIFIER: identifiers, REPS_ASSIGNED: reps}


LOOKUPS = {
    "tblLookupNationality": ("NAT_CODE", "NAT_NAME", [("HO", "HONDURAS"), ("GT", "GUATEMALA"), ("MX", "MEXICO"),
                                                      ("CU", "CUBA"), ("ES", "EL SALVADOR")]),
    "tblLookupHloc": ("HEARING_LOC_CODE", "HEARING_LOC_NAME", [("ENP", "EL PASO MPP"), ("SYP", "SAN YSIDRO MPP"),
                                                                ("SND", "SAN DIEGO"), ("ELP", "EL PASO"),
                                                                ("LOS", "LOS ANGELES")]),
    "tblDecCode": ("strDecCode", "strDecDescription", [("X", "REMOVED"), ("R", "RELIEF GRANTED")]),
}  # fmt: skip


@dataclass
class Variant:
    """How a variant changes the base release, and what it adds to the hand counts."""

    name: str
    lines: Callable[[TableSpec | None, list[str], list[str]], tuple[list[str], list[str]]] = lambda s, h, r: (h, r)
    encode: Callable[[str], bytes] = lambda text: text.encode("latin-1")
    finish: Callable[[bytes], bytes] = lambda data: data
    folder: str = "EOIR Case Data"
    zipped: bool = False
    extra: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (repaired, rejected) lines added


def render(v: Variant) -> Files:
    """The release's files as bytes: header + rows, LF line ends, then the variant's byte changes."""
    files: Files = {}
    for spec, rows in base_tables().items():
        header, body = v.lines(spec, list(spec.columns), rows)
        text = "\n".join([T.join(header), *body]) + "\n"
        files[f"{v.folder}/{spec.stem}.csv"] = v.finish(v.encode(text))
    for name, (code, desc, pairs) in LOOKUPS.items():
        header, body = v.lines(None, [code, desc], [f"{c}{T}{d}" for c, d in pairs])
        text = "\n".join([T.join(header), *body]) + "\n"
        files[f"{v.folder}/Lookup/{name}.csv"] = v.finish(v.encode(text))
    return files


def _drop_last_column(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    """CASEPRIORITY_CODE (A_TblCase) and EOIRAttorneyID (tbl_schedule) are not in this release: the last columns."""
    if spec not in (CASE, SCHEDULE):
        return header, rows
    return header[:-1], [r.rsplit(T, 1)[0] for r in rows]


def _extra_column(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    if spec is None:
        return header, rows
    return [*header, "NEW_COLUMN_2026"], [f"{r}{T}new" for r in rows]


def _trailing_tab(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    return [*header, ""], [f"{r}{T}" for r in rows]


def _header_case(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    return [h.lower() if i % 2 else h.title() for i, h in enumerate(header)], rows


def _millis(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    return header, [r.replace(" 00:00:00", " 00:00:00.123") for r in rows]


def _nul(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    """A NUL in a text field (case 2's city: cleaned as it loads) and in a date (proceeding 104: repaired)."""
    if spec is CASE:
        rows = [r.replace("TIJUANA", "TIJUANA\x00") for r in rows]
    if spec is PROCEEDING:
        rows = [r.replace(ts("2019-05-01"), ts("2019-05-01") + "\x00", 1) if r.startswith("104\t") else r for r in rows]
    return header, rows


def _stray_tab(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    """One more case line, 7, with a stray TAB inside its city: one field too many, so it is rejected."""
    if spec is CASE:
        stray = row(CASE, IDNCASE="7", ALIEN_CITY=f"SAN{T}JOSE", NAT="HO")
        rows = [*rows[:3], stray, *rows[3:]]
    return header, rows


def _cp1252(spec: TableSpec | None, header: list[str], rows: list[str]) -> tuple[list[str], list[str]]:
    """Case 2's city in Windows quotes with a euro sign: bytes 0x93, 0x94 and 0x80."""
    if spec is CASE:
        rows = [r.replace("TIJUANA", "\x93TIJUANA\x94 \x80") for r in rows]
    return header, rows


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


VARIANTS = [
    Variant("lf"),
    Variant("crlf", finish=_crlf),
    Variant("latin-1"),
    Variant("utf-8", encode=lambda text: text.encode("utf-8")),
    Variant("cp1252", lines=_cp1252),
    Variant("bom", finish=lambda data: b"\xef\xbb\xbf" + data),
    Variant("bom-utf-8-crlf", encode=lambda text: text.encode("utf-8"), finish=lambda d: b"\xef\xbb\xbf" + _crlf(d)),
    Variant("nul", lines=_nul, extra={"court_proceeding": (1, 0)}),
    Variant("stray-tab", lines=_stray_tab, extra={"court_case": (0, 1)}),
    Variant("trailing-tab", lines=_trailing_tab),
    Variant("header-case", lines=_header_case),
    Variant("extra-column", lines=_extra_column),
    Variant("missing-column", lines=_drop_last_column),
    Variant("mmm-timestamps", lines=_millis),
    Variant("no-final-line-end", finish=lambda data: data.removesuffix(b"\n")),
    Variant("nested-folder", folder="releases/2026-01/unpacked/EOIR Case Data"),
    Variant("zip-deflate64", zipped=True),
    Variant("zip-deflate64-crlf", finish=_crlf, zipped=True),
]
BASE = {"court_case": 6, "court_proceeding": 7, "court_schedule": 8, "court_case_identifier": 3,
        "court_reps_assigned": 2}  # fmt: skip


def deflate64_zip(path: Path, members: Files) -> None:
    """A zip whose members use method 9 (Deflate64), which Python's zipfile cannot read. Huffman-only deflate
    streams never use the codes where Deflate64 differs from Deflate (length 258, distances over 32 KB), so they
    are valid Deflate64 streams; `unzip -t` checks them below."""
    local, central = b"", b""
    for name, data in members.items():
        comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
        packed = comp.compress(data) + comp.flush()
        crc, n = zlib.crc32(data), name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 21, 0, 9, 0, 0x5821, crc, len(packed), len(data), len(n), 0)
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 21, 21, 0, 9, 0, 0x5821, crc, len(packed), len(data), len(n),
            0, 0, 0, 0, 0, len(local),
        ) + n  # fmt: skip
        local += header + n + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(local + central + end)


def write(tmp_path: Path, v: Variant) -> Path:
    files = render(v)
    if v.zipped:
        if shutil.which("unzip") is None:
            pytest.skip("needs the unzip program")
        path = tmp_path / "release.zip"
        deflate64_zip(path, files)
        assert subprocess.run(["unzip", "-tq", str(path)], capture_output=True).returncode == 0
        return path
    root = tmp_path / "release"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_every_variant_loads_the_same_rows(tmp_path: Path, variant: Variant) -> None:
    store = Store.open(tmp_path / "c.duckdb")
    summary = court.load(store, write(tmp_path, variant), "2026-01", max_reject_share=0.2)
    got = {t.table: (t.rows_in, t.rows_loaded, t.rows_repaired, t.rows_rejected) for t in summary.tables}
    want = {}
    for table, n in BASE.items():
        repaired, rejected = variant.extra.get(table, (0, 0))
        want[table] = (n + rejected, n, repaired, rejected)
    assert got == want
    assert summary.lookups == 12
    assert court.cohort(store) == [1, 2, 3, 5]
    q = store.query
    city = q("SELECT ALIEN_CITY c FROM court_case WHERE IDNCASE = 1").c[0]
    assert city == CITY  # latin-1 and UTF-8 alike
    if variant.name == "cp1252":  # Windows' quotes and euro sign (DuckDB's latin-1 reader refused the whole file)
        assert q("SELECT ALIEN_CITY c FROM court_case WHERE IDNCASE = 2").c[0] == "\u201cTIJUANA\u201d \u20ac"
    else:
        assert q("SELECT ALIEN_CITY c FROM court_case WHERE IDNCASE = 2").c[0] == "TIJUANA"
    comp = q("SELECT COMP_DATE::DATE::VARCHAR d FROM court_proceeding WHERE IDNPROCEEDING = 106").d[0]
    assert comp == "2019-10-01"
    assert q("SELECT OSC_DATE::DATE::VARCHAR d FROM court_proceeding WHERE IDNPROCEEDING = 104").d[0] == "2019-05-01"
    assert q("SELECT BLNPRIMEATTY b FROM court_reps_assigned WHERE IDNREPSASSIGNED = 2").b[0] == "1"
    nulls = q("SELECT count(*) n FROM court_case WHERE ALIEN_ZIPCODE IS NOT NULL OR E_28_DATE IS NOT NULL").n[0]
    assert nulls == 0  # b6, NULL and N/A are nulls
    names = q("SELECT code, description FROM court_lookups WHERE lookup = 'tblLookupHloc' ORDER BY code")
    assert names.values.tolist() == [["ELP", "EL PASO"], ["ENP", "EL PASO MPP"], ["LOS", "LOS ANGELES"],
                                     ["SND", "SAN DIEGO"], ["SYP", "SAN YSIDRO MPP"]]  # fmt: skip
    for table in BASE:
        text = [x for x in q(f"SELECT * FROM {table}").to_numpy().ravel().tolist() if isinstance(x, str)]
        assert not [x for x in text if "\r" in x or "\x00" in x or "\ufeff" in x or "\u00ef\u00bb\u00bf" in x]
    if variant.name == "extra-column":
        assert q("SELECT count(*) n FROM court_schedule WHERE NEW_COLUMN_2026 = 'new'").n[0] == 8
    if variant.name == "mmm-timestamps":
        assert q("SELECT millisecond(ADJ_DATE) % 1000 ms FROM court_schedule LIMIT 1").ms[0] == 123
    if variant.extra:
        rej = q("SELECT file, line, reason FROM court_rejects ORDER BY file, line")
        assert len(rej) == 1
        assert rej.line[0] == 5  # header is line 1: proceeding 104 and the stray case line are both line 5
