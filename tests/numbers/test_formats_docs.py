"""The examples of docs/guide/formats.md run and show what they say (``>>>`` lines in ```python blocks)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from tests.registry.test_fpcore_docs import python_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide" / "formats.md"


def test_the_formats_page_examples_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ml_dtypes")
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(python_blocks(PAGE.read_text()), {}, "formats.md", str(PAGE), 0)
    assert len(test.examples) >= 30
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
