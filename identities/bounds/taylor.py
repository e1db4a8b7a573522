"""Symbolic Taylor forms of an expression's round-off error, evaluated on balls (FPTaylor's method).

Each operation the backend rounds becomes ``v_i + e_i``: ``v_i`` the exact operation on the (already
rounded) operands, ``|e_i| <= H_i`` with H_i from the error model (``identities.bounds.model``) and the
size of v_i over the box. The float result is then a function F(x, e) of the inputs and the errors, with
F(x, 0) the exact value, and by the mean value theorem

    |F(x, e) - F(x, 0)| <= sum_i  sup |dF/de_i| * H_i,

the sup over the box and over every e in the error box (so no separate second-order remainder is needed:
the derivatives are taken on balls that already hold every perturbed intermediate). dF/de_i is the
derivative of the expression with respect to node i, the chain rule over the tree with each function's
derivative from one table (``identities.bounds.balls.DERIVATIVES``), evaluated by a reverse sweep on
python-flint balls. A decimal literal or ``pi`` is rounded once when read: its error is known exactly
(the backend's float minus the exact value) and enters the same way. Integer-exact subexpressions
(Python ints in the backends) and inputs carry no error; multiplying by a power of two is exact but where
the result may be subnormal.

Anything the form cannot model raises ``NoBound`` with the reason in one phrase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb, ctx

from identities.bounds.balls import DERIVATIVES, POLES, VALUES, ball, ends, from_fraction, ipow, lower_abs, upper
from identities.bounds.model import Entry, ErrorModel
from identities.bounds.ranges import Range, combine, narrower
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
    Neg,
    Num,
    Stop,
    Sum,
    UserCall,
    Var,
    VecVar,
    Vjp,
)

__all__ = ["NoBound", "Node", "Form", "BoxEval", "build_form", "EXACT_BITS"]

EXACT_BITS = 256  # a constant's exact value: its rounding error must be known to far below itself


class NoBound(Exception):
    """The expression has no bound under the model; ``str()`` is the reason in one phrase."""


@dataclass
class Node:
    """One node of the form: what it computes, and how its result is rounded."""

    op: str  # "var", "int", "const", "+", "-", "*", "/", "neg", "**", "ipow", "scale", "convert", or a function
    args: tuple[int, ...]
    text: str
    integer: bool = False  # a Python int in the backend: exact
    entry: Entry | None = None  # how the result is rounded (None: exact)
    exact: arb | None = None  # a constant's exact value
    rounded: float = 0.0  # a constant's value in the format
    power: int = 0  # the exponent of "ipow", or of the power of two of "scale"
    value: int | None = None  # an integer constant's value (folded at build time)
    fraction: Fraction | None = None  # a decimal literal's exact value
    sites: bool = False  # the subtree holds a rounding (its derivative matters)


@dataclass
class BoxEval:
    """A box's evaluation: the bound of the error over it and what it rests on."""

    error: float  # upper bound of |float - exact| over the box (inf: failed)
    low: float = 0.0  # lower bound of |exact value| over the box
    high: float = math.inf  # upper bound of |exact value|
    top: int = -1  # node whose term is largest
    failure: str = ""  # why the box has no finite bound


_CORRECTLY_ROUNDED = ("+", "-", "*", "/", "sqrt", "scale", "convert")


