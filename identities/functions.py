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
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from identities.errors import IdentitiesError, IdentityFileError
from identities.expr import DERIVATIVES, Apply, Bin, Call, Const, Diff, Expr, Grad, Neg, Num, Sum, Var, Vjp, parse, walk

__all__ = ["Function", "FunctionSpace", "parse_space", "parse_function", "substitute", "requirements",
           "Checker", "function_strategy", "inputs_strategy", "SPACES", "PARAM", "MAX_MAGNITUDE",
           "MIN_MAGNITUDE"]

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
        raise ValueError(f"function space must be \"elementary\", \"elementary[d]\", \"invertible[d]\" or "
                         f"\"inverse(f)\", got {text!r}")
    assert isinstance(text, str)
    if m.group(3):
        of = m.group(3)
        if earlier.get(of) is None or earlier[of].kind != "invertible":
            raise ValueError(f"inverse({of}) needs {of!r} declared before it as \"invertible\"")
        return FunctionSpace("inverse", of=of, text=text.strip())
    depth = int(m.group(2) or 3)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth of {text.strip()!r} must be from 1 to {MAX_DEPTH}")
    return FunctionSpace(m.group(1), depth, text=text.strip())


def parse_function(text: object, **where: Any) -> Function:
    """A function given as text (in ``examples``): an expression in x, without diff or sum."""
    body = parse(text, {PARAM}, **where)
    if any(isinstance(n, (*DERIVATIVES, Sum)) for n in walk(body)):
        raise IdentityFileError(f"a function must be an expression in {PARAM} without diff or sum, got {text!r}",
                                **where)
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
    changes = {}
    for f in dataclasses.fields(e):  # type: ignore[arg-type]
        v = getattr(e, f.name)
        if isinstance(v, Expr):
            changes[f.name] = transform(v, fn)
        elif isinstance(v, tuple) and v and isinstance(v[0], Expr):
            changes[f.name] = tuple(transform(a, fn) for a in v)
    return dataclasses.replace(e, **changes)  # type: ignore[type-var]


def _at(body: Expr, arg: Expr) -> Expr:
    """body with arg for x (bodies bind nothing, so nothing can be captured)."""
    return transform(body, lambda n: arg if isinstance(n, Var) and n.name == PARAM else None)


def substitute(e: Expr, functions: Mapping[str, Function]) -> Expr:
    """e with every f(u) and D(f, n)(u) replaced by the drawn functions."""

    def apply(n: Expr) -> Expr | None:
        if not isinstance(n, Apply):
            return None
        arg = substitute(n.arg, functions)
        body = functions[n.fn].body
        return _at(body, arg) if n.order == 0 else Diff(body, PARAM, n.order, at=arg)

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


def _well_scaled(t: Any) -> bool:
    """0, or a magnitude from MIN_MAGNITUDE to MAX_MAGNITUDE (from the ball's midpoint, never an exact Fraction)."""
    size = abs(t.approx())
    if size == 0:
        v = t.value
        return bool(v.is_zero()) if hasattr(v, "is_zero") else v == 0
    return MIN_MAGNITUDE <= size <= MAX_MAGNITUDE


def _names(e: Expr) -> set[str]:
    return {n.name for n in walk(e) if isinstance(n, Var)}


class Checker:
    """Decides, with the oracle, whether drawn functions are admissible at drawn inputs."""

    def __init__(self, sides: Sequence[Expr], oracle: Any, assume: Sequence[Expr] = ()):
        from identities.oracle import OutOfRange

        self.needs = requirements(*sides)
        self.oracle = oracle
        self.assume = assume
        # unresolved at the cap, beyond arb's range, over a resource limit: not a usable draw
        self.fails = (LookupError, ArithmeticError, IdentitiesError, OutOfRange)

    def __call__(self, inputs: Mapping[str, Any]) -> bool:
        functions = {k: v for k, v in inputs.items() if isinstance(v, Function)}
        env = {k: v for k, v in inputs.items() if not isinstance(v, Function)}
        if self.assume:  # in float64, as every 'assume' is evaluated
            from identities.backends import get_backend

            f64 = get_backend("float64")
            if not all(f64.compile(substitute(a, functions))(env) is True for a in self.assume):
                return False
        for fn, arg, order in self.needs:
            point = substitute(arg, functions)
            body = functions[fn].body
            # f^(n) defined at the point implies f is (the Taylor series got that far); check its size too
            probes = [Diff(body, PARAM, order, at=point)] if order else [_at(body, point)]
            for probe in probes:
                try:
                    t = self.oracle.evaluate(probe, env)
                except self.fails:
                    return False
                if t is None or not _well_scaled(t):
                    return False
        return True


