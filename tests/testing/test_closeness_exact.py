"""assert_close counts ulps exactly, suggests tolerances that pass when given back, warns about nothing and
applies rel/abs tolerances without rounding in the tolerance's favour (issue 11)."""

import math
import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identities.numbers.formats import bfloat16, float16, float32, float64
from identities.testing import assert_close
from identities.testing.closeness import as_tolerance, ceil_decimal, compare, ulp_counts


def _message(actual, expected, tolerance="4 ulp"):
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, tolerance)
    return str(info.value)


def _suggested(message):
    """Every tolerance the message suggests: the ulp one, then the rel and abs alternatives."""
    line = next(line for line in message.splitlines() if "would pass with" in line)
    return re.findall(r'"([^"]+)"', line)


def test_ulps_above_2_53_are_exact_and_the_suggestion_passes():
    exact = float64.ulps(1.0, 4.000000000000001)
    assert exact == 2**53 + 1  # the ordinals 0x3FF0000000000000 and 0x4010000000000001
    message = _message(1.0, 4.000000000000001)
    assert "9007199254740993 ulp (53.0 bits)" in message
    assert _suggested(message) == ["9007199254740993 ulp", "0.76 rel", "3.1 abs"]
    for tolerance in _suggested(message):  # each given back passes (it used to crash: argmax of nothing)
        assert_close(1.0, 4.000000000000001, tolerance)
    with pytest.raises(AssertionError, match="not within 9007199254740992 ulp"):
        assert_close(1.0, 4.000000000000001, "9007199254740992 ulp")
    with pytest.raises(AssertionError):  # the exact relative difference is just above 0.75
        assert_close(1.0, 4.000000000000001, "0.75 rel")


def test_ulp_counts_are_python_ints_beyond_the_doubles():
    big = np.finfo(np.float64).max
    counts = ulp_counts(np.array([-big, 1.0, np.nan, np.inf]), np.array([big, 4.000000000000001, np.nan, 1.0]))
    assert counts == [2 * float64.ordinal(big), 2**53 + 1, 0, math.inf]
    assert counts[0] == 18437736874454810622 and float(counts[0]) != counts[0]


def test_no_warning_when_expected_overflows_the_actual_format():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_close(np.float32([np.inf]), np.array([3.5e38]))  # 3.5e38 rounds to inf in float32
        with pytest.raises(AssertionError, match="inf ulp"):
            assert_close(np.float32([3.0]), np.array([3.5e38]))


def test_rel_is_not_rounded_in_the_tolerance_favour():
    # 0.4 * 1e-323 rounds up to 5e-324 among subnormals, the very difference: the values are 50% apart
    with pytest.raises(AssertionError, match="not within 0.4 rel"):
        assert_close(5e-324, 1e-323, "0.4 rel")
    assert_close(5e-324, 1e-323, "0.5 rel")
    assert compare(np.array([5e-324] * 70_000), np.array([1e-323] * 70_000), as_tolerance("0.4 rel")) is not None


def test_abs_is_compared_exactly():
    a, b = 1.0, 1.0 + 2.0**-52
    assert_close(a, b, f"{2.0**-52!r} abs")
    below = math.nextafter(2.0**-52, 0)
    with pytest.raises(AssertionError):
        assert_close(a, b, f"{below!r} abs")
    # doubles 4 apart near 1e16, where the spacing is 2: the bound is met exactly, and not a bit below it
    x, y = 1e16 + 2, 1e16 - 2
    assert Fraction(x) - Fraction(y) == 4
    assert_close(x, y, "4 abs")
    with pytest.raises(AssertionError):
        assert_close(x, y, "3.9 abs")


def test_ceil_decimal_never_rounds_down():
    assert ceil_decimal(Fraction(3, 4)) == "0.75"
    assert ceil_decimal(Fraction(3, 4) + Fraction(1, 10**30)) == "0.76"
    assert ceil_decimal(Fraction(5e-324)) == "4.9e-324"  # reads back as 5e-324, exactly the value
    assert float(ceil_decimal(Fraction(12345))) == 13000.0


FORMATS = [(float16, np.float16), (float32, np.float32), (float64, np.float64), (bfloat16, None)]


@st.composite
def pairs(draw):
    """A format and a few (actual, expected) pairs of its values: close, far, of opposite signs, and (float64)
    more than 2**53 ulps apart."""
    fmt, dtype = draw(st.sampled_from(FORMATS))
    if dtype is None:
        from identities.numbers.dtypes import numpy_dtype

        dtype = numpy_dtype(fmt)
    top = fmt.max_ordinal
    n = draw(st.integers(1, 4))
    a, b = [], []
    for _ in range(n):
        o = draw(st.integers(-top, top))
        kind = draw(st.sampled_from(["near", "any", "far"]))
        if kind == "near":
            p = max(-top, min(top, o + draw(st.integers(-8, 8))))
        elif kind == "far" and fmt is float64:
            p = max(-top, min(top, o + draw(st.sampled_from([1, -1])) * draw(st.integers(2**53, 2**62))))
        else:
            p = draw(st.integers(-top, top))
        a.append(fmt.from_ordinal(o))
        b.append(fmt.from_ordinal(p))
    return fmt, np.array(a, dtype=np.float64).astype(dtype), np.array(b, dtype=np.float64).astype(dtype)


def _given_back(case):
    fmt, a, b = case
    m = compare(a, b, as_tolerance("0 ulp"))
    if m is None:
        assert (a == b).all()
        return
    assert m.max_ulps == max(fmt.ulps(float(x), float(y)) for x, y in zip(a, b))  # exact ints
    for tolerance in _suggested(m.message()):
        assert compare(a, b, as_tolerance(tolerance)) is None, (tolerance, a, b)


@settings(max_examples=300, deadline=None)
@given(pairs())
def test_every_suggested_tolerance_passes_when_given_back(case):
    _given_back(case)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(pairs())
def test_every_suggested_tolerance_passes_when_given_back_10000(case):
    _given_back(case)
