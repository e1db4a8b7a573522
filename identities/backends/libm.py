"""The C library's semantics for the forms Python's ``math`` lacks or spells differently, in double precision.

Used by the float64 backend directly, and by the float32/float16 backends (computed in double, then rounded
once to the width) where numpy has no function of its own:

- ``fmin``/``fmax`` (FPCore's ``min``/``max``): a nan operand yields the other; of two zeros, ``min`` gives
  -0.0 and ``max`` +0.0 if either is that zero (IEEE 754-2019 minimumNumber/maximumNumber);
- ``fma(a, b, c)``: ``a*b + c`` computed exactly (integers and ``Fraction``) and rounded once, to nearest
  even, with IEEE's signed zeros and overflow to inf (Python 3.13 adds ``math.fma``; this is the same);
- ``round``: C's ``round``, half away from zero (not Python's ``round``, which rounds half to even);
- ``floor``, ``ceil``, ``trunc`` return floats (C returns doubles), keeping -0.0 where C does;
- the special functions (``beta``, ``digamma``, ``zeta``, ``besselj``, ``bessely``, ``lambertw``) have no C
  library function: they are mpmath's, evaluated at 53 bits of working precision and rounded once to double.
  That is the error model of these functions in the float backends (a good library's, within an ulp or so;
  scipy's may differ in the last places). Outside a function's real domain the result is nan.

Integers stay Python ints where every argument is an int and the exact result is one (``min(2, 3)``,
``floor(7)``), as ``+ - *`` keep them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from mpmath.ctx_mp import MPContext

from identities.evaluate.values import as_integer, int_pow

__all__ = ["LIBM_TABLE", "fma_exact", "c_round", "SPECIAL"]

INF = math.inf
NAN = math.nan


def _f(a: Any) -> float:
    if type(a) is int:
        try:
            return float(a)
        except OverflowError:
            return INF if a > 0 else -INF
    return float(a)


def fmin(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return min(a, b)
    x, y = _f(a), _f(b)
    if x != x:
        return y
    if y != y:
        return x
    if x == y:  # equal, or zeros of either sign: -0.0 if either is
        return x if math.copysign(1.0, x) < 0 else y
    return x if x < y else y


def fmax(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return max(a, b)
    x, y = _f(a), _f(b)
    if x != x:
        return y
    if y != y:
        return x
    if x == y:
        return x if math.copysign(1.0, x) > 0 else y
    return x if x > y else y


def copysign(a: Any, b: Any) -> float:
    return math.copysign(_f(a), _f(b))


def fma_exact(a: float, b: float, c: float, rounder: Callable[[Fraction], float] | None = None) -> float:
    """a*b + c with one rounding (``rounder`` rounds an exact Fraction to the format: double by default)."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c  # inf and nan follow IEEE's rules for the product and the sum
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:  # the sign of an exact zero: -0 only when both the product and c are negative zeros
        product_negative = (math.copysign(1.0, a) * math.copysign(1.0, b)) < 0
        if a * b == 0 and c == 0 and product_negative and math.copysign(1.0, c) < 0:
            return -0.0
        return 0.0
    if rounder is not None:
        return rounder(exact)
    try:
        return exact.numerator / exact.denominator  # int / int: correctly rounded
    except OverflowError:
        return INF if exact > 0 else -INF


def fma(a: Any, b: Any, c: Any) -> Any:
    if type(a) is int and type(b) is int and type(c) is int:
        return a * b + c
    return fma_exact(_f(a), _f(b), _f(c))


def _keep_zero_sign(r: int, x: float) -> float:
    """An integer result as a float, -0.0 where C gives it (a negative x that rounds to zero)."""
    return math.copysign(0.0, x) if r == 0 else float(r)


def _integral(fn: Callable[[float], int]) -> Callable[[Any], Any]:
    def wrapped(a: Any) -> Any:
        if type(a) is int:
            return a
        x = _f(a)
        if not math.isfinite(x):
            return x
        return _keep_zero_sign(fn(x), x)

    return wrapped


def c_round(x: float) -> int:
    """C's round of a finite double: half away from zero (x - trunc(x) is exact, so no double rounding)."""
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return t


def fmod(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        if b == 0:
            return NAN
        r = abs(a) % abs(b)  # C: the sign of the dividend
        return -r if a < 0 else r
    try:
        return math.fmod(_f(a), _f(b))
    except ValueError:  # fmod(x, 0), fmod(inf, y)
        return NAN


def remainder(a: Any, b: Any) -> float:
    try:
        return math.remainder(_f(a), _f(b))
    except ValueError:
        return NAN


def exp2(a: Any) -> Any:
    if type(a) is int and a >= 0:
        return int_pow(2, a)
    try:
        return math.exp2(_f(a)) if hasattr(math, "exp2") else math.pow(2.0, _f(a))
    except OverflowError:
        return INF


# -- special functions, from mpmath at 53 bits -----------------------------------------------------

_MP = MPContext()
_MP.prec = 53


def _special(fn: Callable[..., Any], domain: Callable[..., bool]) -> Callable[..., float]:
    def wrapped(*args: Any) -> float:
        xs = [_f(a) for a in args]
        if any(x != x for x in xs) or not domain(*xs):
            return NAN
        try:
            v = fn(*xs)
        except (ValueError, ZeroDivisionError, OverflowError):
            return NAN
        if isinstance(v, complex) or getattr(v, "imag", 0) != 0:
            return NAN
        return float(v)

    return wrapped


def _not_pole(x: float) -> bool:
    return not (x <= 0 and x == math.floor(x))


def _order(n: float) -> bool:
    return math.isfinite(n) and n == math.floor(n) and abs(n) < 2**31


def _bessel(fn: Callable[..., Any]) -> Callable[[float, float], Any]:
    return lambda n, x: fn(int(n), x)


SPECIAL: dict[str, Callable[..., float]] = {
    "beta": _special(lambda a, b: _MP.beta(a, b), lambda a, b: _not_pole(a) and _not_pole(b)),
    "digamma": _special(lambda x: _MP.digamma(x), _not_pole),
    "zeta": _special(lambda s: _MP.zeta(s), lambda s: s != 1),
    "besselj": _special(_bessel(lambda n, x: _MP.besselj(n, x)), lambda n, x: _order(n) and math.isfinite(x)),
    "bessely": _special(_bessel(lambda n, x: _MP.bessely(n, x)), lambda n, x: _order(n) and 0 < x < INF),
    "lambertw": _special(lambda x: _MP.lambertw(x), lambda x: x >= -0.36787944117144233),
}


def _integer_order(fn: Callable[..., float]) -> Callable[..., Any]:
    """A Bessel function: the order must be an integer (a float holding one counts)."""

    def wrapped(n: Any, x: Any) -> Any:
        if as_integer(n) is None and not (isinstance(n, float) and n != n):
            return NAN
        return fn(n, x)

    return wrapped


LIBM_TABLE: dict[str, Callable[..., Any]] = {
    "min": fmin,
    "max": fmax,
    "copysign": copysign,
    "fma": fma,
    "floor": _integral(math.floor),
    "ceil": _integral(math.ceil),
    "trunc": _integral(math.trunc),
    "round": _integral(c_round),
    "fmod": fmod,
    "remainder": remainder,
    "exp2": exp2,
    "beta": SPECIAL["beta"],
    "digamma": SPECIAL["digamma"],
    "zeta": SPECIAL["zeta"],
    "besselj": _integer_order(SPECIAL["besselj"]),
    "bessely": _integer_order(SPECIAL["bessely"]),
    "lambertw": SPECIAL["lambertw"],
}
