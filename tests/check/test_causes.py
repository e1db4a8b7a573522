"""Cause labels for known cases: each side evaluated node by node in floats and against the oracle."""

import math

import pytest

from identities import identity, verify
from identities.backends import get_backend
from identities.check.causes import diagnose, node_rows
from identities.report.analysis import analyze

F64 = get_backend("float64")
F32 = get_backend("float32")

EXP_MINUS_1 = identity("exp_minus_1", "exp(x) - 1", "expm1(x)", vars={"x": "real[-1e-3, 1e-3]"})
EXP_SUM = identity(
    "exp_sum",
    "exp(x + y)",
    "exp(x)*exp(y)",
    vars={"x": "real[-300, 300]", "y": "real[-300, 300]"},
    examples=[{"x": 200.5, "y": 100.3}],
)
LOG_PRODUCT = identity("log_product", "log(x*y)", "log(x) + log(y)", vars={"x": "positive", "y": "positive"})


@pytest.mark.parametrize("x", [1e-10, 3e-7, -2e-5, 1e-300])
def test_exp_minus_1_near_0_is_cancellation_in_lhs(x):
    c = diagnose(EXP_MINUS_1.lhs, "lhs", {"x": x}, F64)
    assert (c.label, c.side, c.node) == ("cancellation", "lhs", "exp(x) - 1")
    # the amplification is (|e^x| + 1) / |e^x - 1|, about 2/|x|
    assert c.amplification == pytest.approx(2 / abs(x), rel=1e-3) or (x == 1e-300 and c.amplification > 2**1000)
    assert diagnose(EXP_MINUS_1.rhs, "rhs", {"x": x}, F64).label == "exact"  # expm1 is correctly rounded there


def test_exp_minus_1_report_names_lhs_and_cancellation_for_every_failure():
    r = verify(EXP_MINUS_1, "float32", examples=40, keep_samples=True)
    a = analyze(r, EXP_MINUS_1, examples=40)
    assert r.verdict == "precision_failure"
    assert a.cause.culprit == "lhs" and a.cause.label == "cancellation" and a.cause.node == "exp(x) - 1"
    assert a.cause.counts == {"cancellation": a.cause.diagnosed} and a.cause.diagnosed >= 5
    assert a.minimal.causes[0].label == "cancellation"


@pytest.mark.parametrize("x, y", [(200.5, 100.3), (-150.25, -99.7), (10.1, 0.3), (0.2, -10.0)])
def test_exp_sum_lhs_is_rounding_of_x_plus_y_amplified_by_its_size(x, y):
    c = diagnose(EXP_SUM.lhs, "lhs", {"x": x, "y": y}, F64)
    assert (c.label, c.node) == ("rounding", "exp(x + y)")
    assert c.amplification == pytest.approx(abs(x + y), rel=1e-9)  # exp's condition number at u is |u|
    assert "`x + y` is amplified" in c.detail


def test_exp_sum_error_grows_with_the_size_of_x_plus_y():
    import random

    rng = random.Random(4)

    def mean_lhs_ulps(lo, hi):
        errs = []
        while len(errs) < 40:
            total = rng.uniform(lo, hi) * rng.choice((-1, 1))
            x = rng.uniform(0.1, 0.9) * total  # same signs: x + y rounds (opposite signs would often be exact)
            y = total - x
            errs.append(node_rows(EXP_SUM.lhs, {"x": x, "y": y}, F64)[-1].ulps)
        return sum(errs) / len(errs)

    near, mid, far = mean_lhs_ulps(0.5, 2), mean_lhs_ulps(20, 40), mean_lhs_ulps(200, 300)
    assert near < 1.5 < mid and 4 * mid < far  # the rounding of x + y, amplified by |x + y|
    r = verify(EXP_SUM, "float64", examples=150, keep_samples=True)
    a = analyze(r, EXP_SUM, examples=150)
    assert r.verdict == "precision_failure"
    assert a.cause.culprit == "lhs" and a.cause.label == "rounding" and a.cause.node == "exp(x + y)"
    assert a.stats["rhs"].max_ulps <= 2  # exp(x)*exp(y): two correctly rounded factors and one product
    assert a.stats["lhs"].max_ulps > 50


def test_log_product_overflows_in_lhs_before_the_rhs_does():
    big = 1.3407807929942596e154  # sqrt(largest double): x*y at the top of the range
    assert diagnose(LOG_PRODUCT.lhs, "lhs", {"x": big / 2, "y": big / 2}, F64).label in ("exact", "rounding")
    over = diagnose(LOG_PRODUCT.lhs, "lhs", {"x": big * 2, "y": big * 2}, F64)
    assert (over.label, over.node) == ("overflow", "x*y")
    assert "1.000000e+400" in diagnose(LOG_PRODUCT.lhs, "lhs", {"x": 1e200, "y": 1e200}, F64).detail
    top = 1.7976931348623157e308
    assert diagnose(LOG_PRODUCT.rhs, "rhs", {"x": top, "y": top}, F64).label in ("exact", "rounding")
    under = diagnose(LOG_PRODUCT.lhs, "lhs", {"x": 1e-200, "y": 1e-200}, F64)
    assert (under.label, under.node) == ("underflow", "x*y")


