"""The pieces of FPCore reading that do not depend on one FPCore: the tables of operators, constants and
precisions, exact numeric literals, the intermediate tree and its rendering as our expression language's
text, and names.

The translation itself is ``identities.registry.fpcore_terms`` (expressions) and
``identities.registry.fpcore`` (whole FPCores: properties, preconditions, identity tables).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from identities.language.expr import FUNCTIONS, RESERVED, Bin, Call, Cmp, Const, Expr, Logic, Neg, Num, Var, Where
from identities.language.limits import MAX_LITERAL_EXPONENT, MAX_NODES
from identities.registry.sexpr import Atom, Datum, SList, Str

__all__ = [
    "Node",
    "OPERATORS",
    "CONSTANTS",
    "CONSTANT_NODES",
    "PRECISIONS",
    "REFUSED_FORMS",
    "PREDICATES",
    "MIN_NORMAL_EXPONENT",
    "CONDITIONS",
    "COMPARISONS",
    "FLIP",
    "DECNUM",
    "SYMBOL",
    "Refused",
    "fraction_text",
    "number_value",
    "num_node",
    "size_and_depth",
    "distinct",
    "to_expr",
    "children",
    "free_names",
    "render",
    "identifier",
    "identity_name",
    "precision_of",
    "show",
    "uses",
    "has_inf",
    "line_of",
]

Node = tuple  # the intermediate tree (see "the intermediate tree" below)

# FPCore operator -> (our spelling, number of arguments); "**" and "fdim" are written out by the translator
OPERATORS: dict[str, tuple[str, int]] = {
    **{
        op: (op, 1)
        for op in (
            "exp exp2 expm1 log log10 log2 log1p sqrt cbrt sin cos tan asin acos atan sinh cosh tanh "
            "asinh acosh atanh erf erfc lgamma ceil floor trunc round"
        ).split()
    },
    "fabs": ("abs", 1),
    "tgamma": ("gamma", 1),
    **{op: (op, 2) for op in ("hypot", "atan2", "fmod", "remainder", "copysign")},
    "fmin": ("min", 2),
    "fmax": ("max", 2),
    "fdim": ("fdim", 2),  # max(a - b, 0): C's fdim exactly, rounding included
    "pow": ("**", 2),
    "fma": ("fma", 3),
}
# FPCore constant -> our exact expression (None: not a real number; INFINITY is kept for bounds)
CONSTANTS: dict[str, str | None] = {
    "E": "e",
    "PI": "pi",
    "PI_2": "pi/2",
    "PI_4": "pi/4",
    "M_1_PI": "1/pi",
    "M_2_PI": "2/pi",
    "M_2_SQRTPI": "2/sqrt(pi)",
    "LN2": "log(2)",
    "LN10": "log(10)",
    "LOG2E": "1/log(2)",
    "LOG10E": "1/log(10)",
    "SQRT2": "sqrt(2)",
    "SQRT1_2": "sqrt(0.5)",
    "MAXFLOAT": None,  # the largest finite value of the FPCore's precision
    "HUGE_VAL": None,
    "INFINITY": None,
    "NAN": None,
    "TRUE": None,
    "FALSE": None,
}
_PI, _E = ("const", "pi"), ("const", "e")


def _n(text: str) -> Node:
    return ("num", text)


def _over(a: Node, b: Node) -> Node:
    return ("bin", "/", a, b)


CONSTANT_NODES: dict[str, Node] = {
    "E": _E,
    "PI": _PI,
    "PI_2": _over(_PI, _n("2")),
    "PI_4": _over(_PI, _n("4")),
    "M_1_PI": _over(_n("1"), _PI),
    "M_2_PI": _over(_n("2"), _PI),
    "M_2_SQRTPI": _over(_n("2"), ("call", "sqrt", (_PI,))),
    "LN2": ("call", "log", (_n("2"),)),
    "LN10": ("call", "log", (_n("10"),)),
    "LOG2E": _over(_n("1"), ("call", "log", (_n("2"),))),
    "LOG10E": _over(_n("1"), ("call", "log", (_n("10"),))),
    "SQRT2": ("call", "sqrt", (_n("2"),)),
    "SQRT1_2": ("call", "sqrt", (_n("0.5"),)),
}
# precision -> (backend, largest finite value)
PRECISIONS: dict[str, tuple[str, int]] = {
    "binary64": ("float64", (2**53 - 1) * 2**971),
    "binary32": ("float32", (2**24 - 1) * 2**104),
    "binary16": ("float16", 65504),
}
_FLOATS = {(11, 64): "binary64", (8, 32): "binary32", (5, 16): "binary16"}
REFUSED_FORMS: dict[str, str] = {
    "while": "a loop (while)",
    "while*": "a loop (while*)",
    "for": "a loop (for)",
    "for*": "a loop (for*)",
    "tensor": "a tensor (tensor)",
    "tensor*": "a tensor (tensor*)",
    "array": "a tensor (array)",
    "dim": "a tensor operation (dim)",
    "size": "a tensor operation (size)",
    "ref": "a tensor operation (ref)",
    "cast": "a precision cast (cast)",
}
# the float predicates: signbit(e) is copysign(1, e) < 0 (exact in floats, -0 and nan's sign included, and in
# the reals); the others only of an argument, whose value is a finite number of the precision in both
# semantics (our inputs are never nan or inf); of a computed value they test the rounded result in floats
# (overflow, nan) and a real number exactly, which no one expression says, so they are refused there
PREDICATES = ("isnan", "isinf", "isfinite", "isnormal", "signbit")
# the smallest normal number of each precision, as the exponent of 2 (isnormal(x) is abs(x) >= 2**-1022)
MIN_NORMAL_EXPONENT = {"binary64": -1022, "binary32": -126, "binary16": -14}
CONDITIONS = ("cmp", "and", "or", "not", "bool")
COMPARISONS = ("<", ">", "<=", ">=", "==", "!=")
FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
DECNUM = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_RATIONAL = re.compile(r"^([+-]?[0-9]+)/([0-9]*[1-9][0-9]*)$")
_HEXNUM = re.compile(r"^([+-]?)0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:p([+-]?[0-9]+))?$")
SYMBOL = re.compile(r"^[a-zA-Z~!@$%^&*_\-+=<>.?/:][a-zA-Z0-9~!@$%^&*_\-+=<>.?/:]*$")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEYWORDS = frozenset(
    "and as assert async await break class continue def del elif else except finally for from global if "
    "import in is lambda nonlocal not or pass raise return try while with yield None True False".split()
)


class Refused(Exception):
    """An FPCore construct that cannot be expressed: the construct, why, and its line."""

    def __init__(self, construct: str, message: str, line: int):
        super().__init__(message)
        self.construct, self.message, self.line = construct, message, line


# ---------------------------------------------------------------------------------------------
# numbers


def fraction_text(value: Fraction) -> str | None:
    """The exact decimal literal of a non-negative rational (None when it has no finite decimal)."""
    if value.denominator == 1:
        return str(value.numerator)
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return None
    k = max(twos, fives)
    return f"{value.numerator * 10**k // value.denominator}e-{k}"


def number_value(text: str) -> Fraction | None:
    """The exact value of an FPCore numeric literal, or None when ``text`` is not one; a literal too large to
    be a number of ours (an exponent beyond the limit, more digits than Python converts) is ``Refused``."""
    try:
        return _number_value(text)
    except ValueError:  # int() of more than 4300 decimal digits
        raise Refused("number", f"literal {text[:40]!r}... has too many digits", 0) from None


def _number_value(text: str) -> Fraction | None:
    if DECNUM.match(text):
        exponent = text.lower().partition("e")[2]
        digits = exponent.lstrip("+-")
        if len(digits) > 6 or (digits and int(digits) > MAX_LITERAL_EXPONENT):  # 1e99999999: no 10**99999999
            raise Refused("number", f"literal {text!r} has an exponent beyond {MAX_LITERAL_EXPONENT}", 0)
        return Fraction(text.lower())
    m = _RATIONAL.match(text)
    if m:
        return Fraction(int(m.group(1)), int(m.group(2)))
    m = _HEXNUM.match(text.lower())
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac, exp = m.group(1), m.group(2) or "0", m.group(3) or "", int(m.group(4) or 0)
        if abs(exp) > 4 * MAX_LITERAL_EXPONENT:
            raise Refused("hexnum", f"literal {text!r} has an exponent beyond {4 * MAX_LITERAL_EXPONENT}", 0)
        v = Fraction(int(whole + frac, 16), 16 ** len(frac)) * Fraction(2) ** exp
        return -v if sign == "-" else v
    return None


# ---------------------------------------------------------------------------------------------
# the intermediate tree: tuples, shared where a let binding is used twice (a DAG; sizes count the tree)


def num_node(value: Fraction, literal: str | None = None) -> Node:
    if value < 0:
        return ("neg", num_node(-value, literal[1:] if literal else None))
    if literal is not None:
        return ("num", literal.lstrip("+").lower())
    text = fraction_text(value)
    if text is None:
        return ("bin", "/", ("num", str(value.numerator)), ("num", str(value.denominator)))
    return ("num", text)


def size_and_depth(node: Node) -> tuple[int, int]:
    """The size (capped at ten times ``MAX_NODES``) and depth of the tree a node stands for, each distinct node
    visited once and without recursion: a chain of ``let*`` bindings may be thousands deep, and a binding
    used twice per step doubles the tree at each (2**60 nodes for 60 steps), so neither may be walked as a tree.
    """
    memo: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, ready = stack.pop()
        if id(n) in memo:
            continue
        kids = children(n)
        if not ready:
            stack.append((n, True))
            stack.extend((c, False) for c in kids if id(c) not in memo)
            continue
        size = min(1 + sum(memo[id(c)][0] for c in kids), 10 * MAX_NODES)
        memo[id(n)] = (size, 1 + max((memo[id(c)][1] for c in kids), default=0))
    return memo[id(node)]


def distinct(node: Node) -> Iterator[Node]:
    """Every distinct node under ``node`` (itself included) once, without recursion."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(children(n))


