"""The assertion helpers inside a pytest session, through pytester: their results in --identities-json and
--identities-report (serial and under xdist), the session's configured defaults where a call gives none."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import identities.backends.floats  # noqa: F401
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.helpers  # noqa: F401
import identities.pytest.items  # noqa: F401
import identities.testing.accuracy  # noqa: F401
import identities.testing.closeness  # noqa: F401
from identities.testing.session import Session, activate, current, deactivate, take

pytest_plugins = ["pytester"]

QUIET = ("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning")
SCHEMA = Path(__file__).parents[2] / "identities" / "report" / "identities-report-1.schema.json"

TESTS = """
import math

import numpy as np

from identities.testing import assert_accurate, assert_close, assert_derivative, assert_identity


def softplus(x):
    return math.log(1 + math.exp(x))


def test_softplus_naive():
    assert_accurate(softplus, "log(1 + exp(x))", vars={"x": "real[-30, 30]"})


def test_log1p():
    assert_accurate(math.log1p, "log(1 + x)", vars={"x": "real[-0.5, 30]"})


def test_identity():
    assert_identity("2*x", "x + x", vars={"x": "real"}, backends="float64")


def test_derivative():
    assert_derivative("sin(x)", math.cos, vars={"x": "real[-3, 3]"})


def test_explicit_arguments_win():
    assert_accurate(math.expm1, "exp(x) - 1", vars={"x": "real[-1, 1]"}, examples=10, seed=5, tolerance="2 ulp")


def test_close_and_two_calls():
    assert_close(np.float64(0.1) + np.float64(0.2), 0.3, tolerance="1 ulp")
    assert_accurate(math.sqrt, "sqrt(x)", vars={"x": "nonnegative"})
    assert_accurate(math.exp, "exp(x)", vars={"x": "real[-5, 5]"})
