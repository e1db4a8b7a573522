"""``jax-float32`` and ``jax-float64``: JAX's own operations and autograd (the ``jax`` extra).

Functions map to ``jax.numpy`` and ``jax.scipy.special`` (``gammaln`` for
lgamma, ``gamma``, ``erf``, ``erfc``); ``dot`` is ``a @ b``, ``total`` is
``jnp.sum``, ``ones(v)`` is ``jnp.ones_like(v)``. ``diff`` is ``jax.grad``
(nested for higher orders), ``grad`` is ``jax.grad``, ``vjp`` is
``jax.vjp``'s pullback, ``stop`` is ``jax.lax.stop_gradient``. Operations
run eagerly, op by op, on the CPU.

64-bit floats are switched on only inside each evaluation
(``jax.enable_x64`` as a context manager), never globally: importing or using
this backend does not change the user's jax configuration. Inputs are
therefore handed over as numpy scalars and become jax arrays inside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from identities.backends.autodiff import AutodiffBackend, call_body, unsupported
from identities.evaluate.compiler import Compiled
from identities.evaluate.values import Env, Fn
from identities.language.expr import Expr
from identities.numbers.formats import FloatFormat, float32, float64

__all__ = ["JaxBackend", "jax_float32", "jax_float64"]


class JaxBackend(AutodiffBackend):
    framework = "jax"

    def __init__(self, fmt: FloatFormat):
        super().__init__(fmt)
        self.x64 = fmt.width == 64
        self.dtype = {32: jnp.float32, 64: jnp.float64}[fmt.width]
        self.np_dtype = {32: np.float32, 64: np.float64}[fmt.width]
        self.table = {
            "abs": jnp.abs,
            "sqrt": jnp.sqrt,
            "cbrt": jnp.cbrt,
            "exp": jnp.exp,
            "expm1": jnp.expm1,
            "log": self._log(jnp.log),
            "log1p": jnp.log1p,
            "log2": jnp.log2,
            "log10": jnp.log10,
            "sin": jnp.sin,
            "cos": jnp.cos,
            "tan": jnp.tan,
            "asin": jnp.arcsin,
            "acos": jnp.arccos,
            "atan": jnp.arctan,
            "atan2": jnp.arctan2,
            "sinh": jnp.sinh,
            "cosh": jnp.cosh,
            "tanh": jnp.tanh,
            "asinh": jnp.arcsinh,
            "acosh": jnp.arccosh,
            "atanh": jnp.arctanh,
            "hypot": jnp.hypot,
            "gamma": jsp.gamma,
            "lgamma": jsp.gammaln,
            "erf": jsp.erf,
            "erfc": jsp.erfc,
            "factorial": self.factorial,
            "comb": self.comb,
            "dot": jnp.matmul,
            "total": jnp.sum,
            "ones": jnp.ones_like,
            "min": jnp.fmin,
            "max": jnp.fmax,
            "copysign": jnp.copysign,
            "fma": unsupported("jax has no fused multiply-add (fma); check it on float64, float32 or mpmath"),
            "floor": jnp.floor,
            "ceil": jnp.ceil,
            "trunc": jnp.trunc,
            "round": lambda x: self.c_round(x, jnp.trunc, jnp.where, jnp.sign),  # jnp.round is half-even
            "fmod": jnp.fmod,
            "remainder": unsupported(
                "jax has no IEEE remainder (jnp.remainder is Python's modulo); check it on float64"
            ),
            "exp2": jnp.exp2,
            "beta": jsp.beta,
            "digamma": jsp.digamma,
            "zeta": lambda s: jsp.zeta(s, jnp.ones_like(s)),
            "besselj": self._besselj,
            "bessely": unsupported("jax has no Bessel Y function (bessely); check it on float64, float32 or mpmath"),
            "lambertw": unsupported("jax has no Lambert W function (lambertw); check it on float64, float32 or mpmath"),
        }
        self._check_table()

    def _besselj(self, n: Any, x: Any) -> Any:
        k = self._integer(n)
        v = jsp.bessel_jn(x, v=abs(k))[abs(k)]  # J_0 .. J_|k|, by jax's recurrence
        return -v if k < 0 and k % 2 else v

    def tensor(self, x: Any) -> Any:
        return jnp.asarray(x, dtype=self.dtype)

    def cast(self, a: Any) -> Any:
        if isinstance(a, (np.ndarray, np.floating)):  # an input, handed over as numpy
            return jnp.asarray(a, dtype=self.dtype)
        return super().cast(a)

    def is_tensor(self, a: Any) -> bool:
        return isinstance(a, (jax.Array, np.ndarray, np.floating))

    def item(self, a: Any) -> float:
        return float(a)

    def integral(self, a: Any) -> int | None:
        if isinstance(a, jax.core.Tracer) or np.ndim(a) != 0:
            return None
        v = float(a)
        return int(v) if v.is_integer() else None

    def convert_input(self, value: Any) -> Any:
        return value if isinstance(value, int) else self.np_dtype(self.format.round(float(value)))

    def convert_vector(self, values: tuple) -> Any:
        return np.array([self.format.round(float(v)) for v in values], dtype=self.np_dtype)

    def compile(self, expr: Expr) -> Compiled:
        with jax.enable_x64(self.x64):  # literals and constants become arrays of this dtype here
            return _X64Compiled(super().compile(expr), self.x64)

    # derivatives ---------------------------------------------------------------
    def _of(self, body: Fn, env: Env, var: str) -> Callable[[Any], Any]:
        return lambda t: self.cast(call_body(body, env, var, t))

    def diff(self, body: Fn, env: Env, var: str, order: int) -> Any:
        f = self._of(body, env, var)
        for _ in range(order):
            f = jax.grad(f)
        return f(self.cast(env[var]))

    def grad(self, body: Fn, env: Env, var: str) -> Any:
        return jax.grad(self._of(body, env, var))(self.cast(env[var]))

    def vjp(self, body: Fn, env: Env, var: str, v: Any) -> Any:
        y, pullback = jax.vjp(self._of(body, env, var), self.cast(env[var]))
        (g,) = pullback(jnp.broadcast_to(self.cast(v), jnp.shape(y)).astype(y.dtype))
        return g

    def stop(self, arg: Fn, env: Env) -> Any:
        v = arg(env)
        return jax.lax.stop_gradient(v) if self.is_tensor(v) else v


class _X64Compiled(Compiled):
    """Evaluate with jax's 64-bit mode on (float64) or off (float32), for this call only."""

    __slots__ = ("x64",)

    def __init__(self, inner: Compiled, x64: bool):
        super().__init__(inner.expr, inner.fn)
        self.x64 = x64

    def __call__(self, env: Env) -> Any:
        with jax.enable_x64(self.x64):
            return super().__call__(env)


def jax_float32() -> JaxBackend:
    return JaxBackend(float32)


def jax_float64() -> JaxBackend:
    return JaxBackend(float64)