@dataclass
class Form:
    """The Taylor form of one expression under one model."""

    nodes: list[Node]
    model: ErrorModel
    used: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.narrow = narrower(self.model.format.width)

    @property
    def root(self) -> int:
        return len(self.nodes) - 1

    def evaluate(self, box: Mapping[str, tuple[float, float]]) -> BoxEval:  # noqa: C901 - one sweep
        """The bound over a box of inputs (name -> [lo, hi] floats of the format; lo == hi: a point)."""
        fmt, model, nodes = self.model.format, self.model, self.nodes
        narrow = self.narrow
        val: list[arb] = [arb(0)] * len(nodes)  # every value the segment from exact to float passes
        rng: list[Range] = [(0.0, 0.0)] * len(nodes)  # the floats the node really produces
        err: list[float] = [0.0] * len(nodes)
        for i, n in enumerate(nodes):
            op = n.op
            if op == "var" or (op == "int" and n.value is None and not n.args):
                lo, hi = box[n.text]
                val[i], rng[i] = ball(lo, hi), (lo, hi)
                continue
            if op == "int" or op == "const":
                if n.value is not None:
                    val[i], rng[i] = arb(n.value), (float(n.value), float(n.value))
                else:
                    assert n.exact is not None
                    val[i] = arb.union(n.exact, arb(n.rounded)) if n.sites else arb(n.rounded)
                    rng[i] = (n.rounded, n.rounded)
                continue
            a = [val[j] for j in n.args]
            v = _apply(n, a)
            if not v.is_finite():
                return BoxEval(math.inf, failure=_reason(n, nodes, [rng[j] for j in n.args]))
            if op == "convert":
                lo, hi = rng[n.args[0]]
                r, big, small = (narrow(lo), narrow(hi)), upper(v), lower_abs(v)
            elif op == "scale":
                c = math.ldexp(1.0, n.power)
                r, big, small = combine("*", rng[n.args[0]], (c, c), narrow)
            elif op in _CORRECTLY_ROUNDED:
                second = rng[n.args[1]] if len(n.args) > 1 else None
                key = "square" if op == "*" and n.args[0] == n.args[1] else op
                r, big, small = combine(key, rng[n.args[0]], second, narrow)
            elif op == "neg":
                lo, hi = rng[n.args[0]]
                val[i], rng[i] = v, (-hi, -lo)
                continue
            else:
                big, small = upper(v), lower_abs(v)
                r = ends(v)
            h = 0.0
            if n.entry is not None and n.entry.ulps:
                h = _rounding(n, big, small, model)
                if h == math.inf:
                    return BoxEval(math.inf, failure=f"{n.text} may overflow {fmt.name}")
                err[i] = h
                v = v + arb(0, h) if h else v
                if op not in _CORRECTLY_ROUNDED:
                    r = (math.nextafter(r[0] - h, -math.inf), math.nextafter(r[1] + h, math.inf))
            val[i], rng[i] = v, r
        adj: list[arb | None] = [None] * len(nodes)
        adj[-1] = arb(1)
        total = arb(0)
        best, top = -1.0, -1
        for i in range(len(nodes) - 1, -1, -1):
            g = adj[i]
            n = nodes[i]
            if g is None or not n.sites:
                continue
            if n.op == "const":
                assert n.exact is not None
                term = abs(g) * abs(arb(n.rounded) - n.exact)
            else:
                term = abs(g) * err[i] if err[i] else arb(0)
                parts = _partials(n, [val[j] for j in n.args], val[i])
                for j, d in zip(n.args, parts):
                    if not nodes[j].sites:
                        continue
                    if not d.is_finite():
                        return BoxEval(math.inf, failure=_reason(n, nodes, [rng[k] for k in n.args], slope=True))
                    adj[j] = g * d if adj[j] is None else adj[j] + g * d  # type: ignore[operator]
            t = upper(term)
            if t > 0:
                if t > best:
                    best, top = t, i
                total = total + term
        root = val[-1]
        return BoxEval(upper(total), lower_abs(root), upper(root), top)


def _apply(n: Node, a: list[arb]) -> arb:
    op = n.op
    if op == "+":
        return a[0] + a[1]
    if op == "-":
        return a[0] - a[1]
    if op == "*":
        return ipow(a[0], 2) if n.args[0] == n.args[1] else a[0] * a[1]
    if op == "/":
        return a[0] / a[1]
    if op == "neg":
        return -a[0]
    if op == "convert":
        return a[0]
    if op in ("i+", "i-", "i*"):
        return a[0] + a[1] if op == "i+" else a[0] - a[1] if op == "i-" else a[0] * a[1]
    if op == "scale":
        return a[0] * arb(2) ** n.power if n.power >= 0 else a[0] / arb(2) ** (-n.power)
    if op == "ipow":
        return ipow(a[0], n.power)
    if op == "**":
        if not a[0] > 0:
            return arb("nan")
        return a[0] ** a[1]
    if op == "atan2" and a[1].lower() < 0 and 0 in a[0]:
        return arb("nan")  # the branch cut: atan2 jumps there
    return VALUES[op](*a)


