"""The examples of docs/guide/bounds.md run and show what they say (``>>>`` lines in ```python blocks)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "bounds.md"


def python_blocks(text: str) -> str:
    """The page with everything but its ```python blocks blanked (doctest's line numbers are the page's)."""
    lines = text.splitlines()
    keep = [""] * len(lines)
    i = 0
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


def test_the_bounds_page_examples_run():
    parser = doctest.DocTestParser()
    test = parser.get_doctest(python_blocks(PAGE.read_text()), {}, PAGE.name, str(PAGE), 0)
    assert len(test.examples) >= 15
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
