"""KoboToolbox import and HXL export of the shelter register, and the token/shelters commands."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mppwatch.cli import app
from mppwatch.errors import InputError
from mppwatch.shelters import tokens
from mppwatch.shelters.hxl import export_hxl
from mppwatch.shelters.kobo import import_kobo
from mppwatch.shelters.seed import seed
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store

SAMPLE = bundled_data_dir() / "kobo_sample"
CSV = SAMPLE / "occupancy_SYNTHETIC.csv"
XLSX = SAMPLE / "occupancy_SYNTHETIC.xlsx"
MAP = SAMPLE / "occupancy_map.toml"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "k.duckdb"
    with Store.open(path) as store:
        seed(store)
    return path


def _kobo_rows(store: Store) -> list[list[object]]:
    frame = store.query(
        "SELECT shelter_id, date::VARCHAR AS d, occupied, turned_away, arrivals, departures, kobo_uuid "
        "FROM occupancy_reports WHERE origin = 'kobo' ORDER BY kobo_uuid"
    )
    return frame.values.tolist()


def test_kobo_csv_import_is_transactional_and_idempotent(db: Path) -> None:
    with Store.open(db) as store:
        first = import_kobo(store, CSV, MAP)
        assert (first.rows, first.added, first.unchanged) == (3, 3, 0)
        assert first.warnings == [f"{CSV}:4: occupied cannot be more than the capacity (215 > 200)"]
        assert _kobo_rows(store) == [
            [4, "2026-11-27", 412, 0, 35, 22, "3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4c7a11"],
            [4, "2026-11-28", 430, 3, 40, 22, "7a2d4e6f-8b9c-4d0e-a1b2-c3d4e5f60718"],
            [10, "2026-11-28", 215, 12, 30, 9, "c0ffee00-1234-4abc-8def-00112233aabb"],
        ]
        audit_rows = int(store.query("SELECT count(*) AS n FROM audit")["n"].iloc[0])
        again = import_kobo(store, CSV, MAP)  # the same export: nothing changes, no audit rows
        assert (again.added, again.replaced, again.unchanged) == (0, 0, 3)
        same = import_kobo(store, XLSX, MAP)  # Kobo's XLS export of the same submissions
        assert same.unchanged == 3
        assert int(store.query("SELECT count(*) AS n FROM audit")["n"].iloc[0]) == audit_rows


def test_kobo_edited_submission_replaces_by_uuid(db: Path, tmp_path: Path) -> None:
    edited = tmp_path / "edited.csv"
    edited.write_bytes(CSV.read_bytes().replace(b";430;3;", b";431;3;"))
    with Store.open(db) as store:
        import_kobo(store, CSV, MAP)
        result = import_kobo(store, edited, MAP)
        assert (result.added, result.replaced, result.unchanged) == (0, 1, 2)
        assert [r[2] for r in _kobo_rows(store)] == [412, 431, 215]


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (b";430;3;", b";lots;3;", r"edited.csv:3: column 'group_occupancy/occupied': 'lots' is not a whole number"),
        (b";kiki_romero;", b";kiki;", r"edited.csv:4: column 'group_shelter/shelter': 'kiki' is neither"),
        (
            b";2026-11-27;",
            b";2026-13-27;",
            r"edited.csv:2: column 'group_shelter/report_date': '2026-13-27' is not a date",
        ),
        (b";7a2d4e6f-8b9c-4d0e-a1b2-c3d4e5f60718;", b";;", r"edited.csv:3: column '_uuid': empty _uuid"),
        (
            b"group_occupancy/occupied",
            b"group_occupancy/ocupadas",
            r"edited.csv:1: column 'group_occupancy/occupied': no such column",
        ),
    ],
)
def test_bad_kobo_row_named_and_nothing_written(db: Path, tmp_path: Path, old: bytes, new: bytes, where: str) -> None:
    edited = tmp_path / "edited.csv"
    raw = CSV.read_bytes()
    assert old in raw
    edited.write_bytes(raw.replace(old, new, 1))
    with Store.open(db) as store:
        before = store.query("SELECT * FROM occupancy_reports ORDER BY id").to_csv()
        with pytest.raises(InputError, match=where):
            import_kobo(store, edited, MAP)
        assert store.query("SELECT * FROM occupancy_reports ORDER BY id").to_csv() == before


def test_hxl_export_has_hashtag_row_and_spanish_columns(db: Path) -> None:
    with Store.open(db) as store:
        import_kobo(store, CSV, MAP)
        text = export_hxl(store)
    rows = list(csv.reader(io.StringIO(text)))
    header, tags = rows[0], rows[1]
    assert len(header) == len(tags)
    assert all(t.startswith("#") for t in tags)
    for tag in ("#adm2+name", "#loc+name", "#capacity+num", "#affected+ind+sheltered", "#date+reported"):
        assert tag in tags
    assert "#loc+type+i_es" in tags and "#status+name+i_es" in tags
    data = [dict(zip(tags, r, strict=True)) for r in rows[2:]]
    cim = next(r for r in data if r["#loc+name"] == "CIM Leona Vicario (federal)")
    assert (cim["#loc+type+i_es"], cim["#capacity+num"], cim["#affected+ind+sheltered"]) == (
        "centro gubernamental",
        "800",
        "430",
    )
    assert cim["#date+reported"] == "2026-11-28" and cim["#adm1+name"] == "Chihuahua"
    camp = next(r for r in data if r["#meta+level+i_en"] == "city" and r["#adm2+name"] == "Matamoros")
    assert camp["#affected+ind+incamp+estimate"] == "60"
    assert "SYNTHETIC" not in text  # notes are never exported (the sample's notes say SYNTHETIC)


def test_token_and_shelters_commands(db: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["--db", str(db), "token", "create", "--shelter", "4", "--expires", "2099-01-01"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    with Store.open(db, read_only=True) as store:
        token = tokens.verify(store, secret)
    assert (token.role, token.shelter_id) == ("shelter", 4)
    listed = runner.invoke(app, ["--db", str(db), "token", "list", "--format", "csv"])
    assert token.id in listed.stdout and secret not in listed.stdout
    assert runner.invoke(app, ["--db", str(db), "token", "revoke", token.id]).exit_code == 0
    both = runner.invoke(app, ["--db", str(db), "token", "create", "--admin", "--shelter", "4"])
    assert both.exit_code != 0
    out = runner.invoke(app, ["--db", str(db), "shelters", "export", "--hxl"])
    assert out.exit_code == 0 and out.stdout.splitlines()[1].startswith("#meta+level+i_en,")


def test_kobo_command(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "export.csv"
    shutil.copy(CSV, copy)
    runner = CliRunner()
    r = runner.invoke(app, ["--db", str(db), "shelters", "import-kobo", str(copy), "--map", str(MAP)])
    assert r.exit_code == 0, r.output
    assert "3 added" in r.output
