"""Function variables drawn: expression trees by hypothesis, kept where the oracle finds them defined,
differentiable and well scaled at the drawn inputs (the rules are in ``identities.language.functions``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from identities.errors import IdentitiesError
from identities.language.expr import Bin, Call, Const, Diff, Expr, Neg, Num, Var, parse
from identities.language.functions import (
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    PARAM,
    Function,
    FunctionSpace,
    at,
    requirements,
    substitute,
)

__all__ = ["Checker", "function_strategy", "inputs_strategy"]


def _well_scaled(t: Any) -> bool:
    """0, or a magnitude from MIN_MAGNITUDE to MAX_MAGNITUDE (from the ball's midpoint, never an exact Fraction)."""
    size = abs(t.approx())
    if size == 0:
        v = t.value
        return bool(v.is_zero()) if hasattr(v, "is_zero") else v == 0
    return MIN_MAGNITUDE <= size <= MAX_MAGNITUDE


class Checker:
    """Decides, with the oracle, whether drawn functions are admissible at drawn inputs."""

    def __init__(self, sides: Sequence[Expr], oracle: Any, assume: Sequence[Expr] = ()):
        from identities.oracle.scalar import OutOfRange

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
            probes = [Diff(body, PARAM, order, at=point)] if order else [at(body, point)]
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
    *(
        lambda u, f=f: Call(f, (u,))
        for f in (
            "sqrt",
            "atan",
            "tanh",
            "sinh",
            "cosh",
            "asinh",
            "expm1",
            "log1p",
            "erf",
            "cbrt",
            "asin",
            "acos",
            "atanh",
            "acosh",
            "tan",
            "lgamma",
        )
    ),
    lambda u: Bin("**", u, Num(3, "3")),
)
_BINARY = ("+", "*", "-", "/")

# invertible pieces (forward, inverse) as templates in x, simplest first
_PIECES_TEXT = (
    ("x + 1", "x - 1"),
    ("2*x", "x/2"),
    ("x**3", "cbrt(x)"),
    ("exp(x)", "log(x)"),
    ("-x", "-x"),
    ("sinh(x)", "asinh(x)"),
    ("atan(x)", "tan(x)"),
    ("x - 2", "x + 2"),
    ("x/3", "3*x"),
    ("log(x)", "exp(x)"),
    ("1/x", "1/x"),
    ("asinh(x)", "sinh(x)"),
    ("tanh(x)", "atanh(x)"),
    ("expm1(x)", "log1p(x)"),
    ("sqrt(x)", "x**2"),
    ("cbrt(x)", "x**3"),
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
        forward = at(fwd, forward)
        inverse = at(inverse, inv)
    return Function(forward), Function(inverse)


def function_strategy(space: FunctionSpace) -> Any:
    """Functions of one space (``inverse`` is drawn with its partner, in ``inputs_strategy``)."""
    from hypothesis import strategies as st

    if space.kind == "elementary":
        return st.composite(lambda draw: Function(_tree(draw, space.depth)))()
    if space.kind == "invertible":
        return st.composite(lambda draw: _invertible(draw, space.depth)[0])()
    raise ValueError(f"{space} is drawn with the function it inverts")


def inputs_strategy(functions: Iterable[tuple[str, FunctionSpace]], numeric: Any, admits: Callable[..., bool]) -> Any:
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
