"""Under --lang es no English sentence made by the code reaches the verdicts: refusals, inference notes, places.

The English sentences are taken from text.py itself (the literal parts of every template), so a template added
later is checked too. Claims that trigger every refusal path are checked beside the bundled claims files, and
claim rows and spec entries that reach every error the checker reports.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mppwatch import court
from mppwatch.claims import ClaimError, check
from mppwatch.claims.check import CheckResult, Verdict
from mppwatch.claims.comparators import ComparatorError, parse_comparator
from mppwatch.claims.explain import explain, to_html
from mppwatch.claims.text import TEMPLATES, Bi, Join, Msg
from mppwatch.cli import app
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store
from mppwatch.web.app import create_app

DATA = bundled_data_dir()
BUNDLED = sorted(DATA.glob("claims_*.csv"))
HEADER = "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"
OHSS = "ohss_swb_encounters_by_sector_field_office_monthly"
BOOKOUTS = "ohss_swb_bookouts_by_agency_monthly"
MPP = 'component = "CBP", outcome = "Migrant Protection Protocols"'

# claim row (after the id), spec entry ("" = none: inferred), the refusal template it must reach
REFUSALS: dict[str, tuple[str, str, str]] = {
    "X01": ("widgets,5,persons,2019-05,US", 'dataset = "no_such_dataset"', "no_dataset"),
    "X02": ("encounters,5,persons,2019-05,US", f'dataset = "{OHSS}"\nwhere = {{ nope = "x" }}', "no_column"),
    "X03": ("encounters,5,persons,2019-05,US", f'dataset = "{OHSS}"\nwhere = {{ location = "Atlantis" }}', "no_value"),
    "X04": (
        "encounters,5,persons,1990-05,US",
        f'dataset = "{OHSS}"\nwhere = {{ component = "CBP", location = "Total" }}',
        "no_months",
    ),
    "X05": (
        "encounters,5,persons,2019-05-10,US",
        f'dataset = "{OHSS}"\nwhere = {{ component = "CBP", location = "Total" }}\nperiod = "2019-05-03..2019-05-10"',
        "shorter_than_month",
    ),
    "X06": (
        "Honduran returns,5,persons,2019-05,Mexico",
        'dataset = "inm_mpp_returns_by_nationality_2019"\naggregation = "sum"',
        "no_monthly_sum",
    ),
    "X07": (
        "book-outs,5,persons,1990-01-31,US",
        f'dataset = "{BOOKOUTS}"\nwhere = {{ {MPP} }}\naggregation = "cumulative"',
        "no_monthly_to",
    ),
    "X08": (
        "MPP cases,5,cases,2021-02-01,US",
        'dataset = "trac_mpp_cases_by_month_hearing_location_2019"\nwhere = { hearing_location = "All" }\n'
        'aggregation = "cumulative"',
        "ends_before",
    ),
    "X09": (
        "book-outs a day,5,persons,1990-01,US",
        f'dataset = "{BOOKOUTS}"\nwhere = {{ {MPP} }}\naggregation = "max"\nper = "day"\nperiod = "1990-01..1990-12"',
        "no_monthly_in",
    ),
    "X10": (
        "first book-out,2019-01,date,2019-06,US",
        f'dataset = "{BOOKOUTS}"\nwhere = {{ {MPP} }}\naggregation = "first"\nrow_type = "no_such_row_type"',
        "no_nonzero_month",
    ),
    "X11": (
        "camp population,5,persons,2020-03,Matamoros",
        'dataset = "mpp_city_shelters"\naggregation = "latest"\nrow_type = "no_such_row_type"',
        "no_figures_where",
    ),
    "X12": (
        "camp population,5,persons,1990-01,Matamoros",
        'dataset = "mpp_city_shelters"\naggregation = "latest"\n'
        'where = { measure = "camp_population", city = "Matamoros" }',
        "no_figure_dated",
    ),
    "X13": (
        "Honduran share of returns,5,percent,1990-01,Mexico",
        'dataset = "inm_mpp_returns_by_nationality_2019"\naggregation = "share"\n'
        'numerator = { nationality = "Honduras" }\ndenominator = { nationality = "All" }',
        "no_share_pair",
    ),
    "X14": (
        "returns,5,persons,2019-06-08,Atlantis",
        'metric = "returns"\nwhere = { city = "Atlantis" }',
        "no_city_returns",
    ),
    "X15": ("returns,5,persons,2030-01-01,Mexico", 'metric = "returns"', "why_none_after"),
    "X16": (
        "returns,5,persons,2019-08-01,Matamoros",
        'metric = "returns"\nwhere = { city = "Matamoros" }',
        "why_before_first",
    ),
    "X17": ("pending MPP cases,5,cases,2020-01-31,US", 'metric = "court"\nmeasure = "pending"', "no_court_release"),
    "X18": ("MPP no-shows,5,persons,2020-01-31,US", 'metric = "court"\nmeasure = "in_absentia_rate"', "court_rate"),
    "X19": ("percent of bus tickets sold to tourists,5,percent,2019-10,Tijuana", "", "no_share_table"),
    "X20": ("bus tickets sold,5,tickets,2019-10,", "", "no_dataset_measures"),
}
# With an EOIR release loaded: a filter matching no case, and a cell too small to publish.
COURT_REFUSALS = {"Y1": "no_court_cases", "Y2": "court_withheld"}


def english_fragments() -> list[str]:
    """The literal parts of every English template (the sentences the code writes) that no Spanish one shares."""
    spanish = " ".join(es for _, es in TEMPLATES.values())
    out: set[str] = set()
    for en, es in TEMPLATES.values():
        if en == es:
            continue
        for part in re.split(r"\{[^{}]*\}", en):
            part = part.strip(" ;,:=()'→.")
            if len(re.sub(r"[^A-Za-z]", "", part)) >= 4 and not _has(spanish, part):
                out.add(part)
    return sorted(out)


def _has(text: str, fragment: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(fragment)}(?![\w])", text) is not None


def _walk(text: object) -> Iterator[Msg | Bi]:
    if isinstance(text, Msg):
        yield text
        for value in text.params.values():
            yield from _walk(value)
    elif isinstance(text, Bi):
        yield text
    elif isinstance(text, Join):
        for part in text.parts:
            yield from _walk(part)


def keys(v: Verdict) -> set[str]:
    """Every template a verdict's method uses."""
    return {m.key for step in v.steps for m in _walk(step) if isinstance(m, Msg)}


