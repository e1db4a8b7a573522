"""The references behind assert_accurate / assert_derivative: exact truths, or undefined, or unknown."""

import math

import mpmath
import pytest

from identities.errors import InvalidArgument
from identities.numbers.formats import float32, float64
from identities.testing.accuracy import UNKNOWN, ExprReference, MpmathReference, parse_vars


def test_expression_reference_is_the_oracle():
    ref = ExprReference("exp(x) - 1", ["x"])
    e = ref({"x": 1e-300}, float64)
    assert e.value == 1e-300 and e.text.startswith("1.0000000000000000")
    assert ExprReference("log(x)", ["x"])({"x": -1.0}, float64) is None  # undefined
    d = ExprReference("sin(x)**2", ["x"], wrt="x")
    assert d.text == "d/dx sin(x)**2"
    assert d({"x": 1e-200}, float64).value == 2e-200  # Taylor arithmetic, no difference quotient
    assert ExprReference("exp(x)", ["x"])({"x": 1e300}, float32) in (UNKNOWN,)  # beyond arb's exponent range


def test_mpmath_reference_does_not_believe_a_zero_from_cancellation():
    ref = MpmathReference(lambda x: mpmath.exp(x) - 1, ["x"])
    assert ref({"x": 1e-300}, float64).value == 1e-300  # exactly 0 at 128 and 256 bits: not believed
    assert MpmathReference(lambda x: mpmath.sin(x), ["x"])({"x": 0.0}, float64).value == 0.0  # a true zero
    tiny = MpmathReference(lambda x: mpmath.log(1 + mpmath.exp(x)), ["x"])({"x": -800.0}, float64)
    assert tiny.value == 0.0 and tiny.text.startswith("3.66787458417768")  # below the subnormals: rounds to 0


def test_mpmath_reference_signs_and_undefined():
    assert MpmathReference(lambda x: -x / 3, ["x"])({"x": 1.0}, float64).value == -1 / 3
    assert MpmathReference(lambda x: mpmath.sqrt(x), ["x"])({"x": -4.0}, float64) is None  # complex: not real
    assert MpmathReference(lambda x: 1 / x, ["x"])({"x": 0.0}, float64) is None  # ZeroDivisionError
    assert MpmathReference(lambda x: mpmath.log(x), ["x"])({"x": 0.0}, float64) is None  # -inf


@pytest.mark.parametrize("x", [8.640625, -3.5e-250, 1e-300, 0.0, 1e10, -700.0])
def test_mpmath_derivative_is_exact_to_the_double(x):
    d = MpmathReference(lambda t: mpmath.sin(t) ** 2, ["x"], wrt="x")({"x": x}, float64)
    with mpmath.workprec(300):
        assert d.value == float(mpmath.sin(2 * mpmath.mpf(x)))
    e = MpmathReference(lambda t: mpmath.exp(t), ["x"], wrt="x")({"x": x}, float64)
    with mpmath.workprec(300):
        assert e.value == float(mpmath.exp(mpmath.mpf(x)))


def test_partial_derivatives_and_integer_arguments():
    ref = MpmathReference(lambda x, n: x**n, ["x", "n"], wrt="x")
    assert ref({"x": 2.0, "n": 3}, float64).value == 12.0
    assert math.isclose(ExprReference("x**n", ["x", "n"], wrt="x")({"x": 2.0, "n": 3}, float64).value, 12.0)


def test_parse_vars_checks_names_and_domains():
    (x, dx), (y, dy) = parse_vars({"x": "real", "y": "real[0, x]"})[0]
    assert (x, y) == ("x", "y") and dy.depends_on == {"x"}
    with pytest.raises(InvalidArgument, match="'sin' is not a usable variable name"):
        parse_vars({"sin": "real"})
    with pytest.raises(InvalidArgument, match="unknown domain kind"):
        parse_vars({"x": "reel"})