"""
INI = """\
[pytest]
identities_examples = 30
identities_seed = 4
"""
NODE = "test_helpers.py::"


@pytest.fixture
def project(pytester):
    pytester.makepyfile(test_helpers=TESTS)
    (pytester.path / "pytest.ini").write_text(INI)
    return pytester


def load(path):
    return json.loads(path.read_text())


def test_helper_results_go_into_the_json_with_the_session_defaults(project):
    result = project.runpytest(*QUIET, "--identities-json", "h.json")
    result.assert_outcomes(passed=5, failed=1)
    assert "identities: JSON report of 7 results" in result.stdout.str()  # not "of 0 results"
    doc = load(project.path / "h.json")
    rows = [(r["identity"], r["backend"], r["verdict"], r["test"], r["examples"]) for r in doc["results"]]
    assert rows == [  # in the order of the tests, then of the calls
        ("assert_accurate(softplus)", "float64", "precision_failure", NODE + "test_softplus_naive", 30),
        ("assert_accurate(log1p)", "float64", "holds", NODE + "test_log1p", 30),
        ("assert_identity", "float64", "holds", NODE + "test_identity", 30),
        ("assert_derivative(cos)", "float64", "holds", NODE + "test_derivative", 30),
        ("assert_accurate(expm1)", "float64", "holds", NODE + "test_explicit_arguments_win", 10),
        ("assert_accurate(sqrt)", "float64", "holds", NODE + "test_close_and_two_calls", 30),
        ("assert_accurate(exp)", "float64", "holds", NODE + "test_close_and_two_calls", 30),
    ]
    assert doc["summary"] == {
        "total": 7,
        "as_expected": 6,
        "unexpected": 1,
        "verdicts": {"holds": 6, "precision_failure": 1},
    }
    by = {r["identity"]: r for r in doc["results"]}
    assert by["assert_accurate(expm1)"]["tolerance"] == "2 ulp"  # the call's own
    assert by["assert_accurate(expm1)"]["tolerance_source"] == "declared"
    assert by["assert_accurate(log1p)"]["tolerance_source"] == "default"  # none configured: 4 ulp
    sp = by["assert_accurate(softplus)"]
    assert sp["one_sided"] is True and sp["tolerance"] == "4 ulp"
    # the record says what the failure text says: the same minimal input and the same needed tolerance
    text = result.stdout.str()
    x = sp["counterexample"]["inputs"]["x"]
    i = next(i for i, ln in enumerate(result.outlines) if ln.endswith("minimal failing input:"))
    assert result.outlines[i + 1].split("at ", 1)[1].startswith(f"x={x!r} (")
    assert f'would pass with tolerance="{sp["needed_tolerance"]}"' in text
    assert sp["max_error"]["ulps"] == int(sp["needed_tolerance"].split()[0]) > 1e12  # log(1 + tiny) cancels
    # the defaults came from the ini file, and the failure says so
    assert (
        "reproduce: the same call (seed=4, examples=30); from the session: examples=30 from identities_examples "
        "in pytest.ini, seed=4 from identities_seed in pytest.ini"
    ) in text
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft202012Validator)


def test_helper_results_survive_xdist(project):
    pytest.importorskip("xdist")
    project.runpytest(*QUIET, "--identities-json", "serial.json").assert_outcomes(passed=5, failed=1)
    result = project.runpytest_subprocess(*QUIET, "-n", "2", "--identities-json", "parallel.json")
    result.assert_outcomes(passed=5, failed=1)
    assert "2 workers" in result.stdout.str()
    serial, parallel = load(project.path / "serial.json"), load(project.path / "parallel.json")
    assert len(parallel["results"]) == 7
    # same results in the same order, whichever worker ran which test
    assert parallel["results"] == serial["results"]
    assert parallel["summary"] == serial["summary"]


def test_helper_results_are_in_the_report(project):
    result = project.runpytest(*QUIET, "--identities-report", "r.json", "-k", "softplus or identity")
    result.assert_outcomes(passed=1, failed=1)
    doc = load(project.path / "r.json")
    by = {r["identity"]: r for r in doc["results"]}
    assert sorted(by) == ["assert_accurate(softplus)", "assert_identity"]
    sp = by["assert_accurate(softplus)"]
    assert sp["analysis"]["reproduce"] == "pytest test_helpers.py::test_softplus_naive"  # not `identities check`
    assert sp["analysis"]["minimal"]["inputs"] == sp["counterexample"]["inputs"]


def test_nothing_is_recorded_or_loaded_without_configuration_or_output(pytester):
    pytester.makepyfile(test_helpers=TESTS)
    code = (
        "import sys, pytest; code = pytest.main(['-q', '-p', 'no:cacheprovider', '-k', 'log1p', '.']); "
        "print(int(code), 'identities.testing.session' in sys.modules, 'identities.pytest.helpers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=pytester.path, capture_output=True, text=True, timeout=300)
    # the helper itself loads the session module to ask for one; the plugin never activated a session
    assert out.stdout.strip().splitlines()[-1] == "0 True False", out.stdout + out.stderr


def test_explicit_arguments_win_and_the_backend_is_never_taken(project):
    (project.path / "pytest.ini").write_text(INI + "identities_backends = float32\nidentities_tolerance = 1 ulp\n")
    project.makepyfile(
        test_more=textwrap.dedent(
            """
            import math
            from identities.testing import assert_accurate, assert_identity

            def test_backend():
                a = assert_accurate(math.sqrt, "sqrt(x)", vars={"x": "positive[1, 4]"})
                assert "Python floats" in a.notes[0]   # float64, the helper's own default, not float32

            def test_identity_backends():
                rs = assert_identity("2*x", "x + x", vars={"x": "real[-4, 4]"})
                got = [(r.backend, r.tolerance, r.tolerance_source) for r in rs]
                assert got == [("float32", "1 ulp", "configured")]
                rs = assert_identity("2*x", "x + x", vars={"x": "real[-4, 4]"}, backends="float64", tolerance="3 ulp")
                got = [(r.backend, r.tolerance, r.tolerance_source) for r in rs]
                assert got == [("float64", "3 ulp", "declared")]
            """
        )
    )
    project.runpytest(*QUIET, "test_more.py").assert_outcomes(passed=2)


def test_take_prefers_the_call_then_the_session_then_the_default():
    before = current()  # this suite's own session (None unless it was run with an identities option)
    notes: list[str] = []
    if before is None:
        assert take("examples", None, 200, notes) == 200 and notes == []
    s = Session(examples=50, tolerance={"*": "8 ulp", "float32": "2 ulp"}, sources={"examples": "X", "tolerance": "Y"})
    activate(s)
    try:
        assert take("examples", 7, 200, notes) == 7 and notes == []
        assert take("examples", None, 200, notes) == 50 and notes == ["examples=50 from X"]
        assert take("seed", None, 0, notes) == 0
        assert take("tolerance", None, "4 ulp", notes, fmt="float32") == "2 ulp"
        assert take("tolerance", None, "4 ulp", notes, fmt="float16") == "8 ulp"
        assert notes[1:] == ['tolerance="2 ulp" from Y', 'tolerance="8 ulp" from Y']
    finally:
        deactivate(s)
    assert current() is before
