"""The safe expression language: parse with ``ast``, check every node, build an ``Expr``.

Nothing in an identity file is ever executed. The text is parsed by
``ast.parse(mode="eval")`` and every node is checked against a whitelist
before an ``Expr`` tree (plain frozen records) is built; backends compile that
tree into closures over their own function tables.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from identities.errors import IdentityFileError
from identities.language.limits import MAX_DEPTH, MAX_DIFF_ORDER, MAX_LITERAL_EXPONENT, MAX_NODES, MAX_TEXT

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "Expr",
    "Num",
    "Const",
    "Var",
    "Neg",
    "Bin",
    "Call",
    "Diff",
    "Sum",
    "Cmp",
    "Logic",
    "Where",
    "CONDITIONS",
    "ALIASES",
    "Apply",
    "UserCall",
    "Grad",
    "Vjp",
    "Stop",
    "VecVar",
    "VECTOR_FUNCTIONS",
    "DERIVATIVES",
    "parse",
    "free_vars",
    "walk",
    "uses_diff",
    "MAX_DIFF_ORDER",
]

# The one table of whitelisted functions: name -> (min args, max args).
FUNCTIONS: dict[str, tuple[int, int]] = {
    "abs": (1, 1),
    "sqrt": (1, 1),
    "cbrt": (1, 1),
    "exp": (1, 1),
    "expm1": (1, 1),
    "log": (1, 2),
    "log1p": (1, 1),
    "log2": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "atan2": (2, 2),
    "sinh": (1, 1),
    "cosh": (1, 1),
    "tanh": (1, 1),
    "asinh": (1, 1),
    "acosh": (1, 1),
    "atanh": (1, 1),
    "hypot": (2, 2),
    "gamma": (1, 1),
    "lgamma": (1, 1),
    "factorial": (1, 1),
    "comb": (2, 2),
    "erf": (1, 1),
    "erfc": (1, 1),
    # branches without a branch: C's fmin/fmax (FPCore), copysign, one-rounding fma
    "min": (2, 2),
    "max": (2, 2),
    "copysign": (2, 2),
    "fma": (3, 3),
    # rounding to integers (C: round is half away from zero) and exact remainders
    "floor": (1, 1),
    "ceil": (1, 1),
    "trunc": (1, 1),
    "round": (1, 1),
    "fmod": (2, 2),
    "remainder": (2, 2),
    "exp2": (1, 1),
    # special functions (real domains in docs/guide/language.md)
    "beta": (2, 2),
    "digamma": (1, 1),
    "zeta": (1, 1),
    "besselj": (2, 2),
    "bessely": (2, 2),
    "lambertw": (1, 1),
}
# other spellings of the same thing (FPCore's and C's names): pow(a, b) is a**b, tgamma is gamma
ALIASES = {"pow": "**", "tgamma": "gamma"}
CONSTANTS = ("pi", "e")
CONDITIONS = ("Cmp", "Logic")  # the node kinds of a condition (assume, where): true or false, never a number
# Functions of vectors, handled by the vector layer (identities.language.vectors) or a backend's own
# vector operations, not by every scalar function table: name -> (min args, max args).
VECTOR_FUNCTIONS: dict[str, tuple[int, int]] = {"dot": (2, 2), "total": (1, 1), "ones": (1, 1)}
SPECIAL_FORMS = ("diff", "sum", "prod", "where", "D", "grad", "vjp", "stop")
RESERVED = (
    frozenset(FUNCTIONS)
    | frozenset(CONSTANTS)
    | frozenset(SPECIAL_FORMS)
    | frozenset(VECTOR_FUNCTIONS)
    | frozenset(ALIASES)
)


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
_LOGIC_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4}
_NUMBER = re.compile(r"^(?:\d[\d_]*)?(?:\.[\d_]*)?(?:[eE][+-]?(\d+))?$")


class Expr:
    """Base of the expression records. ``str(expr)`` is readable, re-parseable text."""

    __slots__ = ()

    def children(self) -> tuple[Expr, ...]:
        return ()

    def __str__(self) -> str:
        return _render(self)


@dataclass(frozen=True, eq=True, slots=True)
class Num(Expr):
    """A literal: an ``int``, or the exact decimal (``Fraction``) the text spells."""

    value: int | Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Const(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Var(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class VecVar(Var):
    """A vector variable (``vector[n] ...`` domain): its size travels with it, for shape checks."""

    size: int


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    arg: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class Bin(Expr):
    op: str
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Call(Expr):
    fn: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Diff(Expr):
    """``diff(body, var, order)``: the order-th derivative of body in var, at var's value.

    With ``at``, var is a bound name and the derivative is taken at the value of ``at``:
    what ``D(f)(point)`` becomes once a function variable is substituted.
    """

    body: Expr
    var: str
    order: int
    at: Expr | None = None

    def children(self) -> tuple[Expr, ...]:
        return (self.body,) if self.at is None else (self.at, self.body)


@dataclass(frozen=True, slots=True)
class Sum(Expr):
    """``sum(body, var, lo, hi)``: body summed over the integers lo..hi inclusive;
    ``prod(body, var, lo, hi)`` (``op="*"``) its product. Empty: 0 (sum), 1 (prod)."""

    body: Expr
    var: str
    lo: Expr
    hi: Expr
    op: str = "+"

    def children(self) -> tuple[Expr, ...]:
        return (self.lo, self.hi, self.body)


@dataclass(frozen=True, slots=True)
class Apply(Expr):
    """``f(arg)`` (order 0) or ``D(f)(arg)`` (order n): a function variable, or its derivative, at a point.

    Never compiled: the engine substitutes a drawn function (``identities.language.functions``) first.
    """

    fn: str
    arg: Expr
    order: int = 0

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class UserCall(Expr):
    """``name(args)`` of a function of the user's (``[[function]]`` in a file, ``functions=`` from Python).

    Float backends call its Python implementation (``function``, an
    ``identities.language.usercode.UserFunction``); exact evaluators (the
    oracle, mpmath) evaluate ``exact``, its definition with the arguments
    substituted. ``children()`` are the arguments only: the definition is not
    part of what a float backend computes.
    """

    fn: str
    args: tuple[Expr, ...]
    exact: Expr
    function: object

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Grad(Expr):
    """``grad(body, var)``: the gradient of a scalar body in the vector variable var."""

    body: Expr
    var: str

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, slots=True)
class Vjp(Expr):
    """``vjp(body, var, v)``: v^T J, J the Jacobian of the vector body in var (``y.backward(gradient=v)``)."""

    body: Expr
    var: str
    v: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.v, self.body)


@dataclass(frozen=True, slots=True)
class Stop(Expr):
    """``stop(arg)``: arg's value, held constant by every derivative (torch's ``detach()``)."""

    arg: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


DERIVATIVES = (Diff, Grad, Vjp)


@dataclass(frozen=True, slots=True)
class Logic(Expr):
    """``a and b``, ``a or b`` (op "and"/"or", two or more args) or ``not a`` (op "not", one arg), of conditions."""

    op: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Where(Expr):
    """``where(cond, a, b)``: a where the condition holds, else b; only the side taken is evaluated."""

    cond: Expr
    then: Expr
    other: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.then, self.other)


@dataclass(frozen=True, slots=True)
class Cmp(Expr):
    """A (possibly chained) comparison; only allowed in ``assume`` and in ``where``'s condition."""

    ops: tuple[str, ...]
    operands: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.operands


def walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    for child in expr.children():
        yield from walk(child)


def free_vars(expr: Expr) -> set[str]:
    """Variables an expression reads, minus the indices its sums bind."""
    if isinstance(expr, Var):
        return {expr.name}
    if isinstance(expr, Sum):
        return free_vars(expr.lo) | free_vars(expr.hi) | (free_vars(expr.body) - {expr.var})
    if isinstance(expr, Diff):
        if expr.at is not None:  # var is bound, like a sum's index
            return (free_vars(expr.body) - {expr.var}) | free_vars(expr.at)
        return free_vars(expr.body) | {expr.var}
    if isinstance(expr, (Grad, Vjp)):
        return free_vars(expr.body) | {expr.var} | (free_vars(expr.v) if isinstance(expr, Vjp) else set())
    out: set[str] = set()
    for child in expr.children():
        out |= free_vars(child)
    return out


def uses_diff(expr: Expr) -> int:
    """Highest derivative order in the expression (0 when there is none); grad, vjp count as 1."""
    return max((_order(node) for node in walk(expr)), default=0)


def _order(node: Expr) -> int:
    if isinstance(node, (Diff, Apply)):
        return node.order
    return 1 if isinstance(node, (Grad, Vjp)) else 0


def _has_derivative(expr: Expr) -> bool:
    return any(_order(n) for n in walk(expr))


