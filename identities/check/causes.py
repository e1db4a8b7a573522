"""Why a side lost accuracy at one input: each subexpression in floats against the oracle.

The engine knows *that* a side is wrong and by how much; to say *why*, this
module evaluates every subexpression of the side twice, in the backend under
test and exactly (the oracle's balls, rounded to the format), and reads the
story off the tree, innermost first:

- ``overflow``: an intermediate is infinite in floats while its true value is
  finite or beyond the format's range (``x*y`` in ``log(x*y)`` at x = y = 1e200);
- ``underflow``: an intermediate is 0 or subnormal in floats and has lost its
  relative accuracy (``exp(x)`` at x = -800 in ``exp(x)*exp(y)``);
- ``undefined``: an intermediate is nan in floats (inf - inf, sqrt of a value
  rounded below 0) while it is defined in the reals;
- ``cancellation``: a ``+``/``-`` whose result is much smaller than its
  operands, one of which already carries rounding error: the error is
  amplified by (|a| + |b|) / |a + b| (``exp(x) - 1`` near 0);
- ``finite_difference``: the side takes a derivative by a difference quotient;
- ``rounding``: none of the above: plain rounding, accumulated, and where one
  function amplifies the error of its argument (``exp`` of an inexact ``x + y``
  multiplies its relative error by |x + y|), which function and by how much.

Subexpressions inside ``diff`` and ``sum`` bind their own variables, so they are
treated as opaque leaves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from identities.errors import LimitExceeded
from identities.evaluate.values import UNDEFINED
from identities.language.expr import Bin, Call, Cmp, Const, Diff, Expr, Logic, Num, Sum, UserCall, Var
from identities.numbers.formats import FloatFormat
from identities.numbers.metrics import bits
from identities.oracle.scalar import DEFAULT_ORACLE, Oracle, Truth, precision

__all__ = ["Cause", "NodeRow", "LABELS", "diagnose", "node_rows", "subexpressions", "truth_text"]

LABELS = (
    "cancellation",
    "overflow",
    "underflow",
    "undefined",
    "finite_difference",
    "implementation",
    "rounding",
    "exact",
    "unknown",
)

# a +/- cancels "much" when its operands are at least 2**CANCEL_BITS times its result
CANCEL_BITS = 2.0
# a side within this many bits of error is plain rounding, whatever the tree looks like
SMALL_BITS = 2.0


@dataclass(frozen=True)
class Cause:
    """The reason one side of an identity lost accuracy at one input.

    ``label`` is one of ``LABELS``; ``node`` the subexpression where it happens
    ("" when it is the side as a whole); ``bits`` the bits of error of the side;
    ``amplification`` the factor by which the named node magnifies error
    (cancellation, or a function's condition number), 1 when none is told.
    """

    label: str
    side: str
    node: str
    detail: str
    bits: float
    amplification: float = 1.0


@dataclass(frozen=True)
class NodeRow:
    """One subexpression at one input: its value in floats and exactly, and its error in ulps."""

    expr: Expr
    value: float
    truth: Truth | None
    truth_float: float | None
    ulps: float
    note: str = ""

    @property
    def text(self) -> str:
        return str(self.expr)


def subexpressions(expr: Expr) -> list[Expr]:
    """The side's subexpressions, children before parents; ``diff`` and ``sum`` are leaves."""
    out: list[Expr] = []

    def visit(e: Expr) -> None:
        if isinstance(e, (Cmp, Logic)):  # a condition is true or false, not a value with an error
            return
        if not isinstance(e, (Diff, Sum)):
            for c in e.children():
                visit(c)
        if e not in out:
            out.append(e)

    visit(expr)
    return out


@lru_cache(maxsize=4096)
def _compiled(backend: Any, expr: Expr) -> Any:
    return backend.compile(expr)


def _float_value(backend: Any, expr: Expr, env: Mapping[str, Any]) -> float:
    v = _compiled(backend, expr)(env)
    return math.nan if v is UNDEFINED else backend.to_float(v)


def _truth(oracle: Oracle, expr: Expr, exact: Mapping[str, Any]) -> tuple[Truth | None, bool]:
    """(truth, known): truth None and known True means undefined in the reals."""
    try:
        return oracle.evaluate(expr, exact), True
    except LimitExceeded:  # a time limit: the diagnosis stops here (the caller says so)
        raise
    except Exception:  # not resolved at the cap, or beyond arb's range: no verdict from here
        return None, False


_FAR = 1 << 14  # beyond every format's exponent range (float64's is -1074..1024), by far


def _fraction(t: Truth) -> Fraction:
    """The truth as a Fraction for the comparisons made here, its binary exponent clamped to +-_FAR: a value
    beyond that (exp(1e9) is 2**1.4e9) would need gigabytes and minutes as an exact Fraction, and every
    comparison here (with a float, with min_normal, a relative error) comes out the same for the clamped
    value, which keeps its sign and its zero or non-zero."""
    from flint import arb

    v = t.value
    if not isinstance(v, arb):
        return t.to_fraction()
    man, exp = (int(x) for x in v.mid().man_exp())
    top = exp + abs(man).bit_length()
    sign = 1 if man > 0 else -1
    if man and top > _FAR:
        return sign * Fraction(2) ** _FAR
    if man and top < -_FAR:
        return sign * Fraction(1, 2**_FAR)
    return t.to_fraction()


def node_rows(expr: Expr, inputs: Mapping[str, Any], backend: Any, oracle: Oracle = DEFAULT_ORACLE) -> list[NodeRow]:
    """Every subexpression of ``expr`` at ``inputs`` (children first), in ``backend`` and exactly."""
    fmt: FloatFormat = backend.format
    exact = {k: (v if isinstance(v, int) else float(v)) for k, v in inputs.items()}
    env = {k: backend.convert_input(v) for k, v in exact.items()}
    rows = []
    for node in subexpressions(expr):
        value = _float_value(backend, node, env)
        truth, known = _truth(oracle, node, exact)
        tf = truth.to_float(fmt) if truth is not None else None
        if tf is not None:
            ulps = fmt.ulp_distance(value, tf)
        else:
            ulps = 0.0 if (known and math.isnan(value)) else math.nan
        note = "" if known else "the oracle could not resolve this value"
        if known and truth is None:
            note = "undefined in the reals"
        rows.append(NodeRow(node, value, truth, tf, ulps, note))
    return rows


def _is_leaf(e: Expr) -> bool:
    return isinstance(e, (Num, Var, Const))


def _inexact(row: NodeRow) -> bool:
    """Whether the float value differs from the exact one (a correctly rounded value usually does).

    A truth that is a ball of non-zero radius is no float: exp(1e-300) is 1 to
    256 bits, and its float 1.0 is still off by 1e-300.
    """
    if row.truth is None or not math.isfinite(row.value):
        return False
    from flint import arb

    t = row.truth.value
    if isinstance(t, arb) and not t.is_exact():
        return True
    return row.ulps > 0 or Fraction(row.value) != _fraction(row.truth)


def _rel_error_over(value: float, truth: Truth, bound: float) -> bool:
    """|value - truth| > bound * |truth|, in exact arithmetic (the ratio may not fit a float)."""
    t = _fraction(truth)
    if not math.isfinite(value):
        return True
    if t == 0:
        return value != 0
    return abs(Fraction(value) - t) > Fraction(bound) * abs(t)


def _abnormal(row: NodeRow, fmt: FloatFormat) -> tuple[str, str] | None:
    """(label, detail) when this intermediate overflowed, underflowed or became undefined."""
    if row.truth is None or _is_leaf(row.expr):
        return None
    v, t = row.value, _fraction(row.truth)
    if math.isnan(v):
        return "undefined", f"`{row.text}` is nan in {fmt.name} but {_short(row)} in the reals"
    if math.isinf(v):
        return "overflow", f"`{row.text}` overflows to {v} in {fmt.name}; its true value is {_short(row)}"
    # a + or - never underflows (with subnormals, a tiny difference of floats is exact): a 0 there cancelled
    sums = isinstance(row.expr, Bin) and row.expr.op in "+-"
    if (
        t != 0
        and not sums
        and abs(t) < fmt.min_normal
        and abs(v) < fmt.min_normal
        and _rel_error_over(v, row.truth, 8 * fmt.eps)
    ):
        what = "underflows to 0" if v == 0 else f"is subnormal ({v!r}) and keeps only a few bits"
        return "underflow", f"`{row.text}` {what} in {fmt.name}; its true value is {_short(row)}"
    return None


def _short(row: NodeRow) -> str:
    return truth_text(row.truth)


def truth_text(t: Truth | None, digits: int = 7) -> str:
    """A true value in a few significant digits, whatever its magnitude (1e400 is not "inf")."""
    if t is None:
        return "undefined"
    from flint import arb, fmpq

    v = t.value
    if isinstance(v, fmpq) and v.q != 1:  # a decimal literal: at 53 bits arb would print 1e-10 as 9.99...e-11
        with precision(4 * digits + 64):
            return arb(v).mid().str(digits, radius=False)
    s = str(t)
    if len(s) <= 24:
        return s
    b = v if isinstance(v, arb) else arb(v)
    return _compact(b.mid().str(digits, radius=False))


def _compact(text: str) -> str:
    """A decimal whose exponent has hundreds of digits (exp(-1e308)), with the exponent itself in short form."""
    mantissa, e, exponent = text.partition("e")
    if not e or len(exponent) <= 12:
        return text
    try:
        return f"{mantissa} * 10**({float(int(exponent)):.7g})"
    except OverflowError:
        return f"{mantissa} * 10**({exponent[:8]}...)"


def _cancellation(e: Expr, rows: Mapping[Expr, NodeRow]) -> float:
    """log2 of how much a +/- magnifies its operands' rounding errors, (|a| + |b|) / |a + b|; 0 when it
    is no subtraction of inexact values (exact operands make the subtraction exact or correctly rounded)."""
    row = rows[e]
    if not (isinstance(e, Bin) and e.op in "+-") or row.truth is None:
        return 0.0
    a, b = rows.get(e.left), rows.get(e.right)
    if a is None or b is None or a.truth is None or b.truth is None or not (_inexact(a) or _inexact(b)):
        return 0.0
    r = abs(_fraction(row.truth))
    terms = abs(_fraction(a.truth)) + abs(_fraction(b.truth))
    if r == 0:
        return math.inf
    amp = terms / r
    return math.log2(amp.numerator) - math.log2(amp.denominator) if amp > 0 else 0.0


def _condition(oracle: Oracle, e: Expr, arg: NodeRow, node: NodeRow) -> float:
    """|u f'(u) / f(u)| for a one-argument function or a power, at the true argument u.

    f(u) is the node's own truth (from the exact inputs): recomputing it from u's
    ball would fail where it matters most, log(exp(1e-300)), whose argument is 1
    to 256 bits while the log is 1e-300.
    """
    if arg.truth is None or node.truth is None:
        return 1.0
    u = Var("u")
    if isinstance(e, Call) and len(e.args) == 1:
        fn: Expr = Call(e.fn, (u,))
    elif isinstance(e, Bin) and e.op == "**" and _is_leaf(e.right):
        fn = Bin("**", u, e.right)
    else:
        return 1.0
    try:
        d = oracle.evaluate(Diff(fn, "u", 1), {"u": arg.truth.value})
    except LimitExceeded:
        raise
    except Exception:
        return 1.0
    if d is None:
        return 1.0
    fv = _fraction(node.truth)
    if fv == 0:
        return math.inf
    try:
        return float(abs(_fraction(arg.truth) * _fraction(d) / fv))
    except OverflowError:
        return math.inf


def _amplification(oracle: Oracle, e: Expr, rows: Mapping[Expr, NodeRow]) -> tuple[float, Expr | None]:
    """(condition number, argument) for a function or power of an inexact argument; (1, None) otherwise."""
    if isinstance(e, Call) and len(e.args) == 1:
        arg = e.args[0]
    elif isinstance(e, Bin) and e.op == "**":
        arg = e.left
    else:
        return 1.0, None
    a = rows.get(arg)
    if a is None or not _inexact(a):
        return 1.0, None
    return _condition(oracle, e, a, rows[e]), arg


def _origin(rows_list: list[NodeRow], side_bits: float, fmt: FloatFormat) -> NodeRow:
    """The innermost subexpression that already carries (nearly) all of the side's error."""
    top = min(side_bits, fmt.precision)
    need = max(top - 2, 0.75 * top)  # small errors: a 1-ulp leaf is no origin of a 5-ulp side
    for row in rows_list:
        if row.truth is None or _is_leaf(row.expr):
            continue
        b = bits(row.ulps) if not math.isnan(row.ulps) else math.inf
        if b >= need:
            return row
    return rows_list[-1]


def diagnose(
    side_expr: Expr, side: str, inputs: Mapping[str, Any], backend: Any, oracle: Oracle = DEFAULT_ORACLE
) -> Cause:
    """The cause of ``side``'s error at ``inputs`` in ``backend`` (see the module docstring).

    The story is read at the *origin*: the innermost subexpression whose error
    is already (nearly) the side's, so ``log(1 - x)/log(1 + x)`` at x = 1e-20
    is told as the logs' loss of ``1 - x`` and ``1 + x``, not as the division.
    A side that ends up nan is labelled undefined, with that story as the reason.
    """
    fmt: FloatFormat = backend.format
    rows_list = node_rows(side_expr, inputs, backend, oracle)
    top = rows_list[-1]
    rows = {r.expr: r for r in rows_list}
    if top.truth is None:
        label = "unknown" if top.note.startswith("the oracle") else "undefined"
        return Cause(label, side, "", f"{side} has no true value here ({top.note})", math.nan)
    if top.ulps == 0:
        return Cause("exact", side, "", f"{side} is correctly rounded here", 0.0)
    side_bits = bits(top.ulps) if not math.isnan(top.ulps) else math.inf
    n_ops = sum(not _is_leaf(e) for e in rows)
    if side_bits <= SMALL_BITS and not isinstance(top.expr, UserCall):
        return Cause(
            "rounding", side, "", f"rounding error accumulated over {n_ops} operation{'s' * (n_ops != 1)}", side_bits
        )
    origin = _origin(rows_list, side_bits, fmt)
    inside = set(subexpressions(origin.expr))
    for row in rows_list:  # an overflow or underflow is correctly rounded, so it can hide below the origin
        found = _abnormal(row, fmt) if row.expr in inside else None
        if found is not None:
            return Cause(found[0], side, row.text, found[1], side_bits)
    label, node, detail, amp = _at_origin(origin, rows, oracle, n_ops, origin is top)
    if label == "finite_difference" and getattr(backend, "autodiff", False):  # torch, jax: no quotient
        label, detail = "rounding", f"`{node}` is {backend.name}'s autograd: rounding in its forward and backward pass"
    if math.isnan(top.value):
        nan = next(r for r in rows_list if math.isnan(r.value) and r.truth is not None)
        detail = f"`{nan.text}` is nan in {fmt.name} but {_short(nan)} in the reals" + (
            f", because {detail[0].lower()}{detail[1:]}" if nan is not origin else ""
        )
        return Cause("undefined", side, nan.text, detail, side_bits, amp)
    return Cause(label, side, node, detail, side_bits, amp)


def _at_origin(
    origin: NodeRow, rows: Mapping[Expr, NodeRow], oracle: Oracle, n_ops: int, is_top: bool
) -> tuple[str, str, str, float]:
    """(label, node, detail, amplification) for the subexpression where the error starts."""
    e, text = origin.expr, origin.text
    if isinstance(e, Diff):
        return (
            "finite_difference",
            text,
            f"`{text}` is a central difference quotient in floats: truncation plus rounding",
            1.0,
        )
    if isinstance(e, UserCall):  # the user's code: opaque here, judged against its definition
        fn: Any = e.function
        return (
            "implementation",
            text,
            f"`{text}` is your code ({fn.label}): {origin.ulps:.3g} ulp off its definition "
            f"{fn.name}({', '.join(fn.params)}) = {fn.definition} at these arguments",
            1.0,
        )
    lg = _cancellation(e, rows)
    if math.isinf(lg):
        return (
            "cancellation",
            text,
            f"`{text}` cancels completely: its true value is 0, so all that is left is the rounding error of its terms",
            math.inf,
        )
    if lg >= CANCEL_BITS:
        return (
            "cancellation",
            text,
            f"`{text}` cancels: its result is 2^{lg:.0f} times smaller than its terms, "
            f"so their rounding errors are magnified 2^{lg:.0f} times",
            2.0 ** min(lg, 1023),
        )
    cond, arg = _amplification(oracle, e, rows)
    if arg is not None and cond >= 4:
        return (
            "rounding",
            text,
            f"the rounding error of `{arg}` is amplified {cond:.2g}x by `{text}` (its condition number)",
            cond,
        )
    if isinstance(e, Sum):
        return "rounding", text, f"rounding error accumulated over the terms of the sum over {e.var}", 1.0
    return (
        "rounding",
        "" if is_top else text,
        f"rounding error accumulated over {n_ops} operation{'s' * (n_ops != 1)}",
        1.0,
    )
