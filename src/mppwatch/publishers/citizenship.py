"""MPP returns by citizenship and month, from OHSS's "CBP SWB Book-Outs by Citp" sheet, and a check against INM.

The sheet has a "Migrant Protection Protocols" outcome under each of its top-ten citizenships (not under
Mexico, whose nationals MPP never returned, nor under Haiti or China in the August 2024 edition) and
under "Others" and "Total Encounters". Cells are CBP book-outs to MPP by encounter date, rounded to 10;
"X" (not applicable) outside the months MPP ran.
"""

from __future__ import annotations

import pandas as pd

from mppwatch import query
from mppwatch.catalog import QueryError, catalog, record
from mppwatch.core.text import N_, ascii_fold
from mppwatch.query import Selection
from mppwatch.reconcile import COLUMNS as RECONCILE_COLUMNS
from mppwatch.store import Store

DATASET = "ohss_cbp_swb_book_outs_by_citp"
MPP_OUTCOME = "Migrant Protection Protocols"
ALL_LABEL = "Total Encounters"  # the sheet's all-citizenships group
INM_DATASET = "inm_mpp_returns_by_nationality_2019"
INM_AS_OF = "2019-12-31"
ROUNDING = 5.0  # each OHSS cell is rounded to the nearest 10 (the catalogue's rounding step, halved, when loaded)
CHECK = "ohss_mpp_bookouts_vs_inm_returns_by_nationality_2019"
NO_INM = N_("no {dataset} figures as of {as_of} in {db}: run `mppwatch load`")
NO_SHEET = N_("no dataset {dataset} in {db}: load an OHSS workbook with `mppwatch load-workbook FILE.xlsx`")
NO_EDITION = N_("{dataset} has no edition {edition}; loaded: {held}")


def _editions(store: Store) -> list[str]:
    records = catalog(store)
    return sorted(records[DATASET].editions) if DATASET in records else []


def _dims(rows: pd.DataFrame, col: str) -> pd.Series:
    return rows["dims"].map(lambda d: dict(d).get(col))


def mpp_by_nationality(store: Store, edition: str | None = None) -> pd.DataFrame:
    """MPP book-outs per citizenship and month: columns `nationality, month, value` (latest edition by default).

    `nationality` is the sheet's label, with "All" for its all-citizenships group. Months where the sheet
    prints X (MPP not running) are left out; zeros are kept. `attrs` carry edition, source ids, load ids.
    """
    held = _editions(store)
    if not held:
        raise QueryError(NO_SHEET, dataset=repr(DATASET), db=store.path.name)
    chosen = edition or held[-1]
    if chosen not in held:
        raise QueryError(NO_EDITION, dataset=DATASET, edition=repr(chosen), held=", ".join(held))
    cells = query.cells(
        store, Selection(DATASET, {"edition": [chosen], "outcome": [MPP_OUTCOME]}, period_kind="month", row_type=None)
    )
    cells = cells[cells["value"].notna()]
    frame = pd.DataFrame(
        {
            "nationality": _dims(cells, "citizenship"),
            "month": cells["period"],
            "value": cells["value"],
            "source_id": cells["source_id"],
            "load_id": cells["load_id"],
        }
    )
    frame["nationality"] = frame["nationality"].replace({ALL_LABEL: "All"})
    rank = frame["nationality"].map({"Others": 1, "All": 2}).fillna(0)  # countries A-Z, then Others, then All
    frame = frame.assign(_rank=rank).sort_values(["month", "_rank", "nationality"], kind="stable")
    out = frame[["nationality", "month", "value"]].reset_index(drop=True)
    out.attrs.update(
        {
            "dataset": DATASET,
            "edition": chosen,
            "source_ids": sorted(frame["source_id"].unique().tolist()),
            "load_ids": sorted(int(x) for x in frame["load_id"].unique()),
        }
    )
    return out


def _key(name: str) -> str:
    return ascii_fold(name)


