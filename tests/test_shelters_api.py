"""The shelter register over HTTP: the auth matrix, nothing written on a refusal, an audit row for every write,
public reads without contacts or notes, and the phone form (cookie, CSRF, Spanish first)."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mppwatch.shelters import tokens
from mppwatch.shelters.seed import seed
from mppwatch.store import Store
from mppwatch.web.app import create_app

REPORT = {"date": "2026-11-30", "occupied": 120, "turned_away": 4, "arrivals": 10, "departures": 6, "note": "private"}


@pytest.fixture()
def site(bundled_db: Path, tmp_path: Path) -> dict:
    """The bundled data plus the seeded register, an admin token, tokens for shelters 4 and 10, one revoked and one
    expired token for shelter 4."""
    path = tmp_path / "site.duckdb"
    shutil.copy(bundled_db, path)
    with Store.open(path) as store:
        seed(store)
        made = {
            "admin": tokens.create(store, "admin")[1],
            "s4": tokens.create(store, "shelter", 4)[1],
            "s10": tokens.create(store, "shelter", 10)[1],
        }
        rid, made["revoked"] = tokens.create(store, "shelter", 4)
        tokens.revoke(store, rid)
        eid, made["expired"] = tokens.create(store, "shelter", 4, date.today() + timedelta(days=1))
        store.con.execute("UPDATE tokens SET expires_on = ? WHERE id = ?", [date.today() - timedelta(days=1), eid])
    return {"db": path, "client": TestClient(create_app(path)), **made}


def _state(db: Path) -> tuple:
    with Store.open(db, read_only=True) as store:
        return tuple(
            store.query(f"SELECT * FROM {t} ORDER BY 1").to_csv() for t in ("shelters", "occupancy_reports", "audit")
        )


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("Basic xyz", 401),
        ("Bearer not-a-token", 401),
        ("unknown", 403),
        ("revoked", 403),
        ("expired", 403),
        ("s10", 403),  # another shelter's token
    ],
)
def test_refused_report_writes_nothing(site: dict, who: str | None, status: int) -> None:
    headers: dict[str, str] = {}
    if who is None:
        pass
    elif who.startswith(("Basic", "Bearer")):
        headers = {"Authorization": who}
    elif who == "unknown":
        headers = _auth("mppw_" + "x" * 43)
    else:
        headers = _auth(site[who])
    before, raw = _state(site["db"]), site["db"].read_bytes()
    r = site["client"].post("/api/v1/shelters/4/reports", json=REPORT, headers=headers)
    assert r.status_code == status, r.text
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    assert _state(site["db"]) == before
    assert site["db"].read_bytes() == raw  # not a byte changed: the store was never opened for writing


@pytest.mark.parametrize("who", [None, "s4", "revoked"])
def test_only_admin_creates_shelters(site: dict, who: str | None) -> None:
    before = _state(site["db"])
    body = {"name": "Casa Nueva", "city": "Tijuana", "kind": "shelter", "capacity": 40, "status": "open"}
    r = site["client"].post("/api/v1/shelters", json=body, headers=_auth(site[who]) if who else {})
    assert r.status_code == (401 if who is None else 403)
    assert _state(site["db"]) == before


def test_every_write_has_its_audit_row(site: dict) -> None:
    c = site["client"]
    body = {"name": "Casa Nueva", "city": "Tijuana", "kind": "shelter", "capacity": 40, "status": "open"}
    r = c.post("/api/v1/shelters", json={**body, "contact": "+52 664 000 0000"}, headers=_auth(site["admin"]))
    assert r.status_code == 201
    new = r.json()["id"]
    r = c.post("/api/v1/tokens", json={"shelter_id": new}, headers=_auth(site["admin"]))
    assert r.status_code == 201
    staff = r.json()["token"]
    r1 = c.post(f"/api/v1/shelters/{new}/reports", json={**REPORT, "occupied": 30}, headers=_auth(staff))
    r2 = c.post(f"/api/v1/shelters/{new}/reports", json={**REPORT, "occupied": 45}, headers=_auth(staff))
    r3 = c.post("/api/v1/shelters/4/reports", json=REPORT, headers=_auth(site["s4"]))
    assert [r1.status_code, r2.status_code, r3.status_code] == [201, 201, 201]
    assert r2.json() == {
        "id": r1.json()["id"],
        "replaced": True,
        "warnings": ["occupied cannot be more than the capacity (45 > 40)"],
    }
    with Store.open(site["db"], read_only=True) as store:
        ids = dict(store.query("SELECT hash, id FROM tokens").values.tolist())
        audit = store.query(
            "SELECT token_id, action, row_id, before, after FROM audit WHERE token_id IS NOT NULL ORDER BY id"
        )
    admin_id, staff_id, s4_id = (
        ids[tokens.digest(site["admin"])],
        ids[tokens.digest(staff)],
        ids[tokens.digest(site["s4"])],
    )
    assert audit[["token_id", "action"]].values.tolist() == [
        [admin_id, "shelter.create"],
        [admin_id, "token.create"],
        [staff_id, "report.add"],
        [staff_id, "report.replace"],
        [s4_id, "report.add"],
    ]
    assert '"occupied": 30' in audit["before"].iloc[3] and '"occupied": 45' in audit["after"].iloc[3]
    assert staff not in "".join(str(v) for v in audit.values.ravel())

    # public reads: the new shelter and its latest occupancy, never its contact or the report's note
    juarez = c.get("/api/v1/shelters", params={"city": "Ciudad Juárez"})  # shelters with no report: nulls
    assert juarez.status_code == 200 and {r["latest_occupied"] for r in juarez.json()["rows"]} >= {None}
    listing = c.get("/api/v1/shelters", params={"city": "Tijuana"})
    assert listing.status_code == 200
    text = listing.text
    assert "Casa Nueva" in text and "+52 664" not in text and "private" not in text
    row = next(r for r in listing.json()["rows"] if r["name"] == "Casa Nueva")
    assert (row["capacity"], row["latest_occupied"], row["latest_date"]) == (40, 45, "2026-11-30")
    load = c.get("/api/v1/cities/Tijuana/shelter-load")
    assert load.status_code == 200
    last = load.json()["rows"][-1]
    assert (last["date"], last["occupied"], last["turned_away"]) == ("2026-11-30", 45, 4)
    assert "estimate" in load.json()["notes"]["people_waiting_estimate"]
    assert "private" not in load.text and "+52 664" not in load.text


def test_shelter_token_reads_only_its_own_reports(site: dict) -> None:
    c = site["client"]
    assert c.get("/api/v1/shelters/4/reports").status_code == 401
    assert c.get("/api/v1/shelters/4/reports", headers=_auth(site["s10"])).status_code == 403
    mine = c.get("/api/v1/shelters/4/reports", headers=_auth(site["s4"]))
    assert mine.status_code == 200 and mine.json()["shelter_id"] == 4


def test_bad_report_is_refused_with_its_field(site: dict) -> None:
    before = _state(site["db"])
    c = site["client"]
    r = c.post("/api/v1/shelters/4/reports", json={**REPORT, "occupied": "many"}, headers=_auth(site["s4"]))
    assert r.status_code == 400 and r.json()["detail"].startswith("occupied:")
    r = c.post("/api/v1/shelters/4/reports", content=b"{not json", headers=_auth(site["s4"]))
    assert r.status_code == 400
    r = c.post("/api/v1/shelters/999/reports", json=REPORT, headers=_auth(site["admin"]))
    assert r.status_code == 404
    assert _state(site["db"]) == before


def test_shelter_load_waiting_estimate_from_returns(site: dict) -> None:
    """Juárez on 22 Jul 2019: INM's cumulative returns to the city, interpolated; labelled an estimate."""
    r = site["client"].get("/api/v1/cities/Ciudad Juárez/shelter-load")
    rows = {row["date"]: row for row in r.json()["rows"]}
    assert rows["2019-07-01"]["beds"] == 900
    assert rows["2019-07-22"]["people_waiting_estimate"] is not None
    assert "people_waiting_estimate" in r.json()["estimates"]


