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

The piecewise forms (``where``, ``min``, ``floor``, ``fmod``, ...) are decided on each box
(``identities.bounds.pieces``); a ``where`` whose condition the box cannot decide is bounded branch by
branch, each on the box clipped to where it may be taken. A node that fails on a box (a pole, an
overflow) fails the box only where its value is used: an untaken branch may fail.

Forms are built from expressions by ``identities.bounds.build``; anything the form cannot model raises
``NoBound`` with the reason in one phrase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb

from identities.bounds.balls import DERIVATIVES, POLES, VALUES, ball, ends, ipow, lower_abs, upper
from identities.bounds.model import Entry, ErrorModel
from identities.bounds.pieces import PIECEWISE, Cond, clip, condition_operands, decide, piecewise
from identities.bounds.ranges import Range, combine, narrower

__all__ = ["NoBound", "Node", "Form", "BoxEval", "EXACT_BITS"]

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
    cond: Cond | None = None  # where's condition


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

    @property
    def exact(self) -> bool:
        """No rounding anywhere: the float result is the exact one wherever it is defined."""
        return not self.nodes[-1].sites

    def evaluate(self, box: Mapping[str, tuple[float, float]]) -> BoxEval:
        """The bound over a box of inputs (name -> [lo, hi] floats of the format; lo == hi: a point)."""
        return self._evaluate(dict(box), {})

    def _evaluate(self, box: dict[str, Range], choices: dict[int, bool]) -> BoxEval:
        out = self._sweep(box, choices)
        if isinstance(out, BoxEval):
            return out
        # where node ``out`` is not decided on the box: each branch on the part of the box it may be taken
        cond = self.nodes[out].cond
        assert cond is not None
        variables = {i: n.text for i, n in enumerate(self.nodes) if n.op == "var" or _is_int_var(n)}
        points = {i: v for i, v in self._points(box).items()}
        integers = frozenset(n.text for n in self.nodes if _is_int_var(n))
        merged: BoxEval | None = None
        for choice in (True, False):
            part = clip(cond, choice, box, variables, points, self.model.format, integers)
            if part is None:
                continue
            ev = self._evaluate(part, {**choices, out: choice})
            if not math.isfinite(ev.error):
                return ev
            if merged is None:
                merged = ev
            else:
                top = merged.top if merged.error >= ev.error else ev.top
                merged = BoxEval(max(merged.error, ev.error), min(merged.low, ev.low), max(merged.high, ev.high), top)
        return merged if merged is not None else BoxEval(0.0, 0.0, 0.0)

    def _points(self, box: Mapping[str, Range]) -> dict[int, float]:
        """The constant nodes (no inputs below them) and their exact float values."""
        out: dict[int, float] = {}
        for i, n in enumerate(self.nodes):
            if n.op == "const" and not n.sites:
                out[i] = n.rounded
            elif n.op == "int" and n.value is not None and abs(n.value) <= 2**53:
                out[i] = float(n.value)
        return out

    def _sweep(self, box: Mapping[str, Range], choices: Mapping[int, bool]) -> BoxEval | int:  # noqa: C901
        """One forward and one reverse sweep on the box; a where node's index where it is not decided."""
        fmt, model, nodes = self.model.format, self.model, self.nodes
        narrow = self.narrow
        val: list[arb] = [arb(0)] * len(nodes)  # every value the segment from exact to float passes
        rng: list[Range] = [(0.0, 0.0)] * len(nodes)  # the floats the node really produces
        err: list[float] = [0.0] * len(nodes)
        bad: list[str] = [""] * len(nodes)  # why the node has no value on the box (used only if it is needed)
        slopes: dict[int, tuple[arb, ...]] = {}  # partials decided on the box (piecewise nodes)
        taken: dict[int, int] = {}  # where node -> the branch taken
        for i, n in enumerate(nodes):
            op = n.op
            if op == "var" or _is_int_var(n):
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
            if op == "where":
                assert n.cond is not None
                operands = condition_operands(n.cond)
                failed = next((bad[j] for j in operands if bad[j]), "")
                if failed:
                    bad[i] = failed
                    continue
                if fmt.precision < 53 and any(_big_int(nodes[j], rng[j], fmt.precision) for j in operands):
                    bad[i] = f"the condition of {n.text} compares an integer beyond 2**{fmt.precision} in {fmt.name}"
                    continue
                d = decide(n.cond, rng)
                if d is None:
                    if i not in choices:
                        return i
                    d = choices[i]
                j = n.args[0] if d else n.args[1]
                taken[i] = j
                val[i], rng[i], bad[i] = val[j], rng[j], bad[j]
                continue
            failed = next((bad[j] for j in n.args if bad[j]), "")
            if failed:
                bad[i] = failed
                continue
            a = [val[j] for j in n.args]
            if op in PIECEWISE:
                p = piecewise(
                    op,
                    n.text,
                    [nodes[j].text for j in n.args],
                    a,
                    [rng[j] for j in n.args],
                    [nodes[j].sites for j in n.args],
                )
                if p.failure:
                    bad[i] = p.failure
                else:
                    val[i], rng[i], slopes[i] = p.value, p.range, p.slopes
                continue
            if op in ("comb", "factorial", "i**"):
                v = _integer_function(n, [rng[j] for j in n.args])
                if v is None:
                    bad[i] = f"{n.text} is too large to enclose"
                else:
                    val[i], rng[i] = v, ends(v)
                continue
            v = _apply(n, a)
            if not v.is_finite():
                bad[i] = _reason(n, nodes, [rng[j] for j in n.args])
                continue
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
                    bad[i] = f"{n.text} may overflow {fmt.name}"
                    continue
                err[i] = h
                v = v + arb(0, h) if h else v
                if op not in _CORRECTLY_ROUNDED:
                    r = (math.nextafter(r[0] - h, -math.inf), math.nextafter(r[1] + h, math.inf))
            val[i], rng[i] = v, r
        if bad[-1]:
            return BoxEval(math.inf, failure=bad[-1])
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
            elif n.op == "where":
                j = taken[i]
                adj[j] = g if adj[j] is None else adj[j] + g  # type: ignore[operator]
                continue
            else:
                term = abs(g) * err[i] if err[i] else arb(0)
                parts = slopes[i] if i in slopes else _partials(n, [val[j] for j in n.args], val[i])
                for j, slope in zip(n.args, parts):
                    if not nodes[j].sites:
                        continue
                    if not slope.is_finite():
                        return BoxEval(math.inf, failure=_reason(n, nodes, [rng[k] for k in n.args], slope=True))
                    adj[j] = g * slope if adj[j] is None else adj[j] + g * slope  # type: ignore[operator]
            t = upper(term)
            if t > 0:
                if t > best:
                    best, top = t, i
                total = total + term
        root = val[-1]
        return BoxEval(upper(total), lower_abs(root), upper(root), top)


