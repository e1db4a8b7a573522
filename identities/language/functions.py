"""Function variables: rules of differentiation stated once, checked over generated functions.

An identity may declare ``functions = { f = "elementary", g = "elementary" }``
and use ``f(u)`` (f at a point) and ``D(f)(u)`` (f' at a point; ``D(f, n)(u)``
or ``D(D(f))(u)`` for f^(n)) in its sides::

    diff(f(g(x)), x) == D(f)(g(x)) * diff(g(x), x)        # the chain rule

A function is data, never code: an ``Expr`` in the variable ``x``, drawn by
hypothesis or given as text in ``examples`` (``{ f = "sin(x)", x = 0.5 }``).
Before anything is compiled it is substituted into the identity: ``f(u)``
becomes f's body with u for x, ``D(f)(u)`` becomes the derivative of the body
at u (``Diff(..., at=u)``), so every backend differentiates a generated
function as it differentiates anything else (the oracle by Taylor arithmetic
on balls, floats by central differences, torch and jax by autograd).

Function spaces (the value of a ``functions`` entry):

- ``elementary`` or ``elementary[d]``: a random expression tree of depth at
  most d (default 3) over x, small constants (1, 2, 0.5, 3, pi), + - * /,
  squares, cubes, reciprocals, negation and the smooth whitelisted functions.
  Hypothesis shrinks a tree toward ``x``, then constants, then shallow trees.
- ``invertible`` or ``invertible[d]``: a composition of at most d (default 3)
  monotone pieces, each with a known inverse (x + 1, 2*x, x**3, exp, sinh,
  atan, ...).
- ``inverse(f)``: the inverse of the invertible function f declared before
  it (its pieces' inverses composed in reverse order).

A draw is admissible only where the functions are defined and differentiable
as often as the identity needs: for each application f(u) (or D(f, n)(u)),
under k enclosing derivatives, the oracle must find f^(n+k) at u defined and
finite, with the function's value and that derivative 0 or between
``MIN_MAGNITUDE`` (1e-300) and ``MAX_MAGNITUDE`` (1e6) in size (well-scaled
functions: a rule is about derivatives, not about overflow or e**(-1e176)). Other draws are rejected, as an ``assume``
rejects them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from identities.errors import IdentityFileError
from identities.language.expr import DERIVATIVES, Apply, Diff, Expr, Grad, Sum, Var, Vjp, parse, walk

__all__ = [
    "Function",
    "FunctionSpace",
    "parse_space",
    "parse_function",
    "substitute",
    "requirements",
    "at",
    "SPACES",
    "PARAM",
    "MAX_MAGNITUDE",
    "MIN_MAGNITUDE",
]

PARAM = "x"
SPACES = ("elementary", "invertible", "inverse")
MAX_DEPTH = 5
MAX_MAGNITUDE = 1e6
MIN_MAGNITUDE = 1e-300
_SPACE = re.compile(r"^\s*(elementary|invertible)\s*(?:\[\s*(\d+)\s*\])?\s*$|^\s*inverse\s*\(\s*(\w+)\s*\)\s*$")


@dataclass(frozen=True)
class Function:
    """One function of x: its body. ``repr`` is the text to paste into ``examples``."""

    body: Expr

    def __str__(self) -> str:
        return str(self.body)

    def __repr__(self) -> str:
        return f'"{self.body}"'


@dataclass(frozen=True)
class FunctionSpace:
    """Where a function variable is drawn from (see the module docstring)."""

    kind: str
    depth: int = 3
    of: str = ""
    text: str = ""

    def __str__(self) -> str:
        return self.text or self.kind


def parse_space(text: object, earlier: Mapping[str, FunctionSpace]) -> FunctionSpace:
    """Parse a function space; ValueError says what is wrong."""
    m = _SPACE.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(
            f'function space must be "elementary", "elementary[d]", "invertible[d]" or "inverse(f)", got {text!r}'
        )
    assert isinstance(text, str)
    if m.group(3):
        of = m.group(3)
        if earlier.get(of) is None or earlier[of].kind != "invertible":
            raise ValueError(f'inverse({of}) needs {of!r} declared before it as "invertible"')
        return FunctionSpace("inverse", of=of, text=text.strip())
    depth = int(m.group(2) or 3)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth of {text.strip()!r} must be from 1 to {MAX_DEPTH}")
    return FunctionSpace(m.group(1), depth, text=text.strip())


def parse_function(text: object, **where: Any) -> Function:
    """A function given as text (in ``examples``): an expression in x, without diff or sum."""
    body = parse(text, {PARAM}, **where)
    if any(isinstance(n, (*DERIVATIVES, Sum)) for n in walk(body)):
        raise IdentityFileError(
            f"a function must be an expression in {PARAM} without diff or sum, got {text!r}", **where
        )
    return Function(body)


# ---------------------------------------------------------------------------------------------
# substitution


def transform(e: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """Rebuild e bottom-up; ``fn`` replaces a node (returning an Expr) or leaves it (None)."""
    hit = fn(e)
    if hit is not None:
        return hit
    if not e.children():
        return e
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(e):  # type: ignore[arg-type]
        v = getattr(e, f.name)
        if isinstance(v, Expr):
            changes[f.name] = transform(v, fn)
        elif isinstance(v, tuple) and v and isinstance(v[0], Expr):
            changes[f.name] = tuple(transform(a, fn) for a in v)
    return dataclasses.replace(e, **changes)  # type: ignore[type-var]


def at(body: Expr, arg: Expr) -> Expr:
    """body with arg for x (bodies bind nothing, so nothing can be captured)."""
    return transform(body, lambda n: arg if isinstance(n, Var) and n.name == PARAM else None)


def substitute(e: Expr, functions: Mapping[str, Function]) -> Expr:
    """e with every f(u) and D(f, n)(u) replaced by the drawn functions."""

    def apply(n: Expr) -> Expr | None:
        if not isinstance(n, Apply):
            return None
        arg = substitute(n.arg, functions)
        body = functions[n.fn].body
        return at(body, arg) if n.order == 0 else Diff(body, PARAM, n.order, at=arg)

    return transform(e, apply)


# ---------------------------------------------------------------------------------------------
# where drawn functions are admissible


def requirements(*sides: Expr) -> list[tuple[str, Expr, int]]:
    """Each application (f, its argument, the derivative order it needs there), most demanding kept."""
    need: dict[tuple[str, Expr], int] = {}

    def visit(e: Expr, k: int, bound: frozenset[str]) -> None:
        if isinstance(e, Apply):
            if not (_names(e.arg) & bound):  # an argument using a sum's index is not checked
                key = (e.fn, e.arg)
                need[key] = max(need.get(key, 0), e.order + k)
            visit(e.arg, k, bound)
            return
        if isinstance(e, Diff):
            visit(e.body, k + e.order, bound)
            return
        if isinstance(e, (Grad, Vjp)):
            visit(e.body, k + 1, bound)
            if isinstance(e, Vjp):
                visit(e.v, k, bound)
            return
        if isinstance(e, Sum):
            for c in (e.lo, e.hi):
                visit(c, k, bound)
            visit(e.body, k, bound | {e.var})
            return
        for c in e.children():
            visit(c, k, bound)

    for side in sides:
        visit(side, 0, frozenset())
    return [(fn, arg, order) for (fn, arg), order in need.items()]


def _names(e: Expr) -> set[str]:
    return {n.name for n in walk(e) if isinstance(n, Var)}
