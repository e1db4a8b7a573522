"""Expressions in readable mathematical form: HTML (sup/sub, italics) and Unicode text.

Identity files spell ``3*x**2 - 4*x`` and ``diff(sin(x), x)`` because they must
parse; a report should read like the page of a book: 3·x², d/dx sin(x),
√(x + 1), log₂(x), Σ. Parentheses follow the same precedence rules as
``str(expr)``, so nothing is ambiguous.
"""

from __future__ import annotations

import html

from identities.language.expr import (
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
    Vjp,
    Where,
)

__all__ = ["to_html", "to_text", "identity_html", "identity_text"]

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_NAMED = {"gamma": "Γ", "lgamma": "log Γ", "comb": "C"}


class _Style:
    """How one output format spells the pieces."""

    html = False

    def var(self, name: str) -> str:
        return name

    def sup(self, base: str, exp: Expr, exp_text: str) -> str:
        if isinstance(exp, Num) and exp.text.isdigit():
            return base + exp.text.translate(_SUPERSCRIPT)
        return f"{base}^{exp_text}" if _prec(exp) >= _PREC["atom"] else f"{base}^({exp_text})"

    def sub(self, name: str, index: str) -> str:
        return name + index.translate(_SUBSCRIPT) if index.isdigit() else f"{name}_{index}"

    def sum(self, var: str, lo: str, hi: str, symbol: str = "Σ") -> str:
        return f"{symbol}_{{{var}={lo}}}^{{{hi}}} "

    def deriv(self, var: str, order: int) -> str:
        if order == 1:
            return f"d/d{var} "
        n = str(order).translate(_SUPERSCRIPT)
        return f"d{n}/d{var}{n} "

    def esc(self, s: str) -> str:
        return s


class _Html(_Style):
    html = True

    def var(self, name: str) -> str:
        return f"<i>{html.escape(name)}</i>"

    def sup(self, base: str, exp: Expr, exp_text: str) -> str:
        return f"{base}<sup>{exp_text}</sup>"

    def sub(self, name: str, index: str) -> str:
        return f"{name}<sub>{index}</sub>"

    def sum(self, var: str, lo: str, hi: str, symbol: str = "Σ") -> str:
        return f'<span class="bigop">{symbol}<sub>{var}={lo}</sub><sup>{hi}</sup></span>'

    def deriv(self, var: str, order: int) -> str:
        if order == 1:
            return f'<span class="frac">d/d{var}</span> '
        return f'<span class="frac">d<sup>{order}</sup>/d{var}<sup>{order}</sup></span> '

    def esc(self, s: str) -> str:
        return html.escape(s)


def _prec(e: Expr) -> int:
    if isinstance(e, Bin):
        return _PREC[e.op]
    if isinstance(e, Neg):
        return _PREC["neg"]
    if isinstance(e, (Sum, Diff, Grad, Vjp)):
        return _PREC["+"]  # a big operator binds loosely: parenthesize it as an operand
    if isinstance(e, Num) and e.text.startswith("-"):
        return _PREC["neg"]
    return _PREC["atom"]


def _wrap(s: str, e: Expr, need: int) -> str:
    return f"({s})" if _prec(e) < need else s


