"""Building a Taylor form (``identities.bounds.taylor``) from an expression, as a backend computes it.

One node per operation the backend performs, shared where the expression repeats a subexpression (the
same floats give the same result). What each node is follows the float backends exactly:

- a Python int stays exact through ``+ - *``, ``**`` with a non-negative integer exponent, ``comb``,
  ``factorial``, ``min``/``max`` of ints, ``fmod`` of ints, ``floor`` of an int, ``exp2`` of a non-negative
  int; where an int meets a float it is converted (exact up to 2**p), and so is an int result, which is
  compared as a float of the format;
- decimal literals and ``pi``/``e`` are rounded once when read; multiplying by a power of two is exact
  but where the result may be subnormal;
- ``fma`` rounds once; a library function rounds within its model figure;
- ``sum``/``prod`` with integer bounds known when the form is built (constants, an enclosing sum's index,
  an integer variable fixed by ``bound_expr``) are unrolled, term by term in the backends' order, up to
  ``MAX_TERMS`` terms; one whose bounds depend on integer variables raises ``NeedsFixed`` so that the
  caller fixes them, value by value;
- ``where``'s condition must be exact in floats (no rounding below its operands).

What cannot be bounded raises ``NoBound`` with the reason in one phrase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from flint import arb, ctx

from identities.bounds.balls import VALUES, from_fraction
from identities.bounds.model import Entry, ErrorModel
from identities.bounds.pieces import PIECEWISE, STEPS, Cond
from identities.bounds.taylor import EXACT_BITS, Form, NoBound, Node
from identities.language.expr import (
    VECTOR_FUNCTIONS,
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
    free_vars,
)

__all__ = ["build_form", "NeedsFixed", "MAX_TERMS", "SPECIAL_FUNCTIONS"]

MAX_TERMS = 256  # a sum or product unrolled term by term, at most this many terms (all sums of a form)
MAX_NODES = 20_000
SPECIAL_FUNCTIONS = ("beta", "digamma", "zeta", "besselj", "bessely", "lambertw")


class NeedsFixed(NoBound):
    """A sum's bounds depend on integer variables: bound it with each of their values fixed."""

    def __init__(self, names: set[str], what: str):
        super().__init__(f"the bounds of {what} depend on {', '.join(sorted(names))}")
        self.names = frozenset(names)


def build_form(
    expr: Expr,
    model: ErrorModel,
    integers: frozenset[str] = frozenset(),
    fixed: Mapping[str, int] | None = None,
    nonnegative: frozenset[str] = frozenset(),
) -> Form:
    """The Taylor form of ``expr`` (a side of an identity) under ``model``; ``integers`` are the
    variables drawn as integers (``nonnegative``: those never below 0), ``fixed`` integer variables held at
    one value. Raises ``NoBound`` for what cannot be bounded (``NeedsFixed`` where fixing integer
    variables would help)."""
    builder = _Builder(model, integers, dict(fixed or {}), nonnegative)
    root = builder.add(expr)
    if builder.nodes[root].integer:  # an exact int is compared as a float of the format: rounded once
        root = builder.as_float(root)
    if root != len(builder.nodes) - 1:
        raise NoBound(f"{expr} is not supported")  # the form's root is its last node
    return Form(builder.nodes, model, builder.used)


