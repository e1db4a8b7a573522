"""One-sided accuracy checks: one expression's float evaluation against its own exact value (the engine,
the oracle's single-expression path, sweeps, the failure text)."""

import math
import struct
from fractions import Fraction

import pytest

from identities import accuracy, identity, verify
from identities.check.failures import explain
from identities.numbers.formats import float64
from identities.oracle.scalar import BOTH_UNDEFINED, DEFAULT_ORACLE, HOLDS
from identities.registry.files import loads

TINY = "positive[1e-300, 1e-10]"


def ordinal(x: float) -> int:
    """A positive double's position among the doubles (0.0 is 0): the ulps between 0 and x."""
    return struct.unpack("<q", struct.pack("<d", x))[0]


def test_naive_log1p_is_a_precision_failure_whose_counterexample_shows_the_truth():
    a = accuracy("log1p_naive", "log(1 + x)", vars={"x": TINY})
    assert a.one_sided and a.rhs is a.lhs and str(a.lhs) == "log(1 + x)"
    r = verify(a, "float64", examples=60)
    assert r.verdict == "precision_failure" and r.one_sided and r.to_json()["one_sided"] is True
    c = r.counterexample
    x = c.inputs["x"]
    assert math.log(1 + x) == 0.0 == c.lhs  # 1 + x rounds to 1
    # log(1 + x) = x - x**2/2 + ...: within half an ulp of x for x this small, so the truth rounds to x
    assert c.rhs == c.truth_lhs == c.truth_rhs == x
    assert c.ulps == c.lhs_ulps == float(ordinal(x)) and c.rhs_ulps == 0
    assert c.culprit == "lhs"


def test_log1p_holds_exactly_on_every_backend():
    a = accuracy("log1p", "log1p(x)", vars={"x": TINY})
    for backend in ("float64", "float32", "mpmath"):
        r = verify(a, backend, examples=40)
        error = r.max_error.bits if backend == "mpmath" else r.max_error.ulps  # mpmath: bits, no ulps
        assert (r.verdict, error) == ("holds", 0.0), backend


def test_a_removable_singularity_is_a_precision_failure_near_it_and_undefined_at_it():
    a = identity("quotient", "(x**2 - 1)/(x - 1)", None, vars={"x": "real[-10, 10]"}, examples=[{"x": 1}])
    assert a.one_sided
    r = verify(a, "float64", examples=100)
    assert r.verdict == "precision_failure" and r.counts["undefined"] >= 1  # x = 1: 0/0 in the reals too
    c = r.counterexample
    x = c.inputs["x"]
    assert c.lhs == (x * x - 1) / (x - 1)
    assert c.truth_lhs == float(Fraction(x) + 1)  # (x**2 - 1)/(x - 1) = x + 1, correctly rounded
    assert c.lhs_ulps > 4


def test_the_oracle_decides_one_expression_once():
    from identities.language.expr import parse

    e = parse("log(x)", {"x"})
    p = DEFAULT_ORACLE.compare(e, e, {"x": 2.0})
    assert p.status == HOLDS and p.lhs is p.rhs
    assert p.lhs.to_float(float64) == math.log(2.0)
    assert DEFAULT_ORACLE.compare(e, e, {"x": -1.0}).status == BOTH_UNDEFINED


def test_no_refutation_or_domain_mismatch_from_a_one_sided_check():
    # sqrt(x**2) == x is refuted for x < 0; as an accuracy check, sqrt of a correctly rounded square is exact
    r = verify(accuracy("sqrt_square", "sqrt(x**2)", vars={"x": "real[-4, -1e-100]"}), "float64", examples=50)
    assert r.verdict == "holds"
    # log(x) on reals: undefined points are skipped, never a domain mismatch
    # (200 examples: a holds needs 20 decided distinct inputs, and half of these are undefined)
    r = verify(accuracy("log_real", "log(x)", vars={"x": "real[-4, 4]"}), "float64", examples=200)
    assert r.verdict == "holds" and r.counts["undefined"] > 0 and r.counts["domain_mismatch"] == 0


