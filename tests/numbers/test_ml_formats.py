"""The ML formats (bfloat16, float8_e4m3fn, float8_e5m2) against ml_dtypes, and every 8- and 16-bit format
exhaustively: each bit pattern's value (read by numpy / ml_dtypes, not by our code) has the ordinal of its
place in the sorted list of values, and rounding agrees with the library's casts at every midpoint."""

import math
from fractions import Fraction

import numpy as np
import pytest

from identities.numbers.dtypes import as_format, format_of_dtype, int_types, numpy_dtype
from identities.numbers.formats import FORMATS, bfloat16, float8_e4m3fn, float8_e5m2, short_repr

ml_dtypes = pytest.importorskip("ml_dtypes")

SMALL = ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]


def all_values(name):
    """Every bit pattern of the format as a float64 (via the dtype's own conversion), and the patterns."""
    fmt = FORMATS[name]
    _, u = int_types(fmt)
    bits = np.arange(2**fmt.width, dtype=np.uint64).astype(u)
    with np.errstate(invalid="ignore"):  # the nan patterns
        return bits.view(numpy_dtype(fmt)).astype(np.float64), bits


@pytest.mark.parametrize("fmt", [bfloat16, float8_e4m3fn, float8_e5m2])
def test_constants_match_ml_dtypes(fmt):
    info = ml_dtypes.finfo(numpy_dtype(fmt))
    assert fmt.eps == float(info.eps)
    assert fmt.max == float(info.max)
    assert fmt.min_normal == float(info.smallest_normal)
    assert fmt.min_subnormal == float(info.smallest_subnormal)
    assert (fmt.emin, fmt.emax) == (int(info.minexp), int(info.maxexp) - 1)


def test_the_named_constants():
    assert float8_e4m3fn.max == 448.0 and float8_e5m2.max == 57344.0
    assert bfloat16.max == (2 - 2.0**-7) * 2.0**127
    assert float8_e4m3fn.max_ordinal == 0x7E and float8_e5m2.max_ordinal == 0x7B and bfloat16.max_ordinal == 0x7F7F


@pytest.mark.parametrize("name", SMALL)
def test_every_value_has_the_ordinal_of_its_place(name):
    """Exhaustive: sorted values are consecutive ordinals, the ordinal's magnitude is the bit pattern,
    from_ordinal inverts it, and infinities sit one past the largest finite value."""
    fmt = FORMATS[name]
    values, bits = all_values(name)
    finite = np.isfinite(values)
    ordered = sorted({float(v) for v in values[~np.isnan(values)]})  # -0.0 == 0.0: one entry
    zero = ordered.index(0.0)
    for place, v in enumerate(ordered):
        assert fmt.ordinal(v) == place - zero, v
        assert fmt.from_ordinal(place - zero) == v
    if fmt.infinities:
        assert ordered[-1] == math.inf and ordered[-2] == fmt.max
    else:
        assert ordered[-1] == fmt.max and not np.isinf(values).any()
    sign = 1 << (fmt.width - 1)
    for v, b in zip(values[finite].tolist(), bits[finite].astype(np.int64).tolist()):
        assert fmt.ordinal(v) == (-(b & (sign - 1)) if b & sign else b)


def test_float8_e4m3fn_has_one_nan_per_sign_and_no_infinity():
    values, bits = all_values("float8_e4m3fn")
    nans = bits[np.isnan(values)].tolist()
    assert sorted(nans) == [0x7F, 0xFF]
    with pytest.raises(ValueError, match="no infinities"):
        float8_e4m3fn.ordinal(math.inf)
    with pytest.raises(ValueError, match="beyond"):
        float8_e4m3fn.from_ordinal(0x7F)
    assert not float8_e4m3fn.contains(math.inf) and float8_e4m3fn.contains(448.0)
    assert not float8_e4m3fn.contains(480.0)


