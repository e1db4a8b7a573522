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

from identities.language.expr import (
    FUNCTIONS,
    Apply,
    Bin,
    Call,
    Cmp,
    Const,
    Diff,
    Expr,
    Grad,
    Logic,
    Neg,
    Num,
    Stop,
    Sum,
    UserCall,
    Var,
    VecVar,
    Vjp,
    Where,
)

__all__ = ["Vec", "ShapeError", "shape"]


class Vec(tuple):
    """A vector value of a scalar backend: a tuple of its scalars."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Vec({list(self)!r})"


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
            _join(shapes[0], shapes[1], f"dot() of vectors of different sizes in {e}")
            return None
        return None if e.fn == "total" else shapes[0]
    if isinstance(e, UserCall):
        if any(shape(a) is not None for a in e.args):
            raise ShapeError(f"{e.fn}() takes scalars, got a vector in {e}")
        return None
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
    if isinstance(e, Logic):
        for c in e.args:
            shape(c)
        return None
    if isinstance(e, Where):
        shape(e.cond)
        return _join(shape(e.then), shape(e.other), f"where() of values of different sizes in {e}")
    raise TypeError(f"not an Expr: {e!r}")


def _size(s: int | None) -> str:
    return "a scalar" if s is None else f"size {s}"


def _join(a: int | None, b: int | None, what: str) -> int | None:
    if a is not None and b is not None and a != b:
        raise ShapeError(f"{what}: sizes {a} and {b}")
    return a if a is not None else b


def _var_size(body: Expr, var: str) -> int:
    from identities.language.expr import walk

    for n in walk(body):
        if isinstance(n, VecVar) and n.name == var:
            return n.size
    raise ShapeError(f"the expression does not use {var!r}")


# ---------------------------------------------------------------------------------------------
# judging a vector-valued identity, component by component
