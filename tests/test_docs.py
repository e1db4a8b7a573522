"""Every example in README.md and docs/**/*.md runs and shows what it says: each ```python block with ``>>>``
lines is a doctest (the blocks of one page share a namespace, in order), and each ```console block after a
``<!-- run -->`` comment is run in a scratch folder holding a copy of docs/examples, its output compared line
by line with the one shown (a line ``...`` stands for any lines, ``...`` inside a line for any text). Pages
added later are covered by the same tests. Nothing in README or docs may point outside the project."""

from __future__ import annotations

import doctest
import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)]

FENCE = re.compile(r"^(`{3,})(.*)$")
RUN = "<!-- run -->"  # the comment that marks a console example as one to run


def blocks(text: str) -> list[tuple[int, str, str, str]]:
    """(line of the opening fence, info string, body, the comment just before the fence) of each fenced block."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, info = m.group(1), m.group(2).strip()
        j = i + 1
        while j < len(lines) and lines[j].strip() != ticks:
            j += 1
        before = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
        out.append((i + 1, info, "\n".join(lines[i + 1 : j]), before))
        i = j + 1
    return out


def doctest_text(text: str) -> str:
    """The page with everything but its doctest blocks blanked, so that doctest's line numbers are the page's."""
    lines = text.splitlines()
    keep = [""] * len(lines)
    for start, info, body, _ in blocks(text):
        if info.split()[:1] == ["python"] and re.search(r"^>>> ", body, re.M):
            for k, ln in enumerate(body.splitlines()):
                keep[start + k] = ln
    return "\n".join(keep) + "\n"


def runs(text: str) -> list[tuple[int, str]]:
    return [(start, body) for start, info, body, before in blocks(text) if info == "console" and before == RUN]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


DOCTEST_PAGES = [p for p in PAGES if ">>> " in doctest_text(p.read_text())]
RUNS = [(p, start, body) for p in PAGES for start, body in runs(p.read_text())]


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=_rel)
def test_doctests_of_the_page_pass(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(doctest_text(page.read_text()), {}, _rel(page), str(page), 0)
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _command(args: list[str]) -> list[str]:
    head, *rest = args
    if head == "identities":
        return [sys.executable, "-m", "identities", *rest]
    if head == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *rest]
    if head == "python":
        return [sys.executable, *rest]
    raise AssertionError(f"a console example may run identities, pytest or python, not {head!r}")


def _matches(expected: list[str], actual: list[str]) -> str | None:
    """None if the output matches, else what did not: lines must follow each other except across ``...``."""
    patterns = [
        None if ln.strip() == "..." else re.compile(".*".join(map(re.escape, ln.rstrip().split("..."))))
        for ln in expected
    ]
    actual = [ln.rstrip() for ln in actual]

    @functools.cache
    def match(p: int, a: int) -> bool:
        if p == len(patterns):
            return a == len(actual)
        if patterns[p] is None:
            return any(match(p + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and patterns[p].fullmatch(actual[a]) is not None and match(p + 1, a + 1)

    if match(0, 0):
        return None
    return "expected:\n" + "\n".join(expected) + "\n\ngot:\n" + "\n".join(actual)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["COLUMNS"] = "80"
    env.pop("NO_COLOR", None)
    return env


@pytest.mark.parametrize(("page", "line", "body"), RUNS, ids=[f"{_rel(p)}:{n}" for p, n, _ in RUNS])
def test_console_example_prints_what_the_page_shows(page, line, body, tmp_path):
    shutil.copytree(DOCS / "examples", tmp_path / "docs" / "examples")
    commands: list[tuple[str, list[str]]] = []
    for ln in body.splitlines():
        if ln.startswith("$ "):
            commands.append((ln[2:], []))
        else:
            assert commands, f"{_rel(page)}:{line}: a run block starts with a '$ ' command"
            commands[-1][1].append(ln)
    for command, expected in commands:
        while expected and not expected[-1].strip():
            expected.pop()
        done = subprocess.run(
            _command(shlex.split(command)),
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        problem = _matches(expected, done.stdout.splitlines())
        assert problem is None, f"{_rel(page)}:{line}: $ {command}\n{problem}"


def test_the_example_harness_reads_what_it_should():
    text = "\n".join(
        [
            "<!-- run -->",
            "```console",
            "$ identities list",
            "```",
            "```python",
            ">>> 1 + 1",
            "2",
            "```",
            "```console",
            "$ not run",
            "```",
        ]
    )
    assert runs(text) == [(2, "$ identities list")]
    assert doctest_text(text).splitlines()[5:7] == [">>> 1 + 1", "2"]
    assert _matches(["a", "...", "c ... e"], ["a", "b", "b", "c d e"]) is None
    assert _matches(["a", "c"], ["a", "b", "c"]) is not None  # lines follow each other unless "..." says not
    assert _matches(["a"], ["a", "b"]) is not None
    assert _matches(["a", "..."], ["a", "b"]) is None


def test_every_page_with_examples_is_covered():
    names = {_rel(p) for p in DOCTEST_PAGES} | {_rel(p) for p, _, _ in RUNS}
    assert {"README.md", "docs/getting-started.md", "docs/guide/helpers.md", "docs/guide/checking.md"} <= names
    # every console block that shows a command's output is run, so that the output shown is checked (a block of
    # commands alone, such as one for a tool this machine lacks, claims no output)
    for page in PAGES:
        for start, info, body, before in blocks(page.read_text()):
            shows_output = any(ln.strip() and not ln.startswith("$ ") for ln in body.splitlines())
            if info == "console" and shows_output:
                assert before == RUN, (
                    f"{_rel(page)}:{start}: a console example that is not run: put {RUN} on the line above it "
                    "(its output is then checked), or show a synopsis as ```text"
                )


def test_readme_is_a_front_page():
    assert len(README.read_text().splitlines()) <= 150


def test_nothing_refers_outside_the_project():
    found = subprocess.run(
        ["grep", "-r", r"\.\./shared", "README.md", "docs/"], cwd=ROOT, capture_output=True, text=True
    )
    assert found.returncode == 1 and found.stdout == "", found.stdout
    # and the documentation's examples ship with it
    for page in PAGES:
        for path in re.findall(r"docs/examples/[\w./-]+\.(?:toml|ipynb)", page.read_text()):
            assert (ROOT / path).exists(), f"{_rel(page)} names {path}, which does not exist"


def test_the_two_commands_are_in_the_readme_and_in_ci():
    commands = [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/identities check",
        "python3 -m venv .venv && .venv/bin/pip install '.[test,autodiff]' && .venv/bin/pytest",
    ]
    readme, ci = README.read_text(), (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in readme and command in ci
    assert "docs/build" in ci