def english_in_spanish(result: CheckResult) -> list[tuple[str, str, str]]:
    """(claim, where, fragment) for every English template sentence found in the Spanish texts of a result.

    A claim's own words (quote, quantity, unit, geography) are data and may be English: they are not counted.
    """
    fragments = english_fragments()
    page = html.unescape(to_html(result))
    es_page = page[page.index('<section lang="es">') :]
    cells = [r.split('">', 1)[1] for r in es_page.split('<tr class="')[1:]]  # the row without its class
    rows = {r.split("</td>", 1)[0].removeprefix("<td>"): r for r in cells}
    found = []
    for v in result.verdicts:
        c = v.claim
        own = " ".join([c.quote, c.quantity, c.unit, c.geography]).lower()
        row = v.row("es")
        texts = {"method": str(row["method"]), "would_decide": str(row["would_decide"]),
                 "tolerance": str(row["tolerance"]), "html": rows[c.claim_id]}  # fmt: skip
        for where, text in texts.items():
            found += [(c.claim_id, where, f) for f in fragments if _has(text, f) and f.lower() not in own]
    return found


def untranslated(result: CheckResult) -> list[tuple[str, str]]:
    """(claim, English) for every text in a method that has no Spanish version."""
    return [
        (v.claim.claim_id, t.en)
        for v in result.verdicts
        for step in v.steps
        for t in _walk(step)
        if isinstance(t, Bi) and t.en and not t.es
    ]


