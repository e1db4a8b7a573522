"""Float backends: ``float64`` on Python floats and ``math``; ``float32`` and
``float16`` on numpy scalars, and the ML formats ``bfloat16``, ``float8_e4m3fn``
and ``float8_e5m2`` on ml_dtypes' numpy scalars (the ``ml`` extra), so every
operation rounds to that width.

In the ML formats, ``+ - * /`` and ``sqrt`` are ml_dtypes': computed in float32
and rounded once to the format, which is the correctly rounded result (float32
has more than twice their precision, plus two bits, so the two roundings
never differ from one). Every other function is numpy's float32 function on
the float32 value of the argument, rounded once to the format (ml_dtypes'
ufuncs do exactly this; ``gamma``, ``lgamma``, ``erf`` and ``erfc``, which
numpy lacks, are computed in double by ``math`` and rounded once, exactly).
float8_e4m3fn has no infinities: an overflow, a pole (``1/0``) or an infinite
intermediate is nan there, so such a side is undefined in that format.

Both follow IEEE semantics inside an expression (overflow to inf, a pole to
inf, an invalid operation to nan); a side whose value is nan is *undefined in
that format*. Whether the identity is defined there in the reals is the
oracle's call, not ours.

``diff`` is a central difference computed in the format itself:
``sum((-1)**i * comb(n, i) * f(x + m_i*h)) / H**n`` with offsets m_i = n - 2i
(H = 2h) for odd n and n/2 - i (H = h) for even n, and the step
``h = eps**(1/(n+2)) * max(|x|, 1)``, made exactly representable as
``(x + h) - x``. Its error (truncation ~h**2, rounding ~eps/h**n) is what the
default derivative tolerance allows for; see ``identities.language.tolerance``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from identities.backends.libm import LIBM_TABLE, fma_exact, fmax, fmin
from identities.evaluate.compiler import CastArithmetic, Compiled, compile_expr
from identities.evaluate.values import UNDEFINED, Env, Fn, Undefined, as_integer, int_comb, int_factorial
from identities.language.expr import FUNCTIONS, Expr, Num
from identities.numbers.dtypes import numpy_dtype
from identities.numbers.formats import FORMATS, FloatFormat, float16, float32, float64

__all__ = [
    "Float64Backend",
    "NumpyFloatBackend",
    "NUMPY_FUNCTIONS",
    "central_difference",
    "compare_values",
    "ml_backend",
]

INF = math.inf
NAN = math.nan


def _int_to_float(a: int) -> float:
    try:
        return float(a)
    except OverflowError:
        return INF if a > 0 else -INF


def _f(a: Any) -> float:
    return _int_to_float(a) if type(a) is int else a


def _ieee(fn: Callable[[float], float], overflow: Callable[[float], float] = lambda x: INF) -> Callable[[Any], float]:
    """Wrap a ``math`` function: ValueError -> nan, OverflowError -> the IEEE overflow value."""

    def wrapped(x: Any) -> float:
        x = _f(x)
        try:
            return fn(x)
        except OverflowError:
            return overflow(x)
        except ValueError:
            return NAN

    return wrapped


def _log_like(fn: Callable[[float], float], pole: float) -> Callable[[Any], float]:
    def wrapped(x: Any) -> float:
        x = _f(x)
        if x > pole:
            return fn(x) if x != INF else INF
        return -INF if x == pole else NAN

    return wrapped


_ln = _log_like(math.log, 0.0)


def _log(x: Any, base: Any = None) -> float:
    if base is None:
        return _ln(x)
    return _div(_ln(x), _ln(base))


def _div(a: Any, b: Any) -> float:
    a, b = _f(a), _f(b)
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _pow(a: Any, b: Any) -> float:
    a, b = _f(a), _f(b)
    try:
        return math.pow(a, b)
    except OverflowError:
        odd = b == int(b) and int(b) % 2 == 1 if math.isfinite(b) else False
        return -INF if (a < 0 and odd) else INF
    except ValueError:
        if a == 0 and b < 0:
            odd = b == int(b) and int(b) % 2 == 1
            return math.copysign(INF, a) if odd else INF
        return NAN


def _gamma(x: Any) -> float:
    x = _f(x)
    if x == 0:
        return math.copysign(INF, x)
    try:
        return math.gamma(x)
    except OverflowError:
        return INF if x > 0 or math.floor(x) % 2 == 0 else -INF
    except ValueError:
        return NAN if x != -INF else NAN


def _lgamma(x: Any) -> float:
    x = _f(x)
    try:
        return math.lgamma(x)
    except (ValueError, OverflowError):
        return INF


def _trig(fn: Callable[[float], float]) -> Callable[[Any], float]:
    def wrapped(x: Any) -> float:
        x = _f(x)
        return fn(x) if math.isfinite(x) else NAN

    return wrapped


def _factorial(x: Any) -> Any:
    n = as_integer(x)
    if n is None:
        raise Undefined
    return int_factorial(n)


def _comb(n: Any, k: Any) -> Any:
    n, k = as_integer(n), as_integer(k)
    if n is None or k is None:
        raise Undefined
    return int_comb(n, k)


def _sinh_overflow(x: float) -> float:
    return math.copysign(INF, x)


MATH_TABLE: dict[str, Callable[..., Any]] = {
    "abs": lambda x: abs(x),
    "sqrt": lambda x: math.sqrt(_f(x)) if x >= 0 else NAN,
    "cbrt": _ieee(math.cbrt),
    "exp": _ieee(math.exp),
    "expm1": _ieee(math.expm1),
    "log": _log,
    "log1p": _log_like(math.log1p, -1.0),
    "log2": _log_like(math.log2, 0.0),
    "log10": _log_like(math.log10, 0.0),
    "sin": _trig(math.sin),
    "cos": _trig(math.cos),
    "tan": _trig(math.tan),
    "asin": _ieee(math.asin),
    "acos": _ieee(math.acos),
    "atan": _ieee(math.atan),
    "atan2": lambda y, x: math.atan2(_f(y), _f(x)),
    "sinh": _ieee(math.sinh, _sinh_overflow),
    "cosh": _ieee(math.cosh),
    "tanh": _ieee(math.tanh),
    "asinh": _ieee(math.asinh),
    "acosh": _ieee(math.acosh),
    "atanh": lambda x: _ieee(math.atanh)(x) if abs(x) != 1 else math.copysign(INF, x),
    "hypot": lambda x, y: _hypot(_f(x), _f(y)),
    "gamma": _gamma,
    "lgamma": _lgamma,
    "factorial": _factorial,
    "comb": _comb,
    "erf": _ieee(math.erf),
    "erfc": _ieee(math.erfc),
    **LIBM_TABLE,  # min max copysign fma floor ceil trunc round fmod remainder exp2 and the special functions
}


def _hypot(x: float, y: float) -> float:
    try:
        return math.hypot(x, y)
    except OverflowError:
        return INF


def central_difference(ctx: Any, body: Fn, env: Env, var: str, order: int) -> Any:
    """The order-th central difference quotient of ``body`` in ``var``, in ctx's arithmetic."""
    x = env[var]
    fmt: FloatFormat = ctx.format
    scale = max(abs(float(x)), 1.0)
    step = ctx.from_float(fmt.round(fmt.eps ** (1.0 / (order + 2)) * scale))
    h = ctx.sub(ctx.add(x, step), x)
    if order % 2:
        offsets, denom = [order - 2 * i for i in range(order + 1)], ctx.mul(ctx.from_float(2.0), h)
    else:
        offsets, denom = [order // 2 - i for i in range(order + 1)], h
    inner = dict(env)
    acc: Any = ctx.from_float(0.0)
    for i, m in enumerate(offsets):
        inner[var] = ctx.add(x, ctx.mul(ctx.from_float(float(m)), h)) if m else x
        v = body(inner)
        if v is UNDEFINED:
            raise Undefined
        weight = math.comb(order, i) * (-1 if i % 2 else 1)
        acc = ctx.add(acc, ctx.mul(ctx.from_float(float(weight)), v))
    return ctx.div(acc, ctx.pow(denom, order))


class Float64Backend:
    """IEEE double precision: Python floats and ``math``."""

    name = "float64"
    format = float64
    is_float = True
    user_code = True  # calls the implementations of the user's functions (identities.evaluate.usercode)

    def __init__(self) -> None:
        self.table = MATH_TABLE
        missing = set(FUNCTIONS) - set(self.table)
        assert not missing, missing

    # context -------------------------------------------------------------
    def num(self, node: Num) -> Any:
        if isinstance(node.value, int):
            return node.value
        try:
            return float(node.value)  # correctly rounded
        except OverflowError:  # a literal beyond the largest double rounds to inf
            return INF

    def const(self, name: str) -> float:
        return {"pi": math.pi, "e": math.e}[name]

    def from_float(self, x: float) -> float:
        return x

    def neg(self, a: Any) -> Any:
        return -a

    def add(self, a: Any, b: Any) -> float:
        return _f(a) + _f(b)

    def sub(self, a: Any, b: Any) -> float:
        return _f(a) - _f(b)

    def mul(self, a: Any, b: Any) -> float:
        return _f(a) * _f(b)

    div = staticmethod(_div)
    pow = staticmethod(_pow)

    def function(self, name: str) -> Callable[..., Any]:
        return self.table[name]

    def diff(self, body: Fn, env: Env, var: str, order: int) -> Any:
        return central_difference(self, body, env, var, order)

    def compare(self, op: str, a: Any, b: Any) -> bool:
        return compare_values(op, a, b)

    # backend -------------------------------------------------------------
    def compile(self, expr: Expr) -> Compiled:
        return compile_expr(expr, self)

    def to_float(self, value: Any) -> float:
        if value is UNDEFINED:
            return NAN
        if type(value) is int:
            return self.format.round(value) if abs(value) > 2**53 else float(value)
        return float(value)

    def convert_input(self, value: Any) -> Any:
        """An input value as this backend sees it (floats rounded to the format)."""
        return value if isinstance(value, int) else self.format.round(float(value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def compare_values(op: str, a: Any, b: Any) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


def _via_double(fn: Callable[[Any], float], dtype: Any, fmt: FloatFormat) -> Callable[[Any], Any]:
    """A function numpy lacks: computed in double by ``math``, then rounded once, exactly, to the width."""

    def wrapped(x: Any) -> Any:
        v = fn(float(x) if type(x) is not int else x)
        return v if type(v) is int else dtype(fmt.round(v))

    return wrapped


def _via_double_n(fn: Callable[..., float], dtype: Any, fmt: FloatFormat) -> Callable[..., Any]:
    """A function of several arguments numpy lacks: computed in double, rounded once, exactly, to the width
    (never through the dtype's own constructor: ml_dtypes rounds a double through float32 first)."""

    def wrapped(*args: Any) -> Any:
        v = fn(*(float(a) if type(a) is not int else a for a in args))
        return v if type(v) is int else dtype(fmt.round(v))

    return wrapped


# the whitelisted functions numpy has, for the numpy scalar backends here and the array backend (arrays.py)
NUMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "cbrt": np.cbrt,
    "exp": np.exp,
    "expm1": np.expm1,
    "log1p": np.log1p,
    "log2": np.log2,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "atan2": np.arctan2,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "hypot": np.hypot,
}


class NumpyFloatBackend(CastArithmetic, Float64Backend):
    """float32, float16 or an ML format on numpy scalars: every operation rounds to the width.

    ``gamma``, ``lgamma``, ``erf``, ``erfc`` and the special functions, which numpy does not have, are
    computed in double and rounded once to the width; ``fma`` is exact and rounded once to the width;
    ``round`` is C's (half away from zero), exact; ``remainder`` is exact in double, so exact in the width.
    """

    is_float = True

    def __init__(self, fmt: FloatFormat):
        self.format = fmt
        self.name = fmt.name
        self.dtype = numpy_dtype(fmt)
        self._numpy_rounds = fmt.name in ("float32", "float16")
        d = self.dtype
        self.table = {
            **NUMPY_FUNCTIONS,
            "log": self._log,
            "gamma": _via_double(_gamma, d, fmt),
            "lgamma": _via_double(_lgamma, d, fmt),
            "factorial": _factorial,
            "comb": _comb,
            "erf": _via_double(MATH_TABLE["erf"], d, fmt),
            "erfc": _via_double(MATH_TABLE["erfc"], d, fmt),
            "min": self._keep_int(min, lambda a, b: d(fmin(float(a), float(b)))),  # one of them: exact
            "max": self._keep_int(max, lambda a, b: d(fmax(float(a), float(b)))),
            "copysign": np.copysign,
            "fma": self._fma,
            "floor": self._keep_int(None, np.floor),
            "ceil": self._keep_int(None, np.ceil),
            "trunc": self._keep_int(None, np.trunc),
            "round": self._keep_int(None, self._round),
            "fmod": self._keep_int(MATH_TABLE["fmod"], np.fmod),
            "remainder": lambda a, b: d(MATH_TABLE["remainder"](float(a), float(b))),  # exact: no rounding
            "exp2": self._keep_int(MATH_TABLE["exp2"], np.exp2, nonnegative=True),
            **{name: _via_double_n(MATH_TABLE[name], d, fmt) for name in ("beta", "digamma", "zeta", "lambertw")},
            "besselj": _via_double_n(MATH_TABLE["besselj"], d, fmt),
            "bessely": _via_double_n(MATH_TABLE["bessely"], d, fmt),
        }
        exact = ("factorial", "comb", "log", "min", "max", "floor", "ceil", "trunc", "round", "fmod", "exp2", "fma")
        numeric = {k: v for k, v in self.table.items() if k not in exact}
        for key, fn in numeric.items():
            self.table[key] = self._converting(fn)
        missing = set(FUNCTIONS) - set(self.table)
        assert not missing, missing

    def _converting(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        conv = self.cast

        def wrapped(*args: Any) -> Any:
            return fn(*(conv(a) for a in args))

        return wrapped

    def _keep_int(
        self, on_ints: Callable[..., Any] | None, fn: Callable[..., Any], nonnegative: bool = False
    ) -> Callable[..., Any]:
        """fn on the width's scalars; on Python ints alone, the exact result (``on_ints``; None: the int)."""
        cast = self.cast

        def wrapped(*args: Any) -> Any:
            if all(type(a) is int for a in args) and (not nonnegative or args[0] >= 0):
                return args[0] if on_ints is None else on_ints(*args)
            return fn(*(cast(a) for a in args))

        return wrapped

    def _round(self, x: Any) -> Any:
        """C's round, exact: trunc, then one step away from zero where the dropped part is >= 1/2."""
        if not np.isfinite(x):
            return x
        t = np.trunc(x)
        if abs(float(x) - float(t)) >= 0.5:
            t = t + self.dtype(1.0 if x > 0 else -1.0)
        return t

    def _fma(self, a: Any, b: Any, c: Any) -> Any:
        if type(a) is int and type(b) is int and type(c) is int:
            return a * b + c
        fmt = self.format
        x, y, z = (float(self.cast(v)) for v in (a, b, c))
        return self.dtype(fma_exact(x, y, z, fmt.round))

    def cast(self, a: Any) -> Any:
        if type(a) is int:
            return self.dtype(self.format.round(Fraction(a))) if abs(a) > 2**24 else self.dtype(a)
        return a

    def _log(self, x: Any, base: Any = None) -> Any:
        if base is None:
            return np.log(self.cast(x))
        return np.log(self.cast(x)) / np.log(self.cast(base))

    def num(self, node: Num) -> Any:
        if isinstance(node.value, int):
            return node.value
        return self.dtype(self.format.round(node.value))

    def const(self, name: str) -> Any:
        return self.dtype(self.format.round(Fraction(math.pi if name == "pi" else math.e)))

    def from_float(self, x: float) -> Any:
        # numpy's casts from a double round once; ml_dtypes' go through float32 (twice), so round exactly first
        return self.dtype(x) if self._numpy_rounds else self.dtype(self.format.round(x))

    def pow(self, a: Any, b: Any) -> Any:
        return np.power(self.cast(a), self.cast(b))

    def compile(self, expr: Expr) -> Compiled:
        return _ErrstateCompiled(compile_expr(expr, self))

    def to_float(self, value: Any) -> float:
        if value is UNDEFINED:
            return NAN
        if type(value) is int:
            return self.format.round(Fraction(value))
        return float(value)

    def convert_input(self, value: Any) -> Any:
        return value if isinstance(value, int) else self.dtype(self.format.round(float(value)))

    def __repr__(self) -> str:
        return f"NumpyFloatBackend({self.format.name})"


class _ErrstateCompiled(Compiled):
    """Evaluate with numpy's floating-point warnings off: IEEE results are the point."""

    __slots__ = ()

    def __init__(self, inner: Compiled):
        super().__init__(inner.expr, inner.fn)

    def __call__(self, env: Env) -> Any:
        with np.errstate(all="ignore"):
            return super().__call__(env)


def float32_backend() -> NumpyFloatBackend:
    return NumpyFloatBackend(float32)


def float16_backend() -> NumpyFloatBackend:
    return NumpyFloatBackend(float16)


def ml_backend(name: str) -> NumpyFloatBackend:
    """``bfloat16``, ``float8_e4m3fn`` or ``float8_e5m2`` (BackendUnavailable without ml_dtypes)."""
    return NumpyFloatBackend(FORMATS[name])
