"""A one-line progress bar on stderr, shown only to a person at a terminal.

Quiet when stderr is not a terminal (piped, redirected, captured by pytest)
and in CI (``CI`` set), so logs never fill with carriage returns. No
dependency: a sweep's progress is one line, redrawn at most ten times a second.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

__all__ = ["Progress", "wanted"]


def wanted(stream: TextIO | None = None) -> bool:
    """Whether to draw progress on ``stream`` (default stderr): a terminal, outside CI."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``update(done, total)`` redraws ``label [#####.....] 45% 450,000/1,000,000 points, 3 s, ~4 s left``."""

    def __init__(
        self,
        label: str,
        unit: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        width: int = 24,
        interval: float = 0.1,
    ):
        self.label, self.unit, self.width, self.interval = label, unit, width, interval
        self.stream = stream or sys.stderr
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = False

    def line(self, done: int, total: int) -> str:
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        elapsed = time.monotonic() - self.started
        left = f", ~{elapsed / frac - elapsed:.0f} s left" if 0 < frac < 1 else ""
        return (
            f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {100 * frac:3.0f}% "
            f"{done:,}/{total:,} {self.unit}, {elapsed:.0f} s{left}"
        )

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        self.stream.write("\r" + self.line(done, total) + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the bar (before printing a line of output); the next update redraws it."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
            self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.update(done, total)