def test_log_product_report_counts_overflow_and_underflow_in_lhs_only():
    r = verify(LOG_PRODUCT, "float64", examples=60, keep_samples=True)
    a = analyze(r, LOG_PRODUCT, examples=60)
    assert a.cause.culprit == "lhs" and set(a.cause.counts) <= {"overflow", "underflow", "rounding"}
    assert a.cause.counts.get("overflow", 0) + a.cause.counts.get("underflow", 0) >= 3


def test_undefined_intermediate_names_the_nan_and_its_origin():
    ident = identity("undef", "sqrt((1 + x) - 1 - x + 1e-20)", "1e-10", vars={"x": "real[0, 1]"})
    c = diagnose(ident.lhs, "lhs", {"x": 0.13}, F64)  # (1 + 0.13) - 1 - 0.13 is -1.1e-16 in doubles
    assert c.label == "undefined" and c.node == "sqrt(1 + x - 1 - x + 1e-20)"
    assert "`1 + x - 1 - x` cancels completely" in c.detail


def test_a_subtraction_that_ends_subnormal_cancelled_rather_than_underflowed():
    c = diagnose(EXP_MINUS_1.lhs, "lhs", {"x": 1e-40}, F32)  # exp(1e-40) is 1 in float32, 1 - 1 = 0
    assert (c.label, c.node) == ("cancellation", "exp(x) - 1")
    tiny = identity("tiny", "x*y/y", "x", vars={"x": "real", "y": "nonzero"})
    under = diagnose(tiny.lhs, "lhs", {"x": 3e-30, "y": 3e-20}, F32)  # 9e-50 is below float32's subnormals
    assert (under.label, under.node) == ("underflow", "x*y")


def test_log_near_1_amplifies_the_rounding_of_its_argument():
    ident = identity("log1p", "log1p(x)", "log(1 + x)", vars={"x": "real[-0.5, 1]"})
    c = diagnose(ident.rhs, "rhs", {"x": 1e-10}, F64)
    assert (c.label, c.node) == ("rounding", "log(1 + x)")
    assert c.amplification == pytest.approx(1e10, rel=1e-6)  # 1/log(1 + x)


def test_finite_difference_and_sum_and_small_errors():
    d = identity("d", "diff(x**3, x)", "3*x**2", vars={"x": "real[-10, 10]"})
    assert diagnose(d.lhs, "lhs", {"x": 1e-300}, F64).label == "finite_difference"  # not an underflow: h**2 is big
    s = identity(
        "s", "sum(k*comb(n, k)*p**k*(1 - p)**(n - k), k, 0, n)", "n*p", vars={"n": "integer[1, 40]", "p": "probability"}
    )
    c = diagnose(s.lhs, "lhs", {"n": 40, "p": 1 / 3}, F64)
    assert c.label == "rounding" and "terms of the sum over k" in c.detail
    small = diagnose(EXP_SUM.rhs, "rhs", {"x": 200.5, "y": 100.3}, F64)
    assert small.label == "rounding" and small.bits <= 2


def test_node_rows_children_first_with_float_and_true_values():
    rows = node_rows(LOG_PRODUCT.lhs, {"x": 1e200, "y": 1e200}, F64)
    assert [r.text for r in rows] == ["x", "y", "x*y", "log(x*y)"]
    assert math.isinf(rows[2].value) and rows[2].truth_float == math.inf  # 1e400 rounds to inf: 0 ulp, yet overflow
    assert rows[3].truth_float == pytest.approx(921.0340371976183)
    assert rows[3].ulps > 1e18


def test_float32_overflow_of_one_factor():
    c = diagnose(EXP_SUM.rhs, "rhs", {"x": 100.0, "y": -90.0}, F32)  # exp(100) is beyond float32
    assert (c.label, c.node) == ("overflow", "exp(x)")


def test_an_overflow_far_beyond_the_range_is_told_without_an_exact_fraction_of_it():
    # exp(1e9) is about 2**1.44e9: as an exact Fraction it took minutes and gigabytes (Hamming's NMSE 3.11)
    c = diagnose(identity("t", "exp(x)/(exp(x) - 1)", "1", vars={"x": "real"}).lhs, "lhs", {"x": 1e9}, F64)
    assert (c.label, c.node) == ("overflow", "exp(x)")
    assert c.detail == "`exp(x)` overflows to inf in float64; its true value is 8.002982e+434294481"
    tiny = diagnose(identity("u", "exp(-x)*x", "1", vars={"x": "real"}).lhs, "lhs", {"x": 1e9}, F64)
    assert tiny.label == "exact"  # 1e9*e**-1e9, about 2**-1.44e9, rounds to 0.0, as the float gives
