"""The package works installed: the wheel carries the bundled data, scenarios, workbooks and catalogs.

Built offline from this checkout (`pip wheel --no-deps --no-build-isolation`) and installed with `--no-deps
--no-index` into a fresh virtualenv whose dependencies come from the development venv (a .pth line), run from a
directory that is not the checkout, so nothing can be found by walking up to `data/`.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from mppwatch.sources.loader import bundled_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp.glob("mppwatch-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dev_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # duckdb, pandas, ... only
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    return venv


def run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_DATA", "MPPWATCH_DB", "PYTHONPATH")}
    env["LANG"] = "C.UTF-8"
    return subprocess.run(
        [str(venv / "bin" / "mppwatch"), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow
def test_installed_package_is_the_wheel(installed, tmp_path):
    code = "import mppwatch, sys; print(mppwatch.__file__)"
    out = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip().startswith(str(installed)), out.stdout + out.stderr


@pytest.mark.slow
def test_load_from_the_wheel_loads_every_bundled_dataset(installed, tmp_path):
    proc = run(installed, tmp_path, "--db", str(tmp_path / "w.duckdb"), "load", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    expected = [p.name for p in bundled_files(ROOT / "data")]
    assert [r["file_name"] for r in rows] == expected and len(expected) >= 10
    assert {r["status"] for r in rows} == {"loaded"}
    series = run(
        installed,
        tmp_path,
        "--db",
        str(tmp_path / "w.duckdb"),
        "series",
        "mexico_mpp_returns_city_snapshots",
        "--by",
        "city",
    )
    assert series.returncode == 0 and "Ciudad Juárez" in series.stdout


@pytest.mark.slow
def test_wheel_carries_scenarios_workbooks_catalogs(installed, tmp_path):
    code = (
        "from importlib import resources; r = resources.files('mppwatch'); "
        "print(sorted(p.name for p in r.joinpath('scenarios').iterdir() if p.name.endswith('.toml'))); "
        "print(sorted(p.name for p in r.joinpath('data', 'publisher_files').iterdir())); "
        "print(r.joinpath('locale', 'es', 'LC_MESSAGES', 'mppwatch.mo').is_file())"
    )
    out = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    scenarios, workbooks, mo = out.stdout.strip().splitlines()
    assert eval(scenarios) == sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))
    assert eval(workbooks) == sorted(p.name for p in (ROOT / "data/publisher_files").iterdir())
    assert mo == "True"
    es = run(installed, tmp_path, "--lang", "es", "seris")
    assert es.returncode == 2 and "No existe la orden 'seris'" in es.stderr


@pytest.mark.slow
def test_load_without_bundled_data_is_an_error(installed, tmp_path):
    env_dir = tmp_path / "empty"
    env_dir.mkdir()
    proc = subprocess.run(
        [str(installed / "bin" / "mppwatch"), "--db", str(tmp_path / "x.duckdb"), "load"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MPPWATCH_DATA": str(env_dir), "LANG": "C.UTF-8"},
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: no bundled data found (looked in {env_dir})")
    assert not (tmp_path / "x.duckdb").exists()
