import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from identities.numbers.formats import float16, float32, float64


@pytest.mark.parametrize("fmt, dtype", [(float16, np.float16), (float32, np.float32), (float64, np.float64)])
def test_constants_match_numpy(fmt, dtype):
    info = np.finfo(dtype)
    assert fmt.eps == float(info.eps)
    assert fmt.max == float(info.max)
    assert fmt.min_normal == float(info.smallest_normal)
    assert fmt.min_subnormal == float(info.smallest_subnormal)


def test_ulp_distance_counts_steps():
    assert float64.ulp_distance(1.0, 1.0) == 0
    assert float64.ulp_distance(0.0, -0.0) == 0
    assert float64.ulp_distance(1.0, math.nextafter(1.0, 2)) == 1
    assert float64.ulp_distance(-5e-324, 5e-324) == 2
    assert float64.ulp_distance(0.432, 3 * 0.6**2 * 0.4) == 1  # the notebook's 0.43200000000000005
    assert float64.ulp_distance(float64.max, math.inf) == 1
    assert float64.ulp_distance(1.0, math.nan) == math.inf
    assert float32.ulp_distance(1.0, float(np.nextafter(np.float32(1), np.float32(2)))) == 1


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_round_matches_numpy_casts(x):
    for fmt, dtype in ((float32, np.float32), (float16, np.float16)):
        with np.errstate(over="ignore"):
            expected = float(dtype(x))
        assert fmt.round(Fraction(x)) == expected or (math.isinf(expected) and math.isinf(fmt.round(Fraction(x))))


@given(st.integers(-(2**31 - 1), 2**31 - 1))
def test_ordinals_roundtrip(n):
    for fmt in (float32, float64):
        x = fmt.from_ordinal(n)
        if math.isfinite(x):
            assert fmt.ordinal(x) == n


def test_round_is_exact_for_rationals():
    assert float64.round(Fraction(3, 5)) == 0.6
    assert float32.round(Fraction(1, 3)) == float(np.float32(1 / 3))
    assert float64.round(Fraction(10) ** 400) == math.inf
    assert float64.round(Fraction(1, 10**400)) == 0.0
