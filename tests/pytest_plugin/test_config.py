"""The plugin's configuration through pytester: identities_* ini options in pytest.ini and in pyproject.toml's
[tool.pytest.ini_options], the command line over them, bad values as usage errors naming option and value,
the default tolerance of identities that declare none."""

import json
import textwrap

import pytest

import identities.backends.floats  # noqa: F401
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.items  # noqa: F401

pytest_plugins = ["pytester"]

QUIET = ("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning")

# (x + 1000) - 1000 rounds x to a multiple of ulp(1000) = 2**-43: up to 2**-44 off, 256 ulp of x in [1, 2), so
# the built-in 4 ulp fails it and "1e-13 abs" (> 2**-44 = 5.7e-14) holds it
FILE = """\
[[identity]]
name = "shifted"
lhs = "(x + 1000) - 1000"
rhs = "x"
vars = { x = "real[1, 2]" }

[[identity]]
name = "shifted_declared"
lhs = "(x + 1000) - 1000"
rhs = "x"
vars = { x = "real[1, 2]" }
tolerance = "4 ulp"
expect = { float64 = "precision_failure", float32 = "precision_failure" }

[[identity]]
name = "dsin"
lhs = "diff(sin(x), x)"
rhs = "cos(x)"
vars = { x = "real[-3, 3]" }
"""


@pytest.fixture
def project(pytester):
    pytester.makefile(".toml", identities_cfg=FILE)
    return pytester


def pytest_ini(pytester, text: str) -> None:
    (pytester.path / "pytest.ini").write_text(textwrap.dedent(text).lstrip())


def header(result) -> str:
    return next(ln for ln in result.outlines if ln.startswith("identities: seed="))


def results(path) -> dict:
    doc = json.loads(path.read_text())
    return {(r["identity"], r["backend"]): r for r in doc["results"]}, doc


def test_ini_options_in_pytest_ini(project):
    pytest_ini(
        project,
        """
        [pytest]
        identities_backends = float64, mpmath
        identities_examples = 25
        identities_seed = 7
        identities_tolerance = 1e-13 abs
        """,
    )
    result = project.runpytest(*QUIET, "--identities-json", "r.json")
    assert header(result).startswith(
        "identities: seed=7, examples=25, backends=float64,mpmath; default tolerance 1e-13 abs "
    )
    result.assert_outcomes(passed=6)
    by, doc = results(project.path / "r.json")
    assert (doc["seed"], doc["examples"], doc["backends"]) == (7, 25, ["float64", "mpmath"])
    assert sorted(by) == sorted((n, b) for n in ("shifted", "shifted_declared", "dsin") for b in ("float64", "mpmath"))
    # the configured tolerance replaces 4 ulp where an identity declares none, and only there
    s = by["shifted", "float64"]
    assert (s["verdict"], s["tolerance"], s["tolerance_source"], s["examples"]) == (
        "holds",
        "1e-13 abs",
        "configured",
        25,
    )
    assert s["max_error"]["ulps"] > 4 and s["max_error"]["abs"] <= 2**-44  # it is what made the difference
    d = by["shifted_declared", "float64"]
    assert (d["verdict"], d["tolerance"], d["tolerance_source"]) == ("precision_failure", "4 ulp", "declared")
    # an identity using diff keeps its central-difference tolerance (no rounding tolerance stands in for it)
    q = by["dsin", "float64"]
    assert (q["tolerance"], q["tolerance_source"], q["quotient_sides"]) == (
        "9.4e-09 rel or 9.4e-09 abs",
        "central-difference",
        ["lhs"],
    )
    assert "tolerance_source" not in by["shifted", "mpmath"]  # the oracle decides: no tolerance


