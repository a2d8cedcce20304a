"""Loading one's own file: the source registered by options or by a source_ids.csv beside it, in the same
transaction as the file; bad details name their option and leave the database as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mppwatch.store import Store

MPPWATCH = str(Path(sys.executable).with_name("mppwatch"))
BEDS = b"source_id,month,city,count\r\nMYCOUNT_2019-07,2019-07,Tijuana,120\r\nMYCOUNT_2019-07,2019-07,Mexicali,85\r\n"
SOURCE = ["--source-id", "MYCOUNT_2019-07", "--source-url", "https://example.org/beds", "--title", "Beds by hand"]


def run(db: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL", "MPPWATCH_DEBUG")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "200", "MPPWATCH_DB": str(db)})
    return subprocess.run([MPPWATCH, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sources(db: Path) -> dict[str, tuple[str, str]]:
    with Store.open(db, read_only=True) as store:
        rows = store.con.execute("SELECT source_id, source_url, title FROM sources").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.fixture()
def beds(tmp_path: Path) -> Path:
    path = tmp_path / "own" / "beds.csv"
    path.parent.mkdir()
    path.write_bytes(BEDS)
    return path


def test_register_and_load_in_one_command(fresh_db, beds):
    proc = run(fresh_db, "load", str(beds), *SOURCE, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "dataset,file_name,load_id,rows,status"
    assert lines[1] == "sources,MYCOUNT_2019-07,,1,registered"
    assert lines[2].startswith("beds,beds.csv,") and lines[2].endswith(",2,loaded")
    assert sources(fresh_db)["MYCOUNT_2019-07"] == ("https://example.org/beds", "Beds by hand")
    series = run(fresh_db, "series", "beds", "--by", "city", "--format", "csv")
    assert series.stdout == "city,period,value\nMexicali,2019-07,85\nTijuana,2019-07,120\n"
    # the same details again: nothing changes, exit 0
    before = digest(fresh_db)
    again = run(fresh_db, "load", str(beds), *SOURCE, "--format", "csv")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[1:] == [
        "sources,MYCOUNT_2019-07,,1,unchanged",
        lines[2].replace("loaded", "skipped"),
    ]
    assert sources(fresh_db)["MYCOUNT_2019-07"] == ("https://example.org/beds", "Beds by hand")
    assert digest(fresh_db) == before


def test_other_details_for_a_registered_id_is_an_error(fresh_db, beds):
    assert run(fresh_db, "load", str(beds), *SOURCE).returncode == 0
    before = digest(fresh_db)
    other = [*SOURCE[:3], "https://example.org/other", *SOURCE[4:]]
    proc = run(fresh_db, "load", str(beds), *other)
    assert proc.returncode == 1
    assert proc.stderr == (
        "error: --source-id 'MYCOUNT_2019-07': already registered with other details ('Beds by hand', "
        "https://example.org/beds): give the same details or another id\n"
    )
    assert digest(fresh_db) == before
    assert sources(fresh_db)["MYCOUNT_2019-07"] == ("https://example.org/beds", "Beds by hand")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--source-url", "example.org/beds", "not a web address (expected http://... or https://...)"),
        ("--source-url", "ftp://example.org/beds", "not a web address (expected http://... or https://...)"),
        ("--source-url", "https://exa mple.org", "not a web address (expected http://... or https://...)"),
        ("--source-id", "MY COUNT", "expected letters, digits and _ . : - (at most 100, a letter or digit first)"),
        ("--source-id", "_X", "expected letters, digits and _ . : - (at most 100, a letter or digit first)"),
        ("--title", " ", "expected the source's title on one line"),
    ],
)
def test_bad_details_name_their_option(fresh_db, beds, option, value, message):
    before = digest(fresh_db)
    args = list(SOURCE)
    args[args.index(option) + 1] = value
    proc = run(fresh_db, "load", str(beds), *args)
    assert proc.returncode == 1
    assert proc.stderr == f"error: {option} {value!r}: {message}\n"
    assert digest(fresh_db) == before


def test_a_bad_detail_reads_in_spanish(fresh_db, beds):
    """--lang es: the option, the value and the reason, all in Spanish (it was English rebuilt as an f-string)."""
    args = list(SOURCE)
    args[args.index("--source-url") + 1] = "example.org/beds"
    proc = run(fresh_db, "--lang", "es", "load", str(beds), *args)
    assert proc.returncode == 1
    assert (
        proc.stderr
        == "error: --source-url 'example.org/beds': no es una dirección web (se espera http://... o https://...)\n"
    )


def test_incomplete_details_are_a_usage_error(fresh_db, beds):
    proc = run(fresh_db, "load", str(beds), *SOURCE[:4])
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Error: Invalid value for '--title': a source needs --source-id, --source-url, --title: --title missing" in (
        proc.stderr
    )
    proc = run(fresh_db, "load", *SOURCE)
    assert proc.returncode == 2
    assert "Error: Invalid value for '--source-id': registers the source of the files named: name them" in proc.stderr


def test_registration_and_load_are_one_transaction(fresh_db, beds):
    beds.write_bytes(BEDS.replace(b"Mexicali,85", b"Mexicali,abc"))
    before = digest(fresh_db)
    proc = run(fresh_db, "load", str(beds), *SOURCE)
    assert proc.returncode == 1
    assert proc.stderr == f"error: {beds}:3: column 'count': 'abc' is not a number\n"  # one line, no blank first
    assert digest(fresh_db) == before
    assert "MYCOUNT_2019-07" not in sources(fresh_db)


def test_unknown_source_says_how_to_register(fresh_db, beds):
    proc = run(fresh_db, "load", str(beds))
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {beds}:2: column 'source_id': unknown source_id 'MYCOUNT_2019-07' (register it: load --source-id ID "
        "--source-url URL --title TITLE, or a source_ids.csv beside the file)\n"
    )


def test_a_register_beside_the_file(fresh_db, beds):
    (beds.parent / "source_ids.csv").write_bytes(
        b"source_id,source_url,title,retrieved_via,note\r\nMYCOUNT_2019-07,https://example.org/beds,Beds by hand,"
        b"phone survey,\r\n"
    )
    proc = run(fresh_db, "load", "beds.csv", "--format", "csv", cwd=beds.parent)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split(",") for line in proc.stdout.splitlines()[1:]]
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("source_ids:own", "source_ids.csv", "1", "loaded"),
        ("beds", "beds.csv", "2", "loaded"),
    ]
    assert sources(fresh_db)["MYCOUNT_2019-07"] == ("https://example.org/beds", "Beds by hand")
    with Store.open(fresh_db, read_only=True) as store:  # the bundled register's load still stands
        assert store.current_load("source_ids") is not None
    # a bad register beside the file stops the load, naming the register's line
    (beds.parent / "source_ids.csv").write_bytes(b"source_id,source_url,title,retrieved_via,note\r\n,x,y,z,\r\n")
    before = digest(fresh_db)
    proc = run(fresh_db, "load", str(beds))
    assert proc.returncode == 1
    assert proc.stderr == f"error: {beds.parent / 'source_ids.csv'}:2: column 'source_id': empty key\n"
    assert digest(fresh_db) == before
