"""Start-up stays short: the root help imports no heavy library, and the lazy command index is current.

Timing itself is measured by bench/startup.py (wall time against `python -c pass`), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

from mppwatch.commands import _index

HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "plotly", "statsmodels", "scipy", "openpyxl", "fastapi")

PROBE = """
import json, sys
sys.argv = ["mppwatch", *ARGS]
from mppwatch.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)), file=sys.stderr)
"""


def heavy_modules(*args: str) -> list[str]:
    code = PROBE.replace("ARGS", repr(list(args))[1:-1] or "").replace("HEAVY", repr(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_root_help_imports_nothing_heavy():
    assert heavy_modules("--help") == []


def test_usage_error_imports_nothing_heavy():
    assert heavy_modules("seris") == []


def test_root_help_lists_lazy_commands():
    proc = subprocess.run(
        [sys.executable, "-c", "from mppwatch.cli import main; main(['--help'])"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": ""},
    )
    for name in _index.COMMANDS:
        assert f" {name} " in proc.stdout, name


def test_command_index_is_current():
    """Fails when a command module adds, renames or re-documents a command: run
    `.venv/bin/python -m mppwatch.commands._index --write` (then `ruff format` it)."""
    assert _index.build() == _index.COMMANDS