def test_ini_options_in_pyproject_toml(project):
    project.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        identities_backends = ["float32"]
        identities_examples = 30
        identities_seed = "11"
        identities_tolerance = ["float64: 1e-13 abs", "float32: 1e-5 abs"]
        """
    )
    result = project.runpytest(*QUIET, "--identities-json", "r.json")
    assert header(result).startswith(
        "identities: seed=11, examples=30, backends=float32; default tolerance float64: 1e-13 abs; float32: 1e-5 abs "
    )
    by, doc = results(project.path / "r.json")
    assert (doc["seed"], doc["examples"], doc["backends"]) == (11, 30, ["float32"])
    assert by["shifted", "float32"]["tolerance"] == "1e-05 abs"  # float32's own entry
    assert by["shifted", "float32"]["tolerance_source"] == "configured"
    assert by["shifted", "float32"]["examples"] == 30


def test_command_line_overrides_the_ini_file(project):
    pytest_ini(
        project,
        """
        [pytest]
        identities_backends = float64
        identities_examples = 25
        identities_seed = 7
        identities_tolerance = 1e-13 abs
        """,
    )
    result = project.runpytest(
        *QUIET,
        "--identities-examples",
        "12",
        "--identities-seed",
        "3",
        "--identities-backend",
        "mpmath",
        "--identities-tolerance",
        "4 ulp",
        "--identities-json",
        "r.json",
    )
    assert header(result).startswith("identities: seed=3, examples=12, backends=mpmath; default tolerance 4 ulp ")
    by, doc = results(project.path / "r.json")
    assert (doc["seed"], doc["examples"], doc["backends"]) == (3, 12, ["mpmath"])
    assert {b for _, b in by} == {"mpmath"}
    # -o beats the file too, and the tolerance from the command line is the one a float backend uses
    result = project.runpytest(
        *QUIET, "-o", "identities_examples=9", "--identities-backend", "float64", "--identities-tolerance", "4 ulp"
    )
    assert header(result).startswith("identities: seed=7, examples=9, backends=float64; default tolerance 4 ulp ")
    result.assert_outcomes(passed=2, failed=1)  # shifted fails the 4 ulp the command line gave it
    text = result.stdout.str()
    assert "shifted[float64]" in [ln.split(" - ")[0].split("::")[-1] for ln in result.outlines if "FAILED" in ln]
    # the failure says where the tolerance came from, since `identities check` does not know it
    assert "--no-database  (with tolerance = '4 ulp' in the identity: --identities-tolerance set it)" in text


@pytest.mark.parametrize(
    "ini, message",
    [
        ("identities_examples = many", "identities_examples = 'many' in pytest.ini: 'many' is not an integer"),
        ("identities_examples = 0", "identities_examples = '0' in pytest.ini must be at least 1, got 0"),
        ("identities_seed = 1.5", "identities_seed = '1.5' in pytest.ini: '1.5' is not an integer"),
        (
            "identities_backends = float64, float80",
            "identities_backends = 'float64, float80' in pytest.ini: unknown backend 'float80'; known: float64,",
        ),
        (
            "identities_tolerance = 4 ulps or",
            "identities_tolerance = '4 ulps or' in pytest.ini: tolerance term '4 ulps or' in '4 ulps or' is not "
            "'N ulp', 'X rel' or 'X abs'",
        ),
        (
            "identities_tolerance = mpmath: 1 ulp",
            "identities_tolerance = 'mpmath: 1 ulp' in pytest.ini: mpmath takes no tolerance",
        ),
        (
            "identities_tolerance = float80: 1 ulp",
            "identities_tolerance = 'float80: 1 ulp' in pytest.ini: unknown format 'float80'",
        ),
    ],
)
def test_bad_ini_values_are_usage_errors(project, ini, message):
    pytest_ini(project, f"[pytest]\n{ini}\n")
    result = project.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_bad_command_line_values_are_usage_errors(project):
    for args, message in [
        (("--identities-examples", "lots"), "--identities-examples: 'lots' is not an integer"),
        (("--identities-seed", "x"), "--identities-seed: 'x' is not an integer"),
        (
            ("--identities-tolerance", "4 ulp or 4 ulp"),
            "--identities-tolerance: tolerance '4 ulp or 4 ulp' gives ulps twice",
        ),
        (("-o", "identities_examples=-3"), "-o identities_examples=-3 must be at least 1, got -3"),
    ]:
        result = project.runpytest(*QUIET, *args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, args
        assert message in result.stderr.str(), args


def test_failure_text_explains_the_central_difference_tolerance(pytester):
    pytester.makefile(
        ".toml",
        identities_d="""\
[[identity]]
name = "dsin"
lhs = "diff(sin(x), x)"
rhs = "cos(x)"
vars = { x = "real[-3, 3]" }
expect = { float64 = "precision_failure" }
""",
    )
    result = pytester.runpytest(
        *QUIET, "--identities-backend", "float64", "--identities-examples", "40", "--identities-json", "d.json"
    )
    result.assert_outcomes(failed=1)  # unexpectedly holds: the failure text shows the tolerance it held within
    [r] = json.loads((pytester.path / "d.json").read_text())["results"]
    lost = r["side_errors"]["lhs"]["bits"]
    assert lost > 10  # the numbers are the result's own: what its difference quotient lost
    assert (
        f"  within the central-difference tolerance 9.4e-09 rel or 9.4e-09 abs: {lost:.1f} bits lost to the "
        f"difference quotient (lhs), {53 - lost:.1f} of float64's 53 kept"
    ) in result.outlines