def test_english_fragments_are_taken_from_the_templates() -> None:
    fragments = english_fragments()
    for sentence in ("is not loaded", "Mexico (all points", "small cells are suppressed", "no candidate data"):
        assert any(sentence in f for f in fragments), sentence
    assert not any(_has(es, f) for f in fragments for _, es in TEMPLATES.values())


@pytest.mark.parametrize("claims", BUNDLED, ids=[p.name for p in BUNDLED])
@pytest.mark.parametrize("with_spec", [True, False], ids=["spec", "inferred"])
def test_bundled_claims_in_spanish(claims: Path, with_spec: bool, store: Store, tmp_path: Path) -> None:
    spec = None
    if not with_spec:
        spec = tmp_path / "empty.spec.toml"
        spec.write_text("", encoding="utf-8")
    result = check(store, claims, spec, load_missing=False)
    assert result.errors == [] and result.verdicts
    assert english_in_spanish(result) == []
    assert untranslated(result) == []


def _write(tmp_path: Path, rows: dict[str, tuple[str, str, str]]) -> tuple[Path, Path]:
    claims, spec = tmp_path / "refusals.csv", tmp_path / "refusals.spec.toml"
    claims.write_text(HEADER + "".join(f"{cid},,,{row}\n" for cid, (row, _, _) in rows.items()), encoding="utf-8")
    spec.write_text("".join(f"[claims.{cid}]\n{entry}\n\n" for cid, (_, entry, _) in rows.items() if entry))
    return claims, spec


def test_every_refusal_path_reads_in_spanish(store: Store, tmp_path: Path) -> None:
    claims, spec = _write(tmp_path, REFUSALS)
    result = check(store, claims, spec, load_missing=False)
    assert result.errors == []
    verdicts = {v.claim.claim_id: v for v in result.verdicts}
    for cid, (_, _, key) in REFUSALS.items():
        assert verdicts[cid].verdict == "not_checkable", cid
        assert key in keys(verdicts[cid]) or TEMPLATES[key][0].split("{")[0] in verdicts[cid].method("en"), cid
        assert verdicts[cid].method("es") != verdicts[cid].method("en"), cid
    assert english_in_spanish(result) == []
    assert untranslated(result) == []
    # the English method still says it in English
    assert "dataset 'no_such_dataset' is not loaded" in verdicts["X01"].method("en")
    assert "el conjunto de datos 'no_such_dataset' no está cargado" in verdicts["X01"].method("es")
    assert "México (todos los puntos)" in verdicts["X15"].method("es")


def test_refusals_on_an_empty_store_read_in_spanish(tmp_path: Path) -> None:
    """Nothing loaded: no returns snapshots, no datasets."""
    claims, spec = _write(tmp_path, {k: REFUSALS[k] for k in ("X01", "X02", "X14", "X15")})
    with Store.open(tmp_path / "empty.duckdb") as store:
        result = check(store, claims, spec, load_missing=False)
    verdicts = {v.claim.claim_id: v for v in result.verdicts}
    assert "no_returns_loaded" in keys(verdicts["X15"]) and "no_dataset" in keys(verdicts["X02"])
    assert english_in_spanish(result) == [] and untranslated(result) == []


def test_court_refusals_read_in_spanish(court_db: Path, tmp_path: Path) -> None:
    with Store.open(court_db, read_only=True) as store:
        by = court.table(store, ["nationality"], ["in_absentia_rate"], mpp_only=True, as_of=date(2020, 2, 1))
        small = [str(n) for n, r in zip(by["nationality"], by["in_absentia_rate"], strict=True) if _withheld(r)]
        assert small, "the synthetic release has no withheld cell"
        rows = {
            "Y1": ("MPP no-show rate,5,percent,2020-01-31,US", 'metric = "court"\nmeasure = "in_absentia_rate"\n'
                   'where = { nationality = "atlantis" }', "no_court_cases"),
            "Y2": ("MPP no-show rate,5,percent,2020-01-31,US", 'metric = "court"\nmeasure = "in_absentia_rate"\n'
                   f'where = {{ nationality = "{small[0]}" }}', "court_withheld"),
        }  # fmt: skip
        claims, spec = _write(tmp_path, rows)
        result = check(store, claims, spec, load_missing=False)
    verdicts = {v.claim.claim_id: v for v in result.verdicts}
    for cid, key in COURT_REFUSALS.items():
        assert verdicts[cid].verdict == "not_checkable" and key in keys(verdicts[cid]), cid
    assert "no se publica" in verdicts["Y2"].method("es")
    assert english_in_spanish(result) == [] and untranslated(result) == []


