"""Verdicts coloured at a terminal, and only there: not in a pipe, not under CI, not with NO_COLOR."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from identities.cli.common import result_row, row, summary
from identities.cli.style import PLAIN, Style, colour_wanted
from tests.conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")
QUICKSTART = str(ROOT / "docs" / "examples" / "quickstart.toml")


class Terminal:
    def isatty(self) -> bool:
        return True


class Pipe:
    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("env", "stream", "wanted"),
    [
        ({}, Terminal(), True),
        ({"NO_COLOR": "1"}, Terminal(), False),
        ({"NO_COLOR": ""}, Terminal(), True),  # no-color.org: set *and not empty*
        ({"CI": "true"}, Terminal(), False),
        ({"TERM": "dumb"}, Terminal(), False),
        ({}, Pipe(), False),
        ({}, object(), False),  # no isatty at all
    ],
)
def test_colour_is_wanted_only_at_a_terminal_nobody_refused(monkeypatch, env, stream, wanted):
    for name in ("NO_COLOR", "CI", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert colour_wanted(stream) is wanted


def test_colour_keeps_the_columns():
    style = Style(True)
    cells = ("exp_sum", "float64", "precision_failure", "467", "8.9", "48%", "467 ulp", "")
    plain, painted = row(10, *cells), row(10, *cells, style=style)
    assert "\x1b[33mprecision_failure\x1b[0m" in painted
    assert ANSI.sub("", painted) == plain
    header = ("identity", "backend", "verdict", "max ulp", "bits", "exact", "needed", "")
    assert row(10, *header, style=style) == row(10, *header)  # the header is never painted
    assert PLAIN.verdict("holds", 18) == "holds" + " " * 13


def test_an_unexpected_verdict_is_bold_red():
    class R:
        identity, backend, verdict, expected, ok, message = "x", "float64", "holds", "refuted", False, ""
        exact_rate, needed_tolerance = 1.0, "0 ulp"

        class max_error:
            ulps, bits = 0.0, 0.0

    line = result_row(10, R(), Style(True))
    assert "\x1b[32mholds\x1b[0m" in line and "\x1b[1;31mUNEXPECTED (expected refuted)\x1b[0m" in line
    assert summary([R()], Style(True)) == "1 results: 0 as expected, \x1b[1;31m1 unexpected\x1b[0m"
    assert summary([R()]) == "1 results: 0 as expected, 1 unexpected"


def _check(env: dict[str, str], terminal: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "TERM")} | env
    env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-m", "identities", "check", QUICKSTART, "--select", "binomial_point"]
    args += ["--backend", "float64"]
    if not terminal:
        return subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    main, child = pty.openpty()
    with subprocess.Popen(args, env=env, stdout=child, stderr=subprocess.DEVNULL) as proc:
        os.close(child)
        out = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        proc.wait()
    os.close(main)
    return out.decode()


def test_the_command_colours_at_a_terminal_only():
    at_terminal = _check({}, terminal=True)
    assert "\x1b[32mholds\x1b[0m" in at_terminal
    assert "binomial_point  float64  \x1b[32mholds\x1b[0m" in at_terminal
    for env, terminal in (({"NO_COLOR": "1"}, True), ({"CI": "1"}, True), ({}, False)):
        out = _check(env, terminal)
        assert "binomial_point  float64  holds" in out and "\x1b[" not in out, (env, terminal)
