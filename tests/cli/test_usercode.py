"""The command and the user's code: refused without --allow-import, run with it; directories as pytest collects."""

import sys

import pytest

from identities.cli import main

MODULE = """\
import math
def sigmoid(x):
    return 1 / (1 + math.exp(-x))
def broken(x):
    return x.real_part
"""

FILE = """\
[[function]]
name = "sigmoid"
args = ["x"]
definition = "1/(1 + exp(-x))"
implementation = "{m}:sigmoid"

[[function]]
name = "broken"
args = ["x"]
definition = "x"
implementation = "{m}:broken"

[[identity]]
name = "sigmoid_at_zero_symmetry"
lhs = "sigmoid(x) + sigmoid(-x)"
rhs = "1"
vars = {{ x = "real[-30, 30]" }}
tolerance = "2 ulp"

[[identity]]
name = "broken_code"
lhs = "broken(x)"
rhs = "x"
vars = {{ x = "real[0, 1]" }}
"""


@pytest.fixture
def project(tmp_path, request):
    m = f"cli_mod_{request.node.name.replace('[', '_').replace(']', '_')}"
    (tmp_path / f"{m}.py").write_text(MODULE)
    (tmp_path / "identities_mine.toml").write_text(FILE.format(m=m))
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mine"\n')
    (tmp_path / "notes.toml").write_text("title = 'not identities'\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "more.identities.toml").write_text('[[identity]]\nname = "two"\nlhs = "1 + 1"\nrhs = "2"\n')
    hidden = tmp_path / ".venv"
    hidden.mkdir()
    (hidden / "identities_skipped.toml").write_text("this is not TOML [")
    yield tmp_path, m
    sys.modules.pop(m, None)
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_the_command_refuses_to_import_without_the_flag(project, capsys):
    tmp_path, m = project
    code = main(["check", str(tmp_path), "--no-database", "--examples", "10"])
    err = capsys.readouterr().err
    assert code == 2
    f = tmp_path / "identities_mine.toml"
    assert f"{f}:1: function 'sigmoid' names '{m}:sigmoid'" in err
    assert f"{f}:7: function 'broken' names '{m}:broken'" in err
    assert "--allow-import" in err and "SECURITY.md" in err
    assert m not in sys.modules


def test_with_the_flag_the_code_runs_and_a_bug_is_an_error_with_its_traceback(project, capsys):
    tmp_path, m = project
    code = main(
        ["check", str(tmp_path), "--allow-import", "--no-database", "--examples", "30", "--backend", "float64,mpmath"]
    )
    out = capsys.readouterr().out
    assert code == 1  # broken_code is an error
    lines = out.splitlines()
    assert lines[0] == f"files: {tmp_path / 'identities_mine.toml'}, {tmp_path / 'sub' / 'more.identities.toml'}"
    row = next(ln for ln in lines if ln.startswith("sigmoid_at_zero_symmetry  float64"))
    assert " holds " in row
    row = next(ln for ln in lines if ln.startswith("broken_code") and "float64" in ln)
    assert "error" in row and "raised AttributeError: 'float' object has no attribute 'real_part'" in row
    assert "return x.real_part" in out  # the traceback, in the details
    assert next(ln for ln in lines if ln.startswith("broken_code") and "mpmath" in ln).split()[2] == "holds"
    assert "two" in out  # the file in a subdirectory ran; pyproject.toml, notes.toml, .venv/ did not


def test_list_reads_without_importing(project, capsys):
    tmp_path, m = project
    assert main(["list", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sigmoid(x) + sigmoid(-x) == 1" in out and m not in sys.modules


def test_a_directory_without_identity_files_says_what_it_looked_for(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mine"\n')
    assert main(["check", str(tmp_path)]) == 2
    patterns = "identities_*.toml or *.identities.toml or identities_*.fpcore or *.identities.fpcore"
    assert f"no identity files under it (files named {patterns})" in capsys.readouterr().err


def test_the_patterns_agree_with_the_plugin():
    from identities.pytest.state import PATTERNS
    from identities.registry.discovery import PATTERNS as DISCOVERY

    assert PATTERNS == DISCOVERY
