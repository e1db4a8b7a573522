"""docs/guide/usercode.md: its examples run from the project's root and print what the page shows."""

import doctest
import sys

from tests.conftest import ROOT


def test_usercode_guide_doctests_pass(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the page puts examples/numutil first on sys.path
    result = doctest.testfile(
        str(ROOT / "docs" / "guide" / "usercode.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL * 0,
    )
    assert result.failed == 0
    assert result.attempted >= 20
