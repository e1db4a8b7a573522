"""Vector variables, gradients and ``stop``, for every backend that has no vector type of its own.

A vector value in a scalar backend (float64, float32, mpmath, the oracle) is a
``Vec``: a tuple of that backend's scalars. ``VectorContext`` wraps a scalar
context so that ``compile_expr`` can compile vector expressions against it
unchanged: arithmetic and the whitelisted functions act elementwise (a scalar
broadcasts), ``dot`` and ``total`` reduce left to right, ``ones(v)`` is a
vector of exact ones shaped like v. The autodiff backends (torch, jax) bring
their own tensors and autograd instead (``native_vectors``).

Derivatives reuse each context's own scalar ``diff``, so the oracle's
gradients are Taylor arithmetic on balls, one component at a time (exact, as
the oracle's ``diff``), and the float backends' are central differences:

- ``grad(e, x)``: component i is ``diff`` of e in a fresh scalar standing for
  x[i], the other components held at their values;
- ``vjp(e, x, v)``: ``grad(dot(v, e), x)``, v evaluated once at the point, as
  torch's ``y.backward(gradient=v)`` takes v's values;
- ``stop(e)``: e evaluated at the point where the derivative is taken, not at
  the perturbed point (a difference quotient) or on the Taylor series (the
  oracle): constant for differentiation, as ``detach()``.

Shapes are checked when an identity is loaded (``shape``): a vector is
``vector[n]``, a scalar broadcasts, and a vector-valued identity is judged
per component and reported by its worst component (see ``worst_component``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from identities.backends.base import RESTORE, UNDEFINED, Env, Fn
from identities.expr import (
    FUNCTIONS,
    Apply,
    Bin,
    Call,
    Cmp,
    Const,
    Diff,
    Expr,
    Grad,
    Neg,
    Num,
    Stop,
    Sum,
    Var,
    VecVar,
    Vjp,
)

__all__ = ["Vec", "VectorContext", "ShapeError", "shape", "components", "compare_components", "worst_component",
           "SEVERITY"]

_GRAD_KEY = "@component"  # not an identifier: never a user's variable


class Vec(tuple):
    """A vector value of a scalar backend: a tuple of its scalars."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Vec({list(self)!r})"


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
                return body({**e, var: Vec((*x0[:i], e[_GRAD_KEY], *x0[i + 1:]))})

            at = {**env, _GRAD_KEY: x0[i], RESTORE: {var: x0}}
            out.append(self.inner.diff(component, at, _GRAD_KEY, 1))
        return Vec(out)

    def vjp(self, body: Fn, env: Env, var: str, v: Any) -> Vec:
        return self.grad(lambda e: self.dot(v, body(e)), env, var)


# ---------------------------------------------------------------------------------------------
# shapes


class ShapeError(ValueError):
    """An expression combines scalars and vectors in a way that has no meaning."""


def shape(e: Expr) -> int | None:  # noqa: C901 - one dispatch over node types
    """The size of a vector-valued expression, or None for a scalar; ShapeError when ill-formed."""
    if isinstance(e, VecVar):
        return e.size
    if isinstance(e, (Num, Const, Var)):
        return None
    if isinstance(e, (Neg, Stop)):
        return shape(e.children()[0])
    if isinstance(e, Bin):
        return _join(shape(e.left), shape(e.right), f"{e.op!r} of {e.left} and {e.right}")
    if isinstance(e, Call):
        shapes = [shape(a) for a in e.args]
        if e.fn in FUNCTIONS:
            out = None
            for s in shapes:
                out = _join(out, s, f"{e.fn}() of vectors of different sizes")
            return out
        if any(s is None for s in shapes):
            raise ShapeError(f"{e.fn}() takes vectors, got a scalar in {e}")
        if e.fn == "dot":
            _join(*shapes, f"dot() of vectors of different sizes in {e}")
            return None
        return None if e.fn == "total" else shapes[0]
    if isinstance(e, Apply):
        if shape(e.arg) is not None:
            raise ShapeError(f"function variable {e.fn!r} takes a scalar, got a vector in {e}")
        return None
    if isinstance(e, Diff):
        if e.at is not None and shape(e.at) is not None:
            raise ShapeError(f"a derivative at a vector point in {e}")
        if shape(e.body) is not None:
            raise ShapeError(f"diff of a vector expression in {e}; use vjp(expr, x, v) or grad of a scalar")
        return None
    if isinstance(e, Grad):
        if shape(e.body) is not None:
            raise ShapeError(f"grad of a vector expression in {e}; grad takes a scalar, vjp a vector")
        return _var_size(e.body, e.var)
    if isinstance(e, Vjp):
        out, v = shape(e.body), shape(e.v)
        if out is None:
            raise ShapeError(f"vjp of a scalar expression in {e}; use grad(expr, {e.var})")
        if v != out:
            raise ShapeError(f"vjp cotangent {e.v} has {_size(v)}, the expression {e.body} has {_size(out)}")
        return _var_size(e.body, e.var)
    if isinstance(e, Sum):
        if shape(e.lo) is not None or shape(e.hi) is not None:
            raise ShapeError(f"sum bounds must be scalars in {e}")
        return shape(e.body)
    if isinstance(e, Cmp):
        if any(shape(o) is not None for o in e.operands):
            raise ShapeError(f"comparison of vectors in {e}")
        return None
    raise TypeError(f"not an Expr: {e!r}")


