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
sys.argv = ["mppwatch", ARGS]
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


def test_a_command_on_the_store_imports_no_pydantic(bundled_db):
    """Typer converts option values through pydantic; mppwatch.commands._coerce does it for the plain types
    (pydantic's import was 8% of `series`)."""
    probe = PROBE.replace("HEAVY", repr(("pydantic", "pydantic_core", "typer._adapters")))
    probe = probe.replace("m.split('.')[0] in", "m in").replace('m.split(".")[0] in', "m in")
    args = ["--db", str(bundled_db), "series", "ohss_swb_bookouts_by_agency_monthly", "--where", "component=CBP"]
    args += ["--from", "2019-01", "--to", "2019-03", "--format", "csv"]
    code = probe.replace("ARGS", repr(args)[1:-1])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout == "period,value\n2019-01,58290\n2019-02,76410\n2019-03,103740\n", proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_direct_conversion_agrees_with_typers():
    """The same value or the same message as Typer's pydantic converter, for every plain parameter of every
    command (and text that is no number, a choice in another case, lists)."""
    import typer
    from typer._click.core import Context
    from typer._click.exceptions import BadParameter

    from mppwatch.cli import app
    from mppwatch.commands import _coerce
    from mppwatch.commands._lazy import _command_modules, _Placeholder, load_module_commands

    group = typer.main.get_command(app)
    commands = [c for c in group.commands.values() if not isinstance(c, _Placeholder)]
    for module in _command_modules():
        for cmd in load_module_commands(module).values():
            commands += [cmd, *getattr(cmd, "commands", {}).values()]
    samples = ["3", " 7 ", "-2", "1.5", "abc", "", "x.csv", "CSV", "json", "table", "true"]
    compared = 0
    for cmd in commands:
        ctx = Context(cmd)
        for param in cmd.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:
                continue
            mine = _coerce.build_runtime_param(descriptor)
            if not isinstance(mine, _coerce._Direct):
                continue
            theirs = _coerce._original(descriptor)
            values: list[object] = [*samples, param.default]
            if param.multiple or param.nargs == -1:
                values = [("a", "b"), ("1", "x.csv"), ()]
            for value in values:
                outcomes = []
                for runtime in (mine, theirs):
                    try:
                        outcomes.append(("ok", runtime.coerce(value, param=param, ctx=ctx)))
                    except BadParameter as exc:
                        outcomes.append(("error", exc.format_message().replace("Value error, ", "")))
                assert outcomes[0] == outcomes[1], (cmd.name, param.name, value)
                assert type(outcomes[0][1]) is type(outcomes[1][1]), (cmd.name, param.name, value)
                compared += 1
    assert compared > 500


def test_a_series_table_imports_no_pandas(bundled_db):
    """`series` prints its table from `query.series`'s plain rows: pandas, numpy and pyarrow (half a second of
    start-up) load only for CSV, JSON, a chart or a notebook's `result.frame`. The table is the hand-checked
    CBP figures of the double-count case (issue 12), never the doubled 9,400."""
    args = ["--db", str(bundled_db), "series", "ohss_swb_bookouts_by_agency_monthly", "--where"]
    args += ["outcome=Migrant Protection Protocols", "--from", "2019-06", "--to", "2019-08"]
    code = PROBE.replace("ARGS", repr(args)[1:-1]).replace("HEAVY", repr(("pandas", "numpy", "pyarrow")))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    cells = [line.split("│")[1:3] for line in proc.stdout.splitlines() if line.startswith("│")]
    assert [[c.strip() for c in row] for row in cells] == [["2019-06", "4,700"], ["2019-07", "11,270"],
                                                          ["2019-08", "11,970"]], proc.stdout  # fmt: skip
    assert "component: CBP is the total of OFO, USBP" in proc.stdout
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []
