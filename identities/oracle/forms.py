"""The oracle's exact semantics of the newer forms: branches, rounding to integers, remainders, special functions.

Every function here is decided on balls or says it cannot be yet:

- a discontinuous function (``floor``, ``ceil``, ``trunc``, ``round``, ``fmod``, ``remainder``,
  ``copysign`` in its second argument, a comparison in ``where``) is decided when its argument is exact (an
  int, a rational, an exact ball: every float input is one) or when the whole ball lies on one side of every
  jump (the monotone step function agrees at both ends of the ball); a ball straddling a jump raises
  ``NeedPrecision``, and at the oracle's cap the point is unknown, never a verdict;
- ``min`` and ``max`` are continuous: two balls that overlap give the ball of the minimum (arb's ``min``),
  which narrows as precision rises;
- ``diff`` through these forms: a jump or kink exactly at the point (``floor`` at an integer, ``min`` of two
  equal values, a ``where`` condition on its boundary) is not differentiable there, so the derivative is
  undefined (steps) or undecided (``where``: its branches may agree);
- special functions: ``beta(a, b) = Gamma(a)Gamma(b)/Gamma(a+b)`` (a, b not poles of Gamma), ``digamma``
  (not at 0, -1, -2, ...), ``zeta`` (s != 1), ``besselj(n, x)`` (integer n, every real x), ``bessely(n, x)``
  (integer n, x > 0), ``lambertw`` (principal branch, x >= -1/e). Their Taylor series (for ``diff``) come from
  arb's series functions or from their derivative formulas, never from a derivative table of ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flint import arb, arb_series, fmpq

from identities.evaluate.values import Undefined, int_pow
from identities.oracle.balls import (
    NeedPrecision,
    OutOfRange,
    Value,
    as_arb,
    c0,
    exact_rational,
    finite,
    integer,
    interval,
    sign,
)

__all__ = ["FORMS", "compare", "sum_bound"]


def _floor(q: fmpq) -> int:
    return int(q.p) // int(q.q)


def _ceil(q: fmpq) -> int:
    return -(-int(q.p) // int(q.q))


def _trunc(q: fmpq) -> int:
    return _floor(q) if q >= 0 else _ceil(q)


def _round_away(q: fmpq) -> int:
    t = _trunc(q)
    if abs(q - t) >= fmpq(1, 2):
        t += 1 if q > 0 else -1
    return t


def _round_even(q: fmpq) -> int:
    f = _floor(q)
    d = q - f
    if d > fmpq(1, 2) or d == fmpq(1, 2) and f % 2:
        return f + 1
    return f


# where each step function jumps (for a derivative exactly there)
def _integer_point(q: fmpq) -> bool:
    return int(q.q) == 1


def _nonzero_integer(q: fmpq) -> bool:
    return int(q.q) == 1 and q != 0


def _half_integer(q: fmpq) -> bool:
    return int(q.q) == 2


def _step(x: Value, f: Callable[[fmpq], int], jump: Callable[[fmpq], bool]) -> int:
    """A monotone integer-valued step function: exact on exact values; on a ball, decided when f agrees at
    both ends; a Taylor series gets a constant (derivative 0) away from a jump, and is undefined at one."""
    series = isinstance(x, arb_series)
    v = c0(x) if series else x
    q = exact_rational(v)
    if q is not None:
        if series and jump(q):
            raise Undefined  # a step is not differentiable at its jump
        return f(q)
    if not v.is_finite():
        raise NeedPrecision
    lo, hi = exact_rational(v.lower()), exact_rational(v.upper())
    if lo is None or hi is None:
        raise OutOfRange
    a, b = f(lo), f(hi)
    if a != b:
        raise NeedPrecision  # the ball straddles a jump
    return a


def _result(value: fmpq, ints: bool) -> Value:
    return int(value.p) if ints and int(value.q) == 1 else value


def _remainder(a: Value, b: Value, quotient: Callable[[fmpq], int], jump: Callable[[fmpq], bool]) -> Value:
    """a - b*quotient(a/b), b != 0: exact for exact arguments, else through the step on the ball a/b."""
    if sign(b) == 0:
        raise Undefined
    qa, qb = exact_rational(a), exact_rational(b)
    if qa is not None and qb is not None:
        return _result(qa - qb * quotient(qa / qb), type(a) is int and type(b) is int)
    ratio = (as_arb(a) if not isinstance(a, arb_series) else a) / (as_arb(b) if not isinstance(b, arb_series) else b)
    n = _step(ratio, quotient, jump)
    return a - b * n


def _min_max(a: Value, b: Value, smaller: bool) -> Value:
    if isinstance(a, arb_series) or isinstance(b, arb_series):
        s = sign(a - b)  # on the constant terms; a tie is a kink: not differentiable
        if s == 0:
            raise Undefined
        return a if (s < 0) == smaller else b
    qa, qb = exact_rational(a), exact_rational(b)
    if qa is not None and qb is not None:
        return a if (qa <= qb) == smaller else b
    x, y = as_arb(a), as_arb(b)
    if x < y:
        return a if smaller else b
    if x > y:
        return b if smaller else a
    return x.min(y) if smaller else x.max(y)  # overlapping balls: min/max is continuous, so enclose it


def _copysign(a: Value, b: Value) -> Value:
    s = sign(b)  # b = 0 counts as positive (the reals have no -0)
    if isinstance(a, arb_series):
        if sign(a) == 0:
            raise Undefined  # |a| is not differentiable at 0
        return a if (sign(a) >= 0) == (s >= 0) else -a
    m = abs(a)
    return m if s >= 0 else -m


def _exp2(x: Value) -> Value:
    n = x if type(x) is int else None
    if n is not None:
        return int_pow(2, n) if n >= 0 else fmpq(1, 2) ** (-n)
    if isinstance(x, arb_series):
        return (x * arb(2).log()).exp()
    return finite(arb(2) ** as_arb(x), x)


def _poles(x: Value) -> None:
    """Undefined at 0, -1, -2, ... (Gamma's poles); NeedPrecision for a ball holding one."""
    v = c0(x) if isinstance(x, arb_series) else x
    q = exact_rational(v)
    if q is not None:
        if q <= 0 and int(q.q) == 1:
            raise Undefined
        return
    if v > 0:
        return
    if v.contains_integer():
        raise NeedPrecision


def _compose(s: arb_series, coeffs: list[Any]) -> arb_series:
    """f(s) from f's Taylor coefficients at s's constant term: sum_k coeffs[k] (s - s0)^k."""
    n = s.prec
    h = s - c0(s)
    out = arb_series([0], prec=n)
    power = arb_series([1], prec=n)
    for k in range(n):
        out = out + power * (coeffs[k] if k < len(coeffs) else 0)
        power = power * h
    return out


def _beta(a: Value, b: Value) -> Value:
    _poles(a)
    _poles(b)
    x = a if isinstance(a, arb_series) else as_arb(a)
    y = b if isinstance(b, arb_series) else as_arb(b)
    return finite(x.gamma() * y.gamma() * (x + y).rgamma(), a)


def _digamma(x: Value) -> Value:
    _poles(x)
    if not isinstance(x, arb_series):
        return finite(as_arb(x).digamma(), x)
    n = x.prec
    g = arb_series([c0(x), 1], prec=n + 1).rgamma()  # 1/Gamma: entire, nonzero off the poles
    psi = -(g.derivative() / arb_series(g.coeffs(), prec=n))  # digamma = -(1/Gamma)' / (1/Gamma)
    return _compose(x, psi.coeffs())


def _zeta(s: Value) -> Value:
    if sign(s - 1) == 0:
        raise Undefined  # the pole
    if isinstance(s, arb_series):
        return s.zeta()
    return finite(as_arb(s).zeta(), s)


def _bessel(kind: str) -> Callable[[Value, Value], Value]:
    def bessel(n_value: Value, x: Value) -> Value:
        n = integer(n_value)  # integer order only
        if kind == "y":
            interval(x, 0, None, True, False)  # Y_n is real for x > 0 only

        def at(order: int, point: arb) -> arb:
            m = abs(order)
            f = point.bessel_j(m) if kind == "j" else point.bessel_y(m)
            v = -f if order < 0 and m % 2 else f  # J_-m = (-1)^m J_m, and likewise Y
            return finite(v, point)

        if not isinstance(x, arb_series):
            return at(n, as_arb(x))
        # derivatives: C^(k)_n = 2^-k sum_j (-1)^j comb(k, j) C_{n-k+2j}, for J and Y alike
        x0 = c0(x)
        coeffs = []
        for k in range(x.prec):
            d = sum((-1) ** j * math.comb(k, j) * at(n - k + 2 * j, x0) for j in range(k + 1))
            coeffs.append(d / (2**k * math.factorial(k)))
        return _compose(x, coeffs)

    return bessel


def _lambertw(x: Value) -> Value:
    interval(x, -1 / arb.const_e(), None, False, False)
    if isinstance(x, arb_series):
        if sign(c0(x) + 1 / arb.const_e()) == 0:  # pragma: no cover - -1/e is irrational
            raise Undefined
        return x.lambertw()
    return finite(as_arb(x).lambertw(), x)


def _fma(a: Value, b: Value, c: Value) -> Value:
    return a * b + c


FORMS: dict[str, Callable[..., Any]] = {
    "min": lambda a, b: _min_max(a, b, True),
    "max": lambda a, b: _min_max(a, b, False),
    "copysign": _copysign,
    "fma": _fma,
    "floor": lambda x: x if type(x) is int else _step(x, _floor, _integer_point),
    "ceil": lambda x: x if type(x) is int else _step(x, _ceil, _integer_point),
    "trunc": lambda x: x if type(x) is int else _step(x, _trunc, _nonzero_integer),
    "round": lambda x: x if type(x) is int else _step(x, _round_away, _half_integer),
    "fmod": lambda a, b: _remainder(a, b, _trunc, _nonzero_integer),
    "remainder": lambda a, b: _remainder(a, b, _round_even, _half_integer),
    "exp2": _exp2,
    "beta": _beta,
    "digamma": _digamma,
    "zeta": _zeta,
    "besselj": _bessel("j"),
    "bessely": _bessel("y"),
    "lambertw": _lambertw,
}


def compare(op: str, a: Value, b: Value) -> bool:
    """A comparison decided for certain (``where``'s condition); NeedPrecision while a ball straddles.

    Under ``diff``, a condition exactly on its boundary stays undecided: the branches may or may not join
    smoothly there, so no derivative is claimed.
    """
    if isinstance(a, arb_series) or isinstance(b, arb_series):
        s = sign(a - b)
        if s == 0:
            raise NeedPrecision
    else:
        qa, qb = exact_rational(a), exact_rational(b)
        s = (qa > qb) - (qa < qb) if qa is not None and qb is not None else sign(as_arb(a) - as_arb(b))
    return {"<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0, "==": s == 0, "!=": s != 0}[op]


def sum_bound(v: Value) -> int | None:
    """A sum or product bound as an int; None (undefined) where it is certainly not an integer."""
    try:
        return integer(v)
    except Undefined:
        return None