def _size(s: int | None) -> str:
    return "a scalar" if s is None else f"size {s}"


def _join(a: int | None, b: int | None, what: str) -> int | None:
    if a is not None and b is not None and a != b:
        raise ShapeError(f"{what}: sizes {a} and {b}")
    return a if a is not None else b


def _var_size(body: Expr, var: str) -> int:
    from identities.expr import walk

    for n in walk(body):
        if isinstance(n, VecVar) and n.name == var:
            return n.size
    raise ShapeError(f"the expression does not use {var!r}")


# ---------------------------------------------------------------------------------------------
# judging a vector-valued identity, component by component


def components(value: Any, n: int) -> list[Any]:
    """A backend's value as n scalars: a vector's components, or a scalar broadcast."""
    if value is UNDEFINED:
        return [UNDEFINED] * n
    if isinstance(value, (tuple, list)):
        return list(value)
    if len(getattr(value, "shape", ())) == 1:  # a torch tensor or a jax array
        return list(value)
    return [value] * n


def compare_components(oracle: Any, lhs: Expr, rhs: Expr, env: Mapping[str, Any], n: int) -> list[Any]:
    """``Oracle.compare`` for vector-valued sides: one OraclePoint per component.

    A side that is undefined is undefined in every component; each component
    is otherwise decided as ``Oracle.compare`` decides a scalar, at rising
    precision until every component is decided.
    """
    from flint import ctx

    from identities.oracle import (
        BOTH_UNDEFINED,
        HOLDS,
        LHS_UNDEFINED,
        REFUTED,
        RHS_UNDEFINED,
        UNKNOWN,
        OraclePoint,
        OutOfRange,
        Truth,
        _sign_or_none,
    )

    fl, fr = oracle.compile(lhs).fn, oracle.compile(rhs).fn
    inputs = oracle._inputs(env)
    out: list[Any] = [None] * n
    prec = oracle.start_bits
    try:
        for prec in oracle.precisions:
            with ctx.workprec(prec):
                L, R = oracle._side(fl, inputs), oracle._side(fr, inputs)
                if L is UNDEFINED and R is UNDEFINED:
                    return [OraclePoint(BOTH_UNDEFINED, None, None, prec)] * n
                if L is UNDEFINED and R is not None:
                    return [OraclePoint(LHS_UNDEFINED, None, Truth(r), prec) for r in components(R, n)]
                if R is UNDEFINED and L is not None:
                    return [OraclePoint(RHS_UNDEFINED, Truth(v), None, prec) for v in components(L, n)]
                if L is None or R is None or L is UNDEFINED or R is UNDEFINED:
                    continue  # a side needs more precision
                for i, (a, b) in enumerate(zip(components(L, n), components(R, n))):
                    if out[i] is not None:
                        continue
                    if _sign_or_none(a - b) not in (0, None):
                        out[i] = OraclePoint(REFUTED, Truth(a), Truth(b), prec)
                    elif oracle._narrow(a) and oracle._narrow(b):
                        out[i] = OraclePoint(HOLDS, Truth(a), Truth(b), prec)
            if all(p is not None for p in out):
                return out
    except OutOfRange:
        return [p or OraclePoint(UNKNOWN, None, None, prec, "a value is beyond arb's exponent range") for p in out]
    note = f"not resolved by {oracle.cap_bits} bits"
    return [p or OraclePoint(UNKNOWN, None, None, prec, note) for p in out]


# how bad a component's kind is, worst first (the engine's verdict precedence, then the rest)
SEVERITY = ("refuted", "domain_mismatch", "precision_failure", "unknown", "ok", "undefined")


def worst_component(judge: Callable[[Any, Any, Any], tuple[float, float, float, str]], points: list[Any],
                    lhs: Any, rhs: Any, n: int) -> tuple[int, list[tuple[float, float, float, str]]]:
    """The index of the worst component and every component's (lf, rf, ulps, kind).

    ``judge(point, lhs_i, rhs_i)`` measures one component as the engine measures
    a scalar identity. Worst: the most serious kind, then the most ulps apart.
    """
    per = [judge(p, a, b) for p, a, b in zip(points, components(lhs, n), components(rhs, n))]

    def badness(i: int) -> tuple[int, float]:
        ulps = per[i][2]
        return (-SEVERITY.index(per[i][3]), ulps if not math.isnan(ulps) else math.inf)

    return max(range(n), key=badness), per
