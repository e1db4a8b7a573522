"""Correct rounding of the truth: ties between two floats broken far below 200 bits, checked with exact rationals."""

from fractions import Fraction

from flint import arb, ctx
from hypothesis import given, settings
from hypothesis import strategies as st

from identities import identity
from identities.backends import get_backend
from identities.check.evaluation import Engine
from identities.language.expr import parse
from identities.language.tolerance import default_tolerance
from identities.numbers.formats import float16, float32, float64
from identities.oracle.rounding import round_ball
from identities.oracle.scalar import HOLDS, Oracle

ORACLE = Oracle()
FORMATS = {"float16": float16, "float32": float32, "float64": float64}
TIE = identity("tie", "x + y/2 + z", "x + (y/2 + z)", vars={"x": "real", "y": "real", "z": "real"})


def test_the_issue_example_is_rounded_correctly():
    x1, x2 = 0.2223837841653254, 1.885e-147
    t = ORACLE.evaluate(parse("-12*x1 - 7*x2 + x2*x2", {"x1", "x2"}), {"x1": x1, "x2": x2})
    exact = -12 * Fraction(x1) - 7 * Fraction(x2) + Fraction(x2) ** 2
    assert t.rounded(float64) == float64.round(exact) == -2.668605409983905
    # the 200-bit ball's midpoint alone rounds to the wrong neighbour: the refinement is what decides
    assert float64.round(t.to_fraction()) != t.rounded(float64)
    backend = get_backend("float64")
    ident = identity("issue11", "-12*x1 - 7*x2 + x2*x2", "-12*x1 - 7*x2", vars={"x1": "real", "x2": "real"})
    engine = Engine(ident, backend, ORACLE, default_tolerance(float64))
    c = engine.describe(engine.evaluate({"x1": x1, "x2": x2}))
    assert c.lhs == -2.668605409983905 and c.lhs_ulps == 0


def test_a_ball_across_a_boundary_is_undecided_and_a_tie_rounds_to_even():
    with ctx.workprec(600):
        tie = arb(1) + arb(2.0**-53)  # exactly halfway between 1 and its successor
        assert tie.is_exact() and round_ball(tie, float64) == 1.0  # ties to even
        odd = 1 + 2.0**-52  # an odd significand: its tie with the next double rounds up
        assert round_ball(arb(odd) + arb(2.0**-53), float64) == 1 + 2.0**-51
        wobble = arb(0).union(arb(2.0**-300))
        assert round_ball(tie + wobble, float64) is None  # either neighbour: more bits needed
        assert round_ball(arb(1.25) + wobble, float64) == 1.25


def test_at_the_cap_the_rounding_is_uncertain_never_guessed():
    small = Oracle(start_bits=64, cap_bits=128, hold_bits=100)
    x, y, z = 1.0, 2.0**-52, 1e-200  # the tie x + y/2 is broken 660 bits down: beyond a 128-bit cap
    p = small.compare(TIE.lhs, TIE.rhs, {"x": x, "y": y, "z": z})
    assert p.status == HOLDS and p.lhs.rounded(float64) is None
    engine = Engine(TIE, get_backend("float64"), small, default_tolerance(float64))
    c = engine.describe(engine.evaluate({"x": x, "y": y, "z": z}))
    assert c.culprit == "uncertain" and c.lhs_ulps != c.lhs_ulps  # nan: uncertain
    assert "uncertain" in c.cause


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(FORMATS)),
    where=st.floats(-1, 1),
    tiny=st.floats(1e-300, 1e-150),
    sign=st.sampled_from([-1, 0, 1]),
)
def test_ties_broken_far_below_200_bits_get_each_sides_error_right(name, where, tiny, sign):
    fmt = FORMATS[name]
    # two neighbours a < b of the format, anywhere from -max through the subnormals to max
    top = fmt.ordinal(fmt.max) - 1
    o = max(-top, min(top, round(where * top)))
    a, b = fmt.from_ordinal(o), fmt.from_ordinal(o + 1)
    x, y, z = a, b - a, sign * tiny  # x + y/2 is the tie, z breaks it (or not, z = 0)
    assert Fraction(x) + Fraction(y) / 2 == (Fraction(a) + Fraction(b)) / 2
    exact = Fraction(x) + Fraction(y) / 2 + Fraction(z)
    want = fmt.round(exact)
    env = {"x": x, "y": y, "z": float(z)}
    t = ORACLE.evaluate(parse("x + y/2 + z", set(env)), env)
    assert t.rounded(fmt) == want
    # each side's error, in the engine's counterexample, against exact rationals
    backend = get_backend(name)
    engine = Engine(TIE, backend, ORACLE, default_tolerance(fmt))
    c = engine.describe(engine.evaluate(env))
    assert c.lhs_ulps == fmt.ulp_distance(c.lhs, want)
    assert c.rhs_ulps == fmt.ulp_distance(c.rhs, want)
