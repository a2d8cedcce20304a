"""The query layer: no total added to its own parts, stocks never summed across dates, forgiving filters,
every empty answer explained. Figures hand-checked against the bundled CSVs (OHSS_IELP_2024-08, press snapshots).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from mppwatch import metrics, query
from mppwatch.catalog import QueryError, record, with_role
from mppwatch.core.text import Template
from mppwatch.query import Selection
from mppwatch.store import Store

BOOKOUTS = "ohss_swb_bookouts_by_agency_monthly"
MPP = {"outcome": ["Migrant Protection Protocols"]}
CITIES = "mexico_mpp_returns_city_snapshots"


def test_a_total_is_never_added_to_its_own_parts(store: Store) -> None:
    """CBP = OFO + USBP in the same file: summing over component used to print 9,400 / 22,530 / 23,930."""
    result = query.series(store, Selection(BOOKOUTS, MPP, start="2019-06", end="2019-08"))
    assert result.frame["value"].tolist() == [4700, 11270, 11970]
    assert any("CBP is the total of OFO, USBP" in n for n in result.provenance.notes)
    # The parts are still there when asked for.
    split = metrics.series(store, BOOKOUTS, MPP, by=["component"], start="2019-08", end="2019-08")
    got = dict(zip(split["component"], split["value"], strict=True))
    assert got["CBP"] == 11970 and got["OFO"] + got["USBP"] == 11960  # 1,690 + 10,270, each rounded to 10


def test_no_filter_at_all_is_not_double(store: Store) -> None:
    """June 2019 with no filter printed 208,640; CBP's detail outcomes alone add up to half that."""
    whole = metrics.series(store, BOOKOUTS, start="2019-06", end="2019-06")["value"].iloc[0]
    cbp = metrics.series(store, BOOKOUTS, {"component": "CBP"}, start="2019-06", end="2019-06")["value"].iloc[0]
    assert whole == cbp == 208_640 / 2


def test_a_total_and_its_part_together_are_refused(store: Store) -> None:
    with pytest.raises(QueryError, match=r"component=CBP already includes component=OFO.*--by component"):
        metrics.series(store, BOOKOUTS, {**MPP, "component": ["CBP", "OFO"]}, start="2019-08", end="2019-08")
    parts = metrics.series(store, BOOKOUTS, {**MPP, "component": ["OFO", "USBP"]}, start="2019-08", end="2019-08")
    assert parts["value"].tolist() == [11960]  # OFO 1,690 + USBP 10,270 (each rounded to 10)


def test_published_totals_answer_at_the_top_level(store: Store) -> None:
    """CBP, OFO and USBP totals are all published_total rows: CBP's May 2019 encounters, 144,110."""
    enc = "ohss_swb_encounters_by_sector_field_office_monthly"
    frame = metrics.series(
        store, enc, {"location": "Total"}, start="2019-05", end="2019-05", row_type="published_total"
    )
    assert frame["value"].tolist() == [144110]


def test_snapshots_are_stocks_shown_per_date(store: Store) -> None:
    """Ciudad Juárez: day-dated and month-dated detail figures, never summed, never dropped."""
    result = query.series(store, Selection(CITIES, {"city": ["Ciudad Juarez"]}))
    periods = result.frame["period"].tolist()
    assert periods[:4] == ["2019-06-05", "2019-06-10", "2019-06-12", "2019-06-14"]
    assert "2019-09" in periods and "2022-01" in periods and "2019-08-16" in periods
    assert len(periods) == 12  # 13 detail figures, two of them for 2022-01 (one capture kept)
    values = dict(zip(result.frame["period"], result.frame["value"], strict=True))
    assert values["2019-08-16"] == 14235 and values["2019-09"] == 17041
    assert result.provenance.matched == {"city": {"Ciudad Juarez": "Ciudad Juárez"}}
    assert any("never added across dates" in n for n in result.provenance.notes)
    assert "2019-08-16" in result.provenance.as_of


def test_stock_range_is_on_the_date_counted_to(store: Store) -> None:
    frame = metrics.series(store, CITIES, {"city": "Tijuana"}, start="2019-07", end="2019-07")
    assert len(frame) and all(p.startswith("2019-07") for p in frame["period"])