def _partials(n: Node, a: list[arb], v: arb) -> tuple[arb, ...]:
    op = n.op
    if op == "+":
        return arb(1), arb(1)
    if op == "-":
        return arb(1), arb(-1)
    if op == "*":
        return a[1], a[0]
    if op == "/":
        return 1 / a[1], -v / a[1]
    if op in ("neg",):
        return (arb(-1),)
    if op == "convert":
        return (arb(1),)
    if op == "scale":
        return (arb(2) ** n.power if n.power >= 0 else 1 / arb(2) ** (-n.power),)
    if op == "ipow":
        return (n.power * ipow(a[0], n.power - 1) if n.power else arb(0),)
    if op == "**":
        return a[1] * v / a[0], v * a[0].log()
    return DERIVATIVES[op](*a, v)


def _reason(n: Node, nodes: list[Node], ranges: list[Range], slope: bool = False) -> str:
    """Why a box failed at node n, in one phrase (``ranges``: the floats each argument takes)."""
    args = [nodes[j].text for j in n.args]
    if n.op == "/":
        return f"division by {args[1]}, which reaches 0 in the domain"
    if n.op in ("ipow", "**"):
        if n.op == "ipow" and n.power < 0 or slope:
            return f"{n.text} has a pole at {args[0]} = 0 in the domain"
        return f"{n.text} needs {args[0]} > 0, which fails in the domain"
    if n.op in POLES:
        where = POLES[n.op].format(arg=", ".join(args))
        limit = 1.0 if n.op == "acosh" else 0.0
        if not slope and n.op in ("sqrt", "log", "log2", "log10", "acosh") and ranges and ranges[0][0] < limit:
            return f"{n.op} is undefined where {args[0]} < {limit:g} in the domain"
        return f"{n.op} has {where} in the domain"
    return f"{n.text} is not finite on part of the domain"


def _pow2_below(m: float) -> float:
    """The largest power of two strictly below m (m > 0)."""
    frac, e = math.frexp(m)
    return math.ldexp(1.0, e - 2 if frac == 0.5 else e - 1)


def _pow2_at_most(m: float) -> float:
    frac, e = math.frexp(m)
    return math.ldexp(1.0, e - 1)


def _rounding(n: Node, big: float, small: float, model: ErrorModel) -> float:
    """H: the largest error of rounding a result w with small <= |w| <= big, under the node's entry."""
    fmt = model.format
    entry = n.entry
    assert entry is not None
    if big > fmt.max:
        return math.inf
    p, tiny = fmt.precision, fmt.min_normal
    u = math.ldexp(1.0, -p)
    additive = n.op in ("+", "-")
    if n.op == "convert":  # an exact integer becomes a float: exact up to 2**p
        if big <= math.ldexp(1.0, p):
            return 0.0
    if n.op == "scale":  # exact, but where a shrinking result may be subnormal
        return u * tiny if (n.power < 0 and small < tiny) else 0.0
    if big == 0:
        return 0.0
    if entry.correctly_rounded:
        if model.power_of_two:
            if additive:
                return u * _pow2_below(big) if big > tiny else 0.0
            return u * max(_pow2_below(big), tiny)
        h = math.ldexp(big, -p)  # exact where it is a normal float
        if not additive and small < tiny:
            h = math.nextafter(h + u * tiny, math.inf)
        return h if h >= tiny else math.nextafter(h, math.inf)
    # within N ulp of the exact result y, ulp(y) = 2**(floor(log2|y|) + 1 - p): the ulp of the binade
    # a result near the top of its binade may be rounded into is allowed for by the margin 4*N*2**-p
    k = entry.ulps * math.ldexp(1.0, 1 - p)
    reach = big * (1 + 4 * entry.ulps * u)
    if model.power_of_two:
        h = k * max(_pow2_at_most(reach), tiny)
        if float(entry.ulps).is_integer() and h >= 2.0**-1022:
            return h  # an integer times powers of two: exact
    else:
        h = k * reach + (k * tiny if small < tiny else 0.0)
    return math.nextafter(h, math.inf)


