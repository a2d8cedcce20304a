"""People waiting in a city: the court module's published pending MPP cases by return city when a court release is
loaded (cases, not people, labelled an estimate with its release), else cumulative returns labelled an upper bound."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mppwatch import court
from mppwatch.cli import app
from mppwatch.shelters.citywide import COURT, UPPER_BOUND, shelter_load, waiting_notes
from mppwatch.shelters.seed import seed
from mppwatch.store import Store
from mppwatch.web.app import create_app


@pytest.fixture()
def with_court(court_db: Path, tmp_path: Path) -> Path:
    """The bundled data, the two SYNTHETIC court releases (2026-01, 2026-02) and the seeded shelter register."""
    path = tmp_path / "court.duckdb"
    shutil.copy(court_db, path)
    with Store.open(path) as store:
        seed(store)
    return path


@pytest.fixture()
def without_court(bundled_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "plain.duckdb"
    shutil.copy(bundled_db, path)
    with Store.open(path) as store:
        seed(store)
    return path


def _row(frame, day: date) -> dict:
    rows = frame[frame["date"] == day].to_dict("records")
    assert len(rows) == 1, f"no single row for {day}"
    return rows[0]


@pytest.mark.parametrize("city", ["Ciudad Juárez", "Tijuana", "Matamoros"])
def test_waiting_is_the_court_pending_count_for_the_return_city(with_court: Path, city: str) -> None:
    """On each month start the figure is exactly what `court.pending_table` publishes for that return city on that
    date, from the latest release, perturbed or withheld as published (never un-suppressed)."""
    with Store.open(with_court, read_only=True) as store:
        frame = shelter_load(store, city)
        checked = 0
        for day in (date(2019, 1, 1), date(2019, 8, 1), date(2019, 10, 1), date(2020, 1, 1), date(2020, 3, 1)):
            if not (frame["date"].min() <= day <= frame["date"].max()):
                continue
            table = court.pending_table(store, day, by="return_city")
            assert table.attrs["release"] == "2026-02-SYNTHETIC"
            published = table.loc[table["return_city"] == city, "pending"]
            expected = published.iloc[0] if len(published) else "<10"
            row = _row(frame, day)
            assert row["waiting_method"] == COURT
            assert row["waiting_as_of"] == day
            assert row["people_waiting_estimate"] == expected, (city, day)
            checked += 1
    assert checked >= 3
    assert frame.attrs["court_release"] == "2026-02-SYNTHETIC" and frame.attrs["court_synthetic"]
    note = waiting_notes(frame, "en")[COURT]
    assert "2026-02-SYNTHETIC" in note and "cases, not people" in note and "rider" in note
    assert "Estimate" in note and "<10" in note
    assert "SYNTHETIC" in waiting_notes(frame, "es")[COURT] and "no personas" in waiting_notes(frame, "es")[COURT]


def test_a_day_between_month_starts_takes_the_month_start_before_it(with_court: Path) -> None:
    """22 Jul 2019 (a Juárez figure) carries the court figure published for 1 Jul 2019, and says so."""
    with Store.open(with_court, read_only=True) as store:
        frame = shelter_load(store, "Ciudad Juárez")
        table = court.pending_table(store, date(2019, 7, 1), by="return_city")
    july = table.loc[table["return_city"] == "Ciudad Juárez", "pending"].iloc[0]
    row = _row(frame, date(2019, 7, 22))
    assert (row["people_waiting_estimate"], row["waiting_method"], row["waiting_as_of"]) == (
        july,
        COURT,
        date(2019, 7, 1),
    )
    assert _row(frame, date(2019, 8, 1))["beds"] == 3060  # the beds rules are unchanged on the added month starts


def test_withheld_counts_stay_withheld(with_court: Path) -> None:
    """Before MPP sent anyone to Juárez the court module withholds the count: the page keeps `<10`, not a number."""
    with Store.open(with_court, read_only=True) as store:
        frame = shelter_load(store, "Ciudad Juárez")
        day = date(2019, 1, 1)
        table = court.pending_table(store, day, by="return_city")
    published = table.loc[table["return_city"] == "Ciudad Juárez", "pending"]
    assert len(published) == 0 or published.iloc[0] == "<10"
    assert _row(frame, day)["people_waiting_estimate"] == "<10"


def test_without_a_release_the_upper_bound_and_its_label_remain(without_court: Path) -> None:
    with Store.open(without_court, read_only=True) as store:
        frame = shelter_load(store, "Ciudad Juárez")
    row = _row(frame, date(2019, 7, 22))
    assert row["waiting_method"] == UPPER_BOUND and row["people_waiting_estimate"] > 0
    assert set(frame["waiting_method"]) <= {UPPER_BOUND, ""}
    assert "court_release" not in frame.attrs
    notes = waiting_notes(frame, "en")
    assert list(notes) == [UPPER_BOUND]
    assert "an upper bound" in notes[UPPER_BOUND] and "nobody subtracted" in notes[UPPER_BOUND]
    assert "court release" in notes[UPPER_BOUND] and "scenarios/baseline_2019.toml" in notes[UPPER_BOUND]
    assert "una cota superior" in waiting_notes(frame, "es")[UPPER_BOUND]


def test_api_and_city_page_name_the_method(with_court: Path, without_court: Path) -> None:
    client = TestClient(create_app(with_court))
    body = client.get("/api/v1/cities/Ciudad Juárez/shelter-load").json()
    assert "waiting_method" in body["columns"] and "waiting_as_of" in body["columns"]
    oct_ = next(r for r in body["rows"] if r["date"] == "2019-10-01")
    assert oct_["waiting_method"] == COURT
    notes = body["notes"]["waiting_method"]
    assert "2026-02-SYNTHETIC" in notes["en"][COURT]["method"] and "no personas" in notes["es"][COURT]["method"]
    page = client.get("/shelters/city/Ciudad Juárez?lang=es")
    assert page.status_code == 200
    assert "casos del MPP pendientes" in page.text and "2026-02-SYNTHETIC" in page.text
    assert 'data-method="court"' in page.text
    plain = TestClient(create_app(without_court))
    body = plain.get("/api/v1/cities/Ciudad Juárez/shelter-load").json()
    assert {r["waiting_method"] for r in body["rows"]} <= {UPPER_BOUND, ""}
    assert "una cota superior" in body["notes"]["waiting_method"]["es"][UPPER_BOUND]["method"]
    page = plain.get("/shelters/city/Ciudad Juárez?lang=en")
    assert "upper bound: cumulative returns" in page.text and 'data-method="court"' not in page.text


def test_cli_shelters_load_names_the_method(with_court: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(
        app, ["--db", str(with_court), "--lang", "es", "shelters", "load", "Tijuana", "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    assert "waiting_method" in out.stdout.splitlines()[0]
    assert "2019-10-01" in out.stdout and ",court," in out.stdout
    assert "waiting_method=court" in out.output and "no personas" in out.output and "2026-02-SYNTHETIC" in out.output
