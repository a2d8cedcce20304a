"""`/api/v1/court/*`, `/api/v1/claims`, `/api/v1/forecast`: the analyses as read-only JSON or CSV.

Court endpoints return only suppressed aggregates (the threshold cannot go below 10 here, whatever the
environment) and never case ids; a SYNTHETIC release says so in the response. Claims are checked from the bundled
claims files only, against what the store holds (the server never loads or writes).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from mppwatch import court
from mppwatch.court.measures import MIN_THRESHOLD
from mppwatch.forecast import data as forecast_data
from mppwatch.metrics import parse_where
from mppwatch.sources.loader import bundled_data_dir
from mppwatch.web import limits
from mppwatch.web.api import FormatQuery, StoreDep, client_error_on_failure, respond, split_list

router = APIRouter(prefix="/api/v1")
ThresholdQuery = Annotated[int, Query(ge=MIN_THRESHOLD, le=1_000_000, description="suppress counts below this")]
ReleaseQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-SYNTHETIC)?$", description="YYYY-MM")]
DateQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(status_code=400, detail=f"{text!r}: expected a real date YYYY-MM-DD") from None


def _court_response(frame: Any, fmt: str, name: str) -> Any:
    """JSON with the release and, for synthetic data, a bilingual note; CSV named and headed SYNTHETIC likewise.

    JSON rows carry each coded column's code and `<col>_name`; CSV the codes (as `court table --format csv`)."""
    from mppwatch.court.names import for_output

    frame = for_output(frame, "csv" if fmt == "csv" else "json")
    synthetic = bool(frame.attrs.get("synthetic"))
    release = frame.attrs.get("release") or "_vs_".join(str(frame.attrs.get(k, "")) for k in ("release_a", "release_b"))
    meta: dict[str, Any] = {"release": release, "synthetic": synthetic}
    if synthetic:
        meta["note"] = "SYNTHETIC data, not real court records / datos SINTÉTICOS, no son registros judiciales reales"
    response = respond(frame, fmt, **meta)
    if fmt == "csv":
        label = "" if "SYNTHETIC" in release or not synthetic else "-SYNTHETIC"
        response.headers["Content-Disposition"] = f'inline; filename="court-{name}-{release}{label}.csv"'
        response.headers["X-Mppwatch-Synthetic"] = "true" if synthetic else "false"
    return response


@router.get("/court/releases")
def court_releases(store: StoreDep, format: FormatQuery = "json") -> Any:
    """EOIR releases loaded, newest first (synthetic ones flagged); `source` is the file or folder name only."""
    frame = court.releases(store)
    frame["source"] = [Path(str(v)).name for v in frame["source"]]
    return respond(frame, format)


@router.get("/court/table")
def court_table(
    store: StoreDep,
    by: Annotated[str | None, Query(description="COL[,COL]: nationality, hearing_location, nta_month, ...")] = None,
    measure: Annotated[str, Query(description="cases,completed,pending,in_absentia_rate,...")] = "cases",
    mpp_only: bool = False,
    as_of: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")] = None,
    release: ReleaseQuery = None,
    total: bool = False,
    threshold: ThresholdQuery = MIN_THRESHOLD,
    format: FormatQuery = "json",
) -> Any:
    """TRAC-style measures, as `mppwatch court table` prints them: counts below the threshold read `<10`."""
    day = _day(as_of)
    frame = client_error_on_failure(
        lambda: court.table(store, split_list(by), split_list(measure), mpp_only, day, release, threshold, total)
    )
    return _court_response(frame, format, "table")


@router.get("/court/waits")
def court_waits(
    store: StoreDep,
    by: Annotated[str | None, Query(description="COL[,COL]")] = None,
    all_cases: bool = False,
    release: ReleaseQuery = None,
    threshold: ThresholdQuery = MIN_THRESHOLD,
    format: FormatQuery = "json",
) -> Any:
    """Days from NTA to first hearing and to completion (p10, median, p90); small groups withheld."""
    frame = client_error_on_failure(lambda: court.waits(store, split_list(by), not all_cases, release, threshold))
    return _court_response(frame, format, "waits")


@router.get("/court/pending")
def court_pending(
    store: StoreDep,
    on: DateQuery,
    by: Annotated[str, Query(pattern="^(hearing_location|return_city)$")] = "hearing_location",
    release: ReleaseQuery = None,
    threshold: ThresholdQuery = MIN_THRESHOLD,
    format: FormatQuery = "json",
) -> Any:
    """MPP cases pending on a date by hearing location or by Mexican return city."""
    day = _day(on)
    assert day is not None
    frame = client_error_on_failure(lambda: court.pending_table(store, day, by, release, threshold))
    return _court_response(frame, format, "pending")


