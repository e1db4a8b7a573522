"""The examples of docs/guide/fpcore.md run and show what they say (``>>>`` lines in ```python blocks)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide" / "fpcore.md"


def python_blocks(text: str) -> str:
    """The page with everything but its ```python blocks blanked (doctest's line numbers are the page's)."""
    lines, keep, i = text.splitlines(), [], 0
    keep = [""] * len(lines)
    while i < len(lines):
        m = re.match(r"^(`{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].strip() != m.group(1):
            j += 1
        if m.group(2).strip().split()[:1] == ["python"]:
            keep[i + 1 : j] = lines[i + 1 : j]
        i = j + 1
    return "\n".join(keep) + "\n"


def test_the_fpcore_page_examples_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(python_blocks(PAGE.read_text()), {}, "fpcore.md", str(PAGE), 0)
    assert len(test.examples) >= 20
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