def children(n: Node) -> tuple[Node, ...]:
    kind = n[0]
    if kind in ("neg", "not"):
        return (n[1],)
    if kind in ("bin", "cmp"):
        return (n[2], n[3])
    if kind == "call":
        return n[2]
    if kind in ("and", "or"):
        return n[1]
    if kind == "where":
        return n[1:4]
    return ()


def free_names(n: Node) -> set[str]:
    return {m[1] for m in distinct(n) if m[0] == "var"}


_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "**": 8}


def render(n: Node) -> str:
    """Our expression language's text for a translated node (parentheses only where needed)."""
    return _render(n)[0]


def _render(n: Node) -> tuple[str, int]:
    kind = n[0]
    if kind in ("num", "var", "const"):
        return n[1], 9
    if kind == "neg":
        text, p = _render(n[1])
        return "-" + (text if p >= 7 else f"({text})"), 7
    if kind == "bin":
        op, p = n[1], _PREC[n[1]]
        (lt, lp), (rt, rp) = _render(n[2]), _render(n[3])
        if op == "**":
            return f"{lt if lp > p else f'({lt})'}**{rt if rp >= 9 else f'({rt})'}", p
        sep = " " if op in "+-" else ""
        return f"{lt if lp >= p else f'({lt})'}{sep}{op}{sep}{rt if rp > p else f'({rt})'}", p
    if kind == "call":
        return f"{n[1]}({', '.join(render(a) for a in n[2])})", 9
    if kind == "where":
        return f"where({', '.join(render(a) for a in n[1:4])})", 9
    if kind == "cmp":
        (lt, lp), (rt, rp) = _render(n[2]), _render(n[3])
        return f"{lt if lp > 4 else f'({lt})'} {n[1]} {rt if rp > 4 else f'({rt})'}", 4
    if kind in ("and", "or"):
        p = _PREC[kind]
        parts = [t if q > p else f"({t})" for t, q in map(_render, n[1])]
        return f" {kind} ".join(parts), p
    if kind == "not":
        text, p = _render(n[1])
        return "not " + (text if p >= 3 else f"({text})"), 3
    raise AssertionError(f"cannot render {kind}")  # bool and inf never reach text


