"""What the torch and jax backends share: one context over a framework's tensors and autograd.

Both sides of an identity are evaluated with the framework's own operations,
op by op (eager, as a notebook cell runs them: no jit, which may fuse
operations and round differently), on 0-d tensors of the backend's dtype, and
on 1-d tensors for vector variables; ``diff``, ``grad`` and ``vjp`` are the
framework's reverse-mode autograd (``torch.autograd.grad``, ``jax.grad`` /
``jax.vjp``), ``stop`` is ``detach()`` / ``lax.stop_gradient``. Results are
judged against the oracle like any float backend's, with the plain float
tolerance (``4 ulp`` by default): autograd is not a difference quotient.

As in every backend, integers stay exact Python ints where Python keeps them
exact, and a side that comes out nan is undefined in the format.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any, cast

from identities.errors import NotSupported
from identities.evaluate.compiler import CastArithmetic, Compiled, Context, compile_expr
from identities.evaluate.values import UNDEFINED, Env, Fn, Undefined, int_comb, int_factorial
from identities.language.expr import FUNCTIONS, VECTOR_FUNCTIONS, Expr, Num
from identities.numbers.formats import FloatFormat

__all__ = ["AutodiffBackend", "unsupported"]


def unsupported(why: str) -> Callable[..., Any]:
    """A table entry for a function the framework lacks: compiling an expression that uses it raises
    ``NotSupported`` (an ``error`` verdict), with ``why`` naming the function and what to use instead."""

    def missing(*args: Any) -> Any:
        raise NotSupported(why)

    missing.unsupported = why  # type: ignore[attr-defined]
    return missing


class AutodiffBackend(CastArithmetic):
    """The shared context; a framework fills ``table`` and the tensor hooks below."""

    is_float = True
    autodiff = True  # derivatives by autograd: the engine uses the plain float tolerance
    native_vectors = True  # its own tensors, grad, vjp and stop (identities.language.vectors is not used)
    framework = ""

    def __init__(self, fmt: FloatFormat):
        self.format = fmt
        self.name = f"{self.framework}-{fmt.name}"
        self.table: dict[str, Callable[..., Any]] = {}

    def _check_table(self) -> None:
        missing = (set(FUNCTIONS) | set(VECTOR_FUNCTIONS)) - set(self.table)
        assert not missing, missing

    # framework hooks -------------------------------------------------------
    def tensor(self, x: float | list[float]) -> Any:
        """A tensor of this dtype holding exactly these (already rounded) values."""
        raise NotImplementedError

    def is_tensor(self, a: Any) -> bool:
        raise NotImplementedError

    def item(self, a: Any) -> float:
        """A 0-d tensor's value as a Python float (exact: every format value is a double)."""
        raise NotImplementedError

    def integral(self, a: Any) -> int | None:
        """A tensor holding an integer value, as int (None if not, or if it is being differentiated)."""
        raise NotImplementedError

    # context -----------------------------------------------------------------
    def cast(self, a: Any) -> Any:
        if type(a) is int:
            return self.tensor(self.format.round(Fraction(a)) if abs(a) > 2**24 else float(a))
        if isinstance(a, float):
            return self.tensor(self.format.round(a))
        return a

    def from_float(self, x: float) -> Any:
        """A double already in the format, as this backend's scalar (the report's difference quotients)."""
        return self.tensor(x)

    def num(self, node: Num) -> Any:
        v = node.value
        return v if isinstance(v, int) else self.tensor(self.format.round(v))

    def const(self, name: str) -> Any:
        return self.tensor(self.format.round(Fraction(math.pi if name == "pi" else math.e)))

    def neg(self, a: Any) -> Any:
        return -a

    def pow(self, a: Any, b: Any) -> Any:
        return self.cast(a) ** self.cast(b)

    def function(self, name: str) -> Callable[..., Any]:
        fn = self.table[name]
        why = getattr(fn, "unsupported", None)
        if why is not None:
            raise NotSupported(f"{self.name}: {why}")
        if name in ("factorial", "comb", "ones"):
            return fn
        cast = self.cast
        if FUNCTIONS.get(name, VECTOR_FUNCTIONS.get(name)) == (1, 1):
            return lambda a: fn(cast(a))
        return lambda *args: fn(*(cast(a) for a in args))

    def compare(self, op: str, a: Any, b: Any) -> bool:
        """A comparison in ``where``'s condition, on the framework's values (a Python branch, as eager code
        with an ``if`` takes it: autograd differentiates the side taken)."""
        from identities.backends.floats import compare_values

        return bool(compare_values(op, self.cast(a) if type(a) is int else a, self.cast(b) if type(b) is int else b))

    def integer(self, a: Any) -> int | None:
        """A sum or product bound as an int (a tensor holding an integer counts)."""
        if type(a) is int:
            return a
        return self.integral(a) if self.is_tensor(a) else None

    def c_round(
        self, x: Any, trunc: Callable[[Any], Any], where: Callable[..., Any], sign: Callable[[Any], Any]
    ) -> Any:
        """C's round (half away from zero) from the framework's trunc: x - trunc(x) is exact."""
        t = trunc(x)
        return where(abs(x - t) >= 0.5, t + sign(x), t)

    def bessel(self, fns: dict[int, Callable[[Any], Any]], name: str, spelled: str) -> Callable[..., Any]:
        """besselj/bessely of integer order from the framework's functions of orders 0 and 1."""

        def bessel(n: Any, x: Any) -> Any:
            k = self._integer(n)
            m = abs(k)
            if m not in fns:
                raise NotSupported(
                    f"{self.name}: {name}({k}, x): the framework has orders {sorted(fns)} only ({spelled})"
                )
            v = fns[m](x)
            return -v if k < 0 and m % 2 else v

        return bessel

    def _integer(self, a: Any) -> int:
        if type(a) is int:
            return a
        n = self.integral(a) if self.is_tensor(a) else None
        if n is None:
            raise Undefined
        return n

    def factorial(self, a: Any) -> int:
        return int_factorial(self._integer(a))

    def comb(self, n: Any, k: Any) -> int:
        return int_comb(self._integer(n), self._integer(k))

    def _log(self, log: Callable[[Any], Any]) -> Callable[..., Any]:
        return lambda x, base=None: log(x) if base is None else log(x) / log(base)

    # backend -----------------------------------------------------------------
    def compile(self, expr: Expr) -> Compiled:
        return compile_expr(expr, cast(Context, self))  # autodiff: diff is grad of its own framework

    def to_float(self, value: Any) -> float:
        if value is UNDEFINED:
            return math.nan
        if type(value) is int:
            return self.format.round(Fraction(value))
        return self.item(value)

    def convert_input(self, value: Any) -> Any:
        return value if isinstance(value, int) else self.tensor(self.format.round(float(value)))

    def convert_vector(self, values: tuple) -> Any:
        return self.tensor([self.format.round(float(v)) for v in values])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.format.name})"


def call_body(body: Fn, env: Env, var: str, value: Any) -> Any:
    """body with var bound to value (the tensor being differentiated)."""
    inner = dict(env)
    inner[var] = value
    return body(inner)
