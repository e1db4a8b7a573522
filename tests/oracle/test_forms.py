"""The oracle at the hard points of the newer forms: decided exactly, or unknown, never wrong."""

import math

import mpmath
import pytest

from identities.language.expr import parse
from identities.numbers.formats import float64
from identities.oracle.scalar import BOTH_UNDEFINED, HOLDS, UNKNOWN, Oracle

ORACLE = Oracle(start_bits=128, cap_bits=1024)


def value(text, **env):
    """The oracle's value rounded to double; None where undefined; 'unknown' where undecided at the cap."""
    try:
        t = ORACLE.evaluate(parse(text, set(env)), env)
    except LookupError:
        return "unknown"
    return None if t is None else t.to_float(float64)


@pytest.mark.parametrize(
    "text, env, expected",
    [
        # where: only the side taken is evaluated; a condition exactly on its boundary is decided when exact
        ("where(x > 0, log(x), 0)", {"x": 0.0}, 0.0),
        ("where(x > 0, log(x), 0)", {"x": 2.0}, math.log(2.0)),
        ("where(sqrt(x) == 3, 1, 0)", {"x": 9.0}, 1.0),
        ("where(x*x == 2, 1, 0)", {"x": math.sqrt(2)}, 0.0),  # sqrt(2)**2 is 2.0000000000000004 exactly
        ("where(x >= 1 and not x > 2, x, -x)", {"x": 2.0}, 2.0),
        ("where(x < 1 or x > 2, x, -x)", {"x": 1.5}, -1.5),
        ("where(sin(pi*x) == 0, 1, 0)", {"x": 1.0}, "unknown"),  # sin(pi) is a ball around 0 forever
        # floor and friends at integers and half-integers
        ("floor(x)", {"x": 3.0}, 3.0),
        ("floor(3*x)", {"x": 1 / 3}, 0.0),  # 3 * (the double nearest 1/3) is just below 1, exactly
        ("floor(sqrt(x))", {"x": 16.0}, 4.0),
        ("floor(sqrt(x))", {"x": 15.999999999999998}, 3.0),
        ("floor(exp(log(x)))", {"x": 3.0}, "unknown"),  # a ball around 3: the jump is inside it
        ("ceil(x)", {"x": -2.5}, -2.0),
        ("trunc(x)", {"x": -2.5}, -2.0),
        ("round(x)", {"x": 2.5}, 3.0),
        ("round(x)", {"x": -2.5}, -3.0),
        ("round(x)", {"x": 0.49999999999999994}, 0.0),  # floor(x + 0.5) would say 1
        ("remainder(x, 1)", {"x": 2.5}, 0.5),  # the quotient 2.5 ties to the even 2
        ("remainder(x, 1)", {"x": 3.5}, -0.5),
        # fmod near multiples: exact on doubles, undecided on a ball straddling a multiple
        ("fmod(x, y)", {"x": 0.3, "y": 0.1}, math.fmod(0.3, 0.1)),
        ("fmod(6*x, x)", {"x": 0.1}, 0.0),
        ("fmod(x, y)", {"x": -7.5, "y": 2.0}, -1.5),
        ("fmod(exp(log(x)), 1)", {"x": 3.0}, "unknown"),
        ("fmod(x, y)", {"x": 1.0, "y": 0.0}, None),
        # min/max of equal values: continuous, so overlapping balls are enclosed, not split
        ("min(sin(x), sin(x))", {"x": 1.0}, math.sin(1.0)),
        ("max(x, exp(log(x)))", {"x": 2.0}, 2.0),
        ("copysign(x, y)", {"x": 2.0, "y": -0.0}, 2.0),  # the reals have no -0
        ("copysign(1, sin(pi*x))", {"x": 1.0}, "unknown"),
        # special functions at the edges of their domains
        ("lambertw(x)", {"x": -0.36787944117144233}, None),  # this double is below -1/e
        ("lambertw(-exp(-1))", {}, "unknown"),  # exactly -1/e: the ball straddles the branch point
        ("zeta(x)", {"x": 1.0}, None),
        ("digamma(x)", {"x": -2.0}, None),
        ("bessely(0, x)", {"x": 0.0}, None),
        ("besselj(-3, x)", {"x": 2.5}, -float(mpmath.besselj(3, 2.5))),
        ("beta(x, y)", {"x": 2.5, "y": 1.5}, float(mpmath.beta(2.5, 1.5))),
        ("prod(k, k, 1, floor((n - 1)/2))", {"n": 9}, 24.0),
        ("sum(k, k, 1, floor(n/2))", {"n": 7}, 6.0),
    ],
)
def test_hard_points(text, env, expected):
    assert value(text, **env) == expected


def test_lambertw_just_inside_its_domain_agrees_with_mpmath():
    x = -0.3678794411714423  # the double just above -1/e
    with mpmath.workdps(60):
        truth = mpmath.lambertw(mpmath.mpf(x))
        assert float(truth) == value("lambertw(x)", x=x) and abs(truth + 1) < 2e-8


def test_derivatives_through_steps_and_special_functions():
    assert value("diff(floor(x), x)", x=2.5) == 0.0
    assert value("diff(floor(x), x)", x=2.0) is None  # a jump: not differentiable
    assert value("diff(where(x > 0, x**2, x**3), x)", x=0.0) == "unknown"  # on the boundary: not claimed
    assert value("diff(where(x > 0, x**2, x**3), x)", x=1.5) == 3.0
    with mpmath.workdps(40):
        assert value("diff(digamma(x), x)", x=2.5) == float(mpmath.psi(1, 2.5))
        assert value("diff(besselj(2, x), x, 2)", x=2.5) == float(mpmath.diff(lambda t: mpmath.besselj(2, t), 2.5, 2))
        assert value("diff(lambertw(x), x)", x=0.5) == float(mpmath.diff(mpmath.lambertw, 0.5).real)


def test_one_sided_and_two_sided_verdicts_at_hard_points():
    e = parse("floor(exp(log(x)))", {"x"})
    assert ORACLE.compare(e, e, {"x": 3.0}).status == UNKNOWN
    lhs, rhs = parse("where(x > 0, log(x), 0)", {"x"}), parse("where(x <= 0, 0, log(x))", {"x"})
    assert ORACLE.compare(lhs, rhs, {"x": 0.0}).status == HOLDS
    w = parse("lambertw(x)", {"x"})
    assert ORACLE.compare(w, w, {"x": -0.5}).status == BOTH_UNDEFINED
