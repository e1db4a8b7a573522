"""Colour for a person at a terminal: verdicts coloured by kind, a verdict that is not the expected one in
bold red. Never in a pipe, a file, under ``CI``, with ``TERM=dumb``, or with ``NO_COLOR`` set to anything
(https://no-color.org). Plain ANSI SGR codes: no dependency, nothing to initialise."""

from __future__ import annotations

import os
import sys
from typing import TextIO

__all__ = ["colour_wanted", "Style", "PLAIN", "VERDICT_SGR"]

VERDICT_SGR = {
    "holds": "32",  # green
    "precision_failure": "33",  # yellow
    "refuted": "31",  # red
    "domain_mismatch": "35",  # magenta
    "error": "31;1",  # bold red
}
UNEXPECTED_SGR = "1;31"


def colour_wanted(stream: TextIO | None = None) -> bool:
    """Whether to colour what is written to ``stream`` (default stdout): a terminal, and nobody said no."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    """Paints text when enabled; otherwise returns it unchanged. Padding is applied before the colour, so
    columns stay aligned (escape codes take no room on screen)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def paint(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.enabled and text else text

    def verdict(self, verdict: str, width: int = 0) -> str:
        """The verdict, padded to ``width``, coloured by its kind."""
        pad = " " * max(0, width - len(verdict))
        return self.paint(verdict, VERDICT_SGR.get(verdict, "0")) + pad

    def unexpected(self, text: str) -> str:
        return self.paint(text, UNEXPECTED_SGR)


PLAIN = Style(False)