def test_an_identity_that_is_never_defined_is_an_error():
    r = verify(accuracy("nowhere", "sqrt(-1 - x**2)", vars={"x": "real"}), "float64", examples=20)
    assert r.verdict == "error" and "undefined on both sides" in r.message


def test_failure_text_shows_the_expression_and_its_truth():
    a = accuracy("log1p_naive", "log(1 + x)", vars={"x": TINY}, examples=[{"x": 1e-300}])
    r = verify(a, "float64", examples=20)
    text = explain(r, a)
    assert "precision_failure (expected holds)\n  accuracy of log(1 + x)   [x: positive[1e-300, 1e-10]]" in text
    assert "    expr = 0.0" in text and "oracle 1.0000000000000000251e-300" in text
    assert "    rhs" not in text and "from the truth: rounding" in text


def test_sweep_compares_with_the_truth_not_with_itself():
    from identities.sweep.runner import sweep_all

    naive = accuracy("log1p_naive", "log(1 + x)", vars={"x": TINY})
    good = accuracy("log1p", "log1p(x)", vars={"x": TINY})
    out = {(r.identity, r.backend): r for r in sweep_all([naive, good], ["float64", "float32"], points=2000)}
    assert out["log1p_naive", "float64"].verdict == "precision_failure"
    assert out["log1p_naive", "float32"].verdict == "precision_failure"
    assert out["log1p_naive", "float64"].max_error.bits > 50 and out["log1p_naive", "float64"].one_sided
    assert out["log1p", "float64"].verdict == out["log1p", "float32"].verdict == "holds"
    assert out["log1p", "float64"].max_error.ulps == 0


@pytest.mark.parametrize("backend", ["torch-float64", "jax-float32"])
def test_autodiff_backends_compare_with_the_truth(backend):
    pytest.importorskip(backend.split("-")[0])
    r = verify(accuracy("log1p_naive", "log(1 + x)", vars={"x": TINY}), backend, examples=30)
    assert r.verdict == "precision_failure" and r.counterexample.lhs == 0.0


def test_file_forms_and_their_errors():
    reg = loads(
        """
[[identity]]
name = "two_sided"
lhs = "x"
rhs = "x"
vars = { x = "real" }

[[accuracy]]
name = "expm1_naive"
expr = "exp(x) - 1"
vars = { x = "real[-1e-5, 1e-5]" }
expect = { float64 = "precision_failure" }

[[identity]]
name = "lhs_only"
lhs = "exp(x)"
vars = { x = "real[-1, 1]" }
""",
        "acc.toml",
    )
    assert list(reg) == ["two_sided", "expm1_naive", "lhs_only"]  # file order across both kinds of table
    assert [i.one_sided for i in reg.values()] == [False, True, True]
    assert reg["expm1_naive"].line == 8 and repr(reg["lhs_only"]).startswith("<Identity lhs_only: accuracy of exp(x)")
    from identities import IdentityFileError

    cases = [
        ('[[accuracy]]\nname = "a"\nlhs = "x"\nvars = { x = "real" }\n', "line 3", "unknown key 'lhs'"),
        ('[[accuracy]]\nname = "a"\nvars = { x = "real" }\n', "line 1", "missing 'expr'"),
        (
            '[[accuracy]]\nname = "a"\nexpr = "x"\nvars = { x = "real" }\nexpect = "refuted"\n',
            "line 5",
            "an accuracy check cannot be 'refuted'",
        ),
        ('[[accuracy]]\nname = "a"\nexpr = "log(y)"\nvars = { x = "real" }\n', "line 3", "undeclared variable 'y'"),
    ]
    for text, line, message in cases:
        with pytest.raises(IdentityFileError) as info:
            loads(text, "bad.toml")
        assert f"bad.toml:{line[5:]}:" in str(info.value) and message in str(info.value), str(info.value)
