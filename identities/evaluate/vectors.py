"""Vector contexts: a scalar context made vector-aware, for every backend with no vector type of its own.

Arithmetic and the whitelisted functions act elementwise (a scalar broadcasts), ``dot`` and ``total``
reduce left to right, ``ones(v)`` is a vector of exact ones; ``grad``, ``vjp`` and ``stop`` reuse the
inner context's own scalar ``diff`` (see ``identities.language.vectors`` for the rules).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from identities.evaluate.values import RESTORE, UNDEFINED, Env, Fn
from identities.language.vectors import Vec

__all__ = ["VectorContext", "components"]

_GRAD_KEY = "@component"  # not an identifier: never a user's variable


def _broadcast(a: Any, b: Any) -> tuple[list[Any], list[Any], bool]:
    va, vb = isinstance(a, Vec), isinstance(b, Vec)
    if va and vb:
        if len(a) != len(b):
            raise ValueError(f"vectors of sizes {len(a)} and {len(b)}")
        return list(a), list(b), True
    if va:
        return list(a), [b] * len(a), True
    if vb:
        return [a] * len(b), list(b), True
    return [a], [b], False


class VectorContext:
    """A scalar context made vector-aware; everything it does not override comes from the inner context."""

    native_vectors = True

    def __init__(self, inner: Any):
        self.inner = inner
        exact = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
        for name in ("add", "sub", "mul", "div", "pow"):
            setattr(self, name, self._lift(getattr(inner, name), exact.get(name)))

    def __getattr__(self, name: str) -> Any:  # num, const, compare, diff, dynamic_constants, format...
        return getattr(self.inner, name)

    def _lift(self, op: Callable[..., Any], exact: Callable[[int, int], int] | None = None) -> Callable[..., Any]:
        def lifted(*args: Any) -> Any:
            if len(args) == 1:
                a = args[0]
                return Vec(op(x) for x in a) if isinstance(a, Vec) else op(a)
            xs, ys, vector = _broadcast(*args)
            if exact is not None:  # keep integers exact, as compile_expr does for scalars
                out = [exact(x, y) if type(x) is int and type(y) is int else op(x, y) for x, y in zip(xs, ys)]
            else:
                out = [op(x, y) for x, y in zip(xs, ys)]
            return Vec(out) if vector else out[0]

        return lifted

    def neg(self, a: Any) -> Any:
        if isinstance(a, Vec):
            return Vec(-x if type(x) is int else self.inner.neg(x) for x in a)
        return self.inner.neg(a)

    def function(self, name: str) -> Callable[..., Any]:
        if name == "dot":
            return self.dot
        if name == "total":
            return self.total
        if name == "ones":
            return lambda v: Vec(1 for _ in v)
        return self._lift(self.inner.function(name))

    def dot(self, a: Any, b: Any) -> Any:
        return self.total(self.mul(a, b))

    def total(self, v: Any) -> Any:
        acc = v[0]
        for x in v[1:]:
            acc = acc + x if type(acc) is int and type(x) is int else self.inner.add(acc, x)
        return acc

    def stop(self, arg: Fn, env: Env) -> Any:
        """arg at the point where the derivative is taken (``RESTORE`` holds it), else at env."""
        restore = env.get(RESTORE)
        return arg({**env, **restore} if restore else env)

    def grad(self, body: Fn, env: Env, var: str) -> Vec:
        x0 = env[var]
        out = []
        for i in range(len(x0)):

            def component(e: Env, i: int = i) -> Any:
                return body({**e, var: Vec((*x0[:i], e[_GRAD_KEY], *x0[i + 1 :]))})

            at = {**env, _GRAD_KEY: x0[i], RESTORE: {var: x0}}
            out.append(self.inner.diff(component, at, _GRAD_KEY, 1))
        return Vec(out)

    def vjp(self, body: Fn, env: Env, var: str, v: Any) -> Vec:
        return self.grad(lambda e: self.dot(v, body(e)), env, var)


def components(value: Any, n: int) -> list[Any]:
    """A backend's value as n scalars: a vector's components, or a scalar broadcast."""
    if value is UNDEFINED:
        return [UNDEFINED] * n
    if isinstance(value, (tuple, list)):
        return list(value)
    if len(getattr(value, "shape", ())) == 1:  # a torch tensor or a jax array
        return list(value)
    return [value] * n