def test_court_verdicts_read_in_spanish(court_db: Path, tmp_path: Path) -> None:
    """Decided court claims (a perturbed count inside and outside its band, the first-hearing share, transfers,
    the non-MPP group) hold no English sentence in Spanish, and their confidence reasons are Spanish too."""
    rows = {
        "K1": ("pending MPP cases,100,cases,2020-01-31,US", "", ""),
        "K2": ("pending MPP cases,999999,cases,2020-01-31,US", "", ""),
        "K3": ("share of pending MPP cases still waiting for a first hearing,20,percent,2020-01-31,US", "", ""),
        "K4": ("MPP cases transferred to another court,50,cases,2020-01-31,US", "", ""),
        "K5": (
            "moved cases,50,cases,2020-01-31,US",
            'metric = "court"\nmeasure = "transferred"\ngroup = "non_mpp"',
            "",
        ),
    }
    claims, spec = _write(tmp_path, rows)
    with Store.open(court_db, read_only=True) as store:
        result = check(store, claims, spec, load_missing=False)
    assert result.errors == []
    verdicts = {v.claim.claim_id: v for v in result.verdicts}
    assert verdicts["K2"].verdict == "contradicted"
    assert all("court_perturbed" in keys(v) for v in verdicts.values() if v.verdict != "not_checkable")
    assert english_in_spanish(result) == [] and untranslated(result) == []
    for v in verdicts.values():
        assert v.row("es")["confidence_reason"] != v.row("en")["confidence_reason"], v.claim.claim_id


def _withheld(value: object) -> bool:
    return isinstance(value, str) or value is None or bool(pd.isna(value))  # type: ignore[arg-type]


# Claim rows and spec entries that cannot be used: every error template ("err_*") the checker can reach.
BAD_ROWS = [
    "E01,,,encounters,5,persons,2019-05,US,one field too many",  # field count
    ",,,encounters,5,persons,2019-05,US",  # empty claim id
    "G1,,,CBP southwest border encounters in June 2019,104000,encounters (about),2019-06,US southwest border",
    "G1,,,encounters,5,persons,2019-05,US",  # duplicate claim id
    "E03,,,encounters,,persons,2019-05,US",  # empty value
    "E04,,,encounters,lots,persons,2019-05,US",  # neither number nor date
    "E05,,,first return,2019-02-30,date,2019-05,US",  # a date that does not exist
    "E06,,,encounters,5,persons,,US",  # empty date
    "E07,,,encounters,5,persons,May 2019,US",  # not a date
    "E08,,,encounters,5,persons,2019-06..2019-05,US",  # a range that ends before it starts
    "E09,,,,5,persons,2019-05,US",  # empty quantity
    "E10,,,encounters,2019-05,persons,2019-05,US",  # a date, but the spec computes a number
    "E11,,,first book-out,5,persons,2019-06,US",  # a number, but the spec computes a date
    *(f"S{n:02},,,encounters,5,persons,2019-05,US" for n in range(2, 25)),
]
BAD_ENTRIES = f"""[claims]
S01 = 5

[claims.E10]
dataset = "{OHSS}"
where = {{ component = "CBP", location = "Total" }}

[claims.E11]
dataset = "{BOOKOUTS}"
where = {{ {MPP} }}
aggregation = "first"

[claims.S02]
datset = "{OHSS}"

[claims.S03]
dataset = "{OHSS}"
note = 5

[claims.S04]
dataset = "{OHSS}"
note_es = "solo en español"

[claims.S05]
checkable = false

[claims.S06]
dataset = "{OHSS}"
metric = "returns"

[claims.S07]
note = "no data named"

[claims.S08]
metric = "weather"

[claims.S09]
dataset = 5

[claims.S10]
dataset = "{OHSS}"
aggregation = "median"

[claims.S11]
metric = "court"
measure = "backlog"

[claims.S12]
metric = "court"
measure = "pending"
where = {{ nationality = "Honduras", hearing_location = "ELP" }}
group = "martians"

[claims.S13]
metric = "returns"
where = {{ nationality = "Honduras" }}

[claims.S14]
metric = "returns"
aggregation = "latest"

[claims.S15]
dataset = "{OHSS}"
aggregation = "share"

[claims.S16]
dataset = "{OHSS}"
period = "sometime"

[claims.S17]
dataset = "{OHSS}"
since = "2019-02-30"

[claims.S18]
dataset = "{OHSS}"
per = "week"

[claims.S19]
dataset = "{OHSS}"
tolerance = 5

[claims.S20]
dataset = "{OHSS}"
where = "component = CBP"

[claims.S21]
dataset = "{OHSS}"
where = {{ component = [] }}

[claims.S22]
dataset = "{OHSS}"
aggregation = "compare"

[claims.S23]
dataset = "{OHSS}"
aggregation = "rank"

[claims.S24]
dataset = "{OHSS}"
claimed = "twice"

[claims.Z99]
dataset = "{OHSS}"
"""
# reached outside `check`: a tolerance given to the comparator parser directly, `explain` of a missing claim
ERROR_KEYS_ELSEWHERE = {"err_line", "err_comparator_tolerance", "err_no_such_claim"}


