"""Figures for forecasts, backtests and reach projections (plotly graph_objects), and writing them to a file.

The figure functions return a `go.Figure`, so the dashboard can show the same figure the CLI writes.
HTML files reference a `plotly.min.js` copied beside them (no CDN, no 4 MB inline copy per page).
PNG export uses kaleido, which drives a local Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def _band(
    fig: go.Figure,
    ds: pd.Series,
    lo: pd.Series,
    hi: pd.Series,
    name: str,
    color: str,
    row: int,
    showlegend: bool = True,
) -> None:
    fig.add_trace(
        go.Scatter(
            x=list(ds) + list(ds)[::-1],
            y=list(hi) + list(lo)[::-1],
            mode="lines",
            legendgroup=name,
            showlegend=showlegend,
            fill="toself",
            fillcolor=color,
            line={"width": 0},
            hoverinfo="skip",
            name=name,
        ),
        row=row,
        col=1,
    )


def forecast_figure(
    history: pd.DataFrame, forecast: pd.DataFrame, errors: pd.DataFrame | None = None, title: str = ""
) -> go.Figure:
    """History (line), forecast (dashed) with 95% and 80% bands; below, the mean absolute percentage error by
    horizon of the past forecasts behind the intervals (or of a backtest)."""
    rows = 2 if errors is not None and not errors.empty else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        row_heights=[0.7, 0.3][:rows],
        vertical_spacing=0.12,
        subplot_titles=["history and forecast (estimate)", "past forecast errors by horizon"][:rows],
    )
    for i, (uid, hist) in enumerate(history.groupby("unique_id", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=hist["ds"], y=hist["y"], name=f"{uid}", line={"color": color}), row=1, col=1)
        for k, (mdl, fc) in enumerate(forecast[forecast["unique_id"] == uid].groupby("model", sort=False)):
            label = f"{uid} {mdl}" if history["unique_id"].nunique() > 1 else str(mdl)
            if k == 0:  # bands of the first model only, so several models stay readable
                _band(fig, fc["ds"], fc["lo-95"], fc["hi-95"], f"{label} 95%", "rgba(100,100,100,0.15)", 1)
                _band(fig, fc["ds"], fc["lo-80"], fc["hi-80"], f"{label} 80%", "rgba(100,100,100,0.3)", 1)
            fig.add_trace(
                go.Scatter(
                    x=fc["ds"],
                    y=fc["y_hat"],
                    mode="lines",
                    name=f"{label} forecast",
                    line={"color": PALETTE[(i + k) % len(PALETTE)], "dash": "dash"},
                ),
                row=1,
                col=1,
            )
    if rows == 2 and errors is not None:
        _errors(fig, errors, row=2)
    fig.update_layout(title=title, template="plotly_white", legend={"orientation": "h", "y": -0.15})
    return fig


def _errors(fig: go.Figure, errors: pd.DataFrame, row: int) -> None:
    frame = errors.copy()
    den = (frame["y"].abs() + frame["y_hat"].abs()) / 2
    frame["ape"] = (frame["y"] - frame["y_hat"]).abs() / den.where(den > 0) * 100
    for i, (mdl, g) in enumerate(frame.groupby("model", sort=False)):
        by_h = g.groupby("h")["ape"].mean()
        fig.add_trace(
            go.Bar(x=by_h.index, y=by_h.values, name=f"{mdl} error", marker_color=PALETTE[i % len(PALETTE)]),
            row=row,
            col=1,
        )
    fig.update_xaxes(title_text="months ahead", row=row, col=1)
    fig.update_yaxes(title_text="mean sym. abs. % error", row=row, col=1)


def backtest_figure(history: pd.DataFrame, errors: pd.DataFrame, title: str = "") -> go.Figure:
    """History with each backtest origin's `auto` forecast (or the first model's) and its 80% band; below, the
    error by horizon for every model."""
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.12,
        subplot_titles=["history and backtest forecasts", "backtest errors by horizon"],
    )
    for i, (uid, hist) in enumerate(history.groupby("unique_id", sort=True)):
        fig.add_trace(
            go.Scatter(x=hist["ds"], y=hist["y"], name=str(uid), line={"color": PALETTE[i % len(PALETTE)]}),
            row=1,
            col=1,
        )
    show = "auto" if (errors["model"] == "auto").any() else errors["model"].iloc[0]
    for k, (_, fc) in enumerate(errors[errors["model"] == show].groupby(["unique_id", "origin"])):
        _band(fig, fc["ds"], fc["lo-80"], fc["hi-80"], f"{show} 80%", "rgba(214,39,40,0.12)", 1, k == 0)
        fig.add_trace(
            go.Scatter(
                x=fc["ds"],
                y=fc["y_hat"],
                mode="lines",
                line={"color": "#d62728", "width": 1},
                name=f"{show} forecasts",
                showlegend=k == 0,
            ),
            row=1,
            col=1,
        )
    _errors(fig, errors, row=2)
    fig.update_layout(title=title, template="plotly_white", barmode="group")
    return fig


def reach_figure(history: pd.DataFrame, fan: pd.DataFrame, target: float, title: str = "") -> go.Figure:
    """Cumulative total so far, the simulated fan (80% and 95%), the median path and the target line."""
    fig = go.Figure()
    for i, (uid, hist) in enumerate(history.groupby("unique_id", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=hist["ds"], y=hist["cumulative"], name=f"{uid} published", line={"color": color}))
        f = fan[fan["unique_id"] == uid]
        fig.add_trace(
            go.Scatter(
                x=list(f["ds"]) + list(f["ds"])[::-1],
                y=list(f["p97_5"]) + list(f["p2_5"])[::-1],
                fill="toself",
                fillcolor="rgba(100,100,100,0.15)",
                line={"width": 0},
                name="95% of paths",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=list(f["ds"]) + list(f["ds"])[::-1],
                y=list(f["p90"]) + list(f["p10"])[::-1],
                fill="toself",
                fillcolor="rgba(100,100,100,0.3)",
                line={"width": 0},
                name="80% of paths",
            )
        )
        fig.add_trace(go.Scatter(x=f["ds"], y=f["p50"], name="median path", line={"color": color, "dash": "dash"}))
    fig.add_hline(y=target, line={"color": "black", "dash": "dot"}, annotation_text=f"target {target:,.0f}")
    fig.update_layout(title=title, template="plotly_white", yaxis_title="cumulative total (projection: estimate)")
    return fig


def write_figure(fig: go.Figure, path: Path) -> Path:
    """Write `.html` (with `plotly.min.js` beside it), `.png` or `.svg` (Kaleido + local Chromium): see charts.write."""
    from mppwatch.charts import write

    return write(fig, path)
