"""Build step only (all metadata is in pyproject.toml): put the bundled data into the wheel as package data.

The checkout keeps `data/` and `scenarios/` at the repository root (tests, the README and the Makefile use them
there). A wheel must carry them inside the package, so `build_py` copies them to `mppwatch/data/` and
`mppwatch/scenarios/` in the build tree, and compiles the gettext catalogs (`locale/*/LC_MESSAGES/*.po` -> `.mo`)
so the wheel never ships a stale `.mo`. Installed, `mppwatch.sources.loader.bundled_data_dir()` finds them through
importlib.resources. No symlinks, nothing written into the source tree.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {"data": ROOT / "data", "scenarios": ROOT / "scenarios"}
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store", "*.duckdb", "*.duckdb.wal")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        package = Path(self.build_lib) / "mppwatch"
        for name, source in BUNDLED.items():
            target = package / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=SKIP)
        self._compile_catalogs(package / "locale")

    def _compile_catalogs(self, locale: Path) -> None:
        try:
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po
        except ImportError:  # no Babel in the build environment: the committed .mo (checked by a test) ships
            return
        for po in locale.glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as fh:
                catalog = read_po(fh, abort_invalid=True)
            out = io.BytesIO()
            write_mo(out, catalog, use_fuzzy=False)
            po.with_suffix(".mo").write_bytes(out.getvalue())


setup(cmdclass={"build_py": BuildPyWithData})
