"""Ball helpers for the bounds: exact boxes, safe float ends, integer powers, the elementary functions
and their derivatives written once as a table.

python-flint's ``arb`` gives rigorous enclosures; what it lacks here is an integer power of a ball that
straddles 0 (``arb(0, 1)**2`` is nan), and float conversions that round the right way: an upper bound
must be rounded up, a lower bound down, or a bound is no longer a bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from flint import arb, ctx

__all__ = [
    "upper",
    "lower_abs",
    "ends",
    "ball",
    "from_fraction",
    "ipow",
    "VALUES",
    "DERIVATIVES",
    "POLES",
    "finite",
]


def _up(man: int, exp: int) -> float:
    """A float >= man * 2**exp (the value itself when it is a normal float)."""
    try:
        f = math.ldexp(float(man), exp)
    except OverflowError:
        return math.inf
    if man.bit_length() <= 53 and abs(f) >= 2.0**-1022:
        return f
    return math.nextafter(f, math.inf)


def _down(man: int, exp: int) -> float:
    try:
        f = math.ldexp(float(man), exp)
    except OverflowError:
        return math.inf
    return math.nextafter(f, -math.inf)


def upper(x: arb) -> float:
    """A float >= every |v| in the ball (inf when the ball is not finite)."""
    if not x.is_finite():
        return math.inf
    u = x.abs_upper()
    man, exp = u.mid().man_exp()
    out = _up(int(man), int(exp)) if man else 0.0
    r = u.rad()
    if r != 0:
        rm, re = r.mid().man_exp()
        out = math.nextafter(out + _up(int(rm), int(re)), math.inf)
    return out


def lower_abs(x: arb) -> float:
    """A float <= every |v| in the ball (0 when the ball touches 0 or is not finite)."""
    if not x.is_finite():
        return 0.0
    low = x.abs_lower()
    if low == 0:
        return 0.0
    man, exp = low.mid().man_exp()
    out = _down(int(man), int(exp))
    r = low.rad()
    if r != 0:
        rm, re = r.mid().man_exp()
        out = math.nextafter(out - _up(int(rm), int(re)), -math.inf)
    return max(out, 0.0)


def ends(x: arb) -> tuple[float, float]:
    """Floats [lo, hi] holding the ball (infinite ends when it is not finite)."""
    if not x.is_finite():
        return -math.inf, math.inf
    lo, hi = x.lower(), x.upper()
    return -upper(-lo) if lo < 0 else lower_abs(lo), upper(hi) if hi > 0 else -lower_abs(hi)


def ball(lo: float, hi: float) -> arb:
    """A ball holding [lo, hi] (floats, exactly); never below 0 when lo >= 0, never above when hi <= 0."""
    if lo == hi:
        return arb(lo)
    b = arb.union(arb(lo), arb(hi))
    if (lo > 0 and not b > 0) or (hi < 0 and not b < 0):  # the radius, rounded up, crossed 0
        b = _one_signed(lo, hi)
    if lo >= 0 and not b >= 0:  # the radius, rounded up, reaches below 0: cut it there
        b = b.nonnegative_part()
    elif hi <= 0 and not b <= 0:
        b = -((-b).nonnegative_part())
    return b


def _one_signed(lo: float, hi: float) -> arb:
    """A ball holding [lo, hi] whose lower end is lo exactly (0 < lo < hi): arb's radius has 30 bits and is
    rounded up, so the midpoint is put at lo + the radius arb really stores."""
    if hi < 0:
        return -_one_signed(-hi, -lo)
    half = (Fraction(hi) - Fraction(lo)) / 2
    r = float(half)
    if Fraction(r) < half:
        r = math.nextafter(r, math.inf)
    stored = arb(0, r).rad()
    with ctx.workprec(2200):  # enough bits for the exact midpoint of any two doubles
        return arb((arb(lo) + arb(stored)).mid(), r)


def from_fraction(q: Fraction | int) -> arb:
    if isinstance(q, int) or q.denominator == 1:
        return arb(int(q))
    return arb(q.numerator) / q.denominator


def ipow(x: arb, n: int) -> arb:
    """x**n for an integer n, tight where x straddles 0 (even n: [min|x|**n, max|x|**n])."""
    if n == 0:
        return arb(1)
    if n < 0:
        return 1 / ipow(x, -n)
    if n % 2 == 0:
        lo, hi = x.abs_lower(), x.abs_upper()
        return arb.union(_power(lo, n), _power(hi, n)).nonnegative_part()
    return arb.union(_power(x.lower(), n), _power(x.upper(), n))


def _power(x: arb, n: int) -> arb:
    out, base = arb(1), x
    while n:
        if n & 1:
            out = out * base
        base = base * base
        n >>= 1
    return out


def finite(x: arb) -> bool:
    return bool(x.is_finite())


def _cbrt(a: arb) -> arb:
    if a >= 0:
        return a.root(3)
    if a <= 0:
        return -((-a).root(3))
    return arb.union(-((-a.lower()).root(3)), a.upper().nonnegative_part().root(3))


_LN2, _LN10 = arb(2).log, arb(10).log

# fn -> value on balls; a nan or infinite ball means the function is undefined or has a pole there
VALUES: dict[str, Callable[..., arb]] = {
    "sqrt": lambda a: a.sqrt(),
    "cbrt": _cbrt,
    "exp": lambda a: a.exp(),
    "exp2": lambda a: (a * _LN2()).exp(),
    "expm1": lambda a: a.expm1(),
    "log": lambda a: a.log(),
    "log1p": lambda a: a.log1p(),
    "log2": lambda a: a.log() / _LN2(),
    "log10": lambda a: a.log() / _LN10(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "tan": lambda a: a.tan(),
    "asin": lambda a: a.asin(),
    "acos": lambda a: a.acos(),
    "atan": lambda a: a.atan(),
    "atan2": lambda y, x: arb.atan2(y, x),
    "sinh": lambda a: a.sinh(),
    "cosh": lambda a: a.cosh(),
    "tanh": lambda a: a.tanh(),
    "asinh": lambda a: a.asinh(),
    "acosh": lambda a: a.acosh(),
    "atanh": lambda a: a.atanh(),
    "hypot": lambda x, y: (ipow(x, 2) + ipow(y, 2)).sqrt(),
    "gamma": lambda a: a.gamma(),
    "lgamma": lambda a: a.lgamma(),
    "erf": lambda a: a.erf(),
    "erfc": lambda a: a.erfc(),
    "abs": lambda a: abs(a),
}


def _sign(a: arb) -> arb:
    if a > 0:
        return arb(1)
    if a < 0:
        return arb(-1)
    return arb(0, 1)  # |.| is 1-Lipschitz: its generalised gradient lies in [-1, 1]


def _erf_slope(a: arb) -> arb:
    return 2 / arb.pi().sqrt() * (-ipow(a, 2)).exp()


def _hypot_slopes(x: arb, y: arb, v: arb) -> tuple[arb, arb]:
    if v > 0:
        return x / v, y / v
    return arb(0, 1), arb(0, 1)  # hypot is 1-Lipschitz in each argument


# fn -> partial derivatives (one per argument) from the argument balls and the value ball
DERIVATIVES: dict[str, Callable[..., tuple[arb, ...]]] = {
    "sqrt": lambda a, v: (1 / (2 * v),),
    "cbrt": lambda a, v: (1 / (3 * ipow(v, 2)),),
    "exp": lambda a, v: (v,),
    "exp2": lambda a, v: (v * _LN2(),),
    "expm1": lambda a, v: (v + 1,),
    "log": lambda a, v: (1 / a,),
    "log1p": lambda a, v: (1 / (1 + a),),
    "log2": lambda a, v: (1 / (a * _LN2()),),
    "log10": lambda a, v: (1 / (a * _LN10()),),
    "sin": lambda a, v: (a.cos(),),
    "cos": lambda a, v: (-a.sin(),),
    "tan": lambda a, v: (1 + ipow(v, 2),),
    "asin": lambda a, v: ((1 - ipow(a, 2)).rsqrt(),),
    "acos": lambda a, v: (-((1 - ipow(a, 2)).rsqrt()),),
    "atan": lambda a, v: (1 / (1 + ipow(a, 2)),),
    "atan2": lambda y, x, v: (x / (ipow(x, 2) + ipow(y, 2)), -y / (ipow(x, 2) + ipow(y, 2))),
    "sinh": lambda a, v: (a.cosh(),),
    "cosh": lambda a, v: (a.sinh(),),
    "tanh": lambda a, v: (1 - ipow(v, 2),),
    "asinh": lambda a, v: ((ipow(a, 2) + 1).rsqrt(),),
    "acosh": lambda a, v: ((ipow(a, 2) - 1).rsqrt(),),
    "atanh": lambda a, v: (1 / (1 - ipow(a, 2)),),
    "hypot": _hypot_slopes,
    "gamma": lambda a, v: (v * a.digamma(),),
    "lgamma": lambda a, v: (a.digamma(),),
    "erf": lambda a, v: (_erf_slope(a),),
    "erfc": lambda a, v: (-_erf_slope(a),),
    "abs": lambda a, v: (_sign(a),),
}

# where a function stops being defined or smooth, for the reason given when there is no bound
POLES: dict[str, str] = {
    "log": "a pole at {arg} = 0",
    "log2": "a pole at {arg} = 0",
    "log10": "a pole at {arg} = 0",
    "log1p": "a pole at {arg} = -1",
    "sqrt": "a branch point at {arg} = 0",
    "cbrt": "a branch point at {arg} = 0",
    "asin": "branch points at {arg} = +-1",
    "acos": "branch points at {arg} = +-1",
    "acosh": "a branch point at {arg} = 1",
    "atanh": "poles at {arg} = +-1",
    "tan": "poles at {arg} = pi/2 + k*pi",
    "gamma": "poles at {arg} = 0, -1, -2, ...",
    "atan2": "a branch cut at {arg} on the negative x axis",
}
