"""Plotly figures for the pages, as plain JSON-ready dicts (plotly.js draws them in the browser).

Built by hand rather than through `plotly.graph_objects` so a page costs microseconds, not the validation of a
figure object. Estimates are drawn differently from published figures (dashed lines, lighter bars) and named so
in the legend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

PUBLISHED = "#1f4e79"
ESTIMATE = "#9fb8d6"
PALETTE = ["#1f4e79", "#c0504d", "#4f8a3c", "#8064a2", "#d08b1f", "#2c8c99", "#7f7f7f", "#b0417a"]


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "separatethousands": True},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
        "font": {"family": "system-ui, sans-serif", "size": 13},
        **extra,
    }


def _iso(values: Sequence[Any]) -> list[Any]:
    return [v.isoformat() if isinstance(v, dt.date) else v for v in values]


def bars(
    labels: list[str],
    values: list[Any],
    estimates: list[bool] | None,
    estimate_name: str,
    published_name: str,
    y_title: str,
) -> dict[str, Any]:
    """One bar per label; estimates (when flagged) lighter and in their own legend entry."""
    if estimates is None:
        data = [{"type": "bar", "x": labels, "y": values, "marker": {"color": PUBLISHED}, "showlegend": False}]
    else:
        data = []
        for flag, name, color in ((False, published_name, PUBLISHED), (True, estimate_name, ESTIMATE)):
            xs = [lab for lab, e in zip(labels, estimates, strict=True) if e == flag]
            ys = [v for v, e in zip(values, estimates, strict=True) if e == flag]
            if xs:
                data.append({"type": "bar", "x": xs, "y": ys, "name": name, "marker": {"color": color}})
    return {"data": data, "layout": _layout(y_title, barmode="group")}


def snapshot_lines(
    lines: list[tuple[str, pd.DataFrame]], snapshot_name: str, interp_name: str, y_title: str
) -> dict[str, Any]:
    """Published snapshots as markers; the straight lines between them are interpolations (dashed)."""
    data = []
    for i, (name, part) in enumerate(lines):
        color = PALETTE[i % len(PALETTE)]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{name}",
                "x": _iso(list(part["date"])),
                "y": [float(v) for v in part["value"]],
                "line": {"dash": "dash", "color": color, "width": 1.5},
                "marker": {"size": 7, "color": color},
                "hovertemplate": f"{name}<br>%{{x}}: %{{y:,}}<extra>{snapshot_name}</extra>",
            }
        )
    layout = _layout(y_title)
    layout["annotations"] = [
        {
            "text": f"● {snapshot_name}   – – {interp_name}",
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 1.05,
            "showarrow": False,
            "xanchor": "left",
        }
    ]
    return {"data": data, "layout": layout}


def series_lines(groups: list[tuple[str, pd.DataFrame]], y_title: str) -> dict[str, Any]:
    """One line per group over its periods (periods as printed: months, fiscal years or days)."""
    data = []
    for i, (name, part) in enumerate(groups):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": [str(p) for p in part["period"]],
                "y": [None if pd.isna(v) else float(v) for v in part["value"]],
                "line": {"color": PALETTE[i % len(PALETTE)]},
                "marker": {"size": 4},
            }
        )
    return {"data": data, "layout": _layout(y_title, xaxis={"type": "category"} if _mixed(groups) else {})}


def _mixed(groups: list[tuple[str, pd.DataFrame]]) -> bool:
    """True when periods are not all YYYY-MM (fiscal years, say): draw them as categories."""
    return any(not str(p)[:7].count("-") == 1 or len(str(p)) != 7 for _, g in groups for p in g["period"])


def forecast_chart(
    history: pd.DataFrame, fc: pd.DataFrame, hist_name: str, fc_name: str, band80: str, band95: str
) -> dict[str, Any]:
    """History, the forecast and its 95% and 80% intervals as filled bands."""
    hx = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in history["ds"]]
    fx = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in fc["ds"]]
    data: list[dict[str, Any]] = []
    for lo, hi, name, color in (
        ("lo-95", "hi-95", band95, "rgba(192,80,77,0.15)"),
        ("lo-80", "hi-80", band80, "rgba(192,80,77,0.3)"),
    ):
        data.append(
            {
                "type": "scatter",
                "x": fx,
                "y": [float(v) for v in fc[lo]],
                "mode": "lines",
                "line": {"width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
                "name": name,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": fx,
                "y": [float(v) for v in fc[hi]],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": color,
                "name": name,
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": hx,
            "y": [None if pd.isna(v) else float(v) for v in history["y"]],
            "mode": "lines",
            "name": hist_name,
            "line": {"color": PUBLISHED},
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": fx,
            "y": [float(v) for v in fc["y_hat"]],
            "mode": "lines",
            "name": fc_name,
            "line": {"color": "#c0504d", "dash": "dash"},
        }
    )
    layout = _layout("")
    # a 95% band that runs away would flatten everything else: the scale stops above the 80% band (the table
    # keeps the 95% figures) and the caller says so
    seen = [float(v) for v in history["y"] if not pd.isna(v)] + [float(v) for v in fc["hi-80"]]
    top = max(seen) * 1.15 if seen else 0.0
    if top > 0 and float(fc["hi-95"].max()) > top:
        layout["yaxis"]["range"] = [0, top]
        layout["meta"] = {"clipped": True}
    return {"data": data, "layout": layout}


def bands(part: pd.DataFrame, median_name: str, band_name: str, title: str) -> dict[str, Any]:
    """A simulated output's p5-p95 band around its median."""
    xs = [d.isoformat() for d in part["date"]]
    return {
        "data": [
            {
                "type": "scatter",
                "x": xs,
                "y": [float(v) for v in part["p5"]],
                "mode": "lines",
                "line": {"width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
                "name": band_name,
            },
            {
                "type": "scatter",
                "x": xs,
                "y": [float(v) for v in part["p95"]],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": "rgba(31,78,121,0.25)",
                "name": band_name,
            },
            {
                "type": "scatter",
                "x": xs,
                "y": [float(v) for v in part["p50"]],
                "mode": "lines",
                "line": {"color": PUBLISHED},
                "name": median_name,
            },
        ],
        "layout": _layout(""),
    }
