"""The day-step model: numpy state arrays with replicates on an axis, and one `step(day)` to read.

State for a chunk of R replicates and C return cities (every array is `(..., R, C)`):

- `free[d]`        hearing slots still free on day d (court capacity minus bookings);
- `cal_p[k, d]`    people present in Mexico whose next hearing is on day d and is their (k+1)-th hearing;
- `cal_e[k, d]`    the sum of those people's enrollment days (for the waits they will have had);
- `cal_a[d]`       cases with a hearing on day d whose person has left (an in-absentia order that day);
- `dep[r, c, d]`   people who will leave the waiting population on day d (day last: a booking's leavers
                   land close together);
- `waiting`, `backlog` current totals.

Leaving is a constant daily hazard, so when a person is booked on day t for a hearing on day d the number
still present on d is Binomial(n, (1-h)^(d-t-1)); the day each leaver goes is drawn from the truncated
geometric law. That keeps each day's work proportional to the people moving, not to the whole calendar.
Courts book FIFO per stream (first hearings, continuances): the first day at or after the earliest allowed
day with a free slot. Day `T` (one past the window) is a sentinel with unlimited slots: "after the window".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mppwatch.core.text import Notes

BIG = 1 << 40  # "unlimited" hearing slots on a day
OUTPUTS = (
    "arrivals",
    "not_returned",
    "cumulative_returns",
    "waiting",
    "shelter_demand",
    "shelter_overflow",
    "hearings",
    "completed",
    "relief",
    "removal_order",
    "in_absentia",
    "left",
    "backlog",
)
FLOWS = ("arrivals", "not_returned", "hearings", "completed", "relief", "removal_order", "in_absentia", "left")


@dataclass
class Inputs:
    """Everything a run needs, resolved to arrays (no store access): picklable for worker processes."""

    cities: list[str]
    start: np.datetime64
    rate: np.ndarray  # (T, C) expected arrivals a day
    noise: str  # "poisson" | "none"
    daily_cap: np.ndarray  # (C,) acceptance cap a day, inf = none
    court_capacity: np.ndarray  # (T + 1, C) int64 hearing slots a day; row T = BIG sentinel
    beds: np.ndarray  # (T, C) shelter beds, nan = unknown
    warm_waiting: np.ndarray  # (C,) people waiting at the start
    warm_returned: np.ndarray  # (C,) people returned before the start (for cumulative returns)
    lead_days: int
    continuance_days: int
    hearings_pmf: np.ndarray  # (K,) P(case has k+1 hearings)
    relief_share: float
    daily_hazard: float
    need_share: float
    leave_reasons: dict[str, float] = field(default_factory=dict)  # shares of leavers by reason
    reach_target: float | None = None
    synthetic: bool = False  # some input (e.g. a court release) is SYNTHETIC
    sources: list[str] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)  # English; `notes.in_lang("es")` in Spanish

    @property
    def days(self) -> int:
        return int(self.rate.shape[0])

    @property
    def dates(self) -> np.ndarray:
        return self.start + np.arange(self.days)

    @property
    def stage_hazard(self) -> np.ndarray:
        """P(the (k+1)-th hearing is the last | the case reached it): the pmf's hazard; the last is 1."""
        pmf = np.asarray(self.hearings_pmf, float)
        tail = pmf[::-1].cumsum()[::-1]  # P(K >= k+1)
        hz = np.divide(pmf, tail, out=np.ones_like(pmf), where=tail > 0)
        hz[-1] = 1.0
        return np.clip(hz, 0.0, 1.0)

    @property
    def month_index(self) -> tuple[np.ndarray, list[str]]:
        months = self.dates.astype("datetime64[M]")
        labels, idx = np.unique(months, return_inverse=True)
        return idx.astype(np.int64), [str(m) for m in labels]


@dataclass
class ChunkOutput:
    """Per-replicate daily outputs `(T, R, C)`, wait histograms `(months, C, 2, W)` summed over replicates."""

    values: dict[str, np.ndarray]
    waits: np.ndarray