class _Parser:
    def __init__(
        self,
        text: str,
        variables: frozenset[str],
        allow_compare: bool,
        where: dict,
        functions: frozenset[str] = frozenset(),
        vectors: Mapping[str, int] | None = None,
        user: Mapping[str, Any] | None = None,
    ):
        self.user = user or {}
        self.text = text
        self.variables = variables
        self.allow_compare = allow_compare
        self.where = where
        self.functions = functions
        self.vectors = vectors or {}
        self.nodes = 0

    def fail(self, message: str) -> IdentityFileError:
        return IdentityFileError(f"{message} in {_shown(self.text)!r}", **self.where)

    def build(self, node: ast.AST, bound: frozenset[str], depth: int = 0) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"expression has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nests deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            name = node.id
            if name in CONSTANTS:
                return Const(name)
            if name in self.vectors and name not in bound:
                return VecVar(name, self.vectors[name])
            if name in self.variables or name in bound:
                return Var(name)
            if name in self.functions:
                raise self.fail(f"function variable {name!r} must be applied to a point, like {name}(x)")
            if name in self.user:
                raise self.fail(f"function {name!r} used as a value")
            if name in RESERVED:
                raise self.fail(f"function {name!r} used as a value")
            raise self.fail(f"undeclared variable {name!r}")
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            if isinstance(node.op, ast.USub):
                return Neg(self.build(node.operand, bound, d))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, bound, d)
            raise self.fail(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
                raise self.fail(f"operator {type(node.op).__name__} is not allowed{hint}")
            return Bin(op, self.build(node.left, bound, d), self.build(node.right, bound, d))
        if isinstance(node, ast.Call):
            return self.call(node, bound, d)
        if (
            isinstance(node, (ast.Compare, ast.BoolOp))
            or isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.Not)
        ):
            if not self.allow_compare:
                what = "comparisons" if isinstance(node, ast.Compare) else "'and', 'or' and 'not'"
                raise self.fail(f"{what} are only allowed in 'assume' and in the condition of where(cond, a, b)")
            return self.condition(node, bound, depth)
        if isinstance(node, ast.Attribute):
            raise self.fail(f"attribute access (.{node.attr}) is not allowed")
        if isinstance(node, ast.Subscript):
            raise self.fail("subscripts are not allowed")
        if isinstance(node, ast.IfExp):
            raise self.fail("'a if cond else b' is not allowed; write where(cond, a, b)")
        kind = type(node).__name__
        raise self.fail(
            f"{kind} is not allowed (only numbers, variables, + - * / **, whitelisted functions, and comparisons "
            "with and/or/not in 'assume' and where(cond, a, b))"
        )

    def condition(self, node: ast.AST, bound: frozenset[str], depth: int) -> Expr:
        """A comparison (chained allowed), or and/or/not of conditions: true or false, never a number."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"expression has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nests deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Compare):
            ops = []
            for cmp in node.ops:
                if type(cmp) not in _CMPOPS:
                    raise self.fail(f"comparison {type(cmp).__name__} is not allowed")
                ops.append(_CMPOPS[type(cmp)])
            operands = [self.build(node.left, bound, d)] + [self.build(c, bound, d) for c in node.comparators]
            if any(isinstance(o, (Cmp, Logic)) for o in operands):
                raise self.fail("a comparison's operands must be numbers, not conditions")
            return Cmp(tuple(ops), tuple(operands))
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return Logic(op, tuple(self.condition(v, bound, d) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Logic("not", (self.condition(node.operand, bound, d),))
        what = ast.get_source_segment(self.text, node) or type(node).__name__
        raise self.fail(f"{what!r} is not a condition (a comparison like x < 1, or and/or/not of comparisons)")

    def number(self, node: ast.Constant) -> Num:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"literal {value!r} is not a number")
        text = ast.get_source_segment(self.text, node) or repr(value)
        if isinstance(value, int):
            return Num(value, text)
        match = _NUMBER.match(text)
        if match is None:
            raise self.fail(f"unsupported number literal {text!r}")
        if match.group(1) and int(match.group(1)) > MAX_LITERAL_EXPONENT:
            raise self.fail(f"literal {text!r} has an exponent beyond {MAX_LITERAL_EXPONENT}")
        exact = Fraction(text.replace("_", ""))
        if exact.denominator == 1 and "." not in text and "e" not in text.lower():
            return Num(int(exact), text)
        return Num(exact, text)

    def call(self, node: ast.Call, bound: frozenset[str], d: int) -> Expr:
        if isinstance(node.func, ast.Call):
            return self.derivative_at(node, bound, d)
        if not isinstance(node.func, ast.Name):
            raise self.fail("only calls of whitelisted functions by name are allowed")
        name = node.func.id
        if node.keywords:
            raise self.fail(f"keyword arguments are not allowed in {name}()")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"starred arguments are not allowed in {name}()")
        args = node.args
        if name == "diff":
            return self.diff(args, bound, d)
        if name in ("sum", "prod"):
            return self.sum(args, bound, d, name)
        if name == "where":
            if len(args) != 3:
                raise self.fail(f"where takes (condition, value if true, value if false), got {len(args)} arguments")
            cond = self.condition(args[0], bound, d)
            return Where(cond, self.build(args[1], bound, d), self.build(args[2], bound, d))
        if name in self.user:
            fn = self.user[name]
            if len(args) != len(fn.params):
                k = len(fn.params)
                raise self.fail(f"{name}() takes {k} argument{'s' if k != 1 else ''}, got {len(args)}")
            try:
                return fn.call(tuple(self.build(a, bound, d) for a in args))
            except ValueError as exc:
                raise self.fail(str(exc)) from None
        if name in ALIASES and name not in self.functions:
            if name == "pow":
                if len(args) != 2:
                    raise self.fail(f"pow() takes 2 arguments, got {len(args)}")
                return Bin("**", self.build(args[0], bound, d), self.build(args[1], bound, d))
            name = ALIASES[name]
        if name in self.functions:
            if len(args) != 1:
                raise self.fail(f"function variable {name!r} takes 1 argument, got {len(args)}")
            return Apply(name, self.build(args[0], bound, d), 0)
        if name == "D":
            raise self.fail("D(f) is a derivative to apply at a point, like D(f)(x)")
        if name in ("grad", "vjp"):
            return self.gradient(name, args, bound, d)
        if name == "stop":
            if len(args) != 1:
                raise self.fail(f"stop() takes 1 argument, got {len(args)}")
            return Stop(self.build(args[0], bound, d))
        table = FUNCTIONS if name in FUNCTIONS else VECTOR_FUNCTIONS
        if name not in table:
            raise self.fail(f"unknown function {name!r}")
        lo, hi = table[name]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} or {hi}"
            raise self.fail(f"{name}() takes {want} argument{'s' if hi > 1 else ''}, got {len(args)}")
        return Call(name, tuple(self.build(a, bound, d) for a in args))

    def derivative_at(self, node: ast.Call, bound: frozenset[str], d: int) -> Expr:
        """``D(f)(a)``, ``D(f, n)(a)``, ``D(D(f))(a)``: a function variable's derivative at a point."""
        fn, order = self.derivative_operator(node.func)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"D({fn}) is applied to one point, like D({fn})(x)")
        return Apply(fn, self.build(node.args[0], bound, d), order)

    def derivative_operator(self, op: ast.expr) -> tuple[str, int]:
        usage = "only D(f) or D(f, n) of a function variable f may be applied to a point"
        if not (isinstance(op, ast.Call) and isinstance(op.func, ast.Name) and op.func.id == "D"):
            raise self.fail(usage)
        if op.keywords or len(op.args) not in (1, 2):
            raise self.fail(usage)
        order = 1
        if len(op.args) == 2:
            lit = op.args[1]
            if not (isinstance(lit, ast.Constant) and type(lit.value) is int and 1 <= lit.value <= MAX_DIFF_ORDER):
                raise self.fail(f"D(f, n) order must be an integer literal from 1 to {MAX_DIFF_ORDER}")
            order = lit.value
        inner = op.args[0]
        if isinstance(inner, ast.Call):  # D(D(f)) is D(f, 2)
            fn, more = self.derivative_operator(inner)
            order += more
        elif isinstance(inner, ast.Name) and inner.id in self.functions:
            fn = inner.id
        else:
            what = ast.get_source_segment(self.text, inner) or type(inner).__name__
            raise self.fail(f"D() takes a declared function variable (functions = {{ f = ... }}), got {what!r}")
        if order > MAX_DIFF_ORDER:
            raise self.fail(f"derivative order must be at most {MAX_DIFF_ORDER}")
        return fn, order

    def gradient(self, name: str, args: list[ast.expr], bound: frozenset[str], d: int) -> Expr:
        want = 2 if name == "grad" else 3
        if len(args) != want or not isinstance(args[1], ast.Name):
            raise self.fail(
                "grad takes (expr, vector variable)"
                if name == "grad"
                else "vjp takes (expr, vector variable, cotangent vector)"
            )
        var = args[1].id
        if var not in self.vectors:
            hint = f"; use diff(expr, {var}) for a scalar" if var in self.variables else ""
            raise self.fail(f"{name} variable {var!r} is not a declared vector variable{hint}")
        body = self.build(args[0], bound, d)
        if _has_derivative(body):
            raise self.fail(f"a derivative inside {name}() is not supported (nested derivatives)")
        if name == "grad":
            return Grad(body, var)
        return Vjp(body, var, self.build(args[2], bound, d))

    def diff(self, args: list[ast.expr], bound: frozenset[str], d: int) -> Expr:
        if len(args) not in (2, 3) or not isinstance(args[1], ast.Name):
            raise self.fail("diff takes (expr, variable) or (expr, variable, order)")
        var = args[1].id
        if var not in self.variables:
            raise self.fail(f"diff variable {var!r} is not a declared variable")
        if var in self.vectors:
            raise self.fail(f"diff variable {var!r} is a vector; use grad(expr, {var}) or vjp(expr, {var}, v)")
        order = 1
        if len(args) == 3:
            lit = args[2]
            if not (isinstance(lit, ast.Constant) and type(lit.value) is int and 1 <= lit.value <= MAX_DIFF_ORDER):
                raise self.fail(f"diff order must be an integer literal from 1 to {MAX_DIFF_ORDER}")
            order = lit.value
        body = self.build(args[0], bound, d)
        if isinstance(body, Diff) and body.var == var:  # diff(diff(f, x), x) is diff(f, x, 2)
            inner = body
            body, order = inner.body, order + inner.order
            if order > MAX_DIFF_ORDER:
                raise self.fail(f"diff order must be at most {MAX_DIFF_ORDER}")
        if _has_derivative(body):
            raise self.fail("nested diff is only supported in one variable, directly nested (diff(diff(f, x), x))")
        return Diff(body, var, order)

    def sum(self, args: list[ast.expr], bound: frozenset[str], d: int, name: str = "sum") -> Expr:
        if len(args) != 4 or not isinstance(args[1], ast.Name):
            raise self.fail(f"{name} takes (expr, index, lo, hi)")
        var = args[1].id
        if var in self.variables or var in bound or var in RESERVED:
            raise self.fail(f"{name} index {var!r} must be a new name (not a variable, constant or function)")
        lo = self.build(args[2], bound, d)
        hi = self.build(args[3], bound, d)
        body = self.build(args[0], bound | {var}, d)
        return Sum(body, var, lo, hi, "*" if name == "prod" else "+")