def _is_int_var(n: Node) -> bool:
    return n.op == "int" and n.value is None and not n.args


def _big_int(n: Node, r: Range, p: int) -> bool:
    return n.integer and max(abs(r[0]), abs(r[1])) > 2**p


def _integer_function(n: Node, r: list[Range]) -> arb | None:
    """comb, factorial, int**int of integer ranges (exact at points); None where not enclosed."""
    ends_ = [(int(lo), int(hi)) for lo, hi in r]
    if any(hi > 10_000 for _, hi in ends_):
        return None
    if n.op == "i**":  # a**b, b >= 0: |a**b| at most the largest |corner|
        (a_lo, a_hi), (b_lo, b_hi) = ends_
        corners = [arb(a) ** b for a in (a_lo, a_hi) for b in (b_lo, b_hi)]
        if a_lo == a_hi and b_lo == b_hi:
            return corners[0]
        top = max(upper(c) for c in corners)
        return arb.union(arb(-top) if a_lo < 0 else arb(0), arb(top))
    if n.op == "factorial":
        lo, hi = ends_[0]
        return arb.union(arb(math.factorial(max(lo, 0))), arb(math.factorial(max(hi, 0))))
    (n_lo, n_hi), (k_lo, k_hi) = ends_
    if n_lo == n_hi and k_lo == k_hi:
        return arb(math.comb(n_lo, k_lo)) if n_lo >= 0 and k_lo >= 0 else None
    top = max(n_hi, 0)
    return arb.union(arb(0), arb(math.comb(top, top // 2)))


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
    if op == "fma":
        return a[0] * a[1] + a[2]
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
    if op == "fma":
        return a[1], a[0], arb(1)
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