# -- the form ------------------------------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found[1]


def test_form_spanish_first_cookie_and_csrf(site: dict) -> None:
    c = site["client"]
    page = c.get("/shelters/report")
    assert page.status_code == 200 and 'lang="es"' in page.text and "Clave de acceso de su albergue" in page.text
    csrf = _csrf(page.text)
    # a login without the CSRF field is refused and sets no token cookie
    r = c.post("/shelters/report/login", data={"token": site["s4"]}, follow_redirects=False)
    assert r.status_code == 403 and "mppw_shelter_token" not in r.headers.get("set-cookie", "")
    r = c.post("/shelters/report/login", data={"token": site["s4"], "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "mppw_shelter_token=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    form = c.get("/shelters/report")
    assert "CIM Leona Vicario" in form.text and "Camas ocupadas" in form.text
    before = _state(site["db"])
    bad = c.post("/shelters/report", data={"csrf": "forged", "date": "2026-11-30", "occupied": "10"})
    assert bad.status_code == 403 and _state(site["db"]) == before
    cross = c.post(
        "/shelters/report",
        data={"csrf": csrf, "date": "2026-11-30", "occupied": "10"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403 and _state(site["db"]) == before
    # more people than beds: a warning, not a block
    ok = c.post("/shelters/report", data={"csrf": csrf, "date": "2026-11-30", "occupied": "950", "turned_away": "12"})
    assert ok.status_code == 200, ok.text
    assert "Reporte guardado." in ok.text and "ocupadas no puede ser mayor que la capacidad (950 &gt; 800)" in ok.text
    assert "history-data" in ok.text and "/static/plotly.min.js" in ok.text
    with Store.open(site["db"], read_only=True) as store:
        row = store.query(
            "SELECT occupied, turned_away, origin FROM occupancy_reports WHERE shelter_id = 4 AND date = '2026-11-30'"
        )
    assert row.values.tolist() == [[950, 12, "report"]]
    # plain validation: a missing count is named beside its field, in Spanish, and nothing is written
    before = _state(site["db"])
    miss = c.post("/shelters/report", data={"csrf": csrf, "date": "2026-11-30", "occupied": "", "arrivals": "x"})
    assert miss.status_code == 400 and "obligatorio" in miss.text and "un número entero, 0 o más" in miss.text
    assert _state(site["db"]) == before
    english = c.get("/shelters/report?lang=en")
    assert 'lang="en"' in english.text and "Occupied beds" in english.text


def test_form_with_revoked_token_cookie_asks_again(site: dict) -> None:
    c = site["client"]
    c.cookies.set("mppw_shelter_token", site["revoked"], path="/shelters")
    page = c.get("/shelters/report")
    assert "Clave de acceso de su albergue" in page.text  # back to the token step
    csrf = _csrf(page.text)
    before = _state(site["db"])
    r = c.post("/shelters/report", data={"csrf": csrf, "date": "2026-11-30", "occupied": "10"})
    assert r.status_code == 401 and _state(site["db"]) == before


def test_city_page_shows_beds_against_people_waiting(site: dict) -> None:
    c = site["client"]
    page = c.get("/shelters/city/Ciudad Juárez", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert page.status_code == 200 and 'lang="es"' in page.text
    assert "Personas en espera (estimación)" in page.text and "una cota superior" in page.text
    assert "/static/plotly.min.js" in page.text and "private" not in page.text
    r = c.post("/api/v1/shelters/4/reports", json={**REPORT, "occupied": 333}, headers=_auth(site["s4"]))
    assert r.status_code == 201
    after = c.get("/shelters/city/Ciudad Juárez?lang=en")
    assert "People waiting (estimate)" in after.text and '<strong id="latest-occupied">333</strong>' in after.text
    assert c.get("/shelters/city/Atlantis").status_code == 404


def test_store_without_register_refuses_tokens_and_lists_why(bundled_db: Path, tmp_path: Path) -> None:
    """A store loaded before the register existed: writes get 403 (no token can be known), reads say why empty,
    and nothing is created by a refused write."""
    path = tmp_path / "plain.duckdb"
    shutil.copy(bundled_db, path)
    c = TestClient(create_app(path))
    r = c.post("/api/v1/shelters/1/reports", json=REPORT, headers=_auth("mppw_" + "y" * 43))
    assert r.status_code == 403
    listing = c.get("/api/v1/shelters")
    assert listing.status_code == 200 and listing.json()["rows"] == [] and "seed" in listing.json()["why_empty"]
    with Store.open(path, read_only=True) as store:
        names = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert "tokens" not in names and "audit" not in names
