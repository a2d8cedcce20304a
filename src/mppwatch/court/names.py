"""Codes with their names: `<col>_name` columns from the release's own Lookup/ files, added to an aggregate frame.

Why: court tables group by EOIR's codes (hearing location CIX, base city SND, nationality HO, ...), which readers
cannot decode; the names come with the same release. Run after disclosure control: a name column changes no count,
so it cannot undo a suppression, and a code with no name in the release gets an empty name (never a guess), while
a structural label (Total, UNKNOWN, PENDING, ...) keeps its own text. Codes stay as they are, so CSV output keeps a
code column and a name column.
"""

from __future__ import annotations

import pandas as pd

from mppwatch.store import Store

# Grouping columns of court tables and the Lookup/ file (stem, any case) that names their codes.
NAME_LOOKUPS = {
    "hearing_location": "tblLookupHloc",
    "base_city": "tblLookupBaseCity",
    "nationality": "tblLookupNationality",
    "language": "tblLanguage",
    "decision": "tblDecCode",
    "custody": "tblLookupCustodyStatus",
}
LABELS = ("Total", "All", "Others", "UNKNOWN", "PENDING", "NONE")  # not codes: their name is themselves


def lookup_names(store: Store, release: str, lookup: str) -> dict[str, str]:
    """Code -> name from `lookup` of `release` (the first entry of a code, as EOIR lists its active one first)."""
    rows = store.con.execute(
        """SELECT trim(code), first(trim(description) ORDER BY rowid) FROM court_lookups
           WHERE release = ? AND lower(lookup) = lower(?) AND code IS NOT NULL AND nullif(trim(description), '') IS NOT NULL
           GROUP BY trim(code)""",
        [release, lookup],
    ).fetchall()
    return {str(code): str(name) for code, name in rows}


def add_names(store: Store, release: str, frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """`frame` with `<col>_name` after each coded column (`columns`, default every column NAME_LOOKUPS knows).

    A value that is already a name in the lookup (a frame whose codes were replaced) is kept as its own name."""
    out = frame.copy()
    out.attrs.update(frame.attrs)
    for col in columns if columns is not None else [c for c in frame.columns if c in NAME_LOOKUPS]:
        if col not in out.columns or col not in NAME_LOOKUPS or f"{col}_name" in out.columns:
            continue
        names = lookup_names(store, release, NAME_LOOKUPS[col])
        known = set(names.values())

        def name(value: object, names: dict[str, str] = names, known: set[str] = known) -> str | None:
            if value is None or (isinstance(value, float) and pd.isna(value)):
                return None
            text = str(value).strip()
            if text in names:
                return names[text]
            if text in LABELS or text in known:
                return text
            return None

        values = pd.Series([name(v) for v in out[col]], index=out.index, dtype=object)
        out.insert(list(out.columns).index(col) + 1, f"{col}_name", values)
    return out