def parse(
    text: object,
    variables: frozenset[str] | set[str] = frozenset(),
    *,
    allow_compare: bool = False,
    file: str = "<string>",
    line: int = 0,
    identity: str | None = None,
    functions: frozenset[str] | set[str] = frozenset(),
    vectors: Mapping[str, int] | None = None,
    user: Mapping[str, Any] | None = None,
) -> Expr:
    """Parse ``text`` into an ``Expr``, rejecting anything outside the whitelist.

    ``functions`` are the declared function variables (``f(x)``, ``D(f)(x)``);
    ``vectors`` maps each vector variable to its size; ``user`` maps the names of the user's functions to their
    ``identities.language.usercode.UserFunction`` records (calls become ``UserCall`` nodes). Raises
    ``IdentityFileError`` naming the file, line and identity given.
    """
    where: dict[str, Any] = {"file": file, "line": line, "identity": identity}
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(text)
    if not isinstance(text, str):
        raise IdentityFileError(f"expression must be a string, got {type(text).__name__}", **where)
    if len(text) > MAX_TEXT:
        raise IdentityFileError(f"expression is longer than {MAX_TEXT} characters", **where)
    if not text.strip():
        raise IdentityFileError("expression is empty", **where)
    try:
        with warnings.catch_warnings():  # hostile text must not make the parser print warnings
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise IdentityFileError(f"syntax error in {_shown(text)!r}: {exc.msg}", **where) from None
    except (RecursionError, MemoryError, ValueError):
        raise IdentityFileError(f"expression {text[:60]!r} is too deeply nested to parse", **where) from None
    parser = _Parser(
        text.strip(),
        frozenset(variables) | frozenset(vectors or ()),
        allow_compare,
        where,
        frozenset(functions),
        vectors,
        user,
    )
    try:
        return parser.build(tree.body, frozenset())
    except RecursionError:
        raise IdentityFileError(f"expression nests deeper than {MAX_DEPTH} levels", **where) from None