def test_filters_ignore_case_and_accents(store: Store) -> None:
    lower = metrics.series(store, BOOKOUTS, {**MPP, "component": "cbp"}, start="2019-08", end="2019-08")
    assert lower["value"].tolist() == [11970]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"where": {"component": "NOPE"}}, r"no component 'NOPE'; its component values are: .*CBP"),
        ({"where": {"sector": "x"}}, r"has no column 'sector'; its columns are: "),
        ({"row_type": "bogus"}, r"no row type 'bogus'; its row types are: published_total, detail"),
        ({"period_kind": "bogus"}, r"no period kind 'bogus'; its period kinds are: "),
        ({"edition": "1999-01"}, r"has no editions"),
        ({"start": "2019-08", "end": "2019-06"}, r"later than --to"),
        ({"start": "1990-01", "end": "1990-12"}, r"no figures in 1990-01-01..1990-12-31 \(month\); it covers month"),
    ],
)
def test_what_matches_nothing_is_an_error_listing_choices(store: Store, kwargs: dict, pattern: str) -> None:
    with pytest.raises(QueryError, match=pattern):
        metrics.series(store, BOOKOUTS, **kwargs)


def test_coverage_is_given_for_a_period_the_dataset_does_not_cover(store: Store) -> None:
    with pytest.raises(QueryError, match=r"it covers month 2020-01-01\.\.") as info:
        metrics.series(store, "cbp_mpp_enrollments_by_location", start="2019-01", end="2019-12")
    assert "2019-01-01..2019-12-31" in str(info.value)


def test_nearest_choice_first(store: Store) -> None:
    with pytest.raises(QueryError, match=r"values are: Migrant Protection Protocols,"):
        metrics.series(store, BOOKOUTS, {"outcome": "Migrant Protection Protocol"})
    with pytest.raises(QueryError, match=r"loaded: ohss_swb_bookouts_by_agency_monthly,") as info:
        metrics.series(store, "ohss_swb_bookouts_by_agency_montly")
    assert "court_" not in str(info.value)


def test_by_the_same_column_twice_is_an_error(store: Store) -> None:
    with pytest.raises(QueryError, match="named twice"):
        metrics.series(store, BOOKOUTS, MPP, by=["component", "component"])


def test_catalogue_records(store: Store) -> None:
    rec = record(store, BOOKOUTS)
    assert rec.dimensions["component"].parts == {"CBP": ("OFO", "USBP")}
    assert rec.rounding == 10 and "bookouts" in rec.roles and rec.title["es"].startswith("DHS OHSS")
    assert record(store, CITIES).stock and not rec.stock
    assert with_role(store, "returns_snapshots") == ["inm_mpp_returns_by_crossing_point_2019", CITIES]
    assert record(store, CITIES).dimensions["city"].ancestors("Tijuana") == {"All", "Tijuana and Mexicali"}


def test_sql_binds_every_value(store: Store) -> None:
    """A quote in a filter value is data, never SQL."""
    with pytest.raises(QueryError, match="no component"):
        metrics.series(store, BOOKOUTS, {"component": "CBP' OR '1'='1"})


def test_returns_and_the_claims_checker_agree_on_every_date(store: Store) -> None:
    """One set of snapshots (the catalogue's returns_snapshots role) and one interpolation: 34,150 on 2019-08-31."""
    from datetime import date, timedelta

    from mppwatch.claims.evidence import Context

    assert metrics.returns(store, "2019-08-31").iloc[0]["value"] == 34150
    ctx = Context(store)
    day = date(2019, 1, 1)
    while day <= date(2023, 1, 1):
        for by in (None, "city"):
            ours = metrics.returns(store, day, by=by).fillna(-1).to_dict("records")
            theirs = ctx.returns(day, by).fillna(-1).to_dict("records")
            assert ours == theirs, (day, by)
        day += timedelta(days=23)


def test_returns_after_the_last_snapshot_names_the_last_known_figure(store: Store) -> None:
    rows = metrics.returns(store, "2019-10-15", by="city").set_index("city")
    cj = rows.loc["Ciudad Juárez"]
    assert cj["value"] != cj["value"]  # NaN: not estimated past the last snapshot
    assert cj["method"].endswith("last known: 14,235 on 2019-08-16 (DEBATE_2019-08-16_JUAREZ)")
    blank = rows[rows["value"].isna()]  # no figure is no estimate (it said "not estimated" beside is_estimate=True)
    assert len(blank) >= 1 and not blank["is_estimate"].any()
    assert rows[rows["value"].notna() & rows["method"].str.contains("interpolation")]["is_estimate"].all()