def to_expr(node: Node) -> Expr:
    """The ``Expr`` a translated node stands for: the records our parser builds from ``render(node)``, built
    directly, so that the text limit applies to what the FPCore's author wrote (its body) and not to a ``let``
    expansion, whose nodes and depth are limited instead (``size_and_depth``, checked before this is called).
    Shared nodes stay shared. Only the forms the translator makes occur; a function outside the whitelist is
    a bug here, not user input, and fails loudly."""
    memo: dict[int, Expr] = {}

    def build(n: Node) -> Expr:
        hit = memo.get(id(n))
        if hit is not None:
            return hit
        kind = n[0]
        out: Expr
        if kind == "num":
            text = n[1]
            value = Fraction(text)
            plain = value.denominator == 1 and "." not in text and "e" not in text
            out = Num(int(value) if plain else value, text)
        elif kind == "var":
            out = Var(n[1])
        elif kind == "const":
            out = Const(n[1])
        elif kind == "neg":
            out = Neg(build(n[1]))
        elif kind == "bin":
            out = Bin(n[1], build(n[2]), build(n[3]))
        elif kind == "call":
            lo, hi = FUNCTIONS[n[1]]
            if not lo <= len(n[2]) <= hi:
                raise AssertionError(f"{n[1]} with {len(n[2])} arguments")
            out = Call(n[1], tuple(build(a) for a in n[2]))
        elif kind == "where":
            out = Where(build(n[1]), build(n[2]), build(n[3]))
        elif kind == "cmp":
            out = Cmp((n[1],), (build(n[2]), build(n[3])))
        elif kind in ("and", "or"):
            out = Logic(kind, tuple(build(a) for a in n[1]))
        elif kind == "not":
            out = Logic("not", (build(n[1]),))
        else:
            raise AssertionError(f"no expression for {kind}")  # bool and inf never reach an identity
        memo[id(n)] = out
        return out

    return build(node)


