"""The examples of docs/guide/pytest-plugin.md run and show what they say (``>>>`` lines in ```python blocks):
real pytest runs in a project the page makes, their headers, usage errors, JSON and failure text."""

from __future__ import annotations

import doctest
from pathlib import Path

from tests.registry.test_fpcore_docs import python_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide" / "pytest-plugin.md"


def test_the_pytest_plugin_page_examples_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(python_blocks(PAGE.read_text()), {}, "pytest-plugin.md", str(PAGE), 0)
    assert len(test.examples) >= 15
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
