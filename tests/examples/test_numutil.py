"""examples/numutil: each naive function's known defect is found, each careful one passes."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from identities.testing.asserts import assert_accurate, assert_derivative

HERE = Path(__file__).resolve().parents[2] / "examples" / "numutil"
sys.path.insert(0, str(HERE))
import numutil  # noqa: E402

N = 150  # examples per check


def failure(func, reference, **kw):
    """The assertion message of a check expected to fail, and the input of its largest error."""
    with np.errstate(all="ignore"), pytest.raises(AssertionError) as info:
        assert_accurate(func, reference, examples=N, **kw)
    text = str(info.value)
    at = text.splitlines()[2]
    assert at.startswith("    at ")
    return text, at[len("    at ") :]


def value(at, name):
    return float(at.split(f"{name}=")[1].split()[0].rstrip(","))


def test_softplus():
    text, at = failure(numutil.softplus_naive, "log(1 + exp(x))", vars={"x": "real[-800, 800]"})
    x = value(at, "x")
    assert "raised OverflowError" in text and x > math.log(sys.float_info.max)  # exp(x) overflows
    a = assert_accurate(numutil.softplus, "log(1 + exp(x))", vars={"x": "real[-800, 800]"}, examples=N)
    assert a.max_ulps <= 2


def test_softplus_loses_everything_below_minus_37():
    text, at = failure(numutil.softplus_naive, "log(1 + exp(x))", vars={"x": "real[-50, 0]"})
    x = value(at, "x")
    assert x < -36 and numutil.softplus_naive(x) == 0.0 and "would pass" in text  # 1 + exp(x) == 1


def test_sigmoid():
    text, at = failure(numutil.sigmoid_naive, "1/(1 + exp(-x))", vars={"x": "real[-800, 800]"})
    assert "raised OverflowError" in text and value(at, "x") < -math.log(sys.float_info.max)
    a = assert_accurate(numutil.sigmoid, "1/(1 + exp(-x))", vars={"x": "real[-800, 800]"}, examples=N)
    assert a.max_ulps <= 3


def test_logit():
    text, at = failure(numutil.logit_naive, "log(p/(1 - p))", vars={"p": "real[0.01, 0.99]"})
    p = value(at, "p")
    assert abs(p - 0.5) < 0.01  # near 1/2: p/(1-p) rounds next to 1 and the log keeps only that rounding
    a = assert_accurate(numutil.logit, "log(p/(1 - p))", vars={"p": "real[0.01, 0.99]"}, examples=N)
    assert a.max_ulps <= 3


def test_log1mexp():
    text, at = failure(numutil.log1mexp_naive, "log(1 - exp(x))", vars={"x": "real[-800, -1e-300]"})
    x = value(at, "x")
    assert x > -1 or x < -36  # 1 - exp(x) cancels near 0, is 1 below -37
    a = assert_accurate(numutil.log1mexp, "log(1 - exp(x))", vars={"x": "real[-800, -1e-300]"}, examples=N)
    assert a.max_ulps <= 2


def test_hypot():
    text, at = failure(numutil.hypot_naive, "sqrt(x**2 + y**2)", vars={"x": "real", "y": "real"})
    x, y = value(at, "x"), value(at, "y")
    assert max(abs(x), abs(y)) > 1.3e154 or max(abs(x), abs(y)) < 1.5e-154  # x*x over- or underflows
    a = assert_accurate(numutil.hypot_scaled, "sqrt(x**2 + y**2)", vars={"x": "real", "y": "real"}, examples=N)
    assert a.max_ulps <= 2


VARIANCE = "total((x - total(x)/8)**2)/8"
DATA = {"x": "vector[8] real[1000000, 1000001]"}  # a large mean, a spread of at most 1


def test_variance():
    # with values within 1 of 1e6, the variance is known to about 1e-10 absolute; E[x^2] - E[x]^2 loses 1e-4
    text, at = failure(numutil.variance_naive, VARIANCE, vars=DATA, tolerance="1e-8 abs", as_list=True)
    assert "abs" in text and "variance_naive(x) = " in text
    a = assert_accurate(numutil.variance, VARIANCE, vars=DATA, tolerance="1e-8 abs", as_list=True, examples=N)
    assert a.examples == N


def test_logsumexp():
    text, at = failure(numutil.logsumexp_naive, "log(total(exp(x)))", vars={"x": "vector[4] real[-1000, 1000]"})
    assert "raised OverflowError" in text
    a = assert_accurate(
        numutil.logsumexp,
        "log(total(exp(x)))",
        vars={"x": "vector[4] real[-1000, 1000]"},
        tolerance="4 ulp or 1e-15 abs",
        as_list=True,
        examples=N,
    )
    assert a.max_ulps <= 4 or a.max_rel < 1e-14


def test_binomial_pmf():
    pmf = "comb(n, k) * p**k * (1 - p)**(n - k)"
    vars = {"k": "integer[0, 2000]", "n": "integer[k, 3000]", "p": "real[0.001, 0.999]"}
    text, at = failure(numutil.binom_pmf_naive, pmf, vars=vars, tolerance="1e-10 rel or 1e-300 abs")
    assert "raised OverflowError" in text and value(at, "n") > 1029  # comb(n, k) beyond the doubles
    a = assert_accurate(numutil.binom_pmf, pmf, vars=vars, tolerance="1e-10 rel or 1e-300 abs", examples=N)
    assert a.max_rel < 1e-10


def test_softmax_and_its_gradient():
    text, at = failure(numutil.softmax_naive, "exp(x)/total(exp(x))", vars={"x": "vector[4] real[-1000, 1000]"})
    assert "= nan" in text  # exp overflowed: inf/inf
    x = [float(c) for c in at.split("[", 1)[1].rstrip("]").split(",")]
    assert max(x) > math.log(sys.float_info.max)
    vars = {"x": "vector[4] real[-100, 100]"}
    a = assert_accurate(numutil.softmax, "exp(x)/total(exp(x))", vars=vars, tolerance="5e-14 rel", examples=N)
    assert a.max_rel < 5e-14
    d = assert_derivative("log(total(exp(x)))", numutil.softmax, vars=vars, tolerance="5e-14 rel", examples=60)
    assert d.max_rel < 5e-14


def test_the_identity_file_finds_each_naive_defect_and_passes_each_careful_function():
    import identities

    reg = identities.load(HERE / "identities_numutil.toml", allow_import=True)
    results = {name: identities.verify(reg[name], "float64", examples=N) for name in reg}
    for name, r in results.items():
        assert r.verdict == reg[name].expected("float64"), (name, r.verdict, r.message)
    naive = {n for n in reg if n.endswith("_naive")}
    assert naive == {n for n, r in results.items() if r.verdict == "precision_failure"}
    ce = {n: results[n].counterexample.inputs for n in naive}
    worst = {n: results[n].worst.inputs if results[n].worst else None for n in naive}
    assert any(abs(x["x"]) > 709.78 for x in (ce["softplus_naive"], worst["softplus_naive"]) if x)
    assert abs(worst["logit_naive"]["p"] - 0.5) < 0.05  # p/(1-p) next to 1: the log keeps its rounding error
    assert worst["binom_pmf_naive"]["n"] > 1029  # comb(n, k) overflows a double
    assert results["softplus_difference"].needed_tolerance.endswith(" abs")  # in the declared units
    for n in ("softplus", "sigmoid", "logit", "log1mexp", "hypot_scaled"):
        assert results[n].max_error.ulps <= 2, n


def test_a_float32_check_of_double_code_says_so():
    import identities

    reg = identities.load(HERE / "identities_numutil.toml", allow_import=True)
    r = identities.verify(reg["sigmoid"], "float32", examples=30)  # 1 / (1 + math.exp(-x)): a Python float
    assert "sigmoid returned float64 (a Python float) for float32 inputs" in r.message
    # softplus's x + log1p(...) is a numpy.float32 plus a Python float: float32 under numpy 2, nothing to say
    assert identities.verify(reg["softplus"], "float32", examples=30).message == ""
