"""The README tests itself: every `$ command` of its ```console blocks runs, in order, and prints what the README
shows (read at test time, so the README can change without touching this file).

How the README is read:
- a command is a `$ ` line (continued by lines ending in a backslash); the lines after it, up to the next `$ ` or
  the end of the block, are its output. A line `...` stands for any number of lines.
- the commands run with bash in a scratch folder holding links to the checkout's `data/` and `scenarios/`, with
  a fresh database (MPPWATCH_DB) and `mppwatch` from this venv on PATH; state carries from one command to the next,
  as for a reader following the tour.
- what a terminal shows is compared: stdout, with stderr before or after it (a note on stderr is shown apart
  from a `| tail` on stdout, as in a terminal); trailing blanks are ignored.
- volatile parts are normalised on both sides: timings (`0.8 s`, `12ms`), timestamps, load ids (the `load_id`
  column of CSV output and `"load_ids":[...]`).

Not run (each named in SKIPPED with the reason; a block can also be skipped by an HTML comment
`<!-- readme-test: skip REASON -->` on the line before it): API calls with curl need a running server, and
`load my_counts.csv` / `load broken.csv` stand for the reader's own files, whose contents the README does not give.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIPPED = {
    "curl ": "an API call: needs `mppwatch serve` running",
    "my_counts.csv": "the reader's own file: the README does not give its contents",
    "broken.csv": "the reader's own bad file: the README does not give its contents",
}
SKIP_MARK = "<!-- readme-test: skip"


@dataclass
class Step:
    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    skip: str | None = None


def parse(text: str) -> list[Step]:
    """The `$ ` commands of every ```console block, in order, with the output the README shows for each."""
    steps: list[Step] = []
    lines = text.splitlines()
    in_block, block_skip, current = False, None, None
    i = 0
    while i < len(lines):
        line = lines[i]
        if not in_block and line.strip() == "```console":
            in_block = True
            prev = lines[i - 1].strip() if i else ""
            block_skip = prev[len(SKIP_MARK) :].strip(" ->") or "marked skip" if prev.startswith(SKIP_MARK) else None
        elif in_block and line.strip() == "```":
            in_block, current = False, None
        elif in_block and line.startswith("$ "):
            command, start = line[2:], i + 1
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            reason = block_skip or next((why for key, why in SKIPPED.items() if key in command), None)
            current = Step(start, command.strip(), skip=reason)
            steps.append(current)
        elif in_block and current is not None:
            current.expected.append(line)
        i += 1
    return steps


_TIMING = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec|seconds|min)\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?")
_LOAD_IDS = re.compile(r'"load_ids":\s*\[[\d,\s]*\]')
_LOAD_ID = re.compile(r'"load_id":\s*\d+')


def normalise(lines: list[str]) -> list[str]:
    """Blank trailing spaces, timings, timestamps and load ids (`load_id` CSV column included)."""
    out: list[str] = []
    load_col: int | None = None
    for raw in lines:
        line = raw.rstrip()
        if "," in line and "load_id" in line.split(","):
            load_col = line.split(",").index("load_id")
        elif load_col is not None and line.count(",") >= load_col:
            cells = line.split(",")
            if cells[load_col].isdigit():
                cells[load_col] = "<load_id>"
                line = ",".join(cells)
        elif "," not in line:
            load_col = None
        line = _STAMP.sub("<time>", line)
        line = _TIMING.sub("<timing>", line)
        line = _LOAD_IDS.sub('"load_ids":[<ids>]', line)
        line = _LOAD_ID.sub('"load_id":<id>', line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` equals `actual`, a `...` line standing for any run of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == head and matches(rest, actual[1:])


STEPS = parse(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("readme")
    for name in ("data", "scenarios"):
        (work / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPPWATCH_") and k not in ("LANGUAGE", "LC_ALL")}
    env.update(
        {
            "MPPWATCH_DB": str(work / "mppwatch.duckdb"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "LANG": "C.UTF-8",
            "COLUMNS": "120",
        }
    )
    return work, env


def test_readme_has_a_tour():
    runnable = [s for s in STEPS if s.skip is None]
    assert len(runnable) >= 10 and runnable[0].command.startswith("mppwatch load")


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=[f"README.md:{s.line}" for s in STEPS])
def test_readme_command(step: Step, workspace: tuple[Path, dict[str, str]]) -> None:
    if step.skip:
        pytest.skip(step.skip)
    work, env = workspace
    proc = subprocess.run(["bash", "-c", step.command], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stderr, proc.stderr
    out, err = proc.stdout.splitlines(), proc.stderr.splitlines()
    expected = normalise(step.expected)
    shown = [normalise(out), normalise(err + out), normalise(out + err)]
    assert any(matches(expected, s) for s in shown), (
        f"README.md:{step.line}: $ {step.command}\n--- README shows:\n"
        + "\n".join(expected)
        + "\n--- the command printed (stdout, then stderr):\n"
        + "\n".join(normalise(out) + ["--- stderr:"] + normalise(err))
    )


def test_parse_and_match():
    text = "\n".join(
        [
            "intro",
            "```console",
            "$ mppwatch a \\",
            "    --b c",
            "x,load_id,y",
            "1,7,2",
            "...",
            "end in 0.5 s",
            "$ curl -s http://x",
            "{}",
            "```",
            "<!-- readme-test: skip slow here -->",
            "```console",
            "$ mppwatch slow",
            "```",
        ]
    )
    steps = parse(text)
    assert [s.command for s in steps] == ["mppwatch a --b c", "curl -s http://x", "mppwatch slow"]
    assert steps[0].skip is None and steps[1].skip and steps[2].skip == "slow here"
    assert normalise(steps[0].expected) == ["x,load_id,y", "1,<load_id>,2", "...", "end in <timing>"]
    assert matches(normalise(steps[0].expected), ["x,load_id,y", "1,<load_id>,2", "a", "b", "end in <timing>"])
    assert matches(normalise(steps[0].expected), ["x,load_id,y", "1,<load_id>,2", "end in <timing>"])
    assert not matches(normalise(steps[0].expected), ["x,load_id,y", "1,<load_id>,3", "end in <timing>"])
