"""The plugin collects FPCore files (``identities_*.fpcore``, ``*.identities.fpcore``): items per identity and
backend, and a warning for each FPCore that cannot be expressed."""

import identities.backends.floats  # noqa: F401
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.items  # noqa: F401
from identities.pytest.state import is_identity_file

# loaded here first, outside pytester's in-process runs (numpy cannot be imported twice in one process)

pytest_plugins = ["pytester"]

BENCH = """\
(FPCore (x y)
  :name "carthesianToPolar, radius"
  :pre (and (<= 1 x 100) (<= 1 y 100))
  :spec (hypot x y)
  (sqrt (+ (* x x) (* y y))))

(FPCore (x)
  :name "Sine Newton"
  (while (< i 10) ([x x (- x 1)] [i 0 (+ i 1)]) x))
"""


def test_fpcore_file_names_are_identity_files(tmp_path):
    for name, yes in [
        ("identities_bench.fpcore", True),
        ("bench.identities.fpcore", True),
        ("bench.fpcore", False),
        ("identities_bench.toml", True),
    ]:
        assert is_identity_file(tmp_path / name) is yes, name


def test_an_fpcore_file_is_collected_and_its_refusals_are_warnings(pytester):
    pytester.makefile(".fpcore", identities_bench=BENCH)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--identities-backend", "float64,mpmath", "--identities-examples", "30", "-v"
    )
    result.assert_outcomes(passed=2)  # other warnings (assert rewriting) depend on what the session imported first
    assert sum("IdentitiesRefused" in line for line in result.stdout.lines) == 1
    result.stdout.fnmatch_lines(
        [
            "*identities_bench.fpcore::carthesiantopolar_radius[[]float64] PASSED*",
            "*identities_bench.fpcore::carthesiantopolar_radius[[]mpmath] PASSED*",
            "*identities_bench.fpcore:9: IdentitiesRefused: identities_bench.fpcore:9: FPCore 'Sine Newton' refused: "
            "a loop (while) cannot be expressed",
        ]
    )