def _bad_files(tmp_path: Path) -> tuple[Path, Path]:
    claims, spec = tmp_path / "claims_bad.csv", tmp_path / "claims_bad.spec.toml"
    claims.write_text(HEADER + "\n".join(BAD_ROWS) + "\n", encoding="utf-8")
    spec.write_text(BAD_ENTRIES, encoding="utf-8")
    return claims, spec


def _spanish_errors_ok(lines: list[str], errors: list[ClaimError], files: list[Path]) -> None:
    """Each line is its error in Spanish: no English template text, no English reason, no 'claim X: field'."""
    assert len(lines) == len(errors)
    fragments = english_fragments()
    for line, e in zip(lines, errors, strict=True):
        assert line == e.render("es") and line != str(e)
        assert f"afirmación {e.claim_id or '?'}: campo {e.field!r}: " in line
        assert f"claim {e.claim_id or '?'}: field" not in line and e.reason not in line
        text = line
        for f in files:
            text = text.replace(str(f), "")  # the file names are data
        assert [f for f in fragments if _has(text, f)] == [], line


def test_every_claims_error_reads_in_spanish(store: Store, tmp_path: Path) -> None:
    claims, spec = _bad_files(tmp_path)
    result = check(store, claims, spec, load_missing=False)
    reached = {m.key for e in result.errors for m in _walk(e.text) if isinstance(m, Msg)}
    assert {k for k in TEMPLATES if k.startswith("err_")} - ERROR_KEYS_ELSEWHERE == reached
    assert {v.claim.claim_id for v in result.verdicts} == {"G1"}  # the rest is still checked
    # English stays exactly as it was
    by_id = {(e.claim_id, e.field): e for e in result.errors}
    assert str(by_id[("E04", "value")]) == (
        f"{claims}:7: claim E04: field 'value': 'lots' is neither a number nor a date (YYYY-MM[-DD])"
    )
    assert by_id[("E04", "value")].render("es") == (
        f"{claims}:7: afirmación E04: campo 'value': 'lots' no es ni un número ni una fecha (AAAA-MM[-DD])"
    )
    assert str(by_id[("S19", "tolerance")]).endswith("5: expected a fraction between 0 and 1 (0.05 = 5%)")
    assert result.error_lines("en") == [str(e) for e in result.errors]
    # the library's rendering
    _spanish_errors_ok(result.error_lines("es"), result.errors, [claims, spec])
    assert result.frame("es").attrs["errors"] == result.error_lines("es")
    assert result.frame().attrs["errors"] == result.error_lines("en")
    # the HTML report: each language section lists the errors in its own language
    page = html.unescape(to_html(result))
    en_page, es_page = page.split('<section lang="es">')
    es_items = re.findall(r"<li>(.*?)</li>", es_page.split("</table>")[-1])
    en_items = re.findall(r"<li>(.*?)</li>", en_page.split("</table>")[-1])
    assert en_items == [str(e) for e in result.errors]
    _spanish_errors_ok(es_items, result.errors, [claims, spec])
    assert english_in_spanish(result) == [] and untranslated(result) == []