class _Builder:
    def __init__(self, model: ErrorModel, integers: frozenset[str], fixed: dict[str, int], nonnegative: frozenset[str]):
        self.model = model
        self.integers = integers
        self.nonnegative = nonnegative
        self.fixed = fixed
        self.nodes: list[Node] = []
        self.seen: dict[object, int] = {}
        self.used: set[str] = set()
        self.terms = 0

    def push(self, node: Node, key: object) -> int:
        hit = self.seen.get(key)
        if hit is not None:
            return hit
        if len(self.nodes) >= MAX_NODES:
            raise NoBound(f"more than {MAX_NODES} operations")
        node.sites = (
            (node.entry is not None and node.entry.ulps > 0)
            or (node.op == "const" and Fraction(node.rounded) != node.fraction)
            or any(self.nodes[j].sites for j in node.args)
        )
        self.nodes.append(node)
        self.seen[key] = len(self.nodes) - 1
        return len(self.nodes) - 1

    def entry(self, op: str) -> Entry:
        e = self.model.entry(op)
        if e is None:
            raise NoBound(f"{op} has no error figure in the {self.model.backend} model")
        if e.ulps:
            self.used.add(op)
        return e

    def add(self, e: Expr) -> int:  # noqa: C901 - one dispatch over node types
        if isinstance(e, (VecVar, Grad, Vjp, Stop)) or (isinstance(e, Call) and e.fn in VECTOR_FUNCTIONS):
            raise NoBound("vectors are not bounded")
        if isinstance(e, Diff):
            raise NoBound("diff is not bounded (a finite difference, not a rounding error)")
        if isinstance(e, Apply):
            raise NoBound("generated functions are not bounded")
        if isinstance(e, Sum):
            return self.sum(e)
        if isinstance(e, Where):
            return self.where(e)
        if isinstance(e, (Cmp, Logic)):
            raise NoBound("comparisons are not supported")
        if isinstance(e, UserCall):
            raise NoBound(f"user function {e.fn} (Python code, no error model) is not bounded")
        if isinstance(e, Var):
            if e.name in self.fixed:
                return self.integer(self.fixed[e.name])
            integer = e.name in self.integers
            return self.push(Node("int" if integer else "var", (), e.name, integer=integer), ("var", e.name))
        if isinstance(e, Num):
            if isinstance(e.value, int):
                return self.integer(e.value)
            return self.constant(Fraction(e.value), str(e), None)
        if isinstance(e, Const):
            with ctx.workprec(EXACT_BITS):
                exact = arb.pi() if e.name == "pi" else arb(1).exp()
            double = math.pi if e.name == "pi" else math.e
            return self.constant(Fraction(double), e.name, exact)
        if isinstance(e, Neg):
            a = self.add(e.arg)
            if self.nodes[a].value is not None:
                return self.integer(-self.nodes[a].value)  # type: ignore[operator]
            return self.push(Node("neg", (a,), str(e), integer=self.nodes[a].integer), ("neg", a))
        if isinstance(e, Bin):
            return self.binary(e.op, self.add(e.left), self.add(e.right), str(e))
        if isinstance(e, Call):
            return self.call(e)
        raise NoBound(f"{type(e).__name__} is not supported")

    def integer(self, value: int) -> int:
        return self.push(Node("int", (), str(value), integer=True, value=value), ("int", value))

    def constant(self, value: Fraction, text: str, exact: arb | None) -> int:
        fmt = self.model.format
        rounded = fmt.round(value)  # the backends read a literal (and pi, e as doubles) this way
        if not math.isfinite(rounded):
            raise NoBound(f"{text} overflows {fmt.name}")
        literal = value if exact is None else None  # a decimal literal's exact value (pi and e have none)
        if exact is None:
            with ctx.workprec(EXACT_BITS):
                exact = from_fraction(value)
        node = Node("const", (), text, exact=exact, rounded=rounded, fraction=literal)
        return self.push(node, ("const", text))

    def as_float(self, i: int) -> int:
        """An integer operand meets a float: the backend converts it (exact up to 2**p)."""
        if not self.nodes[i].integer:
            return i
        return self.push(Node("convert", (i,), self.nodes[i].text, entry=self.entry("convert")), ("convert", i))

    def binary(self, op: str, a: int, b: int, text: str) -> int:
        na, nb = self.nodes[a], self.nodes[b]
        if na.integer and nb.integer and op in "+-*":
            if na.value is not None and nb.value is not None:
                x, y = na.value, nb.value
                return self.integer(x + y if op == "+" else x - y if op == "-" else x * y)
            return self.push(Node("i" + op, (a, b), text, integer=True), ("i" + op, a, b))
        if op == "**":
            if nb.value is not None:
                n = nb.value
                if na.integer and n >= 0:
                    if na.value is not None:
                        return self.integer(na.value**n)
                    return self.push(Node("ipow", (a,), text, integer=True, power=n), ("ipow", a, n))
                x = self.as_float(a)
                return self.push(Node("ipow", (x,), text, entry=self.entry("pow"), power=n), ("ipow", x, n))
            if na.integer and nb.op == "int" and not nb.args and nb.text in self.nonnegative:
                return self.push(Node("i**", (a, b), text, integer=True), ("i**", a, b))  # int**int >= 0: exact
            x, y = self.as_float(a), self.as_float(b)
            return self.push(Node("**", (x, y), text, entry=self.entry("pow")), ("**", x, y))
        x, y = self.as_float(a), self.as_float(b)
        scale = self.power_of_two(y) if op in "*/" else None
        if scale is None and op == "*":
            scale = self.power_of_two(x)
            if scale is not None:
                x, y = y, x
        if scale is not None:
            k = scale if op == "*" else -scale
            return self.push(Node("scale", (x,), text, entry=self.entry("*"), power=k), ("scale", x, k))
        return self.push(Node(op, (x, y), text, entry=self.entry(op)), (op, x, y))

    def power_of_two(self, i: int) -> int | None:
        """k when node i is an exact constant 2**k (so multiplying by it is exact), else None."""
        n = self.nodes[i]
        if n.op == "convert":
            n = self.nodes[n.args[0]]
        if n.op == "int" and n.value is not None:
            value = Fraction(n.value)
        elif n.op == "const" and Fraction(n.rounded) == n.fraction:
            value = Fraction(n.rounded)
        else:
            return None
        if value <= 0:
            return None
        k = value.numerator.bit_length() - 1 if value.denominator == 1 else -(value.denominator.bit_length() - 1)
        return k if Fraction(2) ** k == value and abs(k) < 64 else None

    def call(self, e: Call) -> int:  # noqa: C901 - one dispatch over functions
        fn, text = e.fn, str(e)
        if fn == "log" and len(e.args) == 2:  # log(x, b) is log(x)/log(b), as math.log computes it
            return self.add(Bin("/", Call("log", e.args[:1]), Call("log", e.args[1:])))
        if fn in SPECIAL_FUNCTIONS:
            raise NoBound(f"{fn} is mpmath's at 53 bits, which states no error bound: not bounded")
        args = [self.add(a) for a in e.args]
        nodes = [self.nodes[i] for i in args]
        if fn in ("factorial", "comb"):
            if not all(n.integer for n in nodes):
                raise NoBound(f"{fn} of a float argument is not bounded")
            known = [n.value for n in nodes if n.value is not None]
            if len(known) == len(nodes):
                if min(known) < 0:
                    raise NoBound(f"{text} is undefined")
                return self.integer(math.factorial(known[0]) if fn == "factorial" else math.comb(*known))
            return self.push(Node(fn, tuple(args), text, integer=True), (fn, tuple(args)))
        if fn in STEPS:
            if nodes[0].integer:
                return args[0]  # floor(n) is n: the backends return the int itself
            return self.push(Node(fn, (args[0],), text), (fn, args[0]))
        if fn in ("min", "max", "fmod") and all(n.integer for n in nodes):
            known = [n.value for n in nodes if n.value is not None]
            if fn != "fmod" and len(known) == 2:
                return self.integer(min(known) if fn == "min" else max(known))
            return self.push(Node(fn, tuple(args), text, integer=True), (fn, tuple(args)))
        if fn in PIECEWISE:
            floats = tuple(self.as_float(i) for i in args)
            return self.push(Node(fn, floats, text), (fn, floats))
        if fn == "fma":
            if all(n.integer for n in nodes):
                return self.binary("+", self.binary("*", args[0], args[1], text), args[2], text)
            floats = tuple(self.as_float(i) for i in args)
            return self.push(Node("fma", floats, text, entry=self.entry("fma")), ("fma", floats))
        if fn == "exp2" and nodes[0].value is not None and nodes[0].integer and nodes[0].value >= 0:
            return self.integer(2 ** nodes[0].value)
        if fn not in VALUES:
            raise NoBound(f"{fn} is not supported")
        entry = self.entry(fn)
        floats = tuple(self.as_float(i) for i in args)
        return self.push(Node(fn, floats, text, entry=entry), ("call", fn, floats))

    # -- where ------------------------------------------------------------------------------------

    def condition(self, c: Expr, where: str) -> Cond:
        if isinstance(c, Logic):
            return Cond(c.op, parts=tuple(self.condition(p, where) for p in c.args))
        if not isinstance(c, Cmp):
            raise NoBound(f"the condition of {where} is not a comparison")
        operands = tuple(self.add(o) for o in c.operands)
        nodes = [self.nodes[i] for i in operands]
        if any(n.sites for n in nodes):
            raise NoBound(
                f"the condition of {where} is rounded in floats (a branch may differ from the exact one): not bounded"
            )
        p = self.model.format.precision
        if any(n.value is not None and abs(n.value) > 2**p for n in nodes) and not all(n.integer for n in nodes):
            raise NoBound(f"the condition of {where} compares an integer beyond 2**{p} with a float")
        return Cond("cmp", c.ops, operands)

    def where(self, e: Where) -> int:
        text = str(e)
        cond = self.condition(e.cond, "where")
        a, b = self.add(e.then), self.add(e.other)
        integer = self.nodes[a].integer and self.nodes[b].integer
        if not integer:
            a, b = self.as_float(a), self.as_float(b)
        node = Node("where", (a, b), text, integer=integer, cond=cond)
        return self.push(node, ("where", cond, a, b))

    # -- sum and prod -----------------------------------------------------------------------------

    def sum(self, e: Sum) -> int:
        what = "sum" if e.op == "+" else "prod"
        lo, hi = self.add(e.lo), self.add(e.hi)
        n_lo, n_hi = self.nodes[lo], self.nodes[hi]
        if not (n_lo.integer and n_hi.integer):
            raise NoBound(f"the bounds of {what} are not integers")
        if n_lo.value is None or n_hi.value is None:
            names = (free_vars(e.lo) | free_vars(e.hi)) - set(self.fixed)
            raise NeedsFixed(names & self.integers or names, what)
        count = max(0, n_hi.value - n_lo.value + 1)
        self.terms += count
        if self.terms > MAX_TERMS:
            raise NoBound(f"{what} over more than {MAX_TERMS} terms in all is not unrolled")
        if count == 0:
            return self.integer(0 if e.op == "+" else 1)
        outer = self.fixed.get(e.var)
        acc = -1
        try:
            for k in range(n_lo.value, n_hi.value + 1):
                self.fixed[e.var] = k
                term = self.add(e.body)
                # the backends start from the int 0 (1): 0 + v and 1*v are v exactly
                acc = term if acc < 0 else self.binary(e.op, acc, term, f"{e} up to {e.var} = {k}")
        finally:
            if outer is None:
                self.fixed.pop(e.var, None)
            else:
                self.fixed[e.var] = outer
        return acc
