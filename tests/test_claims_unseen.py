"""Claims never seen before, in the same CSV columns, against bundled data and data loaded with `load_file`;
and bad input: unreadable claim rows and spec entries are reported by claim and field, the rest still checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mppwatch.claims import check
from mppwatch.cli import app
from mppwatch.errors import InputError
from mppwatch.sources.loader import load_bundled, load_file
from mppwatch.store import Store

HEADER = "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"

SOURCES = """source_id,source_url,title,retrieved_via,note
TEST_ARRIVALS,https://example.org/arrivals,Test arrivals register,test fixture,made up for tests
TEST_REYNOSA,https://example.org/reynosa,Test Reynosa returns,test fixture,made up for tests
"""
ARRIVALS = """source_id,month,city,row_type,count
TEST_ARRIVALS,2020-01,Nuevo Laredo,detail,300
TEST_ARRIVALS,2020-02,Nuevo Laredo,detail,420
TEST_ARRIVALS,2020-03,Nuevo Laredo,detail,510
TEST_ARRIVALS,2020-01,Matamoros,detail,250
TEST_ARRIVALS,2020-02,Matamoros,detail,260
TEST_ARRIVALS,2020-03,Matamoros,detail,240
TEST_ARRIVALS,2020-01,All,published_total,550
TEST_ARRIVALS,2020-02,All,published_total,680
TEST_ARRIVALS,2020-03,All,published_total,750
"""
REYNOSA = """source_id,as_of_date,period_start,period_end,city,row_type,count,note
TEST_REYNOSA,2020-02-01,2019-01-29,2020-02-01,Reynosa,detail,500,
TEST_REYNOSA,2020-02-29,2019-01-29,2020-02-29,Reynosa,detail,780,
"""
CLAIMS = HEADER + "\n".join(
    [
        "U1,,,Migrant arrivals in Nuevo Laredo in February 2020,400,persons (more than),2020-02,\"Nuevo Laredo, Tamaulipas\"",
        "U2,,,\"migrant arrivals in Matamoros, cumulative\",750,persons (about),2020-03-31,Matamoros",
        "U3,,,migrant arrivals at all points in March 2020,800,persons (nearly),2020-03,Mexico northern border",
        "U4,,,Migrant arrivals in Nuevo Laredo in June 2020,100,persons,2020-06,Nuevo Laredo",
        "U5,,,\"MPP returns to Reynosa, cumulative\",650,persons (about),2020-02-15,Reynosa",
        "U6,,,USBP apprehensions in the Rio Grande Valley sector in FY2018,162262,apprehensions,2018-09-30,Rio Grande Valley",
        "U7,,,CBP southwest border encounters in June 2019,104000,encounters (about),2019-06,US southwest border",
        "U8,,,asylum grants to MPP enrollees in 2020,500,persons,2020-12,US-Mexico border",
        "U9,,,Migrant arrivals in Nuevo Laredo in February 2020,500,persons (at least),2020-02,Nuevo Laredo",
        "U10,,,USBP apprehensions in the Rio Grande Valley sector in June 2019,43000,apprehensions (more than),2019-06,Rio Grande Valley",
    ]
) + "\n"  # fmt: skip


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unseen")
    files = {"test_sources.csv": SOURCES, "migrant_arrivals_by_city_monthly.csv": ARRIVALS}
    files["reynosa_mpp_returns_snapshots.csv"] = REYNOSA
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    path = root / "db.duckdb"
    with Store.open(path) as store:
        load_bundled(store)
        for name in files:
            load_file(store, root / name)
    return path


def test_unseen_claims(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "new_claims.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    with Store.open(store_path) as store:
        result = check(store, claims)
    assert result.errors == []
    rows = {r["claim_id"]: r for r in result.frame().to_dict("records")}
    got = {cid: (r["verdict"], r["value"]) for cid, r in rows.items()}
    assert got["U1"] == ("supported", 420)  # loaded dataset found by name words, city from the geography
    assert got["U2"] == ("supported", 750)  # running total 250 + 260 + 240
    assert got["U3"] == ("supported", 750)  # the 'All' row; 750 is within 0-10 % below 800
    assert got["U4"][0] == "not_checkable"
    assert "migrant_arrivals_by_city_monthly" in str(rows["U4"]["would_decide"])
    assert got["U5"] == ("supported", 640)  # 500 + (780 - 500) * 14 / 28, a new snapshot file
    assert rows["U5"]["is_estimate"] is True
    assert rows["U5"]["source_ids"] == "TEST_REYNOSA"
    assert got["U6"] == ("supported", 162262)  # sector matched from the geography
    assert got["U7"] == ("supported", 104310)  # OHSS June 2019, within 5 %
    assert got["U8"][0] == "not_checkable" and rows["U8"]["would_decide"]
    assert got["U9"] == ("contradicted", 420)
    assert got["U10"] == ("supported", 43207)  # USBP Rio Grande Valley, June 2019 (monthly table)
    assert "inferred" in str(rows["U1"]["method"])


def test_unseen_claims_with_a_spec_for_a_loaded_dataset(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "S1,,,arrivals share,55,percent (about),2020-03-31,Nuevo Laredo\n", encoding="utf-8")
    spec = tmp_path / "c.spec.toml"
    spec.write_text(
        '[claims.S1]\ndataset = "migrant_arrivals_by_city_monthly"\naggregation = "share"\n'
        'numerator = { city = "Nuevo Laredo" }\ndenominator = { city = "All" }\nperiod = "2020-03"\n',
        encoding="utf-8",
    )
    with Store.open(store_path) as store:
        (verdict,) = check(store, claims).verdicts
    assert verdict.verdict == "contradicted"  # 510 / 750 = 68 %, not within 5 % of 55
    assert verdict.value == pytest.approx(68.0)


BAD_CLAIMS = HEADER + "\n".join(
    [
        "G1,,,CBP southwest border encounters in May 2019,144000,encounters (more than),2019-05,US southwest border",
        "B1,,,MPP returns to Mexico,lots,persons,2019-06-08,Mexico",
        "B2,,,MPP returns to Mexico,100,persons,2019-13,Mexico",
        "G1,,,duplicate,1,persons,2019-05,x",
        "B4,,,,100,persons,2019-05,Mexico",
        "X1,,,CBP southwest border encounters in May 2019,144000,encounters,2019-05,US southwest border",
        "X2,,,CBP southwest border encounters in May 2019,144000,encounters,2019-05,US southwest border",
        "X3,,,CBP southwest border encounters in May 2019,144000,encounters,2019-05,US southwest border",
        "X4,,,CBP southwest border encounters in May 2019,144000,encounters,2019-05,US southwest border",
    ]
) + "\n"  # fmt: skip
BAD_SPEC = """
[claims.X1]
dataset = "ohss_swb_encounters_by_sector_field_office_monthly"
aggregation = "median"