# ---------------------------------------------------------------------------------------------
# building a form from an Expr


def build_form(expr: Expr, model: ErrorModel, integers: frozenset[str] = frozenset()) -> Form:
    """The Taylor form of ``expr`` (a side of an identity) under ``model``; ``integers`` are the
    variables drawn as integers. Raises ``NoBound`` for what cannot be bounded."""
    builder = _Builder(model, integers)
    builder.add(expr)
    form = Form(builder.nodes, model, builder.used)
    for n in form.nodes:
        n.sites = (
            (n.entry is not None and n.entry.ulps > 0)
            or (n.op == "const" and Fraction(n.rounded) != n.fraction)
            or any(form.nodes[j].sites for j in n.args)
        )
    return form


class _Builder:
    def __init__(self, model: ErrorModel, integers: frozenset[str]):
        self.model = model
        self.integers = integers
        self.nodes: list[Node] = []
        self.seen: dict[object, int] = {}
        self.used: set[str] = set()

    def push(self, node: Node, key: object) -> int:
        hit = self.seen.get(key)
        if hit is not None:
            return hit
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
            raise NoBound("sum is not supported")
        if isinstance(e, Cmp):
            raise NoBound("comparisons are not supported")
        if isinstance(e, UserCall):
            raise NoBound(f"user function {e.fn} (Python code, no error model) is not bounded")
        if isinstance(e, Var):
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
            return self.binary(e)
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

    def binary(self, e: Bin) -> int:
        a, b = self.add(e.left), self.add(e.right)
        na, nb = self.nodes[a], self.nodes[b]
        text = str(e)
        if na.integer and nb.integer and e.op in "+-*":
            if na.value is not None and nb.value is not None:
                x, y = na.value, nb.value
                return self.integer(x + y if e.op == "+" else x - y if e.op == "-" else x * y)
            return self.push(Node("i" + e.op, (a, b), text, integer=True), ("i" + e.op, a, b))
        if e.op == "**":
            if nb.value is not None:
                n = nb.value
                if na.integer and n >= 0:
                    if na.value is not None:
                        return self.integer(na.value**n)
                    return self.push(Node("ipow", (a,), text, integer=True, power=n), ("ipow", a, n))
                x = self.as_float(a)
                return self.push(Node("ipow", (x,), text, entry=self.entry("pow"), power=n), ("ipow", x, n))
            x, y = self.as_float(a), self.as_float(b)
            return self.push(Node("**", (x, y), text, entry=self.entry("pow")), ("**", x, y))
        x, y = self.as_float(a), self.as_float(b)
        scale = self.power_of_two(y) if e.op in "*/" else None
        if scale is None and e.op == "*":
            scale = self.power_of_two(x)
            if scale is not None:
                x, y = y, x
        if scale is not None:
            k = scale if e.op == "*" else -scale
            return self.push(Node("scale", (x,), text, entry=self.entry("*"), power=k), ("scale", x, k))
        return self.push(Node(e.op, (x, y), text, entry=self.entry(e.op)), (e.op, x, y))

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

    def call(self, e: Call) -> int:
        if e.fn == "log" and len(e.args) == 2:  # log(x, b) is log(x)/log(b), as math.log computes it
            return self.add(Bin("/", Call("log", e.args[:1]), Call("log", e.args[1:])))
        if e.fn in ("factorial", "comb"):
            raise NoBound(f"{e.fn} is not supported")
        if e.fn not in VALUES:
            raise NoBound(f"{e.fn} is not supported")
        entry = self.entry(e.fn)
        args = tuple(self.as_float(self.add(a)) for a in e.args)
        return self.push(Node(e.fn, args, str(e), entry=entry), ("call", e.fn, args))