@router.get("/court/pending-series")
def court_pending_series(
    store: StoreDep,
    start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$", description="first month YYYY-MM")],
    end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}$", description="last month YYYY-MM")],
    by: Annotated[str, Query(pattern="^(hearing_location|return_city|none)$")] = "return_city",
    release: ReleaseQuery = None,
    threshold: ThresholdQuery = MIN_THRESHOLD,
    format: FormatQuery = "json",
) -> Any:
    """MPP cases pending on the 1st of each month, by return city or hearing location: the timeline."""
    first, last = _day(f"{start}-01"), _day(f"{end}-01")
    assert first is not None and last is not None
    client_error_on_failure(lambda: limits.check_month_range((first.year, first.month), (last.year, last.month)))
    group = None if by == "none" else by
    frame = client_error_on_failure(lambda: court.pending_series(store, first, last, group, release, threshold))
    return _court_response(frame, format, "pending")


@router.get("/court/diff")
def court_diff(
    store: StoreDep,
    release_a: Annotated[str, Query(pattern=r"^\d{4}-\d{2}(-SYNTHETIC)?$")],
    release_b: Annotated[str, Query(pattern=r"^\d{4}-\d{2}(-SYNTHETIC)?$")],
    format: FormatQuery = "json",
) -> Any:
    """Records added, removed and changed per table, overall and for the MPP cohort (counts only, no ids)."""
    frame = client_error_on_failure(lambda: court.diff(store, release_a, release_b))
    return _court_response(frame, format, "diff")


@router.get("/claims")
def claims(
    store: StoreDep,
    file: Annotated[
        str, Query(max_length=200, pattern=r"^claims_[A-Za-z0-9_.-]+\.csv$", description="a bundled claims file")
    ],
    lang: Annotated[str, Query(pattern="^(en|es)$")] = "en",
    format: FormatQuery = "json",
) -> Any:
    """One verdict per claim of a bundled claims file, with its evidence and method text in English or Spanish."""
    from mppwatch.claims import check

    path = bundled_data_dir() / file
    if not path.is_file():
        known = sorted(p.name for p in bundled_data_dir().glob("claims_*.csv"))
        raise HTTPException(status_code=404, detail=f"{file}: not a bundled claims file ({', '.join(known)})")
    result = client_error_on_failure(lambda: check(store, path, load_missing=False))
    return respond(result.frame(lang), format, file=file, errors=result.error_lines(lang))


def _forecast_job(
    db: str, sel_args: tuple[Any, ...], horizon: int, model: str
) -> tuple[Any, list[str]]:  # pragma: no cover - runs in the child process
    """A forecast computed in a child process (killed past the request's budget): the frame and its notes."""
    from mppwatch.forecast import forecast as run_forecast
    from mppwatch.forecast.data import Selection
    from mppwatch.store import Store

    with Store.open(db, read_only=True) as store:
        result = run_forecast(store, Selection(*sel_args), horizon, model)
    return result.frame, list(result.notes)


@router.get("/forecast")
def forecast(
    request: Request,
    store: StoreDep,
    dataset: str,
    where: Annotated[list[str] | None, Query(description="COLUMN=VALUE, repeatable")] = None,
    by: Annotated[str | None, Query(description="COL[,COL]")] = None,
    horizon: Annotated[int, Query(ge=1, le=36)] = 12,
    model: Annotated[str, Query(pattern="^(auto|snaive|naive|drift|ets|sarima|ensemble)$")] = "auto",
    since: Annotated[str | None, Query(alias="from", description="YYYY-MM")] = None,
    as_of: Annotated[str | None, Query(alias="to", description="YYYY-MM")] = None,
    row_type: str = "detail",
    edition: str | None = None,
    format: FormatQuery = "json",
) -> Any:
    """A forecast of each series of a selection with 80% and 95% intervals, labelled as an estimate.

    It runs in a child process, so that past the request's time budget it is stopped, not left running."""
    sel_args = (dataset, parse_where(where or []), tuple(split_list(by)), since, as_of, row_type, edition)
    # the selection is read here first (milliseconds), so a dataset or filter that does not exist is a 400 at
    # once, not after a child process has started and imported the models
    client_error_on_failure(lambda: forecast_data.tidy(store, forecast_data.Selection(*sel_args)))
    started = request.scope.get("mppwatch.started", time.monotonic())
    seconds = max(0.5, started + limits.budget(request.url.path) - time.monotonic() - 0.2)
    db = str(request.app.state.db)
    frame, notes = client_error_on_failure(
        lambda: limits.in_child(_forecast_job, db, sel_args, horizon, model, seconds=seconds)
    )
    return respond(
        frame,
        format,
        dataset=dataset,
        kind="FORECAST (estimate)",
        source_ids=frame.attrs.get("source_ids", []),
        notes=notes,
    )