# ---------------------------------------------------------------------------------------------
# names


def identifier(symbol: str, taken: set[str]) -> str:
    """Our variable name for an FPCore symbol: a plain identifier, not reserved, unique."""
    base = symbol.replace("*", "_star").replace("'", "_prime")
    base = re.sub(r"[^A-Za-z0-9_]", "_", base)
    if not base or not base[0].isalpha():
        base = "v" + base
    if base in RESERVED or base in _KEYWORDS or base.upper() in CONSTANTS:
        base += "_"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def identity_name(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "_", text.lower()).strip("_") or "fpcore"


def precision_of(d: Datum) -> str:
    """The canonical name of an FPCore precision (``binary64`` for ``(float 11 64)``), else its text."""
    if isinstance(d, Atom):
        return d.text
    if isinstance(d, SList) and len(d.items) == 3 and all(isinstance(i, Atom) for i in d.items):
        head, e, nbits = (i.text for i in d.items)  # type: ignore[union-attr]
        if head == "float" and e.isdigit() and nbits.isdigit():
            return _FLOATS.get((int(e), int(nbits)), f"(float {e} {nbits})")
        return f"({head} {e} {nbits})"
    return show(d)


def show(d: Datum, limit: int = 60) -> str:
    if isinstance(d, Atom):
        text = d.text
    elif isinstance(d, Str):
        text = f'"{d.value}"'
    else:
        text = "(" + " ".join(show(i, limit) for i in d.items) + ")"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def uses(n: Node, kind: str) -> bool:
    return any(m[0] == kind for m in distinct(n))


def has_inf(n: Node) -> bool:
    return uses(n, "inf")


def line_of(d: Datum) -> int:
    return d.line