def test_returns_rejects_an_unknown_dataset(store: Store) -> None:
    with pytest.raises(QueryError, match="no dataset 'inm_returns'; |no dataset 'inm_returns' in"):
        metrics.returns(store, "2019-06-30", datasets=["inm_returns"])
    with pytest.raises(QueryError, match="holds no city snapshots"):
        metrics.returns(store, "2019-06-30", datasets=[BOOKOUTS])


def test_a_users_own_csv_gets_a_record(fresh_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file never seen before: its record comes from the store, its hierarchy from its labels ("All")."""
    from mppwatch.sources.loader import load_file

    new = tmp_path / "my_returns.csv"
    new.write_text(
        "source_id,as_of_date,city,count\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,Tijuana,100\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,Mexicali,50\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-06-30,All,150\n",
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        load_file(store, new, dataset="my_city_returns")
        rec = record(store, "my_city_returns")
        assert rec.origin == "user" and rec.title == {"en": "my_city_returns", "es": "my_city_returns"}
        assert rec.dimensions["city"].parts == {"All": ("Mexicali", "Tijuana")}
        assert "returns_snapshots" in rec.roles and rec.stock  # named like returns, with cities
        assert rec.period_kinds["day"].first.isoformat() == "2019-06-30"
        frame = metrics.series(store, "my_city_returns")
        assert frame.to_dict("records") == [{"period": "2019-06-30", "value": 150.0}]  # All, not 300
        listing = metrics.datasets(store).set_index("dataset")
        assert listing.loc["my_city_returns", "roles"] == "returns_snapshots"
        assert listing.loc[BOOKOUTS, "title_es"].startswith("DHS OHSS: salidas")


def test_query_errors_speak_spanish(store: Store) -> None:
    with pytest.raises(QueryError) as info:
        metrics.series(store, BOOKOUTS, {"component": "NOPE"})
    assert str(info.value) == (
        "ohss_swb_bookouts_by_agency_monthly: no component 'NOPE'; its component values are: CBP, OFO, USBP"
    )
    assert info.value.render("es") == (
        "ohss_swb_bookouts_by_agency_monthly: no hay component 'NOPE'; sus valores de component son: CBP, OFO, USBP"
    )
    with pytest.raises(QueryError) as info:
        metrics.series(store, BOOKOUTS, start="2019-08", end="2019-06")
    assert info.value.render("es") == "--from 2019-08 es posterior a --to 2019-06: no hay nada entre ambos"


def test_only_the_store_and_the_query_layer_write_sql_over_observations() -> None:
    """Issue 12's acceptance line, `grep -rn "FROM observations" src/`, run in Python: every read over
    `observations` is a named function in query.py and every write (and the catalogue's profile scan) a Store
    method, so the text appears in no other module."""
    src = Path(query.__file__).resolve().parent.parent  # src/
    hits = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*")
        if path.is_file()
        and path.suffix != ".pyc"
        and "FROM observations" in path.read_text(encoding="utf-8", errors="replace")
    )
    assert hits == ["mppwatch/query.py", "mppwatch/store.py"]


def test_returns_reads_the_snapshot_role_not_file_names(tmp_path: Path) -> None:
    """No snapshot dataset is named in code: a user's own file with the role is read, none is an error naming it."""
    from mppwatch.sources.loader import load_file

    with Store.open(tmp_path / "empty.duckdb") as store:
        with pytest.raises(QueryError, match="no loaded dataset plays the role 'returns_snapshots'") as info:
            metrics.returns(store, "2019-07-15")
        assert "mppwatch load" in str(info.value)
        mine = tmp_path / "my_returns.csv"
        mine.write_text(
            "source_id,as_of_date,city,count\nA,2019-06-30,All,100\nA,2019-07-31,All,162\n", encoding="utf-8"
        )
        load_file(store, mine, dataset="my_city_returns")
        row = metrics.returns(store, "2019-07-15").iloc[0]
        assert row["value"] == 100 + round(15 / 31 * 62)  # 130: linear between 30 June and 31 July
        assert row["method"] == "linear interpolation between snapshots of 2019-06-30 and 2019-07-31"


# -- stocks: the latest figure per period -----------------------------------------------------------------


def test_stocks_latest_per_month_on_the_bundled_snapshots(store: Store) -> None:
    """Ciudad Juárez in 2019, by hand from mexico_mpp_returns_city_snapshots.csv: June's last figure is 14 Jun
    (5,167, after 4,109 / 4,448 / 4,798), July's 21 Jul (11,400, after 8,649 on 7 Jul), August's 16 Aug (14,235),
    September's is dated only to the month (17,041). Never a sum."""
    sel = Selection(CITIES, {"city": ["Ciudad Juarez"]}, end="2019-12", stocks="latest")
    result = query.series(store, sel)
    assert result.frame.to_dict("records") == [
        {"period": "2019-06", "as_of": "2019-06-14", "value": 5167.0},
        {"period": "2019-07", "as_of": "2019-07-21", "value": 11400.0},
        {"period": "2019-08", "as_of": "2019-08-16", "value": 14235.0},
        {"period": "2019-09", "as_of": "2019-09", "value": 17041.0},
    ]
    prov = result.provenance
    assert prov.as_of == ["2019-06-14", "2019-07-21", "2019-08-16", "2019-09"]
    assert prov.source_ids == [
        "DEBATE_2019-08-16_JUAREZ", "ELDIARIODECHIHUAHUA_2019-07-23_JUAREZ", "ELDIARIODEJUAREZ_2019-06-15_JUAREZ",
        "LIDER860_2019-09_JUAREZ",
    ]  # fmt: skip
    assert any("the latest figure within each month" in n for n in prov.notes)
    assert not any("each row is the figure to its date" in n for n in prov.notes)
    year = query.series(store, Selection(CITIES, {"city": ["Ciudad Juárez"]}, end="2019-12", stocks="latest",
                                          stock_period="year"))  # fmt: skip
    assert year.frame.to_dict("records") == [{"period": "2019", "as_of": "2019-09", "value": 17041.0}]
    each = query.series(store, Selection(CITIES, {"city": ["Ciudad Juárez"]}, end="2019-12"))
    assert len(each.frame) == 8 and "as_of" not in each.frame  # the default still gives every dated figure
    assert metrics.series(store, CITIES, {"city": "Ciudad Juárez"}, end="2019-06", stocks="latest")[
        "value"
    ].tolist() == [5167.0]


def test_stocks_latest_prefers_a_later_day_to_a_month(fresh_db: Path, tmp_path: Path) -> None:
    """A figure dated only to July counts from 1 July: 21 July's figure is later; on 1 August the day-dated wins."""
    from mppwatch.sources.loader import load_file

    new = tmp_path / "my_returns.csv"
    new.write_text(
        "source_id,as_of_date,period_start,period_end,city,row_type,count\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-07,2019-01-29,2019-07,Tijuana,detail,90\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-07-21,2019-01-29,2019-07-21,Tijuana,detail,100\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-08-01,2019-01-29,2019-08-01,Tijuana,detail,110\n"
        "ZETA_2019-04_TIJUANA_SHELTERS,2019-08,2019-01-29,2019-08,Tijuana,detail,120\n",
        encoding="utf-8",
    )
    with Store.open(fresh_db) as store:
        load_file(store, new, dataset="my_city_returns")
        frame = query.series(store, Selection("my_city_returns", stocks="latest")).frame
        assert frame.to_dict("records") == [
            {"period": "2019-07", "as_of": "2019-07-21", "value": 100.0},
            {"period": "2019-08", "as_of": "2019-08-01", "value": 110.0},
        ]
        with pytest.raises(QueryError, match="stocks 'last': choose one of latest, each"):
            query.series(store, Selection("my_city_returns", stocks="last"))
        with pytest.raises(QueryError, match="holds counts over periods, not levels on a date"):
            query.series(store, Selection(BOOKOUTS, stocks="latest"))


# -- notes and errors in Spanish ---------------------------------------------------------------------------


def _english_left(message: Template, spanish: str) -> list[str]:
    """The words of `message`'s English templates (nested ones included) still found in its Spanish text."""
    left = []
    code = r"`[^`]*`|--[\w-]+(=\S*)?|\S*[_=]\S*|\{\w+\}"  # options, identifiers and fields are not English
    for part in re.split(code, message.template):
        for run in re.split(r"[;:,.()'\"]", part or ""):
            words = run.split()
            if len(words) >= 2 and " ".join(words) in spanish:
                left.append(" ".join(words))
    for value in message.fields.values():
        for nested in value if isinstance(value, list) else [value]:
            if isinstance(nested, Template):
                left += _english_left(nested, spanish)
    return left


def test_every_provenance_note_reads_in_spanish(store: Store) -> None:
    """Matched values, the top of a hierarchy, stocks each/latest and several values on one date, in Spanish."""
    results = [
        query.series(store, Selection(BOOKOUTS, {**MPP, "component": ["cbp"]}, start="2019-06", end="2019-08")),
        query.series(store, Selection(BOOKOUTS, MPP, start="2019-06", end="2019-08")),
        query.series(store, Selection(CITIES, {"city": ["Ciudad Juarez"]})),
        query.series(store, Selection(CITIES, {"city": ["Ciudad Juarez"]}, stocks="latest", stock_period="year")),
        query.series(store, Selection(CITIES, row_type="detail")),
    ]
    seen = set()
    for result in results:
        prov = result.provenance
        spanish = prov.notes_in("es")
        assert prov.notes_in("en") == prov.notes and len(spanish) == len(prov.notes)
        assert prov.to_dict()["notes_es"] == spanish and "_messages" not in prov.to_dict()
        for english, es in zip(prov.notes, spanish, strict=True):
            message = prov._messages[english]
            seen.add(message.template)
            assert es != english and not _english_left(message, es), (english, es)
    assert len(seen) == 5  # matched, top of a hierarchy, stocks each, stocks latest, several values on a date
    note = results[1].provenance.notes_in("es")[0]
    assert note.startswith("component: CBP es el total de OFO, USBP; las cifras son las de CBP")


def test_every_query_error_reads_in_spanish(store: Store, tmp_path: Path) -> None:
    """Each QueryError the query layer, the catalogue and returns raise: a Spanish sentence, no English left."""
    cases = [
        lambda: metrics.series(store, BOOKOUTS, {"nope": "x"}),
        lambda: metrics.series(store, BOOKOUTS, {"component": "NOPE"}),
        lambda: metrics.series(store, BOOKOUTS, row_type="bogus"),
        lambda: metrics.series(store, BOOKOUTS, period_kind="bogus"),
        lambda: metrics.series(store, BOOKOUTS, edition="1999-01"),
        lambda: metrics.series(store, "cbp_mpp_enrollments_by_location", start="2019-01", end="2019-06"),
        lambda: metrics.series(store, BOOKOUTS, start="2019-08", end="2019-06"),
        lambda: metrics.series(store, CITIES, {"city": "Mexicali"}, start="2021-12", end="2022-12"),
        lambda: metrics.series(store, BOOKOUTS, {**MPP, "component": ["CBP", "OFO"]}),
        lambda: metrics.series(store, BOOKOUTS, by=["component", "component"]),
        lambda: metrics.series(store, "no_such_dataset"),
        lambda: metrics.series(store, "mpp_city_shelters"),
        lambda: metrics.series(store, BOOKOUTS, stocks="latest"),
        lambda: query.series(store, Selection(CITIES, stock_period="week", stocks="latest")),
        lambda: metrics.returns(store, "2019-06-31"),
        lambda: metrics.returns(store, "2019-06-30", by="state"),
        lambda: metrics.returns(store, "2019-06-30", datasets=[BOOKOUTS]),
        lambda: metrics.parse_where(["component"]),
    ]
    templates = set()
    for case in cases:
        with pytest.raises(QueryError) as info:
            case()
        message, spanish = info.value.message, info.value.render("es")
        templates.add(message.template)
        assert spanish != str(info.value) and not _english_left(message, spanish), (str(info.value), spanish)
    assert len(templates) == len(cases)
    with Store.open(tmp_path / "empty.duckdb") as empty, pytest.raises(QueryError) as info:
        metrics.returns(empty, "2019-06-30")
    assert info.value.render("es").startswith("ningún conjunto de datos cargado cumple el papel 'returns_snapshots'")


def test_returns_method_reads_in_spanish(store: Store) -> None:
    """The method column from its templates: the conflict named first, then the interpolation, all in Spanish."""
    from mppwatch import returns as returns_mod

    english = metrics.returns(store, "2019-07-25", by="city").set_index("city")["method"]
    spanish = metrics.returns(store, "2019-07-25", by="city", lang="es").set_index("city")["method"]
    assert english["Ciudad Juárez"] == (
        "9,314 (ELECONOMISTA_2019-08-11, 2019-07-31, approximate date) is below 11,400 published for 2019-07-21 "
        "(ELDIARIODECHIHUAHUA_2019-07-23_JUAREZ): the higher figure is kept as a floor; "
        "linear interpolation between snapshots of 2019-07-21 and 2019-08-16"
    )
    assert spanish["Ciudad Juárez"] == (
        "9314 (ELECONOMISTA_2019-08-11, 2019-07-31, fecha aproximada) es menor que 11\u00a0400, publicada para el "
        "2019-07-21 (ELDIARIODECHIHUAHUA_2019-07-23_JUAREZ): se conserva la cifra mayor como mínimo; "
        "interpolación lineal entre las cifras publicadas del 2019-07-21 y del 2019-08-16"
    )
    for day in ("2019-01-01", "2019-06-05", "2019-07-25", "2019-10-15", "2023-01-01"):
        rows = returns_mod.returns(store, day, by="city", lang="es")
        for method in rows["method"]:
            assert not re.search(r"snapshot|interpolation|estimated|last known|before the|floor", method), method


def _without_docstrings(path: Path) -> str:
    """A module's text with its docstrings blanked: an example in one (a spec entry) is no dependency on a file."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if ast.get_docstring(node, clean=False) is not None:
                doc = node.body[0]
                lines[doc.lineno - 1 : doc.end_lineno] = [""] * ((doc.end_lineno or doc.lineno) - doc.lineno + 1)
    return "\n".join(lines)


def test_analyses_name_roles_not_bundled_files() -> None:
    """returns, the simulation, the forecasts and the claims checker ask the catalogue for roles; no bundled
    dataset is named in their code or comments."""
    src = Path(__file__).resolve().parents[1] / "src" / "mppwatch"
    package = json.loads((src.parents[1] / "data" / "datapackage.json").read_text(encoding="utf-8"))
    names = [Path(r["path"]).stem for r in package["resources"] if r.get("mppwatch", {}).get("roles")]
    files = [src / "returns.py", *(src / "simulate").glob("*.py"), *(src / "forecast").glob("*.py")]
    files += [src / "commands" / "simulate.py", src / "commands" / "forecast.py", *(src / "claims").glob("*.py")]
    found = [(f.name, n) for f in files for n in names if n in _without_docstrings(f)]
    assert len(names) > 10 and len(files) > 20 and not found


def test_coverage_and_period_kinds_read_in_spanish(store: Store) -> None:
    """The period kinds inside a coverage error were English words ("cubre month ...", "(month)")."""
    with pytest.raises(QueryError) as info:
        metrics.series(store, "cbp_mpp_enrollments_by_location", start="2018-01", end="2018-06")
    assert str(info.value).endswith("(month); it covers month 2020-01-01..2021-01-31")  # English as before
    assert info.value.render("es") == (
        "cbp_mpp_enrollments_by_location no tiene cifras en 2018-01-01..2018-06-30 (mes); cubre mes 2020-01-01..2021-01-31"
    )
    with pytest.raises(QueryError) as info:
        metrics.series(store, CITIES, start="2015-01", end="2015-06")
    assert info.value.render("es").endswith("cubre día 2019-01-29..2022-03-10; mes 2019-01-29..2022-08-31")
    with pytest.raises(QueryError) as info:
        metrics.series(
            store, BOOKOUTS, {"component": ["CBP"]}, period_kind="fiscal_year", start="2010-01", end="2010-03"
        )
    spanish = info.value.render("es")
    assert "año fiscal" in spanish and "fiscal_year" not in spanish and not _english_left(info.value.message, spanish)


def test_as_of_header_reads_in_spanish(bundled_db: Path) -> None:
    from typer.testing import CliRunner

    from mppwatch.cli import app

    args = [
        "--db",
        str(bundled_db),
        "series",
        CITIES,
        "--where",
        "city=Tijuana",
        "--stocks",
        "latest",
        "--to",
        "2019-03",
    ]
    spanish = CliRunner().invoke(app, ["--lang", "es", *args])
    assert spanish.exit_code == 0, spanish.output
    assert "fecha_de_corte" in spanish.stdout and "as_of" not in spanish.stdout
    english = CliRunner().invoke(app, args)
    assert "as_of" in english.stdout
