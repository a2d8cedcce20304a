"""`--plot`: the chart a command writes, in plain words, with its sources, estimates drawn as estimates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mppwatch import charts
from mppwatch.errors import MppwatchError

MPPWATCH = str(Path(sys.executable).with_name("mppwatch"))
SERIES = [
    "series",
    "ohss_swb_bookouts_by_agency_monthly",
    "--where",
    "component=CBP",
    "--where",
    "outcome=Migrant Protection Protocols",
    "--from",
    "2019-01",
    "--to",
    "2019-12",
    "--format",
    "csv",
]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPPWATCH_LANG", "LANGUAGE", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "MPPWATCH_DB": str(db)})
    return subprocess.run([MPPWATCH, *args], capture_output=True, text=True, env=env, timeout=180)


def test_series_html_with_local_plotly(bundled_db, tmp_path):
    out = tmp_path / "chart.html"
    proc = run(bundled_db, *SERIES, "--plot", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"wrote {out}"
    assert proc.stdout.startswith("period,value\n")  # the CSV on stdout is unchanged by --plot
    html = out.read_text()
    assert 'src="plotly.min.js"' in html and (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert "by month, 2019" in html and "Source: OHSS_IELP_2024-08" in html
    assert "FORECAST" not in html and "ohss_swb_bookouts_by_agency_monthly (" not in html


def test_inline_js_once(bundled_db, tmp_path):
    out = tmp_path / "inline.html"
    proc = run(bundled_db, "--inline-js", *SERIES, "--plot", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    assert not (tmp_path / "plotly.min.js").exists()
    assert html.count("plotly.js v") == 1 and 'src="plotly.min.js"' not in html


def test_bad_plot_name_fails_before_work(bundled_db, tmp_path):
    proc = run(bundled_db, *SERIES, "--plot", str(tmp_path / "chart.pdf"))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"error: --plot {tmp_path / 'chart.pdf'}: expected a file name ending in .html, .png or .svg"
    ]


def test_spanish_chart(bundled_db, tmp_path):
    out = tmp_path / "es.html"
    proc = run(bundled_db, "--lang", "es", "returns", "--as-of", "2019-07-01", "--by", "city", "--plot", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    for text in ("Devoluciones del MPP a México por ciudad al 1 jul 2019", "Fuente: ", "estimación"):
        assert json.dumps(text)[1:-1] in html, text  # plotly writes the figure as JSON (\u00e9 for é)


def test_returns_chart_draws_estimates_as_estimates():
    frame = pd.DataFrame(
        {
            "city": ["Tijuana", "Mexicali", "Matamoros"],
            "value": [5782.0, 3887.0, None],
            "is_estimate": [True, False, True],
            "source_ids": ["A B", "C", ""],
        }
    )
    fig = charts.returns_chart(frame, as_of="2019-07-01", lang="en")
    published, estimate = fig.data
    assert list(published.x) == ["Mexicali"] and list(published.y) == [3887.0]
    assert list(estimate.x) == ["Tijuana"] and estimate.marker.pattern.shape == "/" and estimate.name == "estimate"
    assert fig.layout.title.text == "MPP returns to Mexico by city as of 1 Jul 2019"
    source_line = fig.layout.annotations[0].text
    assert (
        "Source: A, B, C" in source_line and "Not estimated (no figure on or after this date): Matamoros" in source_line
    )
    assert fig.layout.yaxis.title.text == "people returned (cumulative)"


def test_band_chart_is_labelled_simulated():
    daily = pd.DataFrame(
        {
            "date": ["2019-06-01", "2019-06-02"] * 2,
            "city": ["Tijuana"] * 2 + ["Mexicali"] * 2,
            "output": ["waiting"] * 4,
            "p5": [1, 2, 3, 4],
            "p50": [2, 3, 4, 5],
            "p95": [3, 4, 5, 6],
        }
    )
    fig = charts.band_chart(daily, output="waiting", scenario="s", replicates=50, lang="en")
    assert "SIMULATED" in fig.layout.title.text and "50 replicates" in fig.layout.title.text
    medians = [t for t in fig.data if "median" in t.name]
    assert len(medians) == 2 and all(t.line.dash == "dash" for t in medians)


def test_table_chart_leaves_out_withheld_cells():
    frame = pd.DataFrame({"hearing_location": ["A", "B", "C"], "cases": ["274", "<10", "95"]})
    fig = charts.table_chart(frame, title="t", sources=["EOIR"], lang="en")
    assert list(fig.data[0].y[[0, 2]]) == [274, 95] and pd.isna(fig.data[0].y[1])
    assert "1 cells withheld under disclosure control are not drawn" in fig.layout.annotations[0].text


def test_no_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "browser_path", lambda: None)
    fig = charts.series_chart(pd.DataFrame({"period": ["2019-01"], "value": [1]}), title="x", sources=[])
    with pytest.raises(MppwatchError, match="need a local Chromium or Chrome"):
        charts.write(fig, tmp_path / "x.png")


@pytest.mark.browser
@pytest.mark.skipif(not (shutil.which("chromium") or os.environ.get("BROWSER_PATH")), reason="needs chromium")
@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_image_export_offline_with_local_chromium(bundled_db, tmp_path, suffix):
    out = tmp_path / f"chart{suffix}"
    proc = run(bundled_db, *SERIES, "--plot", str(out))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    if suffix == ".svg":
        assert data.lstrip().startswith(b"<svg") and b"by month, 2019" in data
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
