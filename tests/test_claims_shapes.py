"""Claim shapes on the bundled data, each with its hand-computed answer: comparisons between places, peaks,
rankings, a change, a ratio across two periods, a rate per day; dated figures for max/min; bounds; confidence;
the exit status and the Spanish output of `claims check`."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from mppwatch.claims import check
from mppwatch.claims.comparators import parse_comparator
from mppwatch.sources.loader import load_bundled
from mppwatch.store import Store

HEADER = "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"
SHAPES = HEADER + "\n".join(
    [
        'P1,,Mexicali received more returns than Tijuana by the end of June 2019,"MPP returns to Mexicali, more than'
        ' Tijuana, cumulative",0,persons (more than),2019-06-30,Mexicali and Tijuana',
        'P2,,Tijuana received more returns than Mexicali by the end of June 2019,"MPP returns to Tijuana, more than'
        ' Mexicali, cumulative",0,persons (more than),2019-06-30,Tijuana and Mexicali',
        'P3,,,"MPP returns to Ciudad Juarez, more than twice as many as Mexicali, cumulative",2,times,2019-06-30,'
        "Ciudad Juarez",
        "K1,,Monthly MPP returns peaked in August 2019 at about 12000,monthly MPP returns peaked in August 2019,12000,"
        "persons (about),2019-08,US-Mexico border",
        "K2,,,monthly MPP book-outs peaked in July 2019,11270,persons,2019-07,US-Mexico border",
        'R1,,,"MPP returns to Ciudad Juarez, the most of any city, cumulative",7706,persons,2019-06-30,Ciudad Juarez',
        'R2,,,"MPP returns to Tijuana, the most of any city, cumulative",5709,persons,2019-06-30,Tijuana',
        "CH1,,,MPP book-outs rose from June 2019 to July 2019,140,percent (about),2019-07,US-Mexico border",
        'RT1,,,"MPP book-outs in July-December 2019, three times the January-June 2019 number",3,times,2019-12,'
        "US-Mexico border",
        "D1,,,MPP book-outs per day in August 2019,386,persons per day (about),2019-08,US-Mexico border",
    ]
) + "\n"  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shapes") / "bundled.duckdb"
    with Store.open(path) as store:
        load_bundled(store)
    return path


def _rows(db: Path, tmp_path: Path, text: str, spec: str | None = None) -> dict[str, dict[str, object]]:
    claims = tmp_path / "claims_shapes.csv"
    claims.write_text(text, encoding="utf-8")
    spec_path = None
    if spec is not None:
        spec_path = tmp_path / "claims_shapes.spec.toml"
        spec_path.write_text(spec, encoding="utf-8")
    with Store.open(db) as store:
        result = check(store, claims, spec_path)
    assert result.errors == []
    return {str(r["claim_id"]): r for r in result.frame().to_dict("records")}


def test_shapes_read_from_the_claims_columns(db: Path, tmp_path: Path) -> None:
    rows = _rows(db, tmp_path, SHAPES)
    got = {cid: (r["verdict"], r["value"]) for cid, r in rows.items()}
    # INM to 30 June 2019 (ORTNOTICIAS_2019-07): Tijuana 5,709, Mexicali 3,299, Ciudad Juárez 7,706
    assert got["P1"] == ("contradicted", 3299 - 5709)  # false: was 'supported' (the two cities summed, > 0)
    assert got["P2"] == ("supported", 5709 - 3299)
    assert "Mexicali" in str(rows["P2"]["method"]) and "5,709" in str(rows["P2"]["method"])
    assert got["P3"] == ("supported", round(7706 / 3299, 2))  # 2.34 > 2
    # OHSS MPP book-outs: the top month of the 2019-03..2021-01 run is August 2019, 11,970 (was a sum: 36,480)
    assert got["K1"] == ("supported", 11970) and rows["K1"]["evidence_date"] == "2019-08"
    assert rows["K1"]["confidence"] == "low"  # book-outs stand for returns: a stated assumption
    assert "stand for monthly returns" in str(rows["K1"]["method"])
    assert got["K2"] == ("contradicted", 11970)  # the top month is August, not July
    # ranking at 30 June 2019: Juárez 7,706 > Tijuana 5,709 > Mexicali 3,299 (Matamoros, Nuevo Laredo: no figure)
    assert got["R1"] == ("supported", 7706) and rows["R1"]["confidence"] == "low"
    assert got["R2"] == ("contradicted", 5709) and rows["R2"]["confidence"] == "high"  # Juárez is above it
    # (11,270 - 4,700) / 4,700 = 139.79 %
    assert got["CH1"] == ("supported", 139.79)
    # Jul-Dec 2019 11,270 + 11,970 + 7,620 + 4,860 + 3,630 + 3,090 = 42,440; Jan-Jun 0 + 0 + 590 + 2,640 + 5,310
    # + 4,700 = 13,240 (January and February printed X); 42,440 / 13,240 = 3.21, within 10 % of 3
    assert got["RT1"] == ("supported", 3.21)
    assert got["D1"] == ("supported", round(11970 / 31, 2))  # 386.13 a day


CAMP = 'dataset = "mpp_city_shelters"\nwhere = { measure = "camp_population", city = "Matamoros" }\n'


def test_max_and_min_read_dated_figures_as_bounds(db: Path, tmp_path: Path) -> None:
    """Matamoros camp estimates 2019-07..2021-01: 100 (Aug 2019, upper bound), 2,000 (14 Nov, 'as many as'),
    1,000 (8 Dec, lower bound), 2,500 (22 Feb 2020), 2,500 (30 Mar), 2,000 (5 Apr). The peak is at least 2,500."""
    text = HEADER + "\n".join(
        [
            "M1,,,Matamoros camp population at its peak (more than),2000,persons,2020-03,Matamoros",
            "M2,,,Matamoros camp population at its peak (about),2500,persons,2020-03,Matamoros",
            "M3,,,Matamoros camp population at its peak (less than),2000,persons,2020-03,Matamoros",
            "M4,,,Matamoros camp population at its lowest,60,persons,2021-03,Matamoros",
        ]
    ) + "\n"  # fmt: skip
    spec = "".join(f'[claims.M{i}]\n{CAMP}aggregation = "max"\nperiod = "2019-07..2021-01"\n' for i in (1, 2, 3))
    spec += f'[claims.M4]\n{CAMP}aggregation = "min"\nperiod = "2021-02..2021-03"\ncomparator = "at most"\n'
    rows = _rows(db, tmp_path, text, spec)
    assert (rows["M1"]["verdict"], rows["M1"]["value"]) == ("supported", 2500)  # was: "has no monthly figures"
    assert "at least 2,500" in str(rows["M1"]["method"])
    assert rows["M2"]["verdict"] == "not_checkable"  # a floor of 2,500 cannot say the peak was not above 2,625
    assert rows["M3"]["verdict"] == "contradicted"  # the peak is at least 2,500, not under 2,000
    # Feb-Mar 2021: 800 (24 Feb), 700 (Feb), 72 (INM, 6 Mar), 60 (Prospect, 6 Mar): the low is at most 60
    assert (rows["M4"]["verdict"], rows["M4"]["value"]) == ("supported", 60)


def test_a_bound_in_the_note_decides_one_direction_only(db: Path, tmp_path: Path) -> None:
    """KQED 8 Dec 2019: 'more than 1,000' (a floor); AP 14 Nov 2019: 'as many as 2,000' (a ceiling)."""
    text = HEADER + "\n".join(
        [
            "B1,,,Matamoros camp population (about),800,persons,2019-12-08,Matamoros",
            "B2,,,Matamoros camp population (about),1200,persons,2019-12-08,Matamoros",
            "B3,,,Matamoros camp population (more than),900,persons,2019-12-08,Matamoros",
            "B4,,,Matamoros camp population (more than),2500,persons,2019-11-14,Matamoros",
            "B5,,,Matamoros camp population (about),1900,persons,2019-11-14,Matamoros",
        ]
    ) + "\n"  # fmt: skip
    rows = _rows(db, tmp_path, text)
    verdicts = {cid: r["verdict"] for cid, r in rows.items()}
    assert verdicts == {
        "B1": "contradicted",  # at least 1,000 > 840
        "B2": "not_checkable",  # at least 1,000: 1,140..1,260 may or may not hold
        "B3": "supported",  # at least 1,000 > 900
        "B4": "contradicted",  # at most 2,000 < 2,500
        "B5": "not_checkable",  # at most 2,000: 1,805..1,995 may or may not hold
    }
    assert rows["B3"]["confidence"] == "medium" and "bound" in str(rows["B3"]["confidence_reason"])


def test_every_verdict_has_a_confidence_after_the_contract_columns(db: Path, tmp_path: Path) -> None:
    rows = _rows(db, tmp_path, SHAPES)
    columns = list(next(iter(rows.values())))
    assert columns[:8] == [
        "claim_id", "verdict", "value", "claimed_value", "tolerance", "evidence_date", "source_ids", "method",
    ]  # fmt: skip
    assert columns[-2:] == ["confidence", "confidence_reason"]
    assert all(r["confidence"] in ("high", "medium", "low") and r["confidence_reason"] for r in rows.values())


def test_close_to_means_about() -> None:
    c = parse_comparator("persons (close to)")
    assert c.kind == "about" and c.accepts(1040, 1000) and c.accepts(960, 1000) and not c.accepts(1060, 1000)


BAD = (
    HEADER
    + "A1,,,MPP returns to Mexico,lots,persons,2019-06-08,Mexico\n"
    + ('A2,,,"MPP returns, cumulative",11000,persons (more than),2019-06-08,Mexico\n')
)


def test_check_exits_1_when_a_row_cannot_be_read(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real entry point (non-standalone Typer), which returned 0 for typer.Exit(1)."""
    from mppwatch.cli import main

    claims = tmp_path / "bad.csv"
    claims.write_text(BAD, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["mppwatch", "--db", str(db), "claims", "check", str(claims), "--format", "csv"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1


def test_spanish_output_has_no_english_comparator_and_csv_keeps_codes(db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mppwatch.cli import app

    claims = tmp_path / "c.csv"
    claims.write_text(SHAPES, encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(app, ["--db", str(db), "claims", "check", str(claims), "--format", "csv", "--lang", "es"])
    assert out.exit_code == 0, out.output
    rows = {r["claim_id"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows["P2"]["verdict"] == "supported"  # CSV keeps the codes
    assert "'more than'" not in rows["P2"]["method"] and "leída como 'más de'" in rows["P2"]["method"]
    assert rows["P2"]["comparator"] == "más de"
    assert rows["K1"]["comparator"] == "aproximadamente (5%)"
    assert "OHSS MPP book-outs" not in rows["K1"]["method"]  # the bridge is said in Spanish
    table = runner.invoke(app, ["--db", str(db), "claims", "check", str(claims), "--lang", "es"])
    assert "respaldada" in table.stdout and "contradicha" in table.stdout


BOOK = 'dataset = "ohss_swb_bookouts_by_agency_monthly"\nwhere = { component = "CBP", outcome = "Migrant Protection Protocols" }\n'


def test_shapes_written_in_a_spec(db: Path, tmp_path: Path) -> None:
    text = HEADER + "\n".join(
        [
            "S1,,,Tijuana against Mexicali,1.7,times (about),2019-06-30,Tijuana",
            "S2,,,MPP book-outs change,-35,percent (about),2019-09,US",
            "S3,,,Ciudad Juarez rank,1,rank,2019-06-30,Ciudad Juarez",
            "S4,,,MPP book-outs peak,12000,persons (about),2019-07,US",
            "S5,,,MPP book-outs per day,250,persons per day (more than),2019-09,US",
        ]
    ) + "\n"  # fmt: skip
    spec = (
        '[claims.S1]\nmetric = "returns"\naggregation = "compare"\nwhere = { city = "Tijuana" }\n'
        'versus = { city = "Mexicali" }\n'
        f'[claims.S2]\n{BOOK}aggregation = "compare"\ncompare_as = "change"\nperiod = "2019-09"\n'
        'versus_period = "2019-08"\n'
        '[claims.S3]\nmetric = "returns"\naggregation = "rank"\nby = "city"\nwhere = { city = "Ciudad Juárez" }\n'
        'claimed = 1\ncomparator = "exactly"\n'
        f'[claims.S4]\n{BOOK}aggregation = "max"\nperiod = "2019-03..2021-01"\npeak_month = "2019-07"\n'
        f'[claims.S5]\n{BOOK}aggregation = "sum"\nper = "day"\nperiod = "2019-09"\n'
    )
    rows = _rows(db, tmp_path, text, spec)
    got = {cid: (r["verdict"], r["value"]) for cid, r in rows.items()}
    assert got["S1"] == ("supported", round(5709 / 3299, 2))  # 1.73, within 5 % of 1.7
    assert got["S2"] == ("supported", round(100 * (7620 - 11970) / 11970, 2))  # -36.34 %, within 5 % of -35
    assert got["S3"] == ("supported", 1)  # Juárez 7,706 > Tijuana 5,709 > Mexicali 3,299
    assert got["S4"] == ("contradicted", 11970)  # the peak month is 2019-08, not 2019-07
    assert got["S5"] == ("supported", 254)  # 7,620 / 30 days


def test_the_last_snapshot_is_a_floor_for_a_later_date(db: Path, tmp_path: Path) -> None:
    """No snapshot after Nuevo Laredo's 5,000 (Sep 2019) and Matamoros' 13,000 (Oct 2019): on 31 Dec 2019 the two
    together are at least 18,000 (a count up to an earlier date, for a claim about a later one)."""
    geo = "Nuevo Laredo and Matamoros"
    text = HEADER + "\n".join(
        [
            f'F1,,,"MPP returns to Nuevo Laredo and Matamoros, cumulative",15000,persons (more than),2019-12-31,{geo}',
            f'F2,,,"MPP returns to Nuevo Laredo and Matamoros, cumulative",10000,persons (fewer than),2019-12-31,{geo}',
            f'F3,,,"MPP returns to Nuevo Laredo and Matamoros, cumulative",26000,persons (about),2019-12-31,{geo}',
        ]
    ) + "\n"  # fmt: skip
    rows = _rows(db, tmp_path, text)
    assert (rows["F1"]["verdict"], rows["F1"]["value"]) == ("supported", 18000)
    assert rows["F2"]["verdict"] == "contradicted"  # at least 18,000, so not under 10,000
    assert rows["F3"]["verdict"] == "not_checkable"  # a floor of 18,000 says nothing about 24,700..27,300
    assert "is a floor" in str(rows["F1"]["method"])


def test_a_since_date_that_does_not_exist_is_not_a_period() -> None:
    """'since 2019-02-30' is read through core.periods: no such day, so the claim keeps its own date (it used to
    raise ValueError out of the checker)."""
    from mppwatch.claims.infer import read_claim
    from mppwatch.claims.spec import Claim, parse_period

    def period(quantity: str) -> str:
        return read_claim(Claim("W", "", quantity, "5", "persons", parse_period("2019-07-31"), "")).period.text

    assert period("returns since 2019-02-30") == "2019-07-31"
    assert period("returns since 2019-03-01") == "2019-03-01..2019-07-31"
