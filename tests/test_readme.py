"""The README's examples run: its doctests (the assertion helpers and strategies), and its pytest plugin
example, whose shown output must be what pytest prints."""

import doctest
import re
import shlex

import identities.backends.floats  # noqa: F401
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.items  # noqa: F401  (loaded outside pytester's runs: see tests/pytest_plugin/test_plugin.py)
from tests.conftest import ROOT

pytest_plugins = ["pytester"]
README = ROOT / "README.md"


def test_readme_doctests_pass():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted >= 20


def _block_after(marker: str) -> tuple[str, str]:
    text = README.read_text()
    m = re.search(rf"<!-- {marker}(?:: (\S+))? -->\n```\w*\n(.*?)```", text, re.S)
    assert m, marker
    return m.group(1), m.group(2)


def test_readme_plugin_example_prints_what_the_readme_shows(pytester):
    path, toml = _block_after("plugin-example")
    (pytester.path / path).parent.mkdir(parents=True, exist_ok=True)
    (pytester.path / path).write_text(toml)
    _, shown = _block_after("plugin-output")
    command, *lines = shown.splitlines()
    args = shlex.split(command.removeprefix("$ "))
    assert args[0] == "pytest"
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args[1:])
    result.assert_outcomes(failed=1, deselected=5)
    actual = result.outlines
    position = 0
    for line in lines:
        if line == "...":
            continue
        assert line in actual[position:], line
        position = actual.index(line, position) + 1
