"""Charts for the command line's `--plot FILE.html|.png|.svg`: one module builds and writes them all.

Every chart has a title in plain words ("MPP returns to Mexico by month, 2019"), a source line naming the source
ids, axis titles with their unit, and estimates drawn as estimates (dashed lines, hatched bars, shaded bands,
"estimate" in the legend). Texts follow the language (`lang`).

Writing: `.html` references a `plotly.min.js` copied beside it (the copy inside the installed plotly package; no
CDN), or inlines it once with `inline_js=True`; `.png` and `.svg` use Kaleido driving a local Chromium found on
the machine (`$BROWSER_PATH`, else chromium / google-chrome on PATH). A browser is never downloaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mppwatch import i18n
from mppwatch.core.text import N_
from mppwatch.errors import MppwatchError

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
SUFFIXES = (".html", ".png", ".svg")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_N = i18n.template  # sentences with values, registered for the catalog and translated by `_t`

_N("Source: {sources}")
_N("{title} by month, {years}")
_N("{title} by fiscal year, {years}")
_N("{title} by day, {years}")
_N("{title}, {years}")
_N("MPP returns to Mexico by city as of {date}")
_N("MPP returns to Mexico as of {date}")
_N("{scenario}: simulated {output} (SIMULATED: median and 5-95% band of {replicates} replicates)")
_N("{scenario} sweep: {metric} by {parameter} (SIMULATED)")

BAD_SUFFIX = N_("--plot {path}: expected a file name ending in .html, .png or .svg")
NO_BROWSER = N_(
    "--plot {path}: PNG and SVG need a local Chromium or Chrome (none found; set BROWSER_PATH), or use .html"
)
EXPORT_FAILED = N_("--plot {path}: {kind} export with {browser} failed ({reason})")


def _t(text: str, lang: str, **fields: Any) -> str:
    """`text` (an English msgid) in `lang`, its fields formatted for the language."""
    _ = i18n.translator(lang)
    if not fields:
        return _(text)
    return _(text).format(**{k: _value(v, lang) for k, v in fields.items()})


def _value(v: Any, lang: str) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return i18n.format_number(v, lang)
    text = str(v)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return i18n.format_date(text, lang)
        except ValueError:
            return text
    return i18n.localise(text, lang) or text


# --- writing ---------------------------------------------------------------------------------------------------


def browser_path() -> str | None:
    """A local Chromium or Chrome for Kaleido: $BROWSER_PATH, else the first of BROWSERS on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).exists():
        return env
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def check_path(path: Path) -> Path:
    """The --plot file name, checked before any work is done (a typo should not cost a 40 s backtest)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise MppwatchError(BAD_SUFFIX, path=path)
    return path


def write(fig: go.Figure, path: Path, *, inline_js: bool = False, width: int = 1100, height: int = 650) -> Path:
    """Write `fig` as HTML (plotly.min.js beside it, or inlined once), PNG or SVG (Kaleido + local Chromium)."""
    path = check_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".html":
        fig.write_html(path, include_plotlyjs=True if inline_js else "directory", full_html=True)
        return path
    browser = browser_path()
    if browser is None:
        raise MppwatchError(NO_BROWSER, path=path)
    os.environ["BROWSER_PATH"] = browser  # Kaleido's choreographer looks here before anywhere else
    try:
        fig.write_image(path, width=width, height=height, format=path.suffix.lower()[1:])
    except Exception as exc:  # Kaleido missing or the browser failed to start
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MppwatchError(
            EXPORT_FAILED, path=path, kind=path.suffix[1:].upper(), browser=browser, reason=first
        ) from None
    return path


# --- the look every chart shares -------------------------------------------------------------------------------


def finish(
    fig: go.Figure,
    *,
    title: str,
    sources: Sequence[str],
    x_title: str | None,
    y_title: str | None,
    lang: str,
    note: str | None = None,
) -> go.Figure:
    """Title, axis titles with units, and the source line (with an optional note) under the plot."""
    source_line = "<br>".join(
        _wrap(_t("Source: {sources}", lang, sources=", ".join(sources) if sources else "-"))
        + (_wrap(note) if note else [])
    )
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        margin={"b": 130, "t": 90},
        showlegend=True,
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"},
        separators=".," if lang == "en" else ", ",  # plotly: the decimal mark, then the thousands separator
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_layout(yaxis={"title": {"text": y_title}, "rangemode": "tozero"})
    fig.add_annotation(
        text=source_line,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.14,
        showarrow=False,
        align="left",
        xanchor="left",
        yanchor="top",
        font={"size": 11, "color": "#555"},
    )
    return fig


def _years(periods: pd.Series) -> str:
    import pandas as pd

    dates = pd.to_datetime(periods.astype(str), errors="coerce").dropna()
    if dates.empty:
        return ""
    first, last = dates.min().year, dates.max().year
    return str(first) if first == last else f"{first}–{last}"


# --- one chart per kind of result ------------------------------------------------------------------------------


def series_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    sources: Sequence[str],
    by: Sequence[str] = (),
    period_kind: str = "month",
    unit: str = "people",
    lang: str = "en",
) -> go.Figure:
    """A dataset summed per period: one line per `by` group; blank (unpublished) periods stay gaps."""
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = frame.groupby(list(by), sort=True) if by else [((), frame)]
    for i, (key, part) in enumerate(groups):
        name = " · ".join(str(k) for k in (key if isinstance(key, tuple) else (key,))) or title
        fig.add_trace(
            go.Scatter(
                x=part["period"].astype(str),
                y=part["value"],
                mode="lines+markers",
                name=name,
                line={"color": PALETTE[i % len(PALETTE)]},
                connectgaps=False,
            )
        )
    kind = {"month": "{title} by month, {years}", "fiscal_year": "{title} by fiscal year, {years}"}.get(
        period_kind, "{title} by day, {years}" if period_kind == "day" else "{title}, {years}"
    )
    years = _years(frame["period"]) if "period" in frame else ""
    heading = _t(kind, lang, title=title, years=years) if years else title
    x_title = {"month": _t("month", lang), "fiscal_year": _t("fiscal year", lang)}.get(period_kind, _t("date", lang))
    return finish(fig, title=heading, sources=sources, x_title=x_title, y_title=_t(unit, lang), lang=lang)


def returns_chart(frame: pd.DataFrame, *, as_of: str, lang: str = "en") -> go.Figure:
    """Cumulative returns as of a date, by city when the frame has one: published figures solid, estimates hatched,
    cities with no estimate named in a note instead of drawn as zero."""
    import plotly.graph_objects as go

    has_city = "city" in frame.columns
    labels = frame["city"].astype(str) if has_city else [_t("Mexico (all points)", lang)] * len(frame)
    shown = frame["value"].notna()
    est = frame["is_estimate"].astype(bool)
    fig = go.Figure()
    for is_est, name, pattern in ((False, _t("published figure", lang), ""), (True, _t("estimate", lang), "/")):
        mask = shown & (est == is_est)
        fig.add_trace(
            go.Bar(
                x=[lbl for lbl, m in zip(labels, mask, strict=True) if m],
                y=frame.loc[mask, "value"],
                name=name,
                marker={"color": PALETTE[0], "pattern": {"shape": pattern}, "opacity": 0.55 if is_est else 1.0},
            )
        )
    missing = [str(lbl) for lbl, s in zip(labels, shown, strict=True) if not s]
    note = (
        _t("Not estimated (no figure on or after this date): {cities}", lang, cities=", ".join(missing))
        if missing
        else None
    )
    sources = sorted({s for ids in frame.get("source_ids", []) if isinstance(ids, str) for s in ids.split()})
    heading = "MPP returns to Mexico by city as of {date}" if has_city else "MPP returns to Mexico as of {date}"
    title = _t(heading, lang, date=as_of)  # both registered with _N above
    y_title = _t("people returned (cumulative)", lang)
    return finish(fig, title=title, sources=sources, x_title="", y_title=y_title, lang=lang, note=note)


def band_chart(
    daily: pd.DataFrame,
    *,
    output: str,
    scenario: str,
    replicates: int,
    sources: Sequence[str] = (),
    lang: str = "en",
) -> go.Figure:
    """One simulated output per city over time: median line and 5-95% band (tidy date, city, output, p5, p50, p95)."""
    import plotly.graph_objects as go

    part = daily[daily["output"] == output]
    fig = go.Figure()
    for i, (city, rows) in enumerate(part.groupby("city", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        x = rows["date"].astype(str).tolist()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=rows["p95"].tolist() + rows["p5"].tolist()[::-1],
                fill="toself",
                fillcolor=_rgba(color, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                name=f"{city} {_t('5-95% band', lang)}",
                legendgroup=str(city),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rows["p50"],
                name=f"{city} {_t('median (estimate)', lang)}",
                line={"color": color, "dash": "dash"},
                legendgroup=str(city),
            )
        )
    title = _t(
        "{scenario}: simulated {output} (SIMULATED: median and 5-95% band of {replicates} replicates)",
        lang,
        scenario=scenario,
        output=_t(output, lang),
        replicates=replicates,
    )
    return finish(fig, title=title, sources=sources, x_title=_t("date", lang), y_title=_t("people", lang), lang=lang)


def sweep_chart(frame: pd.DataFrame, *, scenario: str, lang: str = "en") -> go.Figure:
    """A sweep's first grid key on x, each numeric result as a dashed line (every point is simulated)."""
    import pandas as pd
    import plotly.graph_objects as go

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    keys = [c for c in frame.columns if c not in numeric or "." in str(c)]
    x_col = keys[0] if keys else frame.columns[0]
    metrics = [c for c in numeric if c != x_col][:6]
    others = [k for k in keys if k != x_col]
    fig = go.Figure()
    groups = frame.groupby(others, sort=True) if others else [((), frame)]
    for i, (key, part) in enumerate(groups):
        suffix = " · ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        for j, metric in enumerate(metrics):
            fig.add_trace(
                go.Scatter(
                    x=part[x_col].astype(str),
                    y=part[metric],
                    mode="lines+markers",
                    name=f"{metric} {suffix}".strip(),
                    line={"color": PALETTE[(i * len(metrics) + j) % len(PALETTE)], "dash": "dash"},
                )
            )
    title = _t(
        "{scenario} sweep: {metric} by {parameter} (SIMULATED)",
        lang,
        scenario=scenario,
        metric=", ".join(map(str, metrics)),
        parameter=str(x_col),
    )
    return finish(
        fig, title=title, sources=[], x_title=str(x_col), y_title=_t("simulated value (estimate)", lang), lang=lang
    )


