"""Claims checked against the bundled data: the seed article, the secondary sources, explain and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mppwatch.claims import VERDICTS, check
from mppwatch.claims.explain import explain, to_html
from mppwatch.cli import app
from mppwatch.sources.loader import bundled_data_dir, load_bundled
from mppwatch.store import Store

DATA = bundled_data_dir()
MJ = DATA / "claims_motherjones_2019-06.csv"
SECONDARY = DATA / "claims_secondary_sources.csv"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("claims") / "bundled.duckdb"
    with Store.open(path) as store:
        load_bundled(store)
    return path


@pytest.fixture(scope="module")
def mj(db: Path) -> dict[str, dict[str, object]]:
    with Store.open(db) as store:
        result = check(store, MJ)
    assert result.errors == []
    return {row["claim_id"]: row for row in result.frame().to_dict("records")}


@pytest.fixture(scope="module")
def secondary(db: Path) -> dict[str, dict[str, object]]:
    with Store.open(db) as store:
        result = check(store, SECONDARY)
    assert result.errors == []
    return {row["claim_id"]: row for row in result.frame().to_dict("records")}


def test_seed_article_required_verdicts(mj: dict[str, dict[str, object]]) -> None:
    # MJ02: more than 11,000 by 8 June. INM's 11,037 on 8 June; 16,714 (30 Jun) - 5,667 (9-30 Jun) = 11,047.
    assert mj["MJ02"]["verdict"] == "supported"
    assert mj["MJ02"]["value"] == 11037
    assert mj["MJ02"]["evidence_date"] == "2019-06-08"
    assert "16,714" in str(mj["MJ02"]["method"]) and "5,667" in str(mj["MJ02"]["method"])
    assert "11,047" in str(mj["MJ02"]["method"])
    # MJ07: more than 144,000 encounters in May 2019: OHSS prints 144,110.
    assert mj["MJ07"]["verdict"] == "supported"
    assert mj["MJ07"]["value"] == 144110
    assert mj["MJ07"]["source_ids"] == "OHSS_IELP_2024-08"
    # MJ09: 60,000 by August 2019 projected; the snapshots bracket 31 Aug between 18,503 and 51,504.
    assert mj["MJ09"]["verdict"] == "projection_missed"
    assert 18503 <= float(mj["MJ09"]["value"]) <= 51504  # type: ignore[arg-type]
    assert mj["MJ09"]["value"] == round(18503 + (51504 - 18503) * 55 / 116)


def test_seed_article_all_claims(mj: dict[str, dict[str, object]]) -> None:
    assert set(mj) == {f"MJ0{i}" for i in range(1, 10)}
    verdicts = {cid: row["verdict"] for cid, row in mj.items()}
    assert verdicts == {
        "MJ01": "supported",  # > 10,000: 11,037
        "MJ02": "supported",
        "MJ03": "supported",  # Tijuana 3,968 (5 Jun) .. 4,435 (12 Jun): 4,168 on 8 Jun
        "MJ04": "supported",  # Juarez 4,109 (5 Jun) already > 4,000
        "MJ05": "supported",  # Mexicali 2,316 .. 2,889: 2,562, within 0-10 % above 2,500
        "MJ06": "supported",  # counts start 29 Jan 2019
        "MJ07": "supported",
        "MJ08": "projection_missed",  # peak Aug 2019: 11,970 book-outs = 386 a day, far below 1,000
        "MJ09": "projection_missed",
    }
    assert mj["MJ03"]["value"] == round(3968 + (4435 - 3968) * 3 / 7)
    assert mj["MJ03"]["is_estimate"] is True
    assert mj["MJ04"]["is_estimate"] is True
    assert mj["MJ05"]["tolerance"] == "(2,500, 2,750]"
    assert mj["MJ08"]["value"] == round(11970 / 31, 2)
    assert "11,970 (386.13 a day)" in mj["MJ08"]["method"]  # the method text shows the same rate as the value
    assert mj["MJ06"]["value"] == "2019-01-29"


# Hand-verified against the CSVs: every secondary claim the bundled data decides, and its verdict.
SECONDARY_DECIDED = {
    "C009": ("supported", 36.9),  # 22,930 / 62,144 = 36.90 % Honduran; claim 37 % (±0.5)
    "C013": ("supported", 63.11),  # Tijuana 6,649 / (6,649 + 3,887) Jan-Jul 2019 > 60 %
    "C015": ("supported", 4042),  # 15,079 (24 Jun) - 11,037 (8 Jun)
    "C031": ("contradicted", 10802),  # TRAC San Ysidro 6,013 + Calexico 4,789 Jan-Jul != 10,667
    "C047": ("supported", 67550),  # MPP book-outs Jan 2019 - May 2021 within 5 % of 68,000
    "C049": ("supported", 1570),  # MPP 2.0 book-outs 270 + 390 + 910 > 1,500
    "C055": ("supported", 2500),  # Matamoros camp 2,500 on 30 Mar 2020 > 2,000
    "C061": ("supported", 12490),  # Juarez 9,314 reached in July: 7,841 (1 Jul) .. 12,490 (31 Jul)
    "C065": ("supported", 458080),  # OHSS FY2020 CBP, rounded to 10
    "C067": ("supported", 57430),  # OHSS FY2020 OFO, rounded to 10
    "C069": ("supported", 132856),  # USBP May 2019
    "C071": ("supported", 33520),  # OHSS USBP Nov 2019, rounded to 10
    "C073": ("supported", 408870),  # USBP FY2016
    "C075": ("supported", 479371),  # USBP FY2014
}


# The only record of these is the claim's own article (its URL is the source's): circular, so not checkable.
SECONDARY_CIRCULAR = {"C007": "TVBUS_2020-01-30", "C011": "ELSOLDETIJUANA_2019-03_TIJUANA_RETURNS",
                      "C023": "TRAC_2019-08-26_TABLE1"}  # fmt: skip


def test_secondary_sources(secondary: dict[str, dict[str, object]]) -> None:
    with open(SECONDARY, encoding="utf-8") as handle:
        ids = {row["claim_id"] for row in csv.DictReader(handle)}
    assert set(secondary) == ids
    decided = {cid for cid, row in secondary.items() if row["verdict"] != "not_checkable"}
    assert decided == set(SECONDARY_DECIDED)
    for cid, (verdict, value) in SECONDARY_DECIDED.items():
        row = secondary[cid]
        assert row["verdict"] == verdict, cid
        assert row["value"] == pytest.approx(value, abs=0.01), cid
        assert row["source_ids"], cid
        assert row["evidence_date"], cid
        assert row["tolerance"], cid
    for cid in ids - decided:
        row = secondary[cid]
        assert row["would_decide"], cid  # an honest not_checkable names the data that would decide it
        assert "not checkable" in str(row["method"]), cid
    for cid, source in SECONDARY_CIRCULAR.items():
        assert "the only record is the claim's own source" in str(secondary[cid]["method"]), cid
        assert secondary[cid]["source_ids"] == source, cid


def test_verdict_vocabulary_and_columns(secondary: dict[str, dict[str, object]]) -> None:
    columns = list(next(iter(secondary.values())))
    assert columns[:8] == [
        "claim_id", "verdict", "value", "claimed_value", "tolerance", "evidence_date", "source_ids", "method",
    ]  # fmt: skip
    assert {row["verdict"] for row in secondary.values()} <= set(VERDICTS)


def test_inference_without_specs_agrees_on_the_seed_article(db: Path, tmp_path: Path) -> None:
    """With an empty spec, verdicts come from the claims' own columns and match the bundled specs."""
    empty = tmp_path / "empty.spec.toml"
    empty.write_text("# no entries\n", encoding="utf-8")
    with Store.open(db) as store:
        inferred = {v.claim.claim_id: v for v in check(store, MJ, empty).verdicts}
        specified = {v.claim.claim_id: v for v in check(store, MJ).verdicts}
    for cid, verdict in specified.items():
        assert inferred[cid].verdict == verdict.verdict, cid
        assert inferred[cid].value == verdict.value, cid
        assert "inferred" in inferred[cid].method(), cid