class Model:
    """One chunk of replicates. Build it, then call `step(t)` for t = 0 .. T-1 (or `run()`)."""

    def __init__(self, inp: Inputs, replicates: int, rng: np.random.Generator) -> None:
        self.inp, self.rng = inp, rng
        T, C, R = inp.days, len(inp.cities), replicates
        self.T, self.C, self.R = T, C, R
        self.hz = inp.stage_hazard
        K = len(self.hz)
        self.q = 1.0 - inp.daily_hazard
        self.log_q = math.log(self.q) if 0.0 < inp.daily_hazard < 1.0 else 0.0
        self.free = np.ascontiguousarray(np.broadcast_to(inp.court_capacity[:, None, :], (T + 1, R, C))).astype(
            np.int64
        )
        self.cal_p = np.zeros((K, T + 1, R, C), np.int64)
        self.cal_e = np.zeros((K, T + 1, R, C), np.float64)
        self.cal_a = np.zeros((T + 1, R, C), np.int64)
        self.dep = np.zeros(R * C * (T + 1), np.int64)  # flat (R, C, T + 1)
        self.ptr = np.zeros((2, R, C), np.int64)  # booking pointers: 0 = first hearings, 1 = continuances
        self.waiting = np.zeros((R, C), np.int64)
        self.backlog = np.zeros((R, C), np.int64)
        self.cum = np.zeros((R, C), np.int64)
        self.ri, self.ci = np.indices((R, C))
        self.rc = np.arange(R * C).reshape(R, C)
        self.month, _ = inp.month_index
        self.n_months = int(self.month.max()) + 1 if T else 0
        self.wmax = T + inp.lead_days + 2
        # waits histogram key = month * month_stride + (city * 2 + kind) * wmax + wait
        self.month_stride = C * 2 * self.wmax
        self.month_key = np.append(self.month, self.month[-1] if T else 0) * self.month_stride
        self.waits = np.zeros(self.n_months * C * 2 * self.wmax, np.float64)  # flat (months, C, kind, wait)
        self.reasons = list(inp.leave_reasons)
        self.reason_p = np.array([inp.leave_reasons[k] for k in self.reasons], float)
        names = [*OUTPUTS, *(f"left_{k}" for k in self.reasons)]
        self.out = {name: np.zeros((T, R, C), np.float32) for name in names}
        self.det_arrivals = _rounded_cumulative(inp.rate) if inp.noise == "none" else None
        self.cap = np.where(np.isfinite(inp.daily_cap), inp.daily_cap, BIG).astype(np.int64)
        self._warm_start()

    # -- the day ---------------------------------------------------------------------------------------

    def step(self, t: int) -> None:
        """Advance one day: arrivals, hearings, bookings, departures, then the day's totals."""
        inp, R, C = self.inp, self.R, self.C
        # 1. Arrivals at each city, up to its acceptance cap; the rest are not returned to Mexico.
        if self.det_arrivals is not None:
            came = np.broadcast_to(self.det_arrivals[t], (R, C)).astype(np.int64)
        else:
            came = self.rng.poisson(inp.rate[t], size=(R, C))
        returned = np.minimum(came, self.cap)
        # 2. Hearings today: present people get a decision or a continuance; absent ones an in-absentia order.
        present, enrolled, absent = self.cal_p[:, t], self.cal_e[:, t], self.cal_a[t]
        final = self.rng.binomial(present, self.hz[:, None, None])
        carry_on = present - final
        mean_enrolled = np.divide(enrolled, present, out=np.zeros_like(enrolled), where=present > 0)
        completed = final.sum(axis=0)
        relief = self.rng.binomial(completed, inp.relief_share) if inp.relief_share > 0 else np.zeros_like(completed)
        self._record_waits(final, t - mean_enrolled, kind=0, month=self.month[t])
        # 3. Book first hearings for today's returns, then the next hearing of continued cases (FIFO).
        self.book(returned, t + inp.lead_days, 0, np.full((R, C), float(t)), t, stream=0)
        for k in range(len(self.hz) - 1):
            self.book(carry_on[k], t + inp.continuance_days, k + 1, mean_enrolled[k], t, stream=1)
        # 4. People who leave today (drawn when they were booked).
        left = self.dep[t :: self.T + 1].reshape(R, C)
        # 5. Totals.
        self.waiting += returned - completed - left
        self.backlog += returned - completed - absent
        self.cum += returned
        demand = self.rng.binomial(self.waiting, inp.need_share) if inp.need_share > 0 else np.zeros_like(left)
        beds = inp.beds[t]
        out = self.out
        out["arrivals"][t] = returned
        out["not_returned"][t] = came - returned
        out["cumulative_returns"][t] = self.cum + inp.warm_returned
        out["waiting"][t] = self.waiting
        out["shelter_demand"][t] = demand
        out["shelter_overflow"][t] = np.maximum(demand - beds, 0.0)  # nan where beds are unknown
        out["hearings"][t] = present.sum(axis=0) + absent
        out["completed"][t] = completed
        out["relief"][t] = relief
        out["removal_order"][t] = completed - relief
        out["in_absentia"][t] = absent
        out["left"][t] = left
        out["backlog"][t] = self.backlog
        if self.reasons:  # why people left: each leaver's reason drawn independently
            split = self.rng.multinomial(left, self.reason_p)
            for i, reason in enumerate(self.reasons):
                out[f"left_{reason}"][t] = split[..., i]

    def run(self) -> ChunkOutput:
        for t in range(self.T):
            self.step(t)
        waits = self.waits.reshape(self.n_months, self.C, 2, self.wmax)
        return ChunkOutput(self.out, waits)

    # -- court calendar --------------------------------------------------------------------------------

    def book(self, n: np.ndarray, earliest: int, stage: int, enrolled: np.ndarray, t: int, stream: int) -> None:
        """Give `n[r, c]` people their next hearing: the first days from `earliest` on with free slots."""
        rem = n.astype(np.int64, copy=True)
        day = np.minimum(np.maximum(self.ptr[stream], earliest), self.T)
        while rem.any():
            free = self.free[day, self.ri, self.ci]
            take = np.minimum(rem, free)
            if take.any():
                self.free[day, self.ri, self.ci] = free - take
                self._place(take, day, stage, enrolled, t)
            rem -= take
            day = np.minimum(np.where(rem > 0, day + 1, day), self.T)
        self.ptr[stream] = day

    def _place(self, n: np.ndarray, day: np.ndarray, stage: int, enrolled: np.ndarray, t: int) -> None:
        """Put `n` people booked on day t on the calendar for `day`; those who leave first, on their day."""
        risk_days = day - t - 1  # days t+1 .. day-1 (to the window's end for the sentinel day)
        if self.log_q:
            present = self.rng.binomial(n, self.q**risk_days)
        elif self.inp.daily_hazard >= 1.0:
            present = np.where(risk_days > 0, 0, n)
        else:
            present = n
        absent = n - present
        self.cal_p[stage, day, self.ri, self.ci] += present
        self.cal_e[stage, day, self.ri, self.ci] += present * enrolled
        self.cal_a[day, self.ri, self.ci] += absent
        if absent.any():
            self._departures(absent, risk_days, t, enrolled)

    def _departures(self, m: np.ndarray, risk_days: np.ndarray, t: int, enrolled: np.ndarray) -> None:
        """Draw the leaving day of each of `m[r, c]` leavers: geometric, truncated to their risk days.

        A geometric day taken modulo the span follows exactly the geometric law truncated to the span
        (memorylessness), so one draw per leaver is enough.
        """
        flat = m.ravel()
        groups = np.flatnonzero(flat)
        member = np.repeat(np.arange(groups.size), flat[groups])
        span = risk_days.ravel()[groups]
        if self.log_q:  # floor(Exp(1) / -log(1-h)) is geometric on 0, 1, 2, ... (float32: fast, ample precision)
            draw = self.rng.standard_exponential(member.size, dtype=np.float32)
            draw *= np.float32(-1.0 / self.log_q)
            offset = draw.astype(np.int64)
            offset %= span[member]
            offset += 1
        else:
            offset = np.ones(member.size, np.int64)
        # departures calendar: key = (r * C + c) * (T + 1) + leave day
        base = groups * (self.T + 1) + t
        leave = base[member]
        leave += offset
        np.add.at(self.dep, leave, 1)
        # waits of leavers: leave day - enrollment day, by the month they leave
        city = groups % self.C
        first_wait = np.rint(t - enrolled.ravel()[groups]).astype(np.int64)
        wbase = (city * 2 + 1) * self.wmax + first_wait
        key = self.month_key[t + offset]
        key += wbase[member]
        key += offset
        np.add.at(self.waits, key, 1.0)

    # -- waits -----------------------------------------------------------------------------------------

    def _record_waits(self, count: np.ndarray, waited: np.ndarray, kind: int, month: int) -> None:
        mask = count > 0
        if not mask.any():
            return
        city = np.broadcast_to(np.arange(self.C), count.shape)[mask]
        self._bin_waits(city, waited[mask], count[mask].astype(float), kind, np.full(city.size, month))

    def _bin_waits(
        self, city: np.ndarray, waited: np.ndarray, weight: np.ndarray, kind: int, month: np.ndarray
    ) -> None:
        w = np.clip(np.rint(waited), 0, self.wmax - 1).astype(np.int64)
        np.add.at(self.waits, month * self.month_stride + (city * 2 + kind) * self.wmax + w, weight)

    # -- warm start ------------------------------------------------------------------------------------

    def _warm_start(self) -> None:
        """People already waiting on day 0: their first hearings fall over the next lead days, FIFO."""
        warm = np.rint(self.inp.warm_waiting).astype(np.int64)
        if not warm.any():
            return
        L = self.inp.lead_days
        base, extra = np.divmod(warm, L)
        self.waiting += warm
        self.backlog += warm
        for j in range(1, L + 1):
            n = base + (np.arange(1, L + 1)[j - 1] <= extra)  # spread the remainder over the first days
            enrolled = np.full((self.R, self.C), float(j - L))
            self.book(np.broadcast_to(n, (self.R, self.C)), j, 0, enrolled, 0, stream=0)


def _rounded_cumulative(rate: np.ndarray) -> np.ndarray:
    """Whole arrivals a day whose running total is the rounded running total of the rates."""
    cum = np.rint(np.cumsum(rate, axis=0))
    return np.diff(cum, axis=0, prepend=0).astype(np.int64)