[claims.X2]
datset = "ohss_swb_encounters_by_sector_field_office_monthly"

[claims.X3]
dataset = "ohss_swb_encounters_by_sector_field_office_monthly"
tolerance = 5

[claims.X4]
dataset = "no_such_dataset"

[claims.Z9]
dataset = "ohss_swb_encounters_by_sector_field_office_monthly"
"""


def test_bad_rows_and_spec_entries_are_named_and_the_rest_checked(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "bad.csv"
    claims.write_text(BAD_CLAIMS, encoding="utf-8")
    spec = tmp_path / "bad.spec.toml"
    spec.write_text(BAD_SPEC, encoding="utf-8")
    with Store.open(store_path) as store:
        result = check(store, claims, spec)
    errors = {(e.claim_id, e.field) for e in result.errors}
    assert errors == {
        ("B1", "value"), ("B2", "as_of_date"), ("G1", "claim_id"), ("B4", "quantity"),
        ("X1", "aggregation"), ("X2", "datset"), ("X3", "tolerance"), ("Z9", "claim_id"),
    }  # fmt: skip
    messages = " | ".join(str(e) for e in result.errors)
    assert "claim B1: field 'value'" in messages and "bad.csv:3" in messages
    verdicts = {v.claim.claim_id: v for v in result.verdicts}
    assert set(verdicts) == {"G1", "X4"}
    assert verdicts["G1"].verdict == "supported" and verdicts["G1"].value == 144110
    assert verdicts["X4"].verdict == "not_checkable" and "no_such_dataset" in verdicts["X4"].would_decide


def test_cli_reports_errors_on_stderr_and_exits_1(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "bad.csv"
    claims.write_text(BAD_CLAIMS, encoding="utf-8")
    (tmp_path / "bad.spec.toml").write_text(BAD_SPEC, encoding="utf-8")  # the sidecar, found by name
    result = CliRunner().invoke(app, ["--db", str(store_path), "claims", "check", str(claims), "--format", "csv"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("claim_id,verdict,value")
    assert "G1,supported" in result.stdout
    assert "claim B1: field 'value'" in result.stderr
    assert "claim X1: field 'aggregation'" in result.stderr


def test_unreadable_files(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "nocol.csv"
    claims.write_text("claim_id,quote\nA,b\n", encoding="utf-8")
    with Store.open(store_path) as store, pytest.raises(InputError, match="missing column"):
        check(store, claims)
    good = tmp_path / "good.csv"
    good.write_text(BAD_CLAIMS.splitlines()[0] + "\n" + BAD_CLAIMS.splitlines()[1] + "\n", encoding="utf-8")
    spec = tmp_path / "broken.spec.toml"
    spec.write_text("[claims.G1\ndataset = 1\n", encoding="utf-8")
    with Store.open(store_path) as store, pytest.raises(InputError, match="broken.spec.toml:1"):
        check(store, good, spec)


PUBLIC = Path(__file__).resolve().parents[1] / "data" / "claims_unseen_2019-2022.csv"


def test_public_claims_never_seen_agree_with_the_hand_check(tmp_path: Path) -> None:
    """40+ claims from public reporting, each with a verdict decided by hand from the data before the checker ran
    (expected_verdict, expected_reasoning). No spec: agreement >= 90 %, and never `contradicted` on a claim the
    data support or cannot decide."""
    import csv

    with open(PUBLIC, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 40
    assert all(r["source_url"].startswith("http") and r["quote"] and r["expected_reasoning"] for r in rows)
    expected = {r["claim_id"]: r["expected_verdict"] for r in rows}
    empty = tmp_path / "none.spec.toml"
    empty.write_text("", encoding="utf-8")
    with Store.open(tmp_path / "db.duckdb") as store:
        load_bundled(store)
        result = check(store, PUBLIC, empty)
    assert result.errors == []
    got = {v.claim.claim_id: v.verdict for v in result.verdicts}
    assert set(got) == set(expected)
    agree = sum(got[c] == expected[c] for c in expected) / len(expected)
    print(f"agreement with the hand check: {agree:.0%} of {len(expected)} claims")
    false_contradictions = [c for c in expected if got[c] == "contradicted" and expected[c] != "contradicted"]
    assert false_contradictions == []
    assert agree >= 0.9


def test_a_table_is_found_by_its_role_not_its_file_name(tmp_path: Path) -> None:
    """A store holding only the user's own book-outs table (its name gives it the role `bookouts`) decides an
    enrolment claim from it: the checker asks the catalogue for the role, not for OHSS's file name."""
    root = tmp_path / "own"
    root.mkdir()
    (root / "test_sources.csv").write_text(SOURCES, encoding="utf-8")
    (root / "my_mpp_bookouts.csv").write_text(
        "source_id,month,component,outcome,row_type,count\n"
        "TEST_ARRIVALS,2019-07,CBP,Migrant Protection Protocols,detail,11000\n"
        "TEST_ARRIVALS,2019-08,CBP,Migrant Protection Protocols,detail,12000\n",
        encoding="utf-8",
    )
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "B1,,,MPP enrolments in August 2019,12000,persons,2019-08,US\n"
                      "B2,,,MPP enrolments in August 2019,15000,persons,2019-08,US\n", encoding="utf-8")  # fmt: skip
    with Store.open(tmp_path / "db.duckdb") as store:
        for name in ("test_sources.csv", "my_mpp_bookouts.csv"):
            load_file(store, root / name)
        result = check(store, claims, load_missing=False)
    v = {x.claim.claim_id: x for x in result.verdicts}
    assert (v["B1"].verdict, v["B1"].value, v["B1"].dataset) == ("supported", 12000, "my_mpp_bookouts")
    assert v["B2"].verdict == "contradicted"
