"""The primitives of ball arithmetic the oracle's functions share: signs decided or not, domains, integers.

``NeedPrecision`` (a ball straddles a boundary: try more bits) and ``OutOfRange`` (beyond arb's range: no
precision helps) are how a function says it cannot decide yet; ``Undefined`` that a value left the reals.
"""

from __future__ import annotations

from typing import Any

from flint import arb, arb_series, fmpq, fmpz

from identities.evaluate.values import Undefined

__all__ = [
    "NeedPrecision",
    "OutOfRange",
    "Value",
    "c0",
    "sign",
    "as_arb",
    "finite",
    "with_c0",
    "integer",
    "interval",
    "exact_rational",
]


class NeedPrecision(Exception):
    """A ball straddles a domain boundary or came out non-finite: try more bits."""


class OutOfRange(Exception):
    """A value is beyond what arb represents (exp(1e308)): no precision will help."""


Value = Any  # int | fmpq | arb | arb_series


def c0(s: arb_series) -> arb:
    coeffs = s.coeffs()
    return coeffs[0] if coeffs else arb(0)


def sign(x: Value) -> int:
    """-1, 0 or 1 for certain; NeedPrecision when the ball straddles 0."""
    if isinstance(x, (int, fmpq, fmpz)):
        return (x > 0) - (x < 0)
    if isinstance(x, arb_series):
        x = c0(x)
    if x > 0:
        return 1
    if x < 0:
        return -1
    if x.is_zero():
        return 0
    raise NeedPrecision


def as_arb(x: Value) -> Any:
    """A value as arb (or leave a series alone)."""
    if isinstance(x, (arb, arb_series)):
        return x
    return arb(x)


def finite(result: Any, arg: Any = None) -> Any:
    """Check a function's result; a non-finite ball needs more bits unless the input was narrow."""
    r = c0(result) if isinstance(result, arb_series) else result
    if isinstance(r, arb) and not r.is_finite():
        a = c0(arg) if isinstance(arg, arb_series) else arg
        if isinstance(a, arb) and a.is_finite() and (a.is_exact() or a.rel_accuracy_bits() > 30):
            raise OutOfRange
        if a is not None and not isinstance(a, arb):
            raise OutOfRange
        raise NeedPrecision
    return result


def with_c0(s: arb_series, c0: arb, prec: int) -> arb_series:
    """s with its constant term replaced (a more accurate one), at s's own length.

    The length is the series' ``prec``, not ``len(coeffs())``: trailing zero
    coefficients are trimmed, and a series cut short loses its derivatives.
    """
    coeffs = s.coeffs() or [arb(0)]
    coeffs[0] = c0
    return arb_series(coeffs, prec=prec)


def integer(x: Value) -> int:
    """An integer-valued argument (for factorial and comb) as int; Undefined if certainly not one."""
    if isinstance(x, int):
        return x
    if isinstance(x, fmpz):
        return int(x)
    if isinstance(x, fmpq):
        if x.q == 1:
            return int(x.p)
        raise Undefined
    if isinstance(x, arb_series):
        raise Undefined  # an integer-only function of the variable being differentiated
    if x.is_exact():
        if x.is_integer():
            return int(x.unique_fmpz())
        raise Undefined
    if x.contains_integer():
        raise NeedPrecision
    raise Undefined


def interval(x: Value, lo: Value | None, hi: Value | None, open_lo: bool, open_hi: bool) -> None:
    """Require lo (<|<=) x (<|<=) hi for certain; Undefined if certainly outside."""
    for bound, is_lo, strict in ((lo, True, open_lo), (hi, False, open_hi)):
        if bound is None:
            continue
        s = sign(_sub(x, bound)) if not isinstance(x, arb_series) else sign(c0(x) - bound)
        if not is_lo:
            s = -s
        if s < 0 or (s == 0 and strict):
            raise Undefined


def _sub(a: Value, b: Value) -> Value:
    return a - b


_MAX_EXACT_EXPONENT = 1 << 15


def exact_rational(x: Value) -> fmpq | None:
    """x as the exact rational it is (an int, a fmpq, an exact finite ball), else None."""
    if isinstance(x, (int, fmpz)):
        return fmpq(int(x))
    if isinstance(x, fmpq):
        return x
    if isinstance(x, arb) and x.is_exact() and x.is_finite():
        man, exp = x.man_exp()
        e = int(exp)
        if abs(e) > _MAX_EXACT_EXPONENT:
            return None
        return fmpq(int(man)) * fmpq(2) ** e
    return None