def _render(e: Expr, st: _Style) -> str:  # noqa: C901 - one dispatch over node types
    if isinstance(e, Num):
        return st.esc(e.text)
    if isinstance(e, Const):
        return "π" if e.name == "pi" else st.var("e")
    if isinstance(e, Var):
        return st.var(e.name)
    if isinstance(e, Neg):
        return "−" + _wrap(_render(e.arg, st), e.arg, _PREC["neg"] + 1)
    if isinstance(e, Bin):
        p = _PREC[e.op]
        left, right = _render(e.left, st), _render(e.right, st)
        if e.op == "**":
            return st.sup(_wrap(left, e.left, _PREC["atom"]), e.right, right)
        symbol = {"+": " + ", "-": " − ", "*": "·", "/": "/"}[e.op]
        return _wrap(left, e.left, p) + symbol + _wrap(right, e.right, p + 1)
    if isinstance(e, Call):
        args = [_render(a, st) for a in e.args]
        if e.fn == "abs":
            return f"|{args[0]}|"
        if e.fn == "sqrt":
            return f"√({args[0]})" if _prec(e.args[0]) < _PREC["atom"] else f"√{args[0]}"
        if e.fn == "cbrt":
            return f"∛({args[0]})" if _prec(e.args[0]) < _PREC["atom"] else f"∛{args[0]}"
        if e.fn == "factorial":
            return _wrap(args[0], e.args[0], _PREC["atom"]) + "!"
        if e.fn in ("log2", "log10"):
            return f"{st.sub('log', e.fn[3:])}({args[0]})"
        if e.fn == "log" and len(args) == 2:
            return (
                f"{st.sub('log', args[1]) if _prec(e.args[1]) >= _PREC['atom'] else st.sub('log', f'({args[1]})')}"
                f"({args[0]})"
            )
        return f"{_NAMED.get(e.fn, e.fn)}({', '.join(args)})"
    if isinstance(e, Diff):
        body = _render(e.body, st)
        out = st.deriv(st.var(e.var), e.order) + (f"({body})" if _prec(e.body) < _PREC["atom"] else body)
        return out if e.at is None else f"{out} at {st.var(e.var)} = {_render(e.at, st)}"
    if isinstance(e, UserCall):  # a function of the user's: its name, as written
        return f"{e.fn}({', '.join(_render(a, st) for a in e.args)})"
    if isinstance(e, Apply):  # f(u), f′(u), f″(u), f⁽ⁿ⁾(u)
        marks = {0: "", 1: "′", 2: "″"}.get(e.order, f"⁽{str(e.order).translate(_SUPERSCRIPT)}⁾")
        return f"{st.var(e.fn)}{marks}({_render(e.arg, st)})"
    if isinstance(e, (Grad, Vjp)):  # ∇ₓ e; vjp as vᵀ ∂ₓe, what backward(gradient=v) computes
        body = _render(e.body, st)
        body = f"({body})" if _prec(e.body) < _PREC["atom"] else body
        if isinstance(e, Grad):
            return st.sub("∇", e.var) + " " + body
        return f"{_wrap(_render(e.v, st), e.v, _PREC['atom'])}ᵀ {st.sub('∂', e.var)}{body}"
    if isinstance(e, Stop):  # held constant by derivatives: detach()
        return f"stop({_render(e.arg, st)})"
    if isinstance(e, Sum):
        body = _render(e.body, st)
        big = st.sum(st.var(e.var), _render(e.lo, st), _render(e.hi, st), "∏" if e.op == "*" else "Σ")
        return big + _wrap(body, e.body, _PREC["*"])
    if isinstance(e, Where):  # a branch, read as "a if cond else b"
        return f"({_render(e.then, st)} if {_render(e.cond, st)} else {_render(e.other, st)})"
    if isinstance(e, Logic):
        if e.op == "not":
            return "not (" + _render(e.args[0], st) + ")"
        return f" {e.op} ".join(f"({_render(a, st)})" if isinstance(a, Logic) else _render(a, st) for a in e.args)
    if isinstance(e, Cmp):
        parts = [_render(e.operands[0], st)]
        for op, operand in zip(e.ops, e.operands[1:]):
            parts += [{"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}.get(op, op), _render(operand, st)]
        return " ".join(st.esc(p) if p in "<>" else p for p in parts)
    raise TypeError(f"not an Expr: {e!r}")


def to_html(e: Expr) -> str:
    """HTML markup (escaped) for an expression."""
    return _render(e, _Html())


def to_text(e: Expr) -> str:
    """Unicode text for an expression (Markdown, terminals)."""
    return _render(e, _Style())


def identity_html(lhs: Expr, rhs: Expr, one_sided: bool = False) -> str:
    """``lhs = rhs``; a one-sided accuracy check shows its one expression."""
    return to_html(lhs) if one_sided else f"{to_html(lhs)} = {to_html(rhs)}"


def identity_text(lhs: Expr, rhs: Expr, one_sided: bool = False) -> str:
    return to_text(lhs) if one_sided else f"{to_text(lhs)} = {to_text(rhs)}"