def table_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    sources: Sequence[str] = (),
    unit: str = "cases",
    lang: str = "en",
    note: str | None = None,
) -> go.Figure:
    """A court table as bars: the text columns name the bar, each numeric column is a series; suppressed cells
    (shown as text such as '<10') are left out and said so in the note."""
    import pandas as pd
    import plotly.graph_objects as go

    text_cols = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    values = {c: pd.to_numeric(frame[c], errors="coerce") for c in frame.columns}
    numeric = [c for c in frame.columns if values[c].notna().any() and c not in ("release", "threshold")]
    label_cols = [c for c in text_cols if c not in numeric]
    labels = (
        frame[label_cols].astype(str).agg(" · ".join, axis=1)
        if label_cols
        else pd.Series(range(len(frame))).astype(str)
    )
    fig = go.Figure()
    withheld = 0
    rates = [c for c in numeric if str(c).endswith(("_rate", "_share")) or values[c].dropna().abs().max() <= 1]
    for i, col in enumerate(numeric[:6]):
        vals = values[col]
        withheld += int(vals.isna().sum() - frame[col].isna().sum())
        on_right = col in rates and len(rates) < len(numeric)  # a rate beside counts gets its own axis (0-1)
        fig.add_trace(
            go.Bar(
                x=labels,
                y=vals,
                name=str(col).replace("_", " ") + (f" ({_t('right axis', lang)})" if on_right else ""),
                marker={"color": PALETTE[i % len(PALETTE)]},
                offsetgroup=str(i),
                yaxis="y2" if on_right else "y",
            )
        )
    if rates and len(rates) < len(numeric):
        fig.update_layout(
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "range": [0, 1],
                "dtick": 0.2,
                "showgrid": False,
                "title": {"text": _t("share (0-1)", lang)},
            },
            barmode="group",
        )
    elif rates:
        unit = "share (0-1)"
    notes = [n for n in (note,) if n]
    if withheld:
        notes.append(_t("{n} cells withheld under disclosure control are not drawn", lang, n=withheld))
    return finish(
        fig,
        title=title,
        sources=sources,
        x_title="",
        y_title=_t(unit, lang),
        lang=lang,
        note=" · ".join(notes) or None,
    )


def _wrap(text: str, width: int = 160) -> list[str]:
    """Lines of at most `width` characters, broken at spaces (plotly annotations do not wrap)."""
    import textwrap

    return textwrap.wrap(text, width) or [text]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


_N("Not estimated (no figure on or after this date): {cities}")
_N("{n} cells withheld under disclosure control are not drawn")
_N("Forecast of {title} (estimate)")
_N("Backtest of forecasts for {title}: past errors by model")
_N("When does {title} pass {target}? (projection: estimate)")
_N("right axis")
_N("share (0-1)")
