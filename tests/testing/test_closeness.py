"""The vectorised ulp distance and pass/fail check behind assert_close, against the scalar definitions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identities.errors import InvalidArgument
from identities.numbers.formats import float16, float32, float64
from identities.testing import closeness
from identities.testing.closeness import as_tolerance, compare, ulp_distance

WIDTHS = [(float16, np.float16, 16), (float32, np.float32, 32), (float64, np.float64, 64)]


@pytest.mark.parametrize("fmt, dtype, width", WIDTHS)
@given(data=st.data())
def test_ulp_distance_matches_the_format_ordinals(fmt, dtype, width, data):
    finite = st.floats(width=width, allow_nan=False, allow_infinity=False)
    xs = data.draw(st.lists(st.tuples(finite, finite), min_size=1, max_size=20))
    a = np.array([x for x, _ in xs], dtype=dtype)
    b = np.array([y for _, y in xs], dtype=dtype)
    assert ulp_distance(a, b).tolist() == [fmt.ulp_distance(x, y) for x, y in xs]


def test_ulp_distance_extremes_and_non_finite():
    big = np.finfo(np.float64).max
    d = ulp_distance(
        np.array([-big, 0.0, 5e-324, np.nan, np.inf, np.inf, 1.0]),
        np.array([big, -0.0, -5e-324, np.nan, np.inf, big, np.nan]),
    )
    assert d[0] == float64.ulp_distance(-big, big) == float(2 * float64.ordinal(big))  # beyond int64
    assert d[1:].tolist() == [0.0, 2.0, 0.0, 0.0, math.inf, math.inf]


def _reference_ok(a, b, tol, fmt):
    return (math.isnan(a) and math.isnan(b)) or tol.passes(a, b, fmt)


@pytest.mark.parametrize("fmt, dtype, width", WIDTHS)
@pytest.mark.parametrize(
    "tolerance", ["0 ulp", "3 ulp", "1e-3 rel", "1e-30 abs", "2 ulp or 1e-300 abs", "1e-300 abs or 1e-6 rel"]
)
@settings(max_examples=40)
@given(data=st.data())
def test_fast_check_agrees_with_tolerance_passes(fmt, dtype, width, tolerance, data):
    tol = as_tolerance(tolerance)
    values = st.floats(width=width)
    a = data.draw(st.lists(values, min_size=1, max_size=10))
    # partners: near (a few ulps), equal, or anything
    b = []
    for x in a:
        kind = data.draw(st.sampled_from(["near", "same", "any"]))
        if kind == "any" or not math.isfinite(x):
            b.append(data.draw(values))
        elif kind == "same":
            b.append(x)
        else:
            b.append(fmt.from_ordinal(fmt.ordinal(x) + data.draw(st.integers(-5, 5))))
    aa, bb = np.array(a, dtype=dtype), np.array(b, dtype=dtype)
    expected = all(_reference_ok(float(x), float(y), tol, fmt) for x, y in zip(aa, bb))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(closeness, "BLOCK", 3)  # several blocks, and a short last one
        assert (compare(aa, bb, tol) is None) == expected


def test_mismatch_names_the_worst_and_the_first():
    a = np.arange(12, dtype=np.float64).reshape(3, 4) + 1
    b = a.copy()
    b[0, 1] = math.nextafter(b[0, 1], 10) * 1  # 1 ulp: passes at 4 ulp
    b[1, 2] = b[1, 2] * (1 + 1e-15)  # a few ulps over
    b[2, 3] = b[2, 3] * (1 + 1e-12)  # the worst
    m = compare(a, b, as_tolerance("4 ulp"))
    assert m.failed == 2 and m.size == 12 and m.worst == (2, 3)
    assert m.indices == [(1, 2), (2, 3)]
    assert m.max_ulps == float64.ulp_distance(float(a[2, 3]), float(b[2, 3]))


def test_bad_inputs_name_what_is_wrong():
    with pytest.raises(InvalidArgument, match=r"tolerance='4 ulps please'"):
        as_tolerance("4 ulps please")
    with pytest.raises(InvalidArgument, match="complex"):
        compare(np.array([1j]), np.array([1j]), as_tolerance("1 ulp"))
    with pytest.raises(InvalidArgument, match="actual=.*not a float"):
        compare(np.array(["a"]), np.array([1.0]), as_tolerance("1 ulp"))
    if np.dtype(np.longdouble).itemsize not in (8,):
        with pytest.raises(InvalidArgument, match="float16, float32, float64, bfloat16"):
            compare(np.ones(2, dtype=np.longdouble), np.ones(2), as_tolerance("1 ulp"))
