from fractions import Fraction

import pytest

from identities.language.expr import parse
from identities.numbers.formats import float64
from identities.oracle.scalar import BOTH_UNDEFINED, HOLDS, LHS_UNDEFINED, REFUTED, RHS_UNDEFINED, UNKNOWN, Oracle

ORACLE = Oracle()


def compare(lhs, rhs, **env):
    names = set(env)
    return ORACLE.compare(parse(lhs, names), parse(rhs, names), env)


def test_log1p_at_1e_300_is_not_fooled():
    p = compare("log(1 + x)", "x", x=1e-300)
    assert p.status == REFUTED  # log(1 + x) = x - x**2/2 + ...: differs from x by 5e-601
    truth = ORACLE.evaluate(parse("log(1 + x)", {"x"}), {"x": 1e-300})
    assert truth.to_float(float64) == 1e-300
    assert compare("log(1 + x)", "log1p(x)", x=1e-300).status == HOLDS


def test_exp_minus_one_at_1e_300():
    # point evaluation gives exactly 0 at 256 and at 512 bits; the ball does not
    truth = ORACLE.evaluate(parse("exp(x) - 1", {"x"}), {"x": 1e-300})
    assert truth.to_float(float64) == 1e-300
    assert compare("exp(x) - 1", "0", x=1e-300).status == REFUTED


def test_sqrt_difference_at_1e100():
    p = compare("sqrt(x + 1) - sqrt(x)", "1/(sqrt(x + 1) + sqrt(x))", x=1e100)
    assert p.status == HOLDS
    assert p.lhs.to_float(float64) == 5e-51
    assert p.bits > 256  # needed more than the starting precision


def test_cos_square_minus_one_at_1e_200():
    p = compare("cos(x**2) - 1", "-2*sin(x**2/2)**2", x=1e-200)
    assert p.status == HOLDS
    assert p.lhs.to_fraction() == pytest.approx(Fraction(-5, 10**801), rel=1e-15)
    assert p.bits >= 2048


def test_refutes_ramanujans_near_integer():
    p = compare("exp(pi*sqrt(163))", "640320**3 + 744")
    assert p.status == REFUTED
    diff = p.rhs.to_fraction() - p.lhs.to_fraction()
    assert 7.49e-13 < float(diff) < 7.5e-13


def test_domains():
    assert compare("sqrt(x)*sqrt(y)", "sqrt(x*y)", x=-4.0, y=-4.0).status == LHS_UNDEFINED
    assert compare("log(x**2)", "2*log(x)", x=-3.0).status == RHS_UNDEFINED
    assert compare("log(x)", "sqrt(x)", x=-1.0).status == BOTH_UNDEFINED
    assert compare("1/x", "1", x=0.0).status == LHS_UNDEFINED
    assert compare("x**0.5", "sqrt(x)", x=0.0).status == HOLDS
    assert compare("acos(x)", "0", x=1.0).status == HOLDS
    assert compare("gamma(x)", "1", x=-2.0).status == LHS_UNDEFINED


def test_diff_by_taylor_arithmetic():
    assert compare("diff(x*sin(x), x)", "sin(x) + x*cos(x)", x=1.5).status == HOLDS
    assert compare("diff(cos(x), x)", "sin(x)", x=1.5).status == REFUTED
    assert compare("diff(3*x**2 - 4*x, x)", "2", x=1.0).status == HOLDS
    assert compare("diff(sqrt(x), x, 2)", "-1/(4*x**1.5)", x=2.0).status == HOLDS
    assert compare("diff(abs(x), x)", "1", x=0.0).status == LHS_UNDEFINED
    for fn, d in [
        ("sinh(x)", "cosh(x)"),
        ("tanh(x)", "1 - tanh(x)**2"),
        ("expm1(x)", "exp(x)"),
        ("log1p(x)", "1/(1 + x)"),
        ("atanh(x)", "1/(1 - x**2)"),
        ("cbrt(x)", "1/(3*cbrt(x)**2)"),
        ("atan2(x, 2)", "2/(x**2 + 4)"),
        ("hypot(x, 2)", "x/hypot(x, 2)"),
        ("lgamma(x)", "diff(gamma(x), x)/gamma(x)"),
        ("erf(x)", "2/sqrt(pi)*exp(-x**2)"),
        ("asinh(x)", "1/sqrt(x**2 + 1)"),
        ("x**x", "x**x*(log(x) + 1)"),
    ]:
        assert compare(f"diff({fn}, x)", d, x=0.3).status == HOLDS, fn


def test_sums_and_integers_are_exact():
    p = compare("sum(comb(n, k), k, 0, n)", "2**n", n=60)
    assert p.status == HOLDS and p.lhs.value == 2**60
    assert compare("comb(3, 2)*0.6**2*0.4", "0.432").status == HOLDS
    assert compare("3*0.6**2*0.4", "0.43200000000000005").status == REFUTED


def test_truths_print_to_20_digits():
    from flint import fmpq

    from identities.oracle.scalar import Truth

    assert str(Truth(fmpq(1, 10**10))) == "1.0000000000000000000e-10"
    assert str(Truth(fmpq(54, 125))) == "0.43200000000000000000"
    assert str(Truth(2**60)) == "1152921504606846976"


def test_unknown_is_never_a_verdict():
    p = compare("exp(x)", "exp(x)", x=1e308)
    assert p.status == UNKNOWN and "range" in p.note
    small = Oracle(start_bits=64, cap_bits=128)
    p = small.compare(parse("sin(pi)"), parse("0"), {})
    assert p.status == UNKNOWN and "128 bits" in p.note


def test_oracle_arguments_are_checked():
    with pytest.raises(ValueError, match="start_bits"):
        Oracle(start_bits=512, cap_bits=256)