def _shown(text: str) -> str:
    """An expression as quoted in a message: whole when short, its start when long."""
    return text if len(text) <= 80 else text[:77] + "..."


def _render(e: Expr, parent: int = 0, right: bool = False) -> str:
    if isinstance(e, Num):
        return e.text
    if isinstance(e, (Const, Var)):
        return e.name
    if isinstance(e, Neg):
        s = "-" + _render(e.arg, _PRECEDENCE["neg"])
        return f"({s})" if parent > _PRECEDENCE["neg"] else s
    if isinstance(e, Bin):
        p = _PRECEDENCE[e.op]
        if e.op == "**":  # right-associative
            s = f"{_render(e.left, p + 1)}**{_render(e.right, p)}"
        else:
            sep = " " if e.op in "+-" else ""
            s = f"{_render(e.left, p)}{sep}{e.op}{sep}{_render(e.right, p + 1)}"
        return f"({s})" if p < parent else s
    if isinstance(e, Call):
        return f"{e.fn}({', '.join(_render(a) for a in e.args)})"
    if isinstance(e, Diff):
        order = f", {e.order}" if e.order != 1 else ""
        at = f", at={_render(e.at)}" if e.at is not None else ""  # internal: a substituted D(f)(point)
        return f"diff({_render(e.body)}, {e.var}{order}{at})"
    if isinstance(e, Apply):
        op = e.fn if e.order == 0 else f"D({e.fn})" if e.order == 1 else f"D({e.fn}, {e.order})"
        return f"{op}({_render(e.arg)})"
    if isinstance(e, UserCall):
        return f"{e.fn}({', '.join(_render(a) for a in e.args)})"
    if isinstance(e, Grad):
        return f"grad({_render(e.body)}, {e.var})"
    if isinstance(e, Vjp):
        return f"vjp({_render(e.body)}, {e.var}, {_render(e.v)})"
    if isinstance(e, Stop):
        return f"stop({_render(e.arg)})"
    if isinstance(e, Sum):
        name = "prod" if e.op == "*" else "sum"
        return f"{name}({_render(e.body)}, {e.var}, {_render(e.lo)}, {_render(e.hi)})"
    if isinstance(e, Where):
        return f"where({_render(e.cond)}, {_render(e.then)}, {_render(e.other)})"
    if isinstance(e, (Cmp, Logic)):
        return _render_condition(e)
    raise TypeError(f"not an Expr: {e!r}")


def _render_condition(e: Expr, parent: int = 0) -> str:
    """A condition as Python-syntax text: and binds tighter than or, not tighter than and."""
    if isinstance(e, Cmp):
        parts = [_render(e.operands[0])]
        for op, operand in zip(e.ops, e.operands[1:]):
            parts += [op, _render(operand)]
        s = " ".join(parts)
        p = _LOGIC_PRECEDENCE["cmp"]
    elif isinstance(e, Logic):
        p = _LOGIC_PRECEDENCE[e.op]
        if e.op == "not":
            s = "not " + _render_condition(e.args[0], p)
        else:
            s = f" {e.op} ".join(_render_condition(a, p + 1) for a in e.args)
    else:
        raise TypeError(f"not a condition: {e!r}")
    return f"({s})" if p < parent else s