def test_inference_without_specs_on_secondary_sources(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.spec.toml"
    empty.write_text("", encoding="utf-8")
    with Store.open(db) as store:
        inferred = {v.claim.claim_id: v for v in check(store, SECONDARY, empty).verdicts}
    # decided from the claims' own columns, no spec: these agree with the hand-verified verdicts
    for cid in ("C009", "C013", "C015", "C055", "C061", "C065", "C067", "C069", "C071", "C073", "C075"):
        assert inferred[cid].verdict == SECONDARY_DECIDED[cid][0], cid
        assert inferred[cid].value == pytest.approx(SECONDARY_DECIDED[cid][1], abs=0.01), cid
    for cid in ("C005", "C007", "C011", "C017", "C019", "C021", "C023", "C027", "C033", "C035", "C037", "C045",
                "C051", "C063"):  # fmt: skip
        assert inferred[cid].verdict == "not_checkable", cid
        assert inferred[cid].would_decide, cid


def test_explain_shows_the_arithmetic(db: Path) -> None:
    with Store.open(db) as store:
        frame = explain(store, "MJ02")
    text = "\n".join(frame["en"])
    assert "16,714" in text and "5,667" in text and "11,047" in text and "11,037" in text
    assert frame["en"].iloc[-1].startswith("verdict: supported")
    assert frame["es"].iloc[-1].startswith("veredicto: respaldada")
    assert list(frame["step"]) == list(range(1, len(frame) + 1))


def test_html_report_is_bilingual(db: Path) -> None:
    with Store.open(db) as store:
        page = to_html(check(store, MJ))
    assert '<section lang="en">' in page and '<section lang="es">' in page
    assert "projection missed" in page and "proyección no cumplida" in page
    assert "Accepted range" in page and "Rango aceptado" in page
    assert page.count("<tr class=") == 2 * 9


def test_cli_check_on_a_fresh_database_loads_bundled_data(tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    result = CliRunner().invoke(app, ["--db", str(db), "claims", "check", str(MJ), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    verdicts = {r["claim_id"]: r["verdict"] for r in rows}
    assert verdicts["MJ02"] == "supported" and verdicts["MJ07"] == "supported"
    assert verdicts["MJ09"] == "projection_missed"


def test_cli_json_html_and_explain(db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--db", str(db), "claims", "check", str(MJ), "--format", "json"])
    assert out.exit_code == 0, out.output
    records = json.loads(out.stdout)
    assert {r["verdict"] for r in records} <= set(VERDICTS)
    out = runner.invoke(app, ["--db", str(db), "claims", "check", str(MJ), "--format", "html"])
    assert out.exit_code == 0 and out.stdout.startswith("<!doctype html>")
    out = runner.invoke(app, ["--db", str(db), "claims", "explain", "C015", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert "15,079" in out.stdout and "11,037" in out.stdout and "4,042" in out.stdout


def test_bundled_spec_texts_are_bilingual() -> None:
    """Every reason, would_decide and note of the bundled specs has its Spanish `_es` twin."""
    from mppwatch.claims.spec import TRANSLATED, load_spec

    checked = 0
    for path in sorted(DATA.glob("claims_*.spec.toml")):
        specs, errors = load_spec(path)
        assert errors == []
        for cid, spec in specs.items():
            for key in TRANSLATED:
                if getattr(spec, key):
                    assert getattr(spec, f"{key}_es"), (path.name, cid, key)
                    assert getattr(spec, f"{key}_es") != getattr(spec, key), (path.name, cid, key)
                    checked += 1
    assert checked == 5 + 38  # 5 notes in the seed article's spec; 15 reasons, 15 would_decide, 8 notes


def test_spanish_method_uses_the_spec_translations(db: Path) -> None:
    with Store.open(db) as store:
        result = check(store, SECONDARY)
    es = {r["claim_id"]: r for r in result.frame("es").to_dict("records")}
    en = {r["claim_id"]: r for r in result.frame("en").to_dict("records")}
    # a refusal: reason and the data that would decide it, in Spanish in both the method and the column
    assert "no verificable: ninguna tabla cargada desglosa las devoluciones MPP por edad" in es["C005"]["method"]
    assert es["C005"]["would_decide"].startswith("devoluciones o inscripciones MPP por grupo de edad")
    assert en["C005"]["would_decide"].startswith("MPP returns or enrolments by age group")
    # a decided claim's note
    assert "nota: inscripciones en MPP 2.0" in es["C049"]["method"]
    assert "note: MPP 2.0 enrolments" in en["C049"]["method"]
    # a court claim with no release loaded: the evidence's own reason, in Spanish
    assert "no hay cargada ninguna publicación judicial de EOIR" in es["C019"]["method"]
    assert es["C019"]["would_decide"].startswith("datos de casos de EOIR")
    for cid, row in es.items():  # the generic English words of a refusal never reach the Spanish text
        assert "not checkable" not in row["method"] and "data that would decide" not in row["method"], cid
    with Store.open(db) as store:
        page = to_html(check(store, SECONDARY))
    assert "ninguna tabla cargada desglosa las devoluciones MPP por edad" in page
    assert "no loaded table breaks MPP returns down by age" in page


def test_spec_translations_are_validated(db: Path, tmp_path: Path) -> None:
    from mppwatch.claims.spec import load_spec

    spec = tmp_path / "t.spec.toml"
    spec.write_text(
        '[claims.A]\ncheckable = false\nreason = "r"\nreason_es = 3\n\n'
        '[claims.B]\ndataset = "x"\nnote_es = "solo en español"\n\n'
        '[claims.C]\ncheckable = false\nreason = "only in English"\n',
        encoding="utf-8",
    )
    specs, errors = load_spec(spec)
    assert {(e.claim_id, e.field) for e in errors} == {("A", "reason_es"), ("B", "note_es")}
    assert specs["C"].reason_es == ""  # optional: Spanish text then shows the English
    claims = tmp_path / "t.csv"
    claims.write_text(
        "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\nC,,,x,1,persons,2019-05,y\n",
        encoding="utf-8",
    )
    with Store.open(db) as store:
        (verdict,) = check(store, claims, spec).verdicts
    assert verdict.method("es") == "no verificable: only in English"


def test_inferred_refusals_are_bilingual(db: Path, tmp_path: Path) -> None:
    """Without a spec, the refusals inference gives (out of scope, no dataset) also read in Spanish."""
    empty = tmp_path / "empty.spec.toml"
    empty.write_text("", encoding="utf-8")
    claims = tmp_path / "c.csv"
    claims.write_text(
        "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"
        "K1,,,reported kidnappings of asylum seekers,418,cases,2019-10,Tamaulipas\n"
        "K2,,,bus tickets sold,900,tickets,2019-10,Tijuana\n",
        encoding="utf-8",
    )
    with Store.open(db) as store:
        result = check(store, claims, empty)
    es = {r["claim_id"]: r for r in result.frame("es").to_dict("records")}
    assert "no verificable: las tablas cargadas cuentan personas y casos" in es["K1"]["method"]
    assert es["K1"]["would_decide"].startswith("un registro por incidente")
    assert "ningún conjunto de datos cargado mide 'bus tickets sold'" in es["K2"]["method"]
    assert es["K2"]["would_decide"].startswith("un conjunto de datos de bus tickets sold para Tijuana")
    assert {r["verdict"] for r in es.values()} == {"not_checkable"}
