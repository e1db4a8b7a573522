"""The ``mpmath`` backend: arbitrary precision in a private mpmath context.

The context is this backend's own ``MPContext``, so its precision never leaks
into (or depends on) the user's ``mpmath.mp``; one per thread, since mpmath's
functions raise and restore their context's precision as they work (two
threads sharing one would leave it at the wrong precision). Functions are checked against
their real domains before they are called, since mpmath would otherwise
answer in the complex plane (``sqrt(-4)`` is ``2j``, so ``sqrt(x)*sqrt(y)``
at x = y = -4 would come out as a real -4).

Its verdicts come from the oracle; its values are what a user comparing
against their own mpmath references would compute.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
from mpmath.ctx_mp import MPContext

from identities.evaluate.compiler import Compiled, compile_expr
from identities.evaluate.values import UNDEFINED, Env, Fn, Undefined, int_comb, int_factorial
from identities.language.expr import FUNCTIONS, Expr, Num
from identities.language.limits import ORACLE_CAP_BITS
from identities.numbers.formats import float64

__all__ = ["MpmathBackend", "DEFAULT_DPS"]

DEFAULT_DPS = 50
MAX_MAGNITUDE = ORACLE_CAP_BITS  # log2 of the largest argument of exp, sinh, cosh, sin, cos, tan


class MpmathBackend:
    name = "mpmath"
    format = float64  # inputs are drawn as doubles, which mpmath holds exactly
    is_float = False
    exact = True  # a user's function is its definition here: the identity's truth, not the float code

    def __init__(self, dps: int = DEFAULT_DPS):
        self.dps = dps
        self._local = threading.local()
        self.precision = self.ctx.prec
        self.table: dict[str, Callable[..., Any]] = {
            "abs": lambda x: abs(x),
            "sqrt": lambda x: self.ctx.sqrt(self._real(x, lo=0)),
            "cbrt": lambda x: self.ctx.cbrt(x) if x >= 0 else -self.ctx.cbrt(-x),
            "exp": lambda x: self.ctx.exp(self._moderate(x)),
            "expm1": lambda x: self.ctx.expm1(self._moderate(x)),
            "log": self._log,
            "log1p": lambda x: self.ctx.log1p(self._real(x, lo=-1, open_lo=True)),
            "log2": lambda x: self.ctx.log(self._real(x, lo=0, open_lo=True), 2),
            "log10": lambda x: self.ctx.log10(self._real(x, lo=0, open_lo=True)),
            "sin": lambda x: self.ctx.sin(self._moderate(x)),
            "cos": lambda x: self.ctx.cos(self._moderate(x)),
            "tan": lambda x: self.ctx.tan(self._moderate(x)),
            "asin": lambda x: self.ctx.asin(self._real(x, lo=-1, hi=1)),
            "acos": lambda x: self.ctx.acos(self._real(x, lo=-1, hi=1)),
            "atan": lambda x: self.ctx.atan(x),
            "atan2": self._atan2,
            "sinh": lambda x: self.ctx.sinh(self._moderate(x)),
            "cosh": lambda x: self.ctx.cosh(self._moderate(x)),
            "tanh": lambda x: self.ctx.tanh(x),
            "asinh": lambda x: self.ctx.asinh(x),
            "acosh": lambda x: self.ctx.acosh(self._real(x, lo=1)),
            "atanh": lambda x: self.ctx.atanh(self._real(x, lo=-1, hi=1, open_lo=True, open_hi=True)),
            "hypot": lambda x, y: self.ctx.hypot(x, y),
            "gamma": self._gamma,
            "lgamma": self._lgamma,
            "factorial": self._factorial,
            "comb": self._comb,
            "erf": lambda x: self.ctx.erf(x),
            "erfc": lambda x: self.ctx.erfc(x),
            "min": lambda a, b: a if a <= b else b,
            "max": lambda a, b: a if a >= b else b,
            "copysign": lambda a, b: abs(a) if b >= 0 else -abs(a),
            "fma": lambda a, b, cc: self.ctx.fadd(self.ctx.fmul(a, b, exact=True), cc),  # one rounding
            "floor": lambda x: self._step(x, lambda q: q.numerator // q.denominator),
            "ceil": lambda x: self._step(x, lambda q: -(-q.numerator // q.denominator)),
            "trunc": lambda x: self._step(x, _trunc),
            "round": lambda x: self._step(x, _c_round),
            "fmod": lambda a, b: self._remainder(a, b, _trunc),
            "remainder": lambda a, b: self._remainder(a, b, _round_even),
            "exp2": lambda x: self.ctx.power(2, x) if type(x) is not int or x < 0 else 2**x,
            "beta": self._beta,
            "digamma": lambda x: self.ctx.digamma(self._not_pole(x)),
            "zeta": lambda s: self.ctx.zeta(s) if s != 1 else self._undefined(),
            "besselj": lambda n, x: self.ctx.besselj(self._integer(n), x),
            "bessely": lambda n, x: self.ctx.bessely(self._integer(n), self._real(x, lo=0, open_lo=True)),
            "lambertw": self._lambertw,
        }
        missing = set(FUNCTIONS) - set(self.table)
        assert not missing, missing

    @property
    def ctx(self) -> MPContext:
        """This thread's context (made on first use, at ``dps`` digits)."""
        try:
            return self._local.ctx
        except AttributeError:
            c = self._local.ctx = MPContext()
            c.dps = self.dps
            return c

    def __reduce__(self) -> tuple:
        return (MpmathBackend, (self.dps,))

    def _moderate(self, x: Any) -> Any:
        """x, if exp, sinh, cosh or a trigonometric function of it can be computed in reasonable time.

        mpmath computes exp(x) with ln 2 to about log2|x| bits, and sin(x) with pi
        to as many: at |x| = 2**(10**6) (exp(exp(700000.0))) that is minutes, and
        at 2**(10**300) an OverflowError. Beyond 2**MAX_MAGNITUDE (far beyond any
        float, and beyond the oracle's precision cap) the value is out of this
        backend's range: OverflowError, which the engine counts as unresolved.
        """
        big = x.bit_length() if type(x) is int else (self.ctx.mag(x) if x else 0)
        if big > MAX_MAGNITUDE:
            raise OverflowError(f"exp, sinh, cosh, sin, cos or tan of an argument beyond 2**{MAX_MAGNITUDE}")
        return x

    @staticmethod
    def _real(x: Any, lo: Any = None, hi: Any = None, open_lo: bool = False, open_hi: bool = False) -> Any:
        if lo is not None and (x < lo or (open_lo and x == lo)):
            raise Undefined
        if hi is not None and (x > hi or (open_hi and x == hi)):
            raise Undefined
        return x

    def _log(self, x: Any, base: Any = None) -> Any:
        x = self._real(x, lo=0, open_lo=True)
        if base is None:
            return self.ctx.log(x)
        base = self._real(base, lo=0, open_lo=True)
        if base == 1:
            raise Undefined
        return self.ctx.log(x) / self.ctx.log(base)

    def _atan2(self, y: Any, x: Any) -> Any:
        if x == 0 and y == 0:
            raise Undefined
        return self.ctx.atan2(y, x)

    def _gamma(self, x: Any) -> Any:
        if x <= 0 and (type(x) is int or self.ctx.isint(x)):
            raise Undefined
        return self.ctx.gamma(x)

    def _lgamma(self, x: Any) -> Any:
        g = self._gamma(x)
        return self.ctx.log(abs(g)) if x < 0 else self.ctx.loggamma(x)

    @staticmethod
    def _undefined() -> Any:
        raise Undefined

    def _not_pole(self, x: Any) -> Any:
        if x <= 0 and (type(x) is int or self.ctx.isint(x)):
            raise Undefined
        return x

    def _beta(self, a: Any, b: Any) -> Any:
        return self.ctx.beta(self._not_pole(a), self._not_pole(b))

    def _lambertw(self, x: Any) -> Any:
        c = self.ctx
        if x < -c.exp(-1):
            raise Undefined
        w = c.lambertw(x)
        return w.real if isinstance(w, c.mpc) else w

    def _exact(self, x: Any) -> Fraction:
        """An mpf (a dyadic rational) or int as the exact Fraction it is."""
        if type(x) is int:
            return Fraction(x)
        sign, man, exp, _ = self.ctx.mpf(x)._mpf_
        q = Fraction(int(man)) * Fraction(2) ** int(exp)
        return -q if sign else q

    def _step(self, x: Any, fn: Callable[[Fraction], int]) -> Any:
        """floor, ceil, trunc, round: exact on mpmath's dyadic values, an int when the argument is one."""
        return x if type(x) is int else int(fn(self._exact(x)))

    def _remainder(self, a: Any, b: Any, quotient: Callable[[Fraction], int]) -> Any:
        """a - b*q, q = quotient(a/b): computed exactly (the result is representable: no rounding)."""
        if b == 0:
            raise Undefined
        fa, fb = self._exact(a), self._exact(b)
        r = fa - fb * quotient(fa / fb)
        if type(a) is int and type(b) is int:
            return int(r)
        return self.ctx.fdiv(r.numerator, r.denominator)

    def integer(self, v: Any) -> int | None:
        """A sum or product bound as an int (an mpf holding an integer counts)."""
        if type(v) is int:
            return v
        if v is UNDEFINED or not self.ctx.isint(v):
            return None
        return int(v)

    def _factorial(self, x: Any) -> Any:
        n = self._integer(x)
        return int_factorial(n)

    def _comb(self, n: Any, k: Any) -> Any:
        return int_comb(self._integer(n), self._integer(k))

    def _integer(self, x: Any) -> int:
        if type(x) is int:
            return x
        if self.ctx.isint(x):
            return int(x)
        raise Undefined

    # context -------------------------------------------------------------
    def num(self, node: Num) -> Any:
        if isinstance(node.value, int):
            return node.value
        return self.ctx.fdiv(node.value.numerator, node.value.denominator)

    def const(self, name: str) -> Any:
        return +self.ctx.pi if name == "pi" else self.ctx.e()

    def from_float(self, x: float) -> Any:
        return self.ctx.mpf(x)

    def neg(self, a: Any) -> Any:
        return -a

    def add(self, a: Any, b: Any) -> Any:
        return self.ctx.fadd(a, b)

    def sub(self, a: Any, b: Any) -> Any:
        return self.ctx.fsub(a, b)

    def mul(self, a: Any, b: Any) -> Any:
        return self.ctx.fmul(a, b)

    def div(self, a: Any, b: Any) -> Any:
        if b == 0:
            raise Undefined
        return self.ctx.fdiv(a, b)

    def pow(self, a: Any, b: Any) -> Any:
        c = self.ctx
        integral = type(b) is int or c.isint(b)
        if a == 0:
            if b < 0:
                raise Undefined
            return c.one if b == 0 else c.zero
        if a < 0 and not integral:
            raise Undefined
        if not integral or abs(b) > 2**30:
            t = self._moderate(c.fmul(b, c.log(abs(a))))  # |a**b| = exp(t): in range?
            if integral:  # mpmath would build the huge exponent's integer bits
                m = c.exp(t)
                return -m if a < 0 and int(b) % 2 else m
        return c.power(a, b)

    def function(self, name: str) -> Callable[..., Any]:
        return self.table[name]

    def diff(self, body: Fn, env: Env, var: str, order: int) -> Any:
        inner = dict(env)

        def f(t: Any) -> Any:
            inner[var] = t
            v = body(inner)
            if v is UNDEFINED:
                raise Undefined
            return v

        return self.ctx.diff(f, self.ctx.mpf(env[var]), order)

    def compare(self, op: str, a: Any, b: Any) -> bool:
        from identities.backends.floats import compare_values

        return compare_values(op, a, b)

    # backend -------------------------------------------------------------
    def compile(self, expr: Expr) -> Compiled:
        return compile_expr(expr, self)

    def convert_input(self, value: Any) -> Any:
        return value if isinstance(value, int) else self.ctx.mpf(float(value))

    def to_float(self, value: Any) -> float:
        if value is UNDEFINED:
            return math.nan
        if type(value) is int:
            return float64.round(value) if abs(value) > 2**53 else float(value)
        return float(value)

    def ulp_distance(self, a: Any, b: Any) -> float:
        """Distance in units of the last place of this backend's precision."""
        if a is UNDEFINED or b is UNDEFINED:
            return math.inf
        c = self.ctx
        a, b = c.mpf(a), c.mpf(b)
        if a == b:
            return 0.0
        big = max(abs(a), abs(b))
        ulp = c.ldexp(1, int(c.floor(c.log(big, 2))) - self.precision + 1)
        return float(abs(a - b) / ulp)

    def to_string(self, value: Any, digits: int = 20) -> str:
        if value is UNDEFINED:
            return "undefined"
        return mpmath.libmp.to_str(self.ctx.mpf(value)._mpf_, digits)

    def __repr__(self) -> str:
        return f"MpmathBackend(dps={self.dps})"


def _trunc(q: Fraction) -> int:
    return q.numerator // q.denominator if q >= 0 else -(-q.numerator // q.denominator)


def _c_round(q: Fraction) -> int:
    """Half away from zero, as C's round."""
    t = _trunc(q)
    if abs(q - t) >= Fraction(1, 2):
        t += 1 if q > 0 else -1
    return t


def _round_even(q: Fraction) -> int:
    """Half to even, as IEEE remainder's quotient (Python's round of a Fraction)."""
    return round(q)
