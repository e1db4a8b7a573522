"""identities.floats' arithmetic (numbers/ulps.py): exhaustively for the 8- and 16-bit formats, against
math and numpy for float64 and float32, and exact above 2**53."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from identities.errors import InvalidArgument
from identities.floats import FORMATS, next_down, next_up, ordinal, round_to, ulp, ulp_distance
from identities.numbers.dtypes import int_types, numpy_dtype

pytest.importorskip("ml_dtypes")

SMALL = ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]


def sorted_values(name):
    """Every non-nan value of the format, ascending, read from its bit patterns by the dtype itself; and
    whether a nan exists. The place in this list is the ordinal, counted independently of our code."""
    fmt = FORMATS[name]
    _, u = int_types(fmt)
    with np.errstate(invalid="ignore"):
        values = np.arange(2**fmt.width, dtype=np.uint64).astype(u).view(numpy_dtype(fmt)).astype(np.float64)
    return sorted({float(v) for v in values[~np.isnan(values)]})


@pytest.mark.parametrize("name", SMALL)
def test_adjacent_pairs_are_one_ulp_apart(name):
    values = sorted_values(name)
    zero = values.index(0.0)
    for place, (a, b) in enumerate(zip(values, values[1:])):
        assert ulp_distance(a, b, name) == 1 == ulp_distance(b, a, name)
        assert next_up(a, name) == b and next_down(b, name) == a
        assert ordinal(a, name) == place - zero
        if math.isfinite(a) and math.isfinite(b) and a >= 0:
            assert ulp(a, name) == b - a  # the gap above a nonnegative value
    # any pair: the ordinal distance, checked on a sample of far pairs
    for i in range(0, len(values), 997):
        for j in range(0, len(values), 101):
            assert ulp_distance(values[i], values[j], name) == abs(i - j)


@pytest.mark.parametrize("name", SMALL)
def test_edge_pairs(name):
    fmt = FORMATS[name]
    values = sorted_values(name)
    assert ulp_distance(0.0, -0.0, name) == 0
    assert ulp_distance(-fmt.min_subnormal, fmt.min_subnormal, name) == 2
    assert next_up(-0.0, name) == fmt.min_subnormal == next_up(0.0, name)
    assert next_down(0.0, name) == -fmt.min_subnormal
    assert ulp(0.0, name) == fmt.min_subnormal
    assert ulp(fmt.max, name) == fmt.max - values[-3 if fmt.infinities else -2]
    assert ulp_distance(-fmt.max, fmt.max, name) == 2 * fmt.max_ordinal
    if fmt.infinities:
        assert ulp_distance(fmt.max, math.inf, name) == 1
        assert ulp_distance(-math.inf, math.inf, name) == len(values) - 1 == 2 * fmt.max_ordinal + 2
        assert next_up(fmt.max, name) == math.inf and next_up(math.inf, name) == math.inf
        assert next_up(-math.inf, name) == -fmt.max and next_down(-fmt.max, name) == -math.inf
        assert ulp(math.inf, name) == math.inf
    else:  # float8_e4m3fn: inf is no value of it, and the step beyond 448 is its nan
        with pytest.raises(InvalidArgument, match="is not a float8_e4m3fn value"):
            ulp_distance(fmt.max, math.inf, name)
        assert math.isnan(next_up(fmt.max, name)) and math.isnan(next_down(-fmt.max, name))
    for v in (0.0, 1.0, -fmt.max, fmt.max):
        assert ulp_distance(math.nan, v, name) == math.inf == ulp_distance(v, math.nan, name)
    assert ulp_distance(math.nan, math.nan, name) == math.inf
    assert math.isnan(next_up(math.nan, name)) and math.isnan(ulp(math.nan, name))


@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_float64_distance_is_exact_against_rationals(a, b):
    """Count the doubles in between with exact arithmetic per binade, independently of ordinals."""

    def position(x):  # doubles in [0, |x|), by binade
        x = abs(x)
        if math.isinf(x):
            return 2047 * 2**52
        if x < 2.0**-1022:
            return int(Fraction(x) / Fraction(2) ** -1074)
        m, e = math.frexp(x)
        return (e - 1 + 1022) * 2**52 + 2**52 + int(Fraction(m) * 2**53) - 2**52

    pa = -position(a) if math.copysign(1, a) < 0 else position(a)
    pb = -position(b) if math.copysign(1, b) < 0 else position(b)
    expected = abs(pa - pb)
    got = ulp_distance(a, b)
    assert type(got) is int and got == expected


def test_exact_above_two_to_the_53():
    d = ulp_distance(-1.7976931348623157e308, 1.7976931348623157e308)
    assert d == 2 * (0x7FEFFFFFFFFFFFFF) == 18437736874454810622  # float(d) would be ...0624
    assert float(d) != d - 2 or int(float(d)) != d
    assert ulp_distance(0.0, math.inf) == 0x7FF0000000000000
    assert ulp_distance(1.0, 2.0) == 2**52


@given(st.floats(allow_nan=False))
def test_float64_matches_math(x):
    assert next_up(x) == math.nextafter(x, math.inf)
    assert next_down(x) == math.nextafter(x, -math.inf)
    assert ulp(x) == math.ulp(x)


@given(st.floats(width=32, allow_nan=False))
def test_float32_matches_numpy(x):
    f = np.float32(x)
    assert next_up(f, np.float32) == float(np.nextafter(f, np.float32(np.inf)))
    assert next_down(x, "float32") == float(np.nextafter(f, np.float32(-np.inf)))
    assert ulp_distance(x, float(np.nextafter(f, np.float32(0))), "float32") == (0 if x == 0 else 1)


def test_arguments_are_checked():
    with pytest.raises(InvalidArgument, match=r"x=0.1 is not a float32 value .*round_to\(0.1, 'float32'\)"):
        next_up(0.1, "float32")
    with pytest.raises(InvalidArgument, match="fmt='float12' is not a float format"):
        ulp(1.0, "float12")
    with pytest.raises(InvalidArgument, match="x='1' is not a number"):
        ulp("1")
    assert round_to(0.1, "bfloat16") == 0.10009765625
    assert round_to(Fraction(1, 3), "float8_e4m3fn") == 0.34375
    assert math.isnan(round_to(1e6, "float8_e4m3fn")) and round_to(1e6, "float8_e5m2") == math.inf
