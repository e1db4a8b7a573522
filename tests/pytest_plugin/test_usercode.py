"""The plugin imports the implementations a file names (pytest imports the project anyway); a bug in them fails
the test with its traceback."""

import sys

import identities.backends.floats  # noqa: F401 - loaded outside pytester's runs (numpy cannot load twice)
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.items  # noqa: F401

pytest_plugins = ["pytester"]

FILE = """\
[[function]]
name = "logit"
args = ["p"]
definition = "log(p/(1 - p))"
implementation = "plugmod:{impl}"

[[identity]]
name = "logit_symmetry"
lhs = "logit(1 - p)"
rhs = "-logit(p)"
vars = {{ p = "real[0.25, 0.75]" }}
tolerance = "{tol}"
"""

MODULE = """\
import math
def logit(p):
    return math.log(p / (1 - p))
def wrong_arity(p, q):
    return p
"""


def test_the_plugin_imports_and_checks_the_code(pytester):
    pytester.makepyfile(plugmod=MODULE)
    pytester.makefile(".toml", identities_logit=FILE.format(impl="logit", tol="1e-15 abs"))
    try:
        r = pytester.runpytest(
            "-p", "no:cacheprovider", "--identities-backend", "float64", "--identities-examples", "40"
        )
    finally:
        sys.modules.pop("plugmod", None)
    r.assert_outcomes(passed=1)


def test_a_bug_in_the_code_fails_with_its_traceback(pytester):
    pytester.makepyfile(plugmod=MODULE)
    pytester.makefile(".toml", identities_logit=FILE.format(impl="wrong_arity", tol="4 ulp"))
    try:
        r = pytester.runpytest(
            "-p", "no:cacheprovider", "--identities-backend", "float64", "--identities-examples", "40"
        )
    finally:
        sys.modules.pop("plugmod", None)
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert "UserCodeError: logit (plugmod:wrong_arity) in float64: logit(p=" in out
    assert "wrong_arity() missing 1 required positional argument: 'q'" in out
    assert "precision_failure" not in out
