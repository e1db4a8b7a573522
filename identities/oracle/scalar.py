"""The oracle: ball arithmetic at rising precision, the truth every verdict rests on.

Point values at doubling precision can agree on a wrong answer
(``exp(1e-300) - 1`` is exactly 0 at 256 and at 512 bits), so the oracle
evaluates with python-flint's ``arb`` balls: rigorous enclosures of the exact
value. Inputs are exact balls (a double is exact), decimal literals are exact
rationals (``fmpq``), integers stay integers. Precision rises from
``start_bits`` by doubling up to ``cap_bits`` until each side's ball is narrow
relative to its value (``hold_bits`` bits of relative accuracy), then:

- the ball of lhs - rhs excludes 0: the sides differ at this point (a proof);
- it contains 0 and both sides are narrow: the sides agree to ``hold_bits``
  bits here ("holds");
- a side is undefined: its ball left a function's real domain entirely
  (``log`` of a ball that is all negative, a division by an exact zero);
  a ball that straddles a domain boundary needs more precision instead;
- still wide at the cap, or out of arb's range: ``unknown``, never a verdict.

``diff`` is Taylor arithmetic on balls (``arb_series``), independent of any
derivative table; ``sum`` is exact over integers and rationals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flint import arb, arb_series, fmpq, fmpz

from identities.evaluate.compiler import Compiled, compile_expr
from identities.evaluate.values import UNDEFINED, Env, Fn, Undefined, check_int_bits, int_comb, int_factorial
from identities.evaluate.vectors import components
from identities.language.expr import FUNCTIONS, Expr, Num
from identities.language.limits import MAX_INT_BITS, ORACLE_CAP_BITS, check_deadline
from identities.language.vectors import Vec
from identities.numbers.formats import FloatFormat
from identities.oracle.balls import NeedPrecision, OutOfRange, Value
from identities.oracle.balls import as_arb as _A
from identities.oracle.balls import c0 as _c0
from identities.oracle.balls import finite as _finite
from identities.oracle.balls import integer as _integer
from identities.oracle.balls import interval as _interval
from identities.oracle.balls import sign as _sign
from identities.oracle.balls import with_c0 as _with_c0
from identities.oracle.forms import FORMS, sum_bound
from identities.oracle.forms import compare as compare_balls
from identities.oracle.precision import precision
from identities.oracle.rounding import exact_fraction, round_ball

__all__ = [
    "Oracle",
    "OraclePoint",
    "Truth",
    "HOLDS",
    "REFUTED",
    "LHS_UNDEFINED",
    "RHS_UNDEFINED",
    "BOTH_UNDEFINED",
    "UNKNOWN",
    "DEFAULT_ORACLE",
    "ArbContext",
    "OutOfRange",
    "precision",
]

HOLDS = "holds"
REFUTED = "refuted"
LHS_UNDEFINED = "lhs_undefined"
RHS_UNDEFINED = "rhs_undefined"
BOTH_UNDEFINED = "both_undefined"
UNKNOWN = "unknown"


class ArbContext:
    """The function table and arithmetic over int, fmpq, arb and arb_series."""

    dynamic_constants = True
    exact = True  # a user's function is its definition here, never its float implementation

    def __init__(self) -> None:
        self.table: dict[str, Callable[..., Any]] = {
            "abs": self.abs,
            "sqrt": self.sqrt,
            "cbrt": self.cbrt,
            "exp": lambda x: _finite(_A(x).exp(), x),
            "expm1": self.expm1,
            "log": self.log,
            "log1p": self.log1p,
            "log2": lambda x: self.log(x, 2),
            "log10": lambda x: self.log(x, 10),
            "sin": lambda x: _finite(_A(x).sin(), x),
            "cos": lambda x: _finite(_A(x).cos(), x),
            "tan": lambda x: _finite(_A(x).tan(), x),
            "asin": lambda x: self._bounded(x, "asin", -1, 1),
            "acos": lambda x: self._bounded(x, "acos", -1, 1),
            "atan": lambda x: _finite(_A(x).atan(), x),
            "atan2": self.atan2,
            "sinh": self.sinh,
            "cosh": self.cosh,
            "tanh": self.tanh,
            "asinh": self.asinh,
            "acosh": self.acosh,
            "atanh": self.atanh,
            "hypot": self.hypot,
            "gamma": self.gamma,
            "lgamma": self.lgamma,
            "factorial": lambda n: int_factorial(_integer(n)),
            "comb": lambda n, k: int_comb(_integer(n), _integer(k)),
            "erf": lambda x: _finite(_A(x).erf(), x),
            "erfc": lambda x: _finite(_A(x).erfc(), x),
            **FORMS,  # min max copysign fma floor ceil trunc round fmod remainder exp2, special functions
        }
        missing = set(FUNCTIONS) - set(self.table)
        assert not missing, missing

    # literals and arithmetic ------------------------------------------------
    def num(self, node: Num) -> Value:
        v = node.value
        return v if isinstance(v, int) else fmpq(v.numerator, v.denominator)

    def const(self, name: str) -> arb:
        return arb.pi() if name == "pi" else arb.const_e()

    def neg(self, a: Value) -> Value:
        return -a

    def add(self, a: Value, b: Value) -> Value:
        return a + b

    def sub(self, a: Value, b: Value) -> Value:
        return a - b

    def mul(self, a: Value, b: Value) -> Value:
        if isinstance(a, fmpq) and isinstance(b, (fmpq, int)) or isinstance(b, fmpq) and isinstance(a, int):
            check_int_bits(_qbits(a) + _qbits(b), "an exact rational product")
        return a * b

    def div(self, a: Value, b: Value) -> Value:
        if _sign(b) == 0:
            raise Undefined
        if isinstance(a, (int, fmpq)) and isinstance(b, (int, fmpq)):
            return fmpq(a) / b
        return a / b

    def pow(self, a: Value, b: Value) -> Value:
        n = _exact_int(b)
        if n is not None:
            if n < 0 and _sign(a) == 0:
                raise Undefined  # a pole
            if isinstance(a, (int, fmpq)):
                size = _qbits(a) * abs(n)
                if size > MAX_INT_BITS and isinstance(b, arb) and _sign(a) != 0:
                    # an integral float exponent (2**x at x = -1e308): a ball, as for any other float exponent
                    return _finite(arb(a) ** fmpz(n), b)
                check_int_bits(size, "an exact rational power")
                return fmpq(a) ** n
            if isinstance(a, arb_series):
                return a**n if n >= 0 else 1 / (a ** (-n))
            return _finite(a ** fmpz(n), a)
        s = _sign(a)
        if s < 0:
            # negative base: real only for integer exponents; an inexact ball may hold one
            if isinstance(b, arb) and not b.is_exact() and b.contains_integer():
                raise NeedPrecision
            raise Undefined
        if s == 0:
            if isinstance(a, arb_series):
                raise Undefined  # not differentiable at 0
            sb = _sign(b)
            if sb <= 0:
                raise Undefined
            return 0
        if isinstance(a, arb_series) or isinstance(b, arb_series):
            return (_A(b) * _A(a).log()).exp()
        return _finite(_A(a) ** _A(b), a)

    def function(self, name: str) -> Callable[..., Any]:
        return self.table[name]

    def compare(self, op: str, a: Value, b: Value) -> bool:
        """A comparison in ``where``'s condition, decided for certain (identities.oracle.forms)."""
        return compare_balls(op, a, b)

    def integer(self, v: Value) -> int | None:
        """A sum or product bound as an int (None where it is certainly not an integer)."""
        return sum_bound(v)

    def diff(self, body: Fn, env: Env, var: str, order: int) -> Value:
        x0 = env[var]
        if isinstance(x0, arb_series):  # pragma: no cover - nested diff is rejected by the parser
            raise NotImplementedError("nested diff")
        series = arb_series([_A(x0), 1], prec=order + 1)
        inner = dict(env)
        inner[var] = series
        v = body(inner)
        if v is UNDEFINED:
            raise Undefined
        if not isinstance(v, arb_series):
            return 0  # constant in var
        coeffs = v.coeffs()
        c = coeffs[order] if len(coeffs) > order else arb(0)
        return c * math.factorial(order)

    # functions ---------------------------------------------------------------
    def abs(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            s = _sign(x)
            if s == 0:
                raise Undefined  # |x| is not differentiable at 0
            return x if s > 0 else -x
        return abs(x)

    def sqrt(self, x: Value) -> Value:
        s = _sign(x)
        if s < 0 or (s == 0 and isinstance(x, arb_series)):
            raise Undefined
        if s == 0:
            return 0
        return _finite(_A(x).sqrt(), x)

    def cbrt(self, x: Value) -> Value:
        s = _sign(x)
        if s == 0:
            if isinstance(x, arb_series):
                raise Undefined
            return 0
        if isinstance(x, arb_series):
            r = (x.log() / 3).exp() if s > 0 else -(((-x).log() / 3).exp())
            return r
        ax = _A(x)
        return ax.root(3) if s > 0 else -((-ax).root(3))

    def expm1(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            return _with_c0(x.exp(), _c0(x).expm1(), x.prec)
        return _finite(_A(x).expm1(), x)

    def log(self, x: Value, base: Value = None) -> Value:
        if _sign(x) <= 0:
            raise Undefined
        r = _A(x).log()
        if base is None:
            return _finite(r, x)
        if _sign(base) <= 0 or _sign(base - 1) == 0:
            raise Undefined
        return _finite(r / _A(base).log(), x)

    def log1p(self, x: Value) -> Value:
        if _sign(x + 1) <= 0:
            raise Undefined
        if isinstance(x, arb_series):
            return _with_c0((x + 1).log(), _c0(x).log1p(), x.prec)
        return _finite(_A(x).log1p(), x)

    def _bounded(self, x: Value, name: str, lo: int, hi: int) -> Value:
        # defined on [lo, hi]; differentiable only inside
        _interval(x, lo, hi, isinstance(x, arb_series), isinstance(x, arb_series))
        return _finite(getattr(_A(x), name)(), x)

    def atan2(self, y: Value, x: Value) -> Value:
        sy, sx = _sign(y), _sign(x)
        if sy == 0 and sx == 0:
            raise Undefined
        if isinstance(y, arb_series) or isinstance(x, arb_series):
            y0 = _c0(y) if isinstance(y, arb_series) else _A(y)
            x0 = _c0(x) if isinstance(x, arb_series) else _A(x)
            if sx != 0:
                s = (_A(y) / _A(x)).atan()
            else:
                s = -(_A(x) / _A(y)).atan()
            return _with_c0(s, arb.atan2(y0, x0), s.prec)
        return _finite(arb.atan2(_A(y), _A(x)), y)

    def sinh(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            return (x.exp() - (-x).exp()) / 2
        return _finite(_A(x).sinh(), x)

    def cosh(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            return (x.exp() + (-x).exp()) / 2
        return _finite(_A(x).cosh(), x)

    def tanh(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            e2 = (2 * x).exp()
            return (e2 - 1) / (e2 + 1)
        return _finite(_A(x).tanh(), x)

    def asinh(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            return (x + (x * x + 1).sqrt()).log()
        return _finite(_A(x).asinh(), x)

    def acosh(self, x: Value) -> Value:
        if isinstance(x, arb_series):
            _interval(x, 1, None, True, False)
            return (x + (x * x - 1).sqrt()).log()
        _interval(x, 1, None, False, False)
        return _finite(_A(x).acosh(), x)

    def atanh(self, x: Value) -> Value:
        _interval(x, -1, 1, True, True)
        if isinstance(x, arb_series):
            return ((1 + x).log() - (1 - x).log()) / 2
        return _finite(_A(x).atanh(), x)

    def hypot(self, x: Value, y: Value) -> Value:
        sq = x * x + y * y
        s = _sign(sq)
        if s == 0:
            if isinstance(sq, arb_series):
                raise Undefined
            return 0
        return _finite(_A(sq).sqrt(), sq)

    def _gamma_poles(self, x: Value) -> None:
        x0 = _c0(x) if isinstance(x, arb_series) else x
        if isinstance(x0, (int, fmpq, fmpz)):
            if x0 <= 0 and (isinstance(x0, (int, fmpz)) or x0.q == 1):
                raise Undefined
            return
        if x0 > 0:
            return
        if x0.is_exact():
            if x0.is_integer():
                raise Undefined
            return
        if x0.contains_integer():
            raise NeedPrecision

    def gamma(self, x: Value) -> Value:
        self._gamma_poles(x)
        return _finite(_A(x).gamma(), x)

    def lgamma(self, x: Value) -> Value:
        self._gamma_poles(x)
        if _sign(x) > 0:
            return _finite(_A(x).lgamma(), x)
        g = _A(x).gamma()
        return _finite((g if _sign(g) > 0 else -g).log(), x)


def _qbits(q: Value) -> int:
    if isinstance(q, int):
        return q.bit_length()
    if isinstance(q, fmpq):
        return max(int(q.p).bit_length(), int(q.q).bit_length())
    return 0


def _exact_int(b: Value) -> int | None:
    if isinstance(b, int):
        return b
    if isinstance(b, fmpz):
        return int(b)
    if isinstance(b, fmpq):
        return int(b.p) if b.q == 1 else None
    if isinstance(b, arb) and b.is_exact() and b.is_integer():
        z = b.unique_fmpz()
        return int(z) if z is not None else None
    return None


@dataclass(frozen=True)
class Truth:
    """One side's value at one point, as the oracle knows it: exact or a narrow ball.

    ``refine``, when the oracle gives one, yields the same value at more bits (up to its cap): what
    ``rounded`` needs where the ball straddles a rounding boundary of a format.
    """

    value: Value
    refine: Callable[[], Iterator[Value]] | None = field(default=None, compare=False, repr=False)
    _rounded: dict = field(default_factory=dict, compare=False, repr=False)

    def rounded(self, fmt: FloatFormat) -> float | None:
        """The exact value correctly rounded to ``fmt`` (``identities.oracle.rounding``), or None when even
        the oracle's cap leaves both neighbours possible: uncertain, never guessed."""
        key = fmt.name
        if key in self._rounded:
            return self._rounded[key]
        r = round_ball(self.value, fmt)
        if r is None and self.refine is not None:
            for v in self.refine():
                r = round_ball(v, fmt)
                if r is not None:
                    break
        self._rounded[key] = r
        return r

    def to_float(self, fmt: FloatFormat) -> float:
        """The value rounded to nearest in ``fmt``: correctly (``rounded``), or where that is uncertain the
        midpoint's rounding, a value to show (never one to count ulps against)."""
        r = self.rounded(fmt)
        return r if r is not None else fmt.round(self.to_fraction(fmt))

    def to_fraction(self, fmt: FloatFormat | None = None) -> Fraction:
        v = self.value
        if isinstance(v, int):
            return Fraction(v)
        if isinstance(v, fmpq):
            return Fraction(int(v.p), int(v.q))
        return exact_fraction(v.mid(), fmt)

    def __str__(self) -> str:
        v = self.value
        if isinstance(v, int):
            s = str(v) if v.bit_length() < 200 else f"{float(arb(v).mid()):.17g}"
            return s
        if isinstance(v, fmpq):  # an exact rational (a decimal literal): round it well past 20 digits
            with precision(128):
                b = arb(v)
        else:
            b = v
        z = b.unique_fmpz() if b.is_exact() and b.is_integer() and abs(b) < 2**64 else None
        if z is not None:
            return str(int(z))
        return b.mid().str(20, radius=False)

    def approx(self) -> float:
        """A double near the value (not correctly rounded): for relative errors, where speed matters."""
        v = self.value
        try:
            return float(v) if not isinstance(v, arb) else float(v.mid())
        except OverflowError:
            return math.inf

    def log2_abs(self) -> float:
        """log2 |midpoint| from its exponent (-inf at 0): a magnitude without building the number."""
        v = self.value
        if isinstance(v, (int, fmpq)):
            f = Fraction(int(v.p), int(v.q)) if isinstance(v, fmpq) else Fraction(v)
            if f == 0:
                return -math.inf
            return math.log2(abs(f.numerator)) - math.log2(f.denominator)
        man, exp = v.mid().man_exp()
        man, exp = abs(int(man)), int(exp)
        if not man:
            return -math.inf
        shift = max(man.bit_length() - 60, 0)
        return math.log2(man >> shift) + float(shift) + float(exp)

    @property
    def magnitude(self) -> float:
        """|value| as a float (inf if beyond double range), for relative errors."""
        f = self.to_fraction()
        try:
            return abs(float(f))
        except OverflowError:
            return math.inf


@dataclass(frozen=True)
class OraclePoint:
    """What the oracle knows at one input: a status, each side's truth, the bits it took."""

    status: str
    lhs: Truth | None
    rhs: Truth | None
    bits: int
    note: str = ""


_MAX_COMPILED = 4096


class Oracle:
    """Rising-precision ball evaluation of identities' sides."""

    def __init__(self, start_bits: int = 256, cap_bits: int = ORACLE_CAP_BITS, hold_bits: int = 200):
        if not 64 <= start_bits <= cap_bits:
            raise ValueError(f"need 64 <= start_bits <= cap_bits, got start_bits={start_bits!r}, cap_bits={cap_bits!r}")
        self.start_bits = start_bits
        self.cap_bits = cap_bits
        self.hold_bits = hold_bits
        self.precisions = []
        p = start_bits
        while p < cap_bits:
            self.precisions.append(p)
            p *= 2
        self.precisions.append(cap_bits)
        self._ctx = ArbContext()
        self._compiled: dict[Expr, Compiled] = {}

    def __repr__(self) -> str:
        return f"Oracle(start_bits={self.start_bits}, cap_bits={self.cap_bits}, hold_bits={self.hold_bits})"

    def __reduce__(self) -> tuple:
        # pickled by its settings (its compiled closures are not picklable): verify_all's executors send it
        return (Oracle, (self.start_bits, self.cap_bits, self.hold_bits))

    def compile(self, expr: Expr) -> Compiled:
        c = self._compiled.get(expr)
        if c is None:
            if len(self._compiled) >= _MAX_COMPILED:  # generated functions make new expressions every example
                self._compiled.clear()
            c = self._compiled[expr] = compile_expr(expr, self._ctx)
        return c

    @staticmethod
    def _inputs(env: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: (arb(v) if isinstance(v, float) else Vec(arb(c) for c in v) if isinstance(v, tuple) else v)
            for k, v in env.items()
        }

    def _narrow(self, v: Value) -> bool:
        if isinstance(v, (int, fmpq)):
            return True
        if isinstance(v, tuple):  # a vector: every component
            return all(self._narrow(c) for c in v)
        return v.is_exact() or v.rel_accuracy_bits() >= self.hold_bits

    def _side(self, fn: Fn, env: Env) -> Any:
        try:
            return fn(env)
        except Undefined:
            return UNDEFINED
        except NeedPrecision:
            return None
        except ValueError as exc:  # flint: a Taylor series divided by one whose leading ball may hold 0
            if "nonzero" in str(exc):  # (tan near a pole, a quotient near a zero): more bits decide
                return None
            raise

    def _refiner(self, fn: Fn, inputs: Env, after: int, index: tuple[int, int] | None = None) -> Any:
        """A generator function of ``fn`` at the precisions above ``after`` (component ``index[0]`` of
        ``index[1]`` for a vector side): the values ``Truth.rounded`` refines with."""

        def more() -> Iterator[Value]:
            for prec in self.precisions:
                if prec <= after:
                    continue
                check_deadline()
                with precision(prec):
                    v = self._side(fn, inputs)
                if v is None or v is UNDEFINED:
                    continue
                yield components(v, index[1])[index[0]] if index is not None else v

        return more

    def evaluate(self, expr: Expr, env: Mapping[str, Any]) -> Truth | None:
        """One expression at one point; None where it is undefined. Raises OutOfRange/LookupError."""
        fn = self.compile(expr).fn
        inputs = self._inputs(env)
        for prec in self.precisions:
            if prec > self.start_bits:
                check_deadline()
            with precision(prec):
                v = self._side(fn, inputs)
            if v is UNDEFINED:
                return None
            if v is not None and self._narrow(v):
                return Truth(v, self._refiner(fn, inputs, prec))
        raise LookupError(f"not resolved by {self.cap_bits} bits")

    def _zero(self, v: Value, prec: int, zero_below: int | None) -> bool:
        """At the cap, a ball around 0 narrower than 2**zero_below: zero at the judged format's resolution."""
        if zero_below is None or prec < self.cap_bits or not isinstance(v, arb) or not v.is_finite():
            return False
        with precision(64):
            return bool(v.abs_upper() < arb(2) ** zero_below)

    def compare(self, lhs: Expr, rhs: Expr, env: Mapping[str, Any], zero_below: int | None = None) -> OraclePoint:
        """Decide lhs == rhs at one point (see the module docstring for the rules).

        ``zero_below`` (an exponent E) decides zeros at a format's resolution: where, at the cap, a side's
        ball still holds 0 but lies inside (-2**E, 2**E), it rounds to 0 in a format whose half smallest
        subnormal is 2**E, so the point is decided (``HOLDS``, with a note) for that format. Such a point
        is never refuted on that ground: a refutation is always a ball of lhs - rhs that excludes 0.

        ``compare(e, e, env)`` (the same object twice: a one-sided accuracy check) evaluates e once per
        precision: HOLDS with its truth on both sides, BOTH_UNDEFINED, or UNKNOWN.
        """
        if lhs is rhs:
            return self._single(lhs, env, zero_below)
        fl, fr = self.compile(lhs).fn, self.compile(rhs).fn
        inputs = self._inputs(env)
        L: Any = None
        R: Any = None
        redo_l = redo_r = True
        prec = self.start_bits
        try:
            for prec in self.precisions:
                if prec > self.start_bits:
                    check_deadline()
                with precision(prec):
                    if redo_l:
                        L = self._side(fl, inputs)
                    if redo_r:
                        R = self._side(fr, inputs)
                    if L is UNDEFINED or R is UNDEFINED:
                        if L is UNDEFINED and R is UNDEFINED:
                            return OraclePoint(BOTH_UNDEFINED, None, None, prec)
                        if L is UNDEFINED and R is not None:
                            return OraclePoint(LHS_UNDEFINED, None, Truth(R, self._refiner(fr, inputs, prec)), prec)
                        if R is UNDEFINED and L is not None:
                            return OraclePoint(RHS_UNDEFINED, Truth(L, self._refiner(fl, inputs, prec)), None, prec)
                        redo_l, redo_r = L is None, R is None
                        continue
                    if L is None or R is None:
                        redo_l, redo_r = L is None or not self._narrow(L), R is None or not self._narrow(R)
                        continue
                    d = L - R
                    tl, tr = Truth(L, self._refiner(fl, inputs, prec)), Truth(R, self._refiner(fr, inputs, prec))
                    if _sign_or_none(d) not in (0, None):
                        return OraclePoint(REFUTED, tl, tr, prec)
                    narrow_l, narrow_r = self._narrow(L), self._narrow(R)
                    if narrow_l and narrow_r:
                        return OraclePoint(HOLDS, tl, tr, prec)
                    zero_l, zero_r = self._zero(L, prec, zero_below), self._zero(R, prec, zero_below)
                    if (narrow_l or zero_l) and (narrow_r or zero_r):
                        return OraclePoint(HOLDS, tl, tr, prec, _zero_note(zero_below))
                    redo_l, redo_r = not narrow_l, not narrow_r
        except OutOfRange:
            return OraclePoint(UNKNOWN, None, None, prec, "a value is beyond arb's exponent range")
        return OraclePoint(UNKNOWN, None, None, prec, f"not resolved by {self.cap_bits} bits")

    def _single(self, expr: Expr, env: Mapping[str, Any], zero_below: int | None = None) -> OraclePoint:
        fn = self.compile(expr).fn
        inputs = self._inputs(env)
        prec = self.start_bits
        try:
            for prec in self.precisions:
                if prec > self.start_bits:
                    check_deadline()
                with precision(prec):
                    v = self._side(fn, inputs)
                if v is UNDEFINED:
                    return OraclePoint(BOTH_UNDEFINED, None, None, prec)
                if v is not None and self._narrow(v):
                    truth = Truth(v, self._refiner(fn, inputs, prec))
                    return OraclePoint(HOLDS, truth, truth, prec)
                if v is not None and self._zero(v, prec, zero_below):
                    truth = Truth(v)
                    return OraclePoint(HOLDS, truth, truth, prec, _zero_note(zero_below))
        except OutOfRange:
            return OraclePoint(UNKNOWN, None, None, prec, "a value is beyond arb's exponent range")
        return OraclePoint(UNKNOWN, None, None, prec, f"not resolved by {self.cap_bits} bits")

    def compare_components(
        self, lhs: Expr, rhs: Expr, env: Mapping[str, Any], n: int, zero_below: int | None = None
    ) -> list[Any]:
        """``Oracle.compare`` for vector-valued sides: one OraclePoint per component.

        A side that is undefined is undefined in every component; each component
        is otherwise decided as ``Oracle.compare`` decides a scalar, at rising
        precision until every component is decided (zeros at ``zero_below`` included).
        """

        fl, fr = self.compile(lhs).fn, self.compile(rhs).fn
        inputs = self._inputs(env)
        out: list[Any] = [None] * n
        prec = self.start_bits
        try:
            for prec in self.precisions:
                with precision(prec):
                    L, R = self._side(fl, inputs), self._side(fr, inputs)
                    if L is UNDEFINED and R is UNDEFINED:
                        return [OraclePoint(BOTH_UNDEFINED, None, None, prec)] * n
                    if L is UNDEFINED and R is not None:
                        return [
                            OraclePoint(LHS_UNDEFINED, None, Truth(r, self._refiner(fr, inputs, prec, (i, n))), prec)
                            for i, r in enumerate(components(R, n))
                        ]
                    if R is UNDEFINED and L is not None:
                        return [
                            OraclePoint(RHS_UNDEFINED, Truth(v, self._refiner(fl, inputs, prec, (i, n))), None, prec)
                            for i, v in enumerate(components(L, n))
                        ]
                    if L is None or R is None or L is UNDEFINED or R is UNDEFINED:
                        continue  # a side needs more precision
                    for i, (a, b) in enumerate(zip(components(L, n), components(R, n))):
                        if out[i] is not None:
                            continue
                        ta = Truth(a, self._refiner(fl, inputs, prec, (i, n)))
                        tb = Truth(b, self._refiner(fr, inputs, prec, (i, n)))
                        if _sign_or_none(a - b) not in (0, None):
                            out[i] = OraclePoint(REFUTED, ta, tb, prec)
                        elif self._narrow(a) and self._narrow(b):
                            out[i] = OraclePoint(HOLDS, ta, tb, prec)
                        elif (self._narrow(a) or self._zero(a, prec, zero_below)) and (
                            self._narrow(b) or self._zero(b, prec, zero_below)
                        ):
                            out[i] = OraclePoint(HOLDS, ta, tb, prec, _zero_note(zero_below))
                if all(p is not None for p in out):
                    return out
        except OutOfRange:
            return [p or OraclePoint(UNKNOWN, None, None, prec, "a value is beyond arb's exponent range") for p in out]
        note = f"not resolved by {self.cap_bits} bits"
        return [p or OraclePoint(UNKNOWN, None, None, prec, note) for p in out]

    # how bad a component's kind is, worst first (the engine's verdict precedence, then the rest)


def _zero_note(zero_below: int | None) -> str:
    return f"a side is 0 to within 2**{zero_below}: zero at the format's resolution"


def _sign_or_none(x: Value) -> int | None:
    try:
        return _sign(x)
    except NeedPrecision:
        return None


DEFAULT_ORACLE = Oracle()