# ---------------------------------------------------------------------------------------------
# generation

_CONSTANTS = (Num(1, "1"), Num(2, "2"), Num(Fraction(1, 2), "0.5"), Num(3, "3"), Const("pi"))
_X = Var(PARAM)
# unary builders, simplest first (hypothesis shrinks toward the front)
_UNARY: tuple[Callable[[Expr], Expr], ...] = (
    *(lambda u, f=f: Call(f, (u,)) for f in ("sin", "exp", "cos", "log")),
    lambda u: Bin("**", u, Num(2, "2")),
    lambda u: Neg(u),
    lambda u: Bin("/", Num(1, "1"), u),
    *(lambda u, f=f: Call(f, (u,)) for f in ("sqrt", "atan", "tanh", "sinh", "cosh", "asinh", "expm1", "log1p",
                                             "erf", "cbrt", "asin", "acos", "atanh", "acosh", "tan", "lgamma")),
    lambda u: Bin("**", u, Num(3, "3")),
)
_BINARY = ("+", "*", "-", "/")

# invertible pieces (forward, inverse) as templates in x, simplest first
_PIECES_TEXT = (
    ("x + 1", "x - 1"), ("2*x", "x/2"), ("x**3", "cbrt(x)"), ("exp(x)", "log(x)"), ("-x", "-x"),
    ("sinh(x)", "asinh(x)"), ("atan(x)", "tan(x)"), ("x - 2", "x + 2"), ("x/3", "3*x"), ("log(x)", "exp(x)"),
    ("1/x", "1/x"), ("asinh(x)", "sinh(x)"), ("tanh(x)", "atanh(x)"), ("expm1(x)", "log1p(x)"),
    ("sqrt(x)", "x**2"), ("cbrt(x)", "x**3"),
)


@functools.cache
def _pieces() -> tuple[tuple[Expr, Expr], ...]:
    return tuple((parse(a, {PARAM}), parse(b, {PARAM})) for a, b in _PIECES_TEXT)


class _Choices(dict):
    """The few strategies a tree is drawn with, built once (strategy objects cost engine time)."""

    def __missing__(self, key: Any) -> Any:
        from hypothesis import strategies as st

        self[key] = st.integers(0, key) if isinstance(key, int) else st.sampled_from(key)
        return self[key]


_CHOICES = _Choices()


def _tree(draw: Callable[[Any], Any], depth: int) -> Expr:
    kind = draw(_CHOICES[1 if depth == 0 else 3])
    if kind == 0:
        return _X
    if kind == 1:
        return draw(_CHOICES[_CONSTANTS])
    if kind == 2:
        build = draw(_CHOICES[_UNARY])
        return build(_tree(draw, depth - 1))
    op = draw(_CHOICES[_BINARY])
    return Bin(op, _tree(draw, depth - 1), _tree(draw, depth - 1))


def _invertible(draw: Callable[[Any], Any], depth: int) -> tuple[Function, Function]:
    from hypothesis import strategies as st

    table = _pieces()
    pieces = draw(st.lists(_CHOICES[range(len(table))], min_size=1, max_size=depth))
    forward: Expr = _X
    inverse: Expr = _X
    for i in pieces:  # f = p_k(...p_1(x)); its inverse undoes p_k first
        fwd, inv = table[i]
        forward = _at(fwd, forward)
        inverse = _at(inverse, inv)
    return Function(forward), Function(inverse)


def function_strategy(space: FunctionSpace) -> Any:
    """Functions of one space (``inverse`` is drawn with its partner, in ``inputs_strategy``)."""
    from hypothesis import strategies as st

    if space.kind == "elementary":
        return st.composite(lambda draw: Function(_tree(draw, space.depth)))()
    if space.kind == "invertible":
        return st.composite(lambda draw: _invertible(draw, space.depth)[0])()
    raise ValueError(f"{space} is drawn with the function it inverts")


def inputs_strategy(functions: Iterable[tuple[str, FunctionSpace]], numeric: Any, admits: Callable[..., bool]
                    ) -> Any:
    """Functions, then the numeric inputs (``numeric``, a strategy of dicts), filtered by ``admits``."""
    from hypothesis import assume
    from hypothesis import strategies as st

    spaces = list(functions)

    @st.composite
    def draw_inputs(draw: Callable[[Any], Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        inverses: dict[str, Function] = {}
        for name, space in spaces:
            if space.kind == "elementary":
                out[name] = Function(_tree(draw, space.depth))
            elif space.kind == "invertible":
                out[name], inverses[name] = _invertible(draw, space.depth)
            else:
                out[name] = inverses[space.of]
        out.update(draw(numeric))
        assume(admits(out))
        return out

    return draw_inputs()