def test_errors_from_elsewhere_read_in_spanish(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ComparatorError) as caught:
        parse_comparator("persons (about)", tolerance=5)
    assert str(caught.value) == "tolerance 5: expected a fraction between 0 and 1"
    assert caught.value.text.render("es") == "tolerancia 5: se espera una fracción entre 0 y 1"
    claims, _ = _bad_files(tmp_path)
    with pytest.raises(ClaimError) as missing:
        explain(store, "NOPE", claims)
    assert str(missing.value) == f"{claims}: claim NOPE: field 'claim_id': no such claim in this file"
    _spanish_errors_ok([missing.value.render("es")], [missing.value], [claims])


def test_cli_and_api_give_errors_in_the_reader_language(
    bundled_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims, spec = _bad_files(tmp_path)
    with Store.open(bundled_db, read_only=True) as store:
        result = check(store, claims, spec, load_missing=False)
    args = ["--db", str(bundled_db), "claims", "check", str(claims), "--format", "csv"]
    for lang in ("en", "es"):
        out = CliRunner().invoke(app, [*args, "--lang", lang])
        assert out.exit_code == 1
        printed = [line.removeprefix("error: ") for line in out.stderr.splitlines() if line.startswith("error: ")]
        assert printed == result.error_lines(lang)
    monkeypatch.setattr("mppwatch.web.analysis.bundled_data_dir", lambda: tmp_path)
    client = TestClient(create_app(bundled_db))
    for lang in ("en", "es"):
        body = client.get("/api/v1/claims", params={"file": claims.name, "lang": lang}).json()
        assert body["errors"] == result.error_lines(lang)


def test_claims_check_follows_the_global_language(bundled_db: Path, tmp_path: Path) -> None:
    """Without its own --lang, `claims check` speaks the global --lang, else $MPPWATCH_LANG, else the locale."""
    claims = tmp_path / "lang.csv"
    claims.write_text(HEADER + "L1,,,MPP returns to Mexico in all,60000,persons,2019-12-31,Mexico\n", encoding="utf-8")
    with Store.open(bundled_db, read_only=True) as store:
        result = check(store, claims, load_missing=False)
    expected = {lang: str(result.frame(lang)["method"].iloc[0]) for lang in ("en", "es")}
    assert expected["en"] != expected["es"]
    args = ["claims", "check", str(claims), "--format", "csv"]
    plain = {"MPPWATCH_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    cases = [
        (["--lang", "es", "--db", str(bundled_db), *args], plain, "es"),
        (["--db", str(bundled_db), *args], {**plain, "MPPWATCH_LANG": "es"}, "es"),
        (["--db", str(bundled_db), *args], {**plain, "LANG": "es_MX.UTF-8"}, "es"),
        (["--db", str(bundled_db), *args], plain, "en"),
        (["--lang", "es", "--db", str(bundled_db), *args, "--lang", "en"], plain, "en"),  # the command's own wins
    ]
    for argv, env, lang in cases:
        out = CliRunner().invoke(app, argv, env=env)
        assert out.exit_code == 0, out.output
        method = pd.read_csv(io.StringIO(out.stdout))["method"].iloc[0]
        assert method == expected[lang], (argv, env)
    bad = CliRunner().invoke(app, ["--db", str(bundled_db), *args, "--lang", "fr"], env=plain)
    assert bad.exit_code == 2 and "fr" in bad.stderr