@pytest.mark.parametrize("name", SMALL)
def test_rounding_agrees_with_the_dtype_at_every_midpoint(name):
    """fmt.round against the dtype's cast from float32 at every midpoint of adjacent values (the ties),
    one float32 step off them, and beyond the largest value (overflow: inf, or nan in float8_e4m3fn)."""
    fmt = FORMATS[name]
    dtype = numpy_dtype(fmt)
    ordered = sorted({float(v) for v in all_values(name)[0] if math.isfinite(v)})
    up, down = np.float32(np.inf), np.float32(-np.inf)
    points = []
    for a, b in zip(ordered, ordered[1:]):
        mid = np.float32((a + b) / 2)  # exact: a midpoint needs one bit more than the format has
        assert float(mid) == (a + b) / 2
        points += [mid, np.nextafter(mid, down), np.nextafter(mid, up)]
    top = np.float32(fmt.max + fmt.max * fmt.eps / 4)  # half an ulp above the largest value: the tie
    points += [top, np.nextafter(top, down), np.nextafter(top, up), np.float32(3e38), up, down]
    points32 = np.array(points, dtype=np.float32)
    ours = np.array([fmt.round(float(p)) for p in points32])
    with np.errstate(over="ignore"):
        theirs = points32.astype(dtype).astype(np.float64)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    assert same.all(), [(p, o, t) for p, o, t in zip(points, ours, theirs) if not (o == t or o != o and t != t)][:5]
    assert np.array_equal(np.signbit(ours), np.signbit(theirs))


def test_ml_dtypes_rounds_doubles_twice_so_we_round_exactly_first():
    """Why the backends build ML values as ``dtype(fmt.round(x))``: ml_dtypes converts a double through
    float32, and the two roundings can land on the wrong neighbour."""
    x = 1 + 2.0**-8 + 2.0**-30  # just above the tie between 1 and 1 + 2**-7
    assert bfloat16.round(x) == 1 + 2.0**-7
    assert float(ml_dtypes.bfloat16(x)) == 1.0  # float32(x) is the tie 1 + 2**-8, which goes to the even 1
    assert float(ml_dtypes.bfloat16(bfloat16.round(x))) == 1 + 2.0**-7


def test_float8_e4m3fn_overflow_is_nan():
    """The semantics adopted (ml_dtypes'): IEEE round to nearest even, then beyond 448 is nan."""
    r = float8_e4m3fn.round
    assert r(Fraction(464)) == 448.0  # the tie between 448 and the would-be 480 goes to the even 448
    assert math.isnan(r(Fraction(465))) and math.isnan(r(Fraction(-465)))
    assert math.isnan(r(math.inf)) and math.isnan(r(1e10))
    assert r(Fraction(1, 2**10)) == 0.0 and r(Fraction(3, 2**11)) == 2.0**-9  # subnormal ties
    assert float8_e5m2.round(Fraction(61440)) == math.inf  # e5m2 is IEEE-like: the tie goes to inf
    assert float8_e5m2.round(Fraction(61439)) == 57344.0


def test_dtype_lookup():
    assert numpy_dtype(bfloat16) is ml_dtypes.bfloat16
    assert format_of_dtype(ml_dtypes.float8_e4m3fn) is float8_e4m3fn
    assert format_of_dtype(np.float32) is FORMATS["float32"]
    assert format_of_dtype(np.int32) is None
    assert as_format(np.dtype(ml_dtypes.float8_e5m2)) is float8_e5m2
    with pytest.raises(ValueError, match="fmt='float128' is not a float format"):
        as_format("float128")


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_short_repr_reads_back(name):
    fmt = FORMATS[name]
    values = [v for v in all_values(name)[0].tolist() if math.isfinite(v)]
    for v in values[:: max(1, len(values) // 2000)]:
        text = short_repr(v, fmt)
        assert fmt.round(Fraction(text)) == v, (v, text)
    assert short_repr(0.10009765625, bfloat16) == "0.1"
    assert short_repr(448.0, float8_e4m3fn) == "448.0"


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_round_array_rounds_doubles_once(name):
    """Doubles a hair off every midpoint (where a cast through float32 lands on the tie and then on the even
    neighbour) round as fmt.round rounds them: to the nearer value."""
    from identities.numbers.dtypes import round_array

    fmt = FORMATS[name]
    ordered = sorted({float(v) for v in all_values(name)[0] if math.isfinite(v)})
    mids = np.array([(a + b) / 2 for a, b in zip(ordered, ordered[1:])])
    x = np.concatenate([mids * (1 + 2.0**-40), mids * (1 - 2.0**-40), mids, [1e39, -1e300, 3e-50]])
    got = round_array(x, fmt).astype(np.float64)
    want = np.array([fmt.round(float(v)) for v in x])
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))
