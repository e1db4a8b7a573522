"""The float semantics of the newer forms, bit for bit against the C library (numpy, math) or exact
arithmetic (Fraction, Decimal), on many inputs."""

import math
import struct
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from identities.backends import get_backend
from identities.language.expr import parse

F64 = get_backend("float64")
F32 = get_backend("float32")
finite = st.floats(allow_nan=False, allow_infinity=False)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


def bits(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0]


def run(be, text, **env):
    return be.compile(parse(text, set(env)))({k: be.convert_input(v) for k, v in env.items()})


def same(a, b) -> bool:
    """Bit for bit (so -0.0 differs from 0.0), nan equal to nan."""
    a, b = float(a), float(b)
    return (a != a and b != b) or bits(a) == bits(b)


@settings(max_examples=300)
@given(finite, finite)
def test_min_max_copysign_fmod_are_cs(x, y):
    if not (x == 0 and y == 0):  # C leaves fmin(-0.0, 0.0) to the implementation; ours is -0.0
        assert same(run(F64, "min(x, y)", x=x, y=y), np.fmin(x, y))
        assert same(run(F64, "max(x, y)", x=x, y=y), np.fmax(x, y))
    assert same(run(F64, "copysign(x, y)", x=x, y=y), np.copysign(x, y))
    assert same(run(F64, "fmod(x, y)", x=x, y=y), np.fmod(x, y) if y != 0 else math.nan)


@settings(max_examples=300)
@given(finite)
def test_floor_ceil_trunc_keep_cs_signed_zeros(x):
    for name, ref in (("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc)):
        assert same(run(F64, f"{name}(x)", x=x), ref(x)), name
        got32 = run(F32, f"{name}(x)", x=x)
        assert isinstance(got32, np.float32) and same(got32, ref(F32.convert_input(x))), name


@settings(max_examples=300)
@given(st.one_of(finite, st.integers(-10, 10).map(lambda n: n + 0.5), st.just(0.49999999999999994)))
def test_round_is_half_away_from_zero(x):
    def c_round(v: float) -> float:
        with localcontext() as ctx:
            ctx.prec = 400
            r = float(Decimal(v).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return math.copysign(r, v) if r == 0 else r  # C keeps the sign of zero

    assert same(run(F64, "round(x)", x=x), c_round(x))
    x32 = float(F32.convert_input(x)) + 0.0 if abs(x) < 3e38 else 1.0  # (the float32 inputs hold no -0.0)
    assert same(run(F32, "round(x)", x=x32), c_round(x32))


@settings(max_examples=300)
@given(finite, finite)
def test_remainder_is_ieee_exact(x, y):
    got = run(F64, "remainder(x, y)", x=x, y=y)
    if y == 0:
        assert math.isnan(got)
        return
    q = Fraction(x) / Fraction(y)
    exact = Fraction(x) - Fraction(y) * round(q)  # round(Fraction) ties to even, as IEEE's quotient
    assert float(got) == float(exact) and same(got, math.remainder(x, y))


@settings(max_examples=400)
@given(finite, finite, finite)
def test_fma_rounds_once(a, b, c):
    with localcontext() as ctx:
        ctx.prec = 2500  # every product and sum of doubles is exact at this precision
        exact = Decimal(a) * Decimal(b) + Decimal(c)
    try:
        expected = float(exact)  # correctly rounded (inf beyond the range)
    except OverflowError:  # pragma: no cover - float(Decimal) gives inf, never raises
        expected = math.inf if exact > 0 else -math.inf
    got = run(F64, "fma(a, b, c)", a=a, b=b, c=c)
    if exact == 0:
        assert got == 0
    else:
        assert same(got, expected), (a, b, c, got, expected)


def test_fma_differs_from_two_roundings():
    a = 1.0 + 2.0**-30
    assert run(F64, "fma(a, a, -1)", a=a) == 2.0**-29 + 2.0**-60  # exact: (1 + 2^-30)^2 - 1
    assert run(F64, "a*a - 1", a=a) == 2.0**-29  # the product rounded first loses 2^-60
    assert same(run(F64, "fma(a, b, c)", a=-0.0, b=1.0, c=-0.0), -0.0)
    assert same(run(F64, "fma(a, b, c)", a=0.0, b=1.0, c=-0.0), 0.0)
    assert run(F64, "fma(a, b, c)", a=1e308, b=10.0, c=-1e308) == math.inf


@settings(max_examples=200)
@given(st.floats(-1070, 1023))
def test_exp2(x):
    got = run(F64, "exp2(x)", x=x)
    assert same(got, math.exp2(x)) and abs(got - 2.0**x) <= 2 * math.ulp(got)


def test_integers_stay_exact_and_where_takes_one_side():
    assert run(F64, "min(n, 3)", n=7) == 3 and type(run(F64, "min(n, 3)", n=7)) is int
    assert run(F64, "floor(n) + 2**60", n=1) == 2**60 + 1
    assert run(F64, "fmod(n, 3)", n=-7) == -1
    assert run(F64, "exp2(n)", n=70) == 2**70
    assert run(F64, "where(x > 0, log(x), 0)", x=0.0) == 0
    assert run(F64, "where(x > 0, log(x), 0)", x=-1.0) == 0  # log(-1) is never evaluated
    assert run(F64, "pow(x, 2)", x=3.0) == 9.0 and math.isnan(run(F64, "pow(x, 0.5)", x=-4.0))


def test_special_functions_in_floats_are_mpmath_at_53_bits_rounded_once():
    import mpmath

    for text, ref in (
        ("beta(x, 1.5)", lambda x: mpmath.beta(x, 1.5)),
        ("digamma(x)", mpmath.digamma),
        ("zeta(x)", mpmath.zeta),
        ("besselj(3, x)", lambda x: mpmath.besselj(3, x)),
        ("bessely(1, x)", lambda x: mpmath.bessely(1, x)),
        ("lambertw(x)", lambda x: mpmath.lambertw(x).real),
    ):
        with mpmath.workprec(200):
            truth = float(ref(mpmath.mpf(2.5)))
        got = run(F64, text, x=2.5)
        assert abs(got - truth) <= 2 * math.ulp(truth), text
        got32 = run(F32, text, x=2.5)
        assert isinstance(got32, np.float32) and got32 == np.float32(float(got)), text
    for text, x in (("digamma(x)", -2.0), ("zeta(x)", 1.0), ("bessely(0, x)", -1.0), ("lambertw(x)", -0.5)):
        assert math.isnan(run(F64, text, x=x)), text
    assert math.isnan(run(F64, "besselj(x, 2)", x=1.5))  # a non-integer order
