"""The claims checker finds encounter, apprehension and inadmissible tables by their data-package roles and reads
each at its hierarchy's total (issue 12): a CSV of one's own, described by its sidecar, is checked like the
bundled tables, and a table whose total is unknown is not read, with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mppwatch import catalog
from mppwatch.claims import check
from mppwatch.claims.evidence import Context
from mppwatch.claims.infer import count_tables, infer, role_measure
from mppwatch.claims.spec import Claim, parse_period
from mppwatch.sources.loader import load_file
from mppwatch.store import Store

USBP = "usbp_sw_apprehensions_by_sector_monthly_fy2012_fy2019"
OHSS = "ohss_swb_encounters_by_sector_field_office_monthly"
CBP_USBP = "cbp_mpp_page_usbp_apprehensions_by_sector"
CBP_OFO = "cbp_mpp_page_ofo_inadmissibles_by_field_office"
HEADER = "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"
SOURCES = "source_id,source_url,title,retrieved_via,note\nMINE_ENC,https://example.org/enc,Our count,hand,\n"
# The published total ("Whole border") is not the sum of its parts (360 vs 100 + 250): reading it shows the
# checker took the hierarchy's total, not the parts, nor the parts plus the total.
COUNTS = """source_id,month,location,count
MINE_ENC,2021-03,Whole border,360
MINE_ENC,2021-03,East,100
MINE_ENC,2021-03,West,250
MINE_ENC,2021-04,Whole border,420
MINE_ENC,2021-04,East,170
MINE_ENC,2021-04,West,240
"""
CLAIMS = HEADER + "\n".join(
    [
        "R1,,,encounters at the border in March 2021,360,encounters,2021-03,the border",
        "R2,,,encounters in East in April 2021,170,encounters,2021-04,East",
        "R3,,,encounters since March 2021,780,encounters,2021-04-30,the border",
    ]
) + "\n"  # fmt: skip


def _sidecar(hierarchy: dict | None) -> dict:
    block: dict = {"title": {"en": "Our border count", "es": "Nuestro conteo fronterizo"}, "roles": ["encounters"]}
    if hierarchy is not None:
        block["hierarchy"] = hierarchy
    return {"resources": [{"path": "conteo_frontera.csv", "mppwatch": block}]}


def _store(folder: Path, counts: str, sidecar: dict | None) -> Path:
    """A store holding only the hand-made count (named so that its name gives it no role)."""
    (folder / "source_ids.csv").write_text(SOURCES, encoding="utf-8")
    data = folder / "conteo_frontera.csv"
    data.write_text(counts, encoding="utf-8")
    if sidecar is not None:
        (folder / "conteo_frontera.datapackage.json").write_text(json.dumps(sidecar), encoding="utf-8")
    path = folder / "db.duckdb"
    with Store.open(path) as store, store.transaction():
        load_file(store, folder / "source_ids.csv")
        load_file(store, data)
    return path


def _verdicts(db: Path, folder: Path) -> dict:
    claims = folder / "claims.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    with Store.open(db) as store:
        result = check(store, claims, load_missing=False)
    assert result.errors == []
    return {v.claim.claim_id: v for v in result.verdicts}


def test_an_encounters_csv_of_ones_own_is_read_at_its_declared_total(tmp_path: Path) -> None:
    db = _store(tmp_path, COUNTS, _sidecar({"location": {"Whole border": ["East", "West"]}}))
    got = _verdicts(db, tmp_path)
    assert {cid: (v.verdict, v.value, v.dataset) for cid, v in got.items()} == {
        "R1": ("supported", 360, "conteo_frontera"),  # the total row, not 100 + 250 nor 360 + 100 + 250
        "R2": ("supported", 170, "conteo_frontera"),  # the place the claim names
        "R3": ("supported", 780, "conteo_frontera"),  # 360 + 420, March and April at the total
    }
    method = got["R1"].method("en")
    assert "'encounters' → Our border count, CBP" in method and "location=Whole border" in method
    assert "conteo_frontera has no component column: its figures are taken as CBP's" in method
    assert "Nuestro conteo fronterizo" in got["R1"].method("es")


def test_without_the_sidecar_its_role_is_unknown_and_no_claim_reads_it(tmp_path: Path) -> None:
    db = _store(tmp_path, COUNTS, None)
    got = _verdicts(db, tmp_path)
    assert {v.verdict for v in got.values()} == {"not_checkable"} and not any(v.dataset for v in got.values())


def test_a_table_without_a_total_is_read_only_at_the_places_a_claim_names(tmp_path: Path) -> None:
    parts = "\n".join(line for line in COUNTS.splitlines() if "Whole border" not in line) + "\n"
    db = _store(tmp_path, parts, _sidecar(None))
    got = _verdicts(db, tmp_path)
    assert (got["R2"].verdict, got["R2"].value) == ("supported", 170)
    assert got["R1"].verdict == "not_checkable" and got["R1"].value is None
    assert "conteo_frontera not read: its location column has no total" in got["R1"].method("en")
    assert "declared in its data package ('hierarchy')" in got["R1"].would_decide_in("en")


# The main role first, then the earliest; the one table with CBP's total; OHSS and CBP's USBP page are chiefly
# encounters (Border Patrol's table chiefly apprehensions); CBP's OFO table chiefly OFO encounters (inadmissibles).
@pytest.mark.parametrize(
    ("quantity", "as_of", "expected"),
    [
        ("USBP SW apprehensions in May 2019", "2019-05", [USBP, OHSS, CBP_USBP]),
        ("CBP southwest border encounters in May 2019", "2019-05", [OHSS]),
        ("Border Patrol encounters in May 2019", "2019-05", [OHSS, CBP_USBP, USBP]),
        ("OFO inadmissibles in May 2020", "2020-05", [CBP_OFO, OHSS]),
    ],
)
def test_bundled_count_tables_keep_their_order_of_preference(
    store: Store, quantity: str, as_of: str, expected: list[str]
) -> None:
    """Border Patrol's own table first for apprehensions, then OHSS (from FY2014), then CBP's page (from 2020);
    OHSS first for encounters; CBP's OFO table first for inadmissibles: the order the checker had by name."""
    claim = Claim("T", "", quantity, "1", "count", parse_period(as_of), "US southwest border")
    cands, refusal = infer(Context(store), claim)
    assert refusal is None and [c.dataset for c in cands] == expected
    assert cands[0].where["location"] == ["Southwest Border Total" if expected[0] == USBP else "Total"]
    usbp = catalog.record(store, USBP)
    assert role_measure(usbp) == "total_apprehensions" and count_tables(Context(store), "apprehensions")[0] == USBP


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("total_apprehensions", "family_unit_apprehensions", "uac_apprehensions"), "total_apprehensions"),
        (("Apprehensions", "UAC apprehensions"), "Apprehensions"),
        (("family_unit_apprehensions", "uac_apprehensions"), None),  # no total among them: not guessed
    ],
)
def test_the_measure_is_the_one_named_for_the_main_role(values: tuple[str, ...], expected: str | None) -> None:
    dims = {"measure": catalog.Dimension("measure", values)}
    rec = catalog.DatasetRecord(
        "t", {}, {}, "user", ("apprehensions",), False, dims, {}, (), (), (), (), 0, 0
    )  # fmt: skip
    assert role_measure(rec) == expected
