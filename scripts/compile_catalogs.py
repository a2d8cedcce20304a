"""Compile the gettext catalogs (`src/mppwatch/locale/*/LC_MESSAGES/*.po` -> `.mo`) with Babel, no Makefile needed.

`python scripts/compile_catalogs.py` writes each .mo beside its .po; `--check` writes nothing and exits 1 when a
committed .mo is missing or differs from what its .po compiles to (tests/test_i18n.py runs the same comparison).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "src" / "mppwatch" / "locale"


def compiled(po_path: Path) -> bytes:
    """The .mo bytes for one .po file (fuzzy entries left out, as msgfmt does)."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def catalogs(root: Path = LOCALE) -> list[Path]:
    """Every .po file under the locale directory."""
    return sorted(root.glob("*/LC_MESSAGES/*.po"))


def stale(root: Path = LOCALE) -> list[Path]:
    """The .mo files that are missing or out of date with their .po."""
    bad = []
    for po in catalogs(root):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(po):
            bad.append(mo)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale .mo files")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        for mo in bad:
            print(f"stale: {mo}", file=sys.stderr)
        return 1 if bad else 0
    for po in catalogs():
        mo = po.with_suffix(".mo")
        data = compiled(po)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            print(f"wrote {mo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
