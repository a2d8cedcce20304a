"""The shelter register: seeding from the bundled table, the Juárez planned shelter, tokens, the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mppwatch.errors import MppwatchError
from mppwatch.shelters import register, tokens
from mppwatch.shelters.citywide import shelter_load
from mppwatch.shelters.seed import seed
from mppwatch.shelters.tokens import AuthError
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.store import Store

CSV = bundled_data_dir() / "mpp_city_shelters.csv"


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "register.duckdb"
    with Store.open(path) as store:
        seed(store)
    return path


def _beds(frame, day: str) -> float:
    rows = frame[frame["date"] <= date.fromisoformat(day)]
    return float(rows["beds"].iloc[-1])


def test_juarez_beds_do_not_jump_by_the_planned_shelter(seeded: Path) -> None:
    """July 2019 printed 60 beds (pastor Fierro) and an announced 5,000-bed federal shelter: summed by month, the
    series ran 900 -> 5,060 -> 1,600. The federal centre (CIM Leona Vicario) was inaugurated on 1 Aug 2019 (KTSM),
    so July keeps June's city-wide 900; from 1 Aug its inauguration capacity counts (3,000, the lower of KTSM's
    3,000 and AP's 3,500) plus Fierro's 60 = 3,060, above the city-wide 'more than 1,600'."""
    with Store.open(seeded, read_only=True) as store:
        frame = shelter_load(store, "Ciudad Juárez")
    assert _beds(frame, "2019-06-30") == 900
    assert _beds(frame, "2019-07-01") == 900
    assert _beds(frame, "2019-07-31") == 900
    assert _beds(frame, "2019-08-01") == 3060
    assert 5000 not in set(frame["beds"]) and 5060 not in set(frame["beds"])
    july = frame[(frame["date"] >= date(2019, 7, 1)) & (frame["date"] < date(2019, 8, 1))]
    assert set(july["beds_basis"]) == {"city-wide or group figure"}
    # the planned figure is kept in the store with its source, as printed
    with Store.open(seeded, read_only=True) as store:
        kept = store.query(
            "SELECT r.capacity, r.as_printed, r.source_id, s.name, s.opened_on FROM occupancy_reports r "
            "JOIN shelters s ON s.id = r.shelter_id WHERE r.capacity = 5000"
        )
    assert kept.to_dict("records") == [
        {
            "capacity": 5000,
            "as_printed": "2019-07",
            "source_id": "EFE_2019-07_JUAREZ",
            "name": "CIM Leona Vicario (federal)",
            "opened_on": pd_ts("2019-08-01"),
        }
    ]


def pd_ts(text: str):  # noqa: ANN201 - pandas gives dates as Timestamps
    import pandas as pd

    return pd.Timestamp(text)


def test_tijuana_planned_centre_counts_only_from_opening(seeded: Path) -> None:
    """Announced 24 Jul 2019 for 'as many as 4,000'; opened 6 Dec 2019; inaugurated 11 Dec with 3,000 (Zeta) or
    3,200 (El Sol): no beds before 11 Dec, then 3,000."""
    with Store.open(seeded, read_only=True) as store:
        frame = shelter_load(store, "Tijuana")
    before = frame[frame["date"] < date(2019, 12, 11)]
    assert before["beds"].isna().all()
    assert _beds(frame, "2019-12-11") == 3000


def test_seed_keeps_every_row_and_is_idempotent(seeded: Path) -> None:
    """91 rows: 33 capacities + 36 occupancies + 11 camp populations seeded (80); 10 shelter counts and 1 percentage
    not seeded, by reason. The same file again changes nothing."""
    with Store.open(seeded) as store:
        counts = store.query(
            "SELECT count(*) AS n, count(capacity) AS cap, sum(is_estimate::INT) AS est FROM occupancy_reports"
        )
        assert counts.to_dict("records") == [{"n": 80, "cap": 33, "est": 11}]
        sources = store.query(
            "SELECT count(*) AS n FROM occupancy_reports WHERE source_id IS NULL OR source_line IS NULL"
        )
        assert int(sources["n"].iloc[0]) == 0
        again = seed(store)
        assert again.status == "skipped"
        assert int(store.query("SELECT count(*) AS n FROM occupancy_reports")["n"].iloc[0]) == 80


def test_seed_result_counts(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        result = seed(store)
    assert (result.status, result.figures) == ("seeded", 80)
    assert result.not_seeded == {"shelters_count": 10, "percent_full": 1}


def test_camp_populations_stay_estimates_with_sources(seeded: Path) -> None:
    with Store.open(seeded, read_only=True) as store:
        frame = shelter_load(store, "Matamoros")
        camps = store.query(
            "SELECT s.kind, r.is_estimate, r.source_id FROM occupancy_reports r JOIN shelters s ON s.id = r.shelter_id "
            "WHERE s.city = 'Matamoros'"
        )
    assert set(camps["kind"]) == {"camp"} and camps["is_estimate"].all() and camps["source_id"].notna().all()
    # 6 Mar 2021: INM counted 72, Prospect 'roughly 60' the same day: one population, the lower figure
    last = frame.iloc[-1]
    assert (str(last["date"]), last["in_camps"]) == ("2021-03-06", 60)
    assert "estimate" in frame.attrs["in_camps_method"]
    assert frame["beds"].isna().all()


def test_bad_seed_file_names_line_and_column_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",capacity_beds,", ",beds,")  # line 5 of the file
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "db.duckdb"
    with Store.open(path) as store:
        seed(store)
        before = store.query("SELECT * FROM occupancy_reports ORDER BY id")
        with pytest.raises(MppwatchError, match=r"bad.csv:5: column 'measure'"):
            seed(store, bad)
        assert store.query("SELECT * FROM occupancy_reports ORDER BY id").equals(before)


# -- tokens -----------------------------------------------------------------------------------------------------


def test_tokens_are_random_hashed_and_never_stored_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    with Store.open(path) as store:
        seed(store)
        made = [tokens.create(store, "admin"), tokens.create(store, "shelter", 4, date.today() + timedelta(days=3))]
        store.con.execute("CHECKPOINT")
    raw = path.read_bytes() + (
        path.with_name(path.name + ".wal").read_bytes() if path.with_name(path.name + ".wal").exists() else b""
    )
    for token_id, secret in made:
        assert tokens.well_formed(secret) and len(secret) == len("mppw_") + 43
        assert secret.encode() not in raw and secret[5:].encode() not in raw
        assert tokens.digest(secret).encode() in raw  # the hash is what is kept
        assert token_id.encode() in raw
    assert made[0][1] != made[1][1]


def test_verify_refuses_revoked_expired_unknown(tmp_path: Path) -> None:
    with Store.open(tmp_path / "v.duckdb") as store:
        seed(store)
        tid, secret = tokens.create(store, "shelter", 4, date.today() + timedelta(days=1))
        assert tokens.verify(store, secret).shelter_id == 4
        with pytest.raises(AuthError, match="expired") as exc:
            tokens.verify(store, secret, today=date.today() + timedelta(days=2))
        assert exc.value.status == 403
        tokens.revoke(store, tid)
        with pytest.raises(AuthError, match="revoked"):
            tokens.verify(store, secret)
        with pytest.raises(AuthError, match="unknown"):
            tokens.verify(store, "mppw_" + "A" * 43)
        with pytest.raises(MppwatchError, match="already revoked"):
            tokens.revoke(store, tid)
        assert list(store.query("SELECT action FROM audit WHERE table_name = 'tokens' ORDER BY id")["action"]) == [
            "token.create",
            "token.revoke",
        ]


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("", 401),
        ("Basic abc", 401),
        ("Bearer", 401),
        ("Bearer short", 401),
        ("Bearer mppw_" + "!" * 43, 401),
    ],
)
def test_parse_bearer(header: str | None, status: int) -> None:
    with pytest.raises(AuthError) as exc:
        tokens.parse_bearer(header)
    assert exc.value.status == status


def test_report_replaces_same_day_and_audits_before_and_after(seeded: Path) -> None:
    with Store.open(seeded) as store:
        _, secret = tokens.create(store, "shelter", 4)
        token = tokens.verify(store, secret)
        first = register.add_report(store, 4, {"date": "2026-11-30", "occupied": 500, "turned_away": 2}, token)
        second = register.add_report(store, 4, {"date": "2026-11-30", "occupied": 900}, token)
        assert (first.replaced, second.replaced, second.id) == (False, True, first.id)
        assert second.warnings() == ["occupied cannot be more than the capacity (900 > 800)"]
        rows = store.query(
            "SELECT action, token_id, before, after FROM audit WHERE table_name = 'occupancy_reports' AND action LIKE 'report%' ORDER BY id"
        )
        assert list(rows["action"]) == ["report.add", "report.replace"]
        assert set(rows["token_id"]) == {token.id}
        assert rows["before"].iloc[0] is None or str(rows["before"].iloc[0]) in ("None", "nan")
        assert '"occupied": 500' in rows["before"].iloc[1] and '"occupied": 900' in rows["after"].iloc[1]
        with pytest.raises(AuthError):
            register.add_report(store, 5, {"date": "2026-11-30", "occupied": 1}, token)


def test_city_typed_any_way_and_unknown_city_named(seeded: Path) -> None:
    with Store.open(seeded, read_only=True) as store:
        assert len(shelter_load(store, "ciudad  JUAREZ")) == len(shelter_load(store, "Ciudad Juárez"))
        assert set(register.shelters(store, "tijuana")["city"]) == {"Tijuana"}
        with pytest.raises(MppwatchError, match=r"'Tijuna'.*nearest first: Tijuana,"):
            shelter_load(store, "Tijuna")
        empty = register.shelters(store, "Atlantis")
        assert empty.empty and "Atlantis" in empty.attrs["why_empty"]
        # a label with only shelter counts ("all shelters in Baja California") is no register entry
        assert "Tijuana and Mexicali" not in set(store.query("SELECT city FROM shelters")["city"])


def test_reseed_of_a_changed_table_keeps_staff_reports_and_ids(tmp_path: Path) -> None:
    changed = tmp_path / "mpp_city_shelters.csv"
    changed.write_bytes(CSV.read_bytes().replace(b"capacity 60; had held", b"capacity 60 (corrected note); had held"))
    with Store.open(tmp_path / "r.duckdb") as store:
        seed(store)
        ids = store.query("SELECT id, city, name FROM shelters ORDER BY id")
        register.add_report(store, 4, {"date": "2026-11-30", "occupied": 10}, None)
        again = seed(store, changed)
        assert again.status == "replaced" and again.figures == 80 and again.shelters_created == 0
        assert store.query("SELECT id, city, name FROM shelters ORDER BY id").equals(ids)
        kept = store.query("SELECT occupied FROM occupancy_reports WHERE origin = 'report'")
        assert kept["occupied"].tolist() == [10]
        assert int(store.query("SELECT count(*) AS n FROM occupancy_reports WHERE origin = 'seed'")["n"].iloc[0]) == 80
        notes = store.query("SELECT note FROM occupancy_reports WHERE note LIKE '%corrected note%'")
        assert len(notes) == 1
