"""Court-record claims are decided when an EOIR release is loaded (here a small SYNTHETIC one), and say so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mppwatch import court
from mppwatch.claims import Verdict, check
from mppwatch.claims.explain import to_html
from mppwatch.store import Store

HEADER = "claim_id,source_url,quote,quantity,value,unit,as_of_date,geography\n"
CLAIMS = HEADER + "\n".join(
    [
        "R1,,,MPP representation rate,4,percent,2019-11-30,US-Mexico border (all MPP locations)",
        "R2,,,MPP share failing to appear at a hearing (about),50,percent,2019-11-30,US-Mexico border",
        "R3,,,pending MPP cases,29423,cases,2021-01-31,US-Mexico border (all MPP locations)",
        "R4,,,MPP respondents with representation (about),3000,persons,2020-01-31,US-Mexico border",
    ]
) + "\n"  # fmt: skip


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("court_claims")
    court.synth_eoir(root / "rel", 1500, seed=2)
    path = root / "db.duckdb"
    with Store.open(path) as store:
        court.load(store, root / "rel", "2026-01")
    return path


def test_court_claims_use_the_release_and_say_synthetic(store_path: Path, tmp_path: Path) -> None:
    claims = tmp_path / "court_claims.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    with Store.open(store_path) as store:
        result = check(store, claims)
        expected = {
            day: court.table(store, [], ["pending", "in_absentia_rate", "represented_rate"], mpp_only=True, as_of=day)
            for day in (date(2019, 12, 1), date(2021, 2, 1))  # court tables are dated to month starts
        }
    v = {x.claim.claim_id: x for x in result.verdicts}
    rep = float(expected[date(2019, 12, 1)]["represented_rate"].iloc[0]) * 100
    absentia = float(expected[date(2019, 12, 1)]["in_absentia_rate"].iloc[0]) * 100
    pending = expected[date(2021, 2, 1)]["pending"].iloc[0]
    assert v["R1"].value == pytest.approx(rep)
    assert v["R1"].verdict == ("supported" if abs(rep - 4) <= 0.5 else "contradicted")
    assert v["R2"].value == pytest.approx(absentia)
    assert v["R2"].verdict == ("supported" if 47.5 <= absentia <= 52.5 else "contradicted")
    if isinstance(pending, str):  # suppressed small cell: the claim cannot be decided from it
        assert v["R3"].verdict == "not_checkable"
    else:
        assert v["R3"].value == pending and v["R3"].verdict == "contradicted"
    # a rate cannot decide a count
    assert v["R4"].verdict == "not_checkable" and "rate" in v["R4"].method()
    for cid in ("R1", "R2"):
        assert "SYNTHETIC" in v[cid].dataset and "SYNTHETIC" in v[cid].method()
        assert "SYNTHETIC" in v[cid].method("es")
    assert "SYNTHETIC" in to_html(result)


def test_a_real_release_wins_over_a_newer_synthetic_one(store_path: Path, tmp_path: Path) -> None:
    """A release whose files do not say SYNTHETIC counts as real: it decides claims even when a synthetic one is newer."""
    import shutil

    root = tmp_path / "plain"
    court.synth_eoir(tmp_path / "s", 1200, seed=4)
    shutil.copytree(next((tmp_path / "s").iterdir()), root / "EOIR Case Data")  # same format, no SYNTHETIC name
    (root / "EOIR Case Data" / "SYNTHETIC_README.txt").unlink(missing_ok=True)
    db = tmp_path / "both.duckdb"
    shutil.copy(store_path, db)
    claims = tmp_path / "c.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    with Store.open(db) as store:
        assert court.load(store, root, "2025-06").release == "2025-06"  # older than the synthetic 2026-01
        v = {x.claim.claim_id: x for x in check(store, claims).verdicts}
        rate = court.table(store, [], ["represented_rate"], mpp_only=True, as_of=date(2019, 12, 1), release="2025-06")
    assert v["R1"].dataset == "court:2025-06" and "SYNTHETIC" not in v["R1"].method()
    assert v["R1"].value == pytest.approx(float(rate["represented_rate"].iloc[0]) * 100)


def test_several_court_filters_and_the_non_mpp_comparison_group(store_path: Path, tmp_path: Path) -> None:
    """A spec takes several court filters at once, and `group = "non_mpp"` (all cases minus MPP, counts only)."""
    day = date(2020, 2, 1)  # the claims are dated 31 Jan 2020: the nearest month start
    with Store.open(store_path) as store:
        by_two = court.table(store, ["nationality", "hearing_location"], ["cases"], mpp_only=True, as_of=day)
        every = court.table(store, [], ["cases"], mpp_only=False, as_of=day)
        mpp = court.table(store, [], ["cases"], mpp_only=True, as_of=day)
    shown = by_two[by_two["cases"].map(lambda v: not isinstance(v, str))].iloc[0]
    cell = int(shown["cases"])
    non_mpp = int(every["cases"].iloc[0]) - int(mpp["cases"].iloc[0])
    claims = tmp_path / "court_groups.csv"
    claims.write_text(
        HEADER + f"G1,,,MPP cases of one nationality at one court,{cell},cases,2020-01-31,US\n"
        f"G2,,,non-MPP cases,{non_mpp},cases,2020-01-31,US\n"
        f"G3,,,non-MPP cases,{non_mpp + 500},cases,2020-01-31,US\n"
        "G4,,,non-MPP in absentia rate,40,percent,2020-01-31,US\n",
        encoding="utf-8",
    )
    nat, loc = shown["nationality"], shown["hearing_location"]
    (tmp_path / "court_groups.spec.toml").write_text(
        f'[claims.G1]\nmetric = "court"\nmeasure = "cases"\nwhere = {{ nationality = "{nat}", hearing_location = "{loc}" }}\n'
        '[claims.G2]\nmetric = "court"\nmeasure = "cases"\ngroup = "non_mpp"\n'
        '[claims.G3]\nmetric = "court"\nmeasure = "cases"\ngroup = "non_mpp"\n'
        '[claims.G4]\nmetric = "court"\nmeasure = "in_absentia_rate"\ngroup = "non_mpp"\n',
        encoding="utf-8",
    )
    with Store.open(store_path) as store:
        result = check(store, claims)
    assert result.errors == []
    v = {x.claim.claim_id: x for x in result.verdicts}
    assert (v["G1"].verdict, v["G1"].value) == ("supported", cell)
    assert v["G1"].evidence_date == "2020-02-01"
    assert (v["G2"].verdict, v["G2"].value) == ("supported", non_mpp)
    assert v["G3"].verdict == "contradicted"
    assert v["G4"].verdict == "not_checkable" and "rate does not subtract" in v["G4"].method()


SEPT = date(2019, 9, 1)  # claims dated 31 Aug 2019 are read on the nearest month start


def _verdicts(store_path: Path, tmp_path: Path, rows: list[str], spec: str = "") -> dict[str, Verdict]:
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "c.spec.toml").write_text(spec, encoding="utf-8")
    with Store.open(store_path) as store:
        result = check(store, claims)
    assert result.errors == []
    return {v.claim.claim_id: v for v in result.verdicts}


def test_a_perturbed_court_count_decides_only_outside_its_noise_band(store_path: Path, tmp_path: Path) -> None:
    """Court counts carry cell-key noise of up to ±4: a claim inside [published - 4, published + 4] is consistent
    (supported, medium confidence), one outside is contradicted; the true count is never contradicted."""
    from mppwatch.court.measures import raw_counts, resolve_release

    with Store.open(store_path) as store:
        published = int(court.table(store, [], ["pending"], mpp_only=True, as_of=SEPT)["pending"].iloc[0])
        true = int(raw_counts(store, resolve_release(store), [], SEPT, mpp_only=True)["pending"].iloc[0])
    assert abs(published - true) <= 4
    rows = [f"P{i},,,pending MPP cases,{n},cases,2019-08-31,US" for i, n in
            enumerate([published - 4, published + 4, published - 5, published + 5, true, published])]  # fmt: skip
    rows.append(f"P6,,,pending MPP cases (about),{published},cases (about),2019-08-31,US")
    v = _verdicts(store_path, tmp_path, rows)
    got = {cid: (x.verdict, x.confidence) for cid, x in v.items()}
    assert got["P0"] == got["P1"] == ("supported", "medium")  # the edges of the band
    assert got["P2"] == got["P3"] == ("contradicted", "high")  # one past them
    assert got["P4"][0] == "supported"  # the true count, whatever the noise drew
    assert got["P5"] == ("supported", "medium")  # the published figure itself is not exact either
    assert got["P6"] == ("supported", "high")  # 5% of ~1,000 covers the whole band
    p0 = v["P0"]
    band = f"between {published - 4:,} and {published + 4:,}"
    assert band in p0.method() and "±4" in p0.method()
    assert f"entre {published - 4:,} y {published + 4:,}" in p0.method("es")
    assert "perturbed" in str(p0.row("en")["confidence_reason"])
    assert "perturbada" in str(p0.row("es")["confidence_reason"])
    assert p0.is_estimate


def test_true_court_counts_are_never_contradicted(store_path: Path, tmp_path: Path) -> None:
    """Every published cell, claimed at its true (unperturbed) count, is supported: none is called false because
    of the noise (on the old reading, as exact figures, about four in five were)."""
    from mppwatch.court.measures import raw_counts, resolve_release

    with Store.open(store_path) as store:
        shown = court.table(
            store, ["hearing_location"], ["pending", "awaiting_first_hearing"], mpp_only=True, as_of=SEPT
        )
        raw = raw_counts(store, resolve_release(store), ["hearing_location"], SEPT, mpp_only=True)
    true = raw.set_index("hearing_location")
    rows, spec = [], []
    for loc, pending, awaiting in zip(shown["hearing_location"], shown["pending"], shown["awaiting_first_hearing"],
                                      strict=True):  # fmt: skip
        for name, value in (("pending", pending), ("awaiting_first_hearing", awaiting)):
            if isinstance(value, str):
                continue
            cid = f"{name[:3]}_{loc}"
            rows.append(f"{cid},,,MPP court cases,{int(true.loc[loc, name])},cases,2019-08-31,US")
            spec.append(
                f'[claims.{cid}]\nmetric = "court"\nmeasure = "{name}"\nwhere = {{ hearing_location = "{loc}" }}\n'
            )
    assert len(rows) >= 8
    v = _verdicts(store_path, tmp_path, rows, "".join(spec))
    assert {x.verdict for x in v.values()} == {"supported"}


def test_court_shapes_awaiting_a_first_hearing_and_transfers(store_path: Path, tmp_path: Path) -> None:
    """The share still waiting for a first hearing and transfers, read from the claim's words or written in a spec;
    each verdict gives the published figure of that measure."""
    with Store.open(store_path) as store:
        row = court.table(
            store, [], ["awaiting_first_hearing", "awaiting_first_hearing_share", "transferred", "transferred_share"],
            mpp_only=True, as_of=SEPT,
        ).iloc[0]  # fmt: skip
        every = court.table(store, [], ["transferred"], mpp_only=False, as_of=SEPT)["transferred"].iloc[0]
    awaiting, share = int(row.awaiting_first_hearing), float(row.awaiting_first_hearing_share) * 100
    moved, moved_share = int(row.transferred), float(row.transferred_share) * 100
    rows = [
        f"A1,,,MPP cases still waiting for a first hearing,{awaiting},cases,2019-08-31,US",
        f"A2,,,share of pending MPP cases still waiting for a first hearing,{share:.1f},percent,2019-08-31,US",
        f"A3,,,MPP asylum seekers who have not yet had a hearing,{awaiting + 100},persons,2019-08-31,US",
        f"T1,,,MPP cases transferred to another court,{moved},cases,2019-08-31,US",
        f"T2,,,share of MPP cases transferred between courts,{moved_share:.2f},percent,2019-08-31,US",
        f"S1,,,cases moved,{int(every) - moved},cases,2019-08-31,US",
        f"S2,,,waiting share,{share:.1f},percent,2019-08-31,US",
    ]
    spec = (
        '[claims.S1]\nmetric = "court"\nmeasure = "transferred"\ngroup = "non_mpp"\n'
        '[claims.S2]\nmetric = "court"\nmeasure = "awaiting_first_hearing_share"\n'
    )
    v = _verdicts(store_path, tmp_path, rows, spec)
    x = {cid: (y.verdict, y.value) for cid, y in v.items()}
    assert x["A1"] == ("supported", awaiting)
    assert x["A2"][0] == "supported" and x["A2"][1] == pytest.approx(share)
    assert x["A3"] == ("contradicted", awaiting)  # 100 more than the published count: past the ±4 band
    assert x["T1"] == ("supported", moved)
    assert x["T2"][0] == "supported" and x["T2"][1] == pytest.approx(moved_share)
    assert x["S1"] == ("supported", int(every) - moved)  # all cases minus MPP: the comparison group
    assert x["S2"][0] == "supported" and x["S2"][1] == pytest.approx(share)
    for cid in ("A1", "A2", "T1", "T2"):
        assert "inferred" in v[cid].method()
    assert "awaiting_first_hearing_share" in v["A2"].method() and "transferred =" in v["T1"].method()


def test_a_nationality_in_words_matches_the_release_code_by_its_name(store_path: Path, tmp_path: Path) -> None:
    """'Honduran' finds nationality HO through its name HONDURAS (tables keep EOIR's codes, names beside them)."""
    with Store.open(store_path) as store:
        by = court.table(store, ["nationality"], ["pending"], mpp_only=True, as_of=SEPT)
    row = by[by["nationality_name"] == "HONDURAS"].iloc[0]
    assert row["nationality"] == "HO"
    v = _verdicts(store_path, tmp_path, [f"H1,,,pending Honduran MPP cases,{int(row['pending'])},cases,2019-08-31,US"])
    assert (v["H1"].verdict, v["H1"].value) == ("supported", int(row["pending"]))


def test_a_court_measure_named_only_by_the_quote(store_path: Path, tmp_path: Path) -> None:
    """A quantity that says only 'MPP cases' takes the first-hearing measure its quote names; without such a quote
    it is not read as one."""
    with Store.open(store_path) as store:
        row = court.table(store, [], ["cases", "awaiting_first_hearing"], mpp_only=True, as_of=SEPT).iloc[0]
    quote = '"Of those, {n} are still waiting for a first hearing, court data show."'
    v = _verdicts(
        store_path,
        tmp_path,
        [
            f"Q1,,{quote.format(n=int(row.awaiting_first_hearing))},MPP cases,{int(row.awaiting_first_hearing)},cases,2019-08-31,US",
            f"Q2,,,MPP cases,{int(row.cases)},cases,2019-08-31,US",
        ],
    )
    assert (v["Q1"].verdict, v["Q1"].value) == ("supported", int(row.awaiting_first_hearing))
    assert "the quote names awaiting_first_hearing" in v["Q1"].method()
    assert "awaiting_first_hearing" not in v["Q2"].method()
