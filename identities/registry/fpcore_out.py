"""FPCore out: an identity written as FPCore, so that a precision failure can be handed to Herbie or FPTaylor.

Each side of an identity becomes one FPCore: the side is the body, the other side the ``:spec`` (the exact
expression it should compute), the domains and ``assume`` the ``:pre``, the backend the ``:precision``,
the examples ``:example``, the source ``:description``. The left side keeps the identity's name, the
right side is ``<name>.rhs``; a one-sided accuracy check is a lone body. Reading what is written
(``identities.registry.fpcore``) gives back the same variables, domains and expressions.

``where(c, a, b)`` is written ``(if c a b)``, ``and``/``or``/``not`` as themselves, ``min``/``max`` as
``fmin``/``fmax``, ``**`` as ``pow``, ``gamma`` as ``tgamma``; a chained comparison ``a < b <= c`` is the
``and`` of its links (read back as such).

What FPCore cannot say raises ``NotExpressible``: derivatives (``diff``, ``D(f)``, ``grad``, ``vjp``,
``stop``), function variables, vectors, ``sum`` and ``prod`` (FPCore has them only as ``for`` loops, which
the reader refuses, so a round trip could not hold), ``factorial``, ``comb``, two-argument ``log``, and the
special functions FPCore lacks (``beta``, ``digamma``, ``zeta``, ``besselj``, ``bessely``, ``lambertw``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from identities.errors import InvalidArgument
from identities.language.domains import Domain
from identities.language.expr import Bin, Call, Cmp, Const, Expr, Logic, Neg, Num, Sum, Var, VecVar, Where
from identities.registry.files import Identity
from identities.registry.fpcore_syntax import CONSTANTS, OPERATORS, PRECISIONS, fraction_text

__all__ = ["NotExpressible", "to_fpcore", "expression", "precondition", "FORMATS"]

# backend -> FPCore precision
FORMATS = {backend: precision for precision, (backend, _) in PRECISIONS.items()}
# our function -> FPCore operator (the inverse of the reader's table; ** is written pow)
_FUNCTIONS = {ours: op for op, (ours, _) in OPERATORS.items() if ours not in ("**", "fdim")}
_KINDS = {"positive": "(< 0 {v})", "negative": "(< {v} 0)", "nonnegative": "(<= 0 {v})", "nonzero": "(!= {v} 0)"}
_FPCORE_NUMBER = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:e[+-]?[0-9]+)?$")


class NotExpressible(InvalidArgument):
    """An identity (or expression) that FPCore cannot say; the message says what."""


def expression(e: Expr) -> str:
    """The FPCore text of one of our expressions."""
    if isinstance(e, VecVar):
        raise NotExpressible(f"vector variable {e.name!r} (FPCore tensors are not written)")
    if isinstance(e, Var):
        if e.name in CONSTANTS or e.name in OPERATORS:
            raise NotExpressible(f"variable {e.name!r} is an FPCore constant or operator")
        return e.name
    if isinstance(e, Num):
        return _number(e)
    if isinstance(e, Const):
        return {"pi": "PI", "e": "E"}[e.name]
    if isinstance(e, Neg):
        return f"(- {expression(e.arg)})"
    if isinstance(e, Bin):
        op = "pow" if e.op == "**" else e.op
        return f"({op} {expression(e.left)} {expression(e.right)})"
    if isinstance(e, Call):
        if e.fn == "log" and len(e.args) == 2:
            raise NotExpressible("log(x, b) (FPCore's log has one argument)")
        fn = _FUNCTIONS.get(e.fn)
        if fn is None:
            raise NotExpressible(f"{e.fn}() (no FPCore operator)")
        return f"({fn} {' '.join(expression(a) for a in e.args)})"
    if isinstance(e, Cmp):
        if len(set(e.ops)) == 1 and e.ops[0] != "!=":
            return f"({e.ops[0]} {' '.join(expression(a) for a in e.operands)})"
        pairs = [f"({op} {expression(a)} {expression(b)})" for op, a, b in zip(e.ops, e.operands, e.operands[1:])]
        return pairs[0] if len(pairs) == 1 else f"(and {' '.join(pairs)})"
    if isinstance(e, Logic):
        return f"({e.op} {' '.join(expression(a) for a in e.args)})"
    if isinstance(e, Where):
        return f"(if {expression(e.cond)} {expression(e.then)} {expression(e.other)})"
    if isinstance(e, Sum):
        kind = "a product (prod)" if e.op == "*" else "a sum"
        raise NotExpressible(f"{kind} (FPCore says it only as a loop, which is not read back)")
    what = {"Diff": "a derivative (diff)", "Apply": "a function variable", "Grad": "grad"}
    name = type(e).__name__
    raise NotExpressible(what.get(name, f"{name.lower()} ({e})"))


def _number(e: Num) -> str:
    """A literal FPCore reads back to the same value and kind (an integer stays an integer, a decimal a
    decimal: ``2.0`` is not written ``2``)."""
    if isinstance(e.value, int):
        return str(e.value)
    text = e.text.replace("_", "").lower().replace(".e", ".0e")
    if text.endswith("."):
        text += "0"
    if _FPCORE_NUMBER.match(text) and ("." in text or "e" in text) and Fraction(text) == e.value:
        return text
    exact = fraction_text(e.value)
    if exact is None:
        raise NotExpressible(f"literal {e.text} has no finite decimal")
    return exact if "e" in exact else f"{exact}.0"


def precondition(ident: Identity) -> list[str]:
    """The ``:pre`` conjuncts of an identity: each domain as comparisons, then each ``assume``."""
    out: list[str] = []
    for v, d in ident.variables:
        out.extend(_domain(v, d))
    out.extend(expression(a) for a in ident.assume)
    return out


def _domain(v: str, d: Domain) -> list[str]:
    if d.size is not None:
        raise NotExpressible(f"vector variable {v!r} (FPCore tensors are not written)")
    out = []
    kind = d.kind
    if kind == "probability":
        out.append(f"(<= 0 {v} 1)")
    elif kind in _KINDS:
        out.append(_KINDS[kind].format(v=v))
    lo = expression(d.lo) if d.lo is not None else None
    hi = expression(d.hi) if d.hi is not None else None
    if lo is not None and hi is not None:
        out.append(f"(<= {lo} {v} {hi})")
    elif lo is not None:
        out.append(f"(<= {lo} {v})")
    elif hi is not None:
        out.append(f"(<= {v} {hi})")
    return out


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_fpcore(ident: Identity, backend: str | None = None, sides: Sequence[str] = ("lhs", "rhs")) -> list[str]:
    """The FPCore text of an identity's sides (``lhs``: the left side as the body, the right as ``:spec``;
    ``rhs``: the other way round); a one-sided check is one lone body. ``backend``: the format written as
    ``:precision`` (default: the identity's own ``precision``, else float64). Raises ``NotExpressible``."""
    backend = backend or ident.precision or "float64"
    if backend not in FORMATS:
        raise InvalidArgument(f"backend={backend!r} has no FPCore precision; use one of {', '.join(FORMATS)}")
    if ident.functions:
        raise NotExpressible(f"function variables ({', '.join(f for f, _ in ident.functions)})")
    args = " ".join(f"(! :precision integer {v})" if d.is_integer else v for v, d in ident.variables)
    props = [f":precision {FORMATS[backend]}"]
    pre = precondition(ident)
    if pre:
        props.append(f":pre {pre[0] if len(pre) == 1 else '(and ' + ' '.join(pre) + ')'}")
    for ex in ident.examples:
        props.append(":example (" + " ".join(f"[{v} {_value(ex[v])}]" for v, _ in ident.variables) + ")")
    if ident.source:
        props.append(f":description {_string(ident.source)}")
    lhs, rhs = expression(ident.lhs), expression(ident.rhs)
    one_sided = ident.one_sided
    out = []
    for side in ("lhs",) if one_sided else tuple(sides):
        if side not in ("lhs", "rhs"):
            raise InvalidArgument(f"side={side!r}; use 'lhs' or 'rhs'")
        name = ident.name if side == "lhs" else f"{ident.name}.rhs"
        body, spec = (lhs, rhs) if side == "lhs" else (rhs, lhs)
        lines = [f"(FPCore ({args})", f"  :name {_string(name)}", *(f"  {p}" for p in props)]
        if not one_sided:
            lines.append(f"  :spec {spec}")
        lines.append(f"  {body})")
        out.append("\n".join(lines))
    return out


def _value(v: object) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise NotExpressible(f"example value {v!r}")
    return repr(v)