def _hidden_in_fy2019(store: Store, edition: str) -> dict[str, float]:
    """FY2019 MPP total minus the sum of its printed months, per citizenship (book-outs in months printed X)."""
    where = {"edition": [edition], "outcome": [MPP_OUTCOME], "fiscal_year": ["2019"]}
    sums = {}
    for kind in ("fiscal_year", "month"):
        cells = query.cells(store, Selection(DATASET, where, period_kind=kind, row_type=None))
        names = _dims(cells, "citizenship").replace({ALL_LABEL: "All"})
        sums[kind] = cells["value"].groupby(names).sum(min_count=1)
    return {
        str(n): float(t) - float(sums["month"].get(n, 0.0) if pd.notna(sums["month"].get(n)) else 0.0)
        for n, t in sums["fiscal_year"].items()
        if pd.notna(t)
    }


def compare_with_inm(store: Store, edition: str | None = None) -> pd.DataFrame:
    """Calendar-2019 OHSS MPP book-outs by citizenship against INM's 2019 returns by nationality.

    One row per INM nationality in `reconcile`'s columns (`published` = INM, `computed` = OHSS Jan-Dec 2019
    sum, `difference` = computed - published, `cells` = OHSS monthly cells summed, `source_id` = INM's and
    OHSS's source ids, space-separated). `tolerance` is OHSS rounding only (5 per monthly cell summed): the two count
    different events (a CBP book-out by encounter date vs a person received by Mexico), so differences
    beyond it are expected and explained in `note`, not errors. Nationalities OHSS does not itemise get
    no computed value.
    """
    if INM_DATASET not in catalog(store):
        raise QueryError(NO_INM, dataset=INM_DATASET, as_of=INM_AS_OF, db=store.path.name)
    found = query.cells(store, Selection(INM_DATASET, start=INM_AS_OF, end=INM_AS_OF, row_type=None))
    found = found[found["period"] == INM_AS_OF].sort_values("line")
    inm = pd.DataFrame(
        {"nationality": _dims(found, "nationality"), "value": found["value"], "source_id": found["source_id"]}
    )
    if inm.empty:
        raise QueryError(NO_INM, dataset=INM_DATASET, as_of=INM_AS_OF, db=store.path.name)
    monthly = mpp_by_nationality(store, edition)
    year = monthly[monthly["month"].str.startswith("2019-")]
    sums = year.groupby("nationality")["value"].agg(["sum", "size"])
    by_key = {
        _key(str(n)): (str(n), float(total), int(cells))
        for n, total, cells in zip(sums.index, sums["sum"], sums["size"], strict=True)
    }
    hidden = _hidden_in_fy2019(store, monthly.attrs["edition"])
    half_step = record(store, DATASET).rounding / 2 or ROUNDING  # the one rounding detector (core.rounding)
    months = sorted(year["month"].unique())
    span = f"{months[0]}..{months[-1]}" if months else "none"
    ohss_sources = " ".join(monthly.attrs["source_ids"])
    rows = []
    for name, published, source_id in zip(
        inm["nationality"].astype(str), inm["value"].astype(float), inm["source_id"].astype(str), strict=True
    ):
        match = by_key.get(_key(name))
        sources = f"{source_id} {ohss_sources}".strip()
        if match is None:
            rows.append(
                [CHECK, INM_DATASET, sources, "2019", name, published, None, None, None, None,
                 f"OHSS does not itemise {name} (counted under 'Others'); no comparison"]
            )  # fmt: skip
            continue
        label, computed, cells = match
        diff = computed - published
        tolerance = half_step * cells
        within = abs(diff) <= tolerance
        note = (
            f"OHSS {label!r}: CBP MPP book-outs by encounter date, {cells} monthly cells {span}, rounded to 10; "
            "INM: people returned to Mexico in 2019. "
            + ("Agrees within rounding." if within else "Differs beyond rounding: different events and dates.")
        )
        if (gap := hidden.get(label, 0.0)) > half_step * 12:
            note += f" OHSS's FY2019 total is {gap:,.0f} more than its printed months (months printed X hide them)."
        rows.append([CHECK, INM_DATASET, sources, "2019", name, published, computed, diff, cells, tolerance, note])
    out = pd.DataFrame(rows, columns=RECONCILE_COLUMNS)
    out.attrs.update({"edition": monthly.attrs["edition"], "ohss_months": span})
    return out
