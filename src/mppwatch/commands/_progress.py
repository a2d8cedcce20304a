"""Progress on long work: one transient line on stderr, shown only after a second and only on a terminal.

`with working("backtest origins") as work: ... work.update(done, total)`: a spinner with the elapsed time, and a
bar once a total is known. Nothing is drawn when stderr is not a terminal (pipes, CI, `2> log`) or when the work
ends within `after` seconds ($MPPWATCH_PROGRESS_AFTER, default 1), so stdout and redirected stderr stay exactly the command's output. Every command
with long work (load, backtest, reconcile, forecast, sweep, the court commands) uses this one helper.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


class working:
    """A transient progress line for the block it wraps (see the module's docstring)."""

    def __init__(self, description: str, total: int | None = None, after: float | None = None) -> None:
        if after is None:
            try:
                after = float(os.environ.get("MPPWATCH_PROGRESS_AFTER", "1"))
            except ValueError:
                after = 1.0
        self.description, self.total, self.after = description, total, after
        self.completed = 0
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._done = False

    def __enter__(self) -> working:
        if err.is_terminal:
            self._timer = threading.Timer(self.after, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _start(self) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._done:
                return
            progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self._task = progress.add_task(self.description, total=self.total, completed=self.completed)
            progress.start()
            self._progress = progress

    def update(self, completed: int | None = None, total: int | None = None, description: str | None = None) -> None:
        """Say how far the work is (`completed` of `total`) and, optionally, what it is doing now."""
        with self._lock:
            if completed is not None:
                self.completed = completed
            if total is not None:
                self.total = total
            if description is not None:
                self.description = description
            if self._progress is not None:
                self._progress.update(
                    self._task, completed=self.completed, total=self.total, description=self.description
                )

    def advance(self, steps: int = 1, description: str | None = None) -> None:
        """One more step done (`steps` more)."""
        self.update(self.completed + steps, description=description)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()
