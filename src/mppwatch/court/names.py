"""Codes with their names: `<col>_name` beside each coded column of an aggregate frame, from the release's own lookups.

Why: court tables group by EOIR's codes (hearing location CIX, base city SND, nationality HO, ...), which readers
cannot decode; the names come with the same release (its Lookup/ files). The one place for it: `table`, `waits`,
`pending_table` and `pending_series` call `add_names` after disclosure control (a name changes no count, so it
cannot undo a suppression), and `for_output` shapes the result for a format:
- JSON (CLI and API): both, `hearing_location` (the code) and `hearing_location_name`;
- CSV: the codes only, unless asked for the names (`--names`), which then follow each coded column;
- a table for people: one column, "ENP – EL PASO MPP".
A code the release's lookups do not name gets no name (never a guess from another release or a bundled list) and
is listed in a note; a structural label (Total, UNKNOWN, PENDING, ...) is its own name.
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
LABELS = ("Total", "All", "Others", "UNKNOWN", "PENDING", "NONE", "none/unknown")  # not codes: their own name
SUFFIX = "_name"
SEPARATOR = " – "


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

    attrs["unnamed"] lists, per column, the codes the release's lookups do not name."""
    out = frame.copy()
    out.attrs.update(frame.attrs)
    unnamed: dict[str, list[str]] = {}
    for col in columns if columns is not None else [c for c in frame.columns if c in NAME_LOOKUPS]:
        if col not in out.columns or col not in NAME_LOOKUPS or f"{col}{SUFFIX}" in out.columns:
            continue
        names = lookup_names(store, release, NAME_LOOKUPS[col])
        values: list[str | None] = []
        for value in out[col]:
            text = None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
            if text is None:
                values.append(None)
            elif text in names:
                values.append(names[text])
            elif text in LABELS:
                values.append(text)
            else:
                values.append(None)
                if text not in unnamed.setdefault(col, []):
                    unnamed[col].append(text)
        out.insert(list(out.columns).index(col) + 1, f"{col}{SUFFIX}", pd.Series(values, index=out.index, dtype=object))
    out.attrs["unnamed"] = {c: sorted(v) for c, v in unnamed.items() if v}
    return out


def unnamed_note(frame: pd.DataFrame) -> str | None:
    """The note saying which codes have no name in the release's lookups (shown as the code alone), or None."""
    from mppwatch.court.texts import unnamed_codes

    missing: dict[str, list[str]] = frame.attrs.get("unnamed") or {}
    if not missing:
        return None
    return unnamed_codes("; ".join(f"{col} {', '.join(codes)}" for col, codes in missing.items()))


def for_output(frame: pd.DataFrame, fmt: str, names: bool = False) -> pd.DataFrame:
    """`frame` (from `add_names`) as a format shows it: JSON keeps both columns; CSV the codes, and the names after
    them when `names`; a table one "CODE – NAME" column (the code alone where there is no name)."""
    named = [c for c in frame.columns if c.endswith(SUFFIX) and c.removesuffix(SUFFIX) in frame.columns]
    if not named or fmt == "json" or (fmt == "csv" and names):
        return frame
    out = frame.drop(columns=named)
    out.attrs.update(frame.attrs)
    if fmt == "table":
        for name_col in named:
            col = name_col.removesuffix(SUFFIX)
            out[col] = [
                code if name is None or pd.isna(name) or str(name) == str(code) else f"{code}{SEPARATOR}{name}"
                for code, name in zip(frame[col], frame[name_col], strict=True)
            ]
    return out
