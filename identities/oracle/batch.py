"""The oracle for many points at once: the same decisions as ``Oracle.compare``, at array scale.

python-flint has no elementwise vector functions for ``arb`` (``arb_mat`` is
linear algebra), so balls are evaluated point by point; what this module
removes is everything around the ball arithmetic:

- **A generated fast path.** Both sides are compiled together into one Python
  function whose loop body is straight-line code, ``t1 = t0.log()``, with the
  loop over points inside it: no closure per node, no dict per point, one
  ``precision`` (a locked ``workprec``) per precision for the whole batch. Its source is generated from
  the ``Expr`` records (node kinds, method names from a fixed table, constants
  bound by name in its namespace), never from user text.
- **Checks by exception.** The checked operations of the scalar oracle
  (``log`` of a ball that may be <= 0, a division by a ball holding 0...) are
  replaced by the plain arb method and one ``is_finite()`` on its result: arb
  returns an indeterminate ball whenever an input leaves the function's domain,
  even partly, so a finite result certifies the input was inside and the
  value is the one the scalar oracle computes. Anything else (a non-finite
  ball, a ``comb`` that needs its exactness rules, an exception) sends *that
  point* to ``Oracle.compare``, the reference.
- **Precision raised per point.** All points are tried at ``start_bits``; only
  those whose balls are still too wide are tried again at the next precision,
  so one hard point does not slow the rest.

Expressions with ``diff`` or ``sum`` (arb_series, exact sums) use
``Oracle.compare`` per point throughout.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flint import arb, fmpz

from identities.evaluate.values import Undefined, check_int_bits, int_pow
from identities.language.expr import Bin, Call, Const, Expr, Neg, Num, UserCall, Var
from identities.oracle.scalar import (
    BOTH_UNDEFINED,
    DEFAULT_ORACLE,
    HOLDS,
    LHS_UNDEFINED,
    REFUTED,
    RHS_UNDEFINED,
    UNKNOWN,
    ArbContext,
    NeedPrecision,
    Oracle,
    OutOfRange,
    precision,
)

__all__ = ["BatchOracle", "OracleColumns", "STATUSES", "STATUS_CODE"]

STATUSES = (HOLDS, REFUTED, LHS_UNDEFINED, RHS_UNDEFINED, BOTH_UNDEFINED, UNKNOWN)
STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}

# arb methods equal to the scalar oracle's checked function wherever their result is finite
_FAST = {
    name: name
    for name in (
        "exp",
        "expm1",
        "log",
        "log1p",
        "sqrt",
        "sin",
        "cos",
        "tan",
        "atan",
        "asin",
        "acos",
        "sinh",
        "cosh",
        "tanh",
        "asinh",
        "acosh",
        "atanh",
        "erf",
        "erfc",
        "gamma",
        "lgamma",
    )
}
_EXACT_CALLS = ("factorial", "comb")
# calls whose value is always a ball when an argument is one; any other call (min, floor, fmod, ...) may
# return an exact int or rational, so the generated code treats its value as possibly exact
_BALL_CALLS = frozenset(_FAST)


class _Slow(Exception):
    """This point needs the scalar oracle."""


_CATCH = (_Slow, Undefined, NeedPrecision, OutOfRange, AttributeError, TypeError, ZeroDivisionError, ValueError)


@dataclass
class OracleColumns:
    """The oracle's decisions at n points: a status code (index into ``STATUSES``), each side's value
    as the nearest double (nan where undefined or unknown), and the bits each point took."""

    status: np.ndarray
    lhs: np.ndarray
    rhs: np.ndarray
    bits: np.ndarray
    per_point: int = 0
    notes: list[str] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [STATUSES[c] for c in self.status]


def _approx(v: Any) -> float:
    """A ball's midpoint (or an exact value) as the nearest double, +-inf beyond range."""
    if isinstance(v, arb):
        return float(v.mid())
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


class _Emitter:
    """Straight-line code for the two sides; None from ``side`` when a node is not supported."""

    def __init__(self, names: Sequence[str], ints: frozenset[str], octx: ArbContext):
        self.lines: list[str] = []
        self.ns: dict[str, Any] = {}
        self.count = itertools.count()
        self.args = {n: f"a{i}" for i, n in enumerate(names)}
        self.ints = ints
        self.octx = octx
        self.consts: set[str] = set()

    def tmp(self) -> str:
        return f"t{next(self.count)}"

    def bind(self, value: Any) -> str:
        name = f"K{len(self.ns)}"
        self.ns[name] = value
        return name

    def finite(self, t: str) -> None:
        self.lines.append(f"if not {t}.is_finite(): raise SLOW")

    def side(self, e: Expr) -> tuple[str, bool] | None:  # noqa: C901 - one dispatch over node types
        """Emit ``e``; returns (name, is_ball) where is_ball says the value is an arb (not int/fmpq)."""
        if isinstance(e, Num):
            return self.bind(self.octx.num(e)), False
        if isinstance(e, Const):
            self.consts.add(e.name)
            return f"C_{e.name}", True
        if isinstance(e, Var):
            return self.args[e.name], e.name not in self.ints
        if isinstance(e, Neg):
            a = self.side(e.arg)
            if a is None:
                return None
            t = self.tmp()
            self.lines.append(f"{t} = -{a[0]}")
            return t, a[1]
        if isinstance(e, Bin):
            a, b = self.side(e.left), self.side(e.right)
            if a is None or b is None:
                return None
            ball = a[1] or b[1]
            t = self.tmp()
            if e.op in "+-":
                self.lines.append(f"{t} = {a[0]} {e.op} {b[0]}")
            elif e.op == "*":
                self.lines.append(f"{t} = {a[0]} * {b[0]}" if ball else f"{t} = MUL({a[0]}, {b[0]})")
            elif e.op == "/":
                if ball:
                    self.lines.append(f"{t} = {a[0]} / {b[0]}")
                    self.finite(t)
                else:
                    self.lines.append(f"{t} = DIV({a[0]}, {b[0]})")
            elif not ball:
                self.lines.append(f"{t} = POW({a[0]}, {b[0]})")
            elif a[1] and isinstance(e.right, Num) and isinstance(e.right.value, int) and e.right.value >= 0:
                self.lines.append(f"{t} = {a[0]} ** {self.bind(fmpz(e.right.value))}")
                self.finite(t)
            else:
                self.lines.append(f"{t} = PW({a[0]}, {b[0]})")
            return t, ball
        if isinstance(e, Call):
            args = [self.side(a) for a in e.args]
            if any(a is None for a in args):
                return None
            t = self.tmp()
            if len(args) == 1 and args[0][1] and e.fn in _FAST:  # type: ignore[index]
                self.lines.append(f"{t} = {args[0][0]}.{_FAST[e.fn]}()")  # type: ignore[index]
                self.finite(t)
                return t, True
            if len(args) == 1 and args[0][1] and e.fn == "abs":  # type: ignore[index]
                self.lines.append(f"{t} = abs({args[0][0]})")  # type: ignore[index]
                return t, True
            fn = self.bind(self.octx.function(e.fn))
            self.lines.append(f"{t} = {fn}({', '.join(a[0] for a in args)})")  # type: ignore[index]
            exact = (
                e.fn in _EXACT_CALLS
                or e.fn not in _BALL_CALLS
                and e.fn != "abs"
                or (
                    e.fn == "abs" and not args[0][1]  # type: ignore[index]
                )
            )
            return t, not exact
        if isinstance(e, UserCall):  # a user's function: its definition, exactly
            return self.side(e.exact)
        return None  # diff, sum and anything newer: the scalar oracle


def _mul(a: Any, b: Any, mul: Any) -> Any:
    if type(a) is int and type(b) is int:
        check_int_bits(a.bit_length() + b.bit_length(), "an integer product")
        return a * b
    return mul(a, b)


def _pow(a: Any, b: Any, pow_: Any) -> Any:
    if type(a) is int and type(b) is int and b >= 0:
        return int_pow(a, b)
    return pow_(a, b)


def _narrow(name: str) -> str:
    """Narrow enough to decide: exact values always; a ball to ``HOLD`` bits (an exact ball reports the
    largest accuracy). Checked by type at run time: a checked function may return an exact value where a
    ball was expected."""
    return f"(type({name}) is not ARB or {name}.rel_accuracy_bits() >= HOLD)"


def _as_float(name: str) -> str:
    return f"(FLOAT({name}.mid()) if type({name}) is ARB else APPROX({name}))"


def _generate(lhs: Expr, rhs: Expr, names: Sequence[str], ints: frozenset[str], octx: ArbContext) -> Any:
    """The batch function for one identity, or None when the fast path does not apply.

    ``run(todo, cols, C, HOLD, ST, LV, RV)`` evaluates the points ``todo``
    (``cols`` holds their values, in the same order) at the current precision,
    writes each decided point's status code (0 holds, 1 refuted) and side
    values into the lists ST, LV, RV at its index, and returns ``(retry,
    slow)``: the points that need more bits, and those for the scalar oracle.
    """
    em = _Emitter(names, ints, octx)
    left = em.side(lhs)
    right = em.side(rhs)
    if left is None or right is None:
        return None
    helpers = dict(
        SLOW=_Slow(),
        ARB=arb,
        CATCH=_CATCH,
        MUL=lambda a, b: _mul(a, b, octx.mul),
        DIV=octx.div,
        POW=lambda a, b: _pow(a, b, octx.pow),
        PW=octx.pow,
        FLOAT=float,
        APPROX=_approx,
    )
    em.ns.update(helpers)
    body = [f"{k} = G_{k}" for k in helpers]  # globals as locals: the loop looks them up every point
    body += [f"C_{c} = C[{c!r}]" for c in sorted(em.consts)]
    body += [
        "retry = []",
        "slow = []",
        "ra = retry.append",
        "sa = slow.append",
        f"for {', '.join(['i'] + [f'v{k}' for k in range(len(names))])}, in zip(todo, *cols):",
        "    try:",
    ]
    for k, n in enumerate(names):
        body.append(f"        a{k} = v{k}" if n in ints else f"        a{k} = ARB(v{k})")
    body += [f"        {line}" for line in em.lines]
    body += [
        f"        L = {left[0]}",
        f"        R = {right[0]}",
        "        d = L - R",
        "        if d > 0 or d < 0:",
        "            code = 1",
        f"        elif {_narrow('L')} and {_narrow('R')}:",
        "            code = 0",
        "        else:",
        "            ra(i)",
        "            continue",
        "        ST[i] = code",
        f"        LV[i] = {_as_float('L')}",
        f"        RV[i] = {_as_float('R')}",
        "    except CATCH:",
        "        sa(i)",
        "return retry, slow",
    ]
    src = "def run(todo, cols, C, HOLD, ST, LV, RV):\n" + "\n".join("    " + line for line in body) + "\n"
    for key, v in helpers.items():
        em.ns[f"G_{key}"] = v
    exec(compile(src, "<identities.oracle.batch>", "exec"), em.ns)  # noqa: S102 - source built from Expr nodes
    run = em.ns["run"]
    run.source = src
    return run


class BatchOracle:
    """``Oracle.compare`` over columns of points; see the module docstring."""

    def __init__(self, oracle: Oracle | None = None):
        self.oracle = oracle or DEFAULT_ORACLE
        self._ctx = ArbContext()
        self._runs: dict[tuple, Any] = {}

    def __repr__(self) -> str:
        return f"BatchOracle({self.oracle!r})"

    def program(self, lhs: Expr, rhs: Expr, names: Sequence[str], ints: frozenset[str]) -> Any:
        """The generated batch function (None when the identity needs the scalar oracle throughout)."""
        key = (lhs, rhs, tuple(names), ints)
        if key not in self._runs:
            self._runs[key] = _generate(lhs, rhs, names, ints, self._ctx)
        return self._runs[key]

    def compare(
        self,
        lhs: Expr,
        rhs: Expr,
        columns: Mapping[str, Any],  # each a sequence or a numpy array
        n: int,
        ints: frozenset[str] | set[str] = frozenset(),
    ) -> OracleColumns:
        """Decide lhs == rhs at n points; ``columns`` holds each variable's values (floats exact, ints)."""
        names = list(columns)
        cols = [list(columns[k]) if not isinstance(columns[k], np.ndarray) else columns[k].tolist() for k in names]
        ints = frozenset(ints)
        st: list[int] = [STATUS_CODE[UNKNOWN]] * n
        lv: list[float] = [math.nan] * n
        rv: list[float] = [math.nan] * n
        bits = np.zeros(n, dtype=np.int32)
        run = self.program(lhs, rhs, names, ints)
        slow: list[int] = []
        todo: list[int] = list(range(n))
        notes = []
        if run is None:
            slow, todo = todo, []
            notes.append("diff/sum: the oracle evaluates each point on its own")
        o = self.oracle
        for prec in o.precisions:
            if not todo:
                break
            with precision(prec):
                consts = {"pi": arb.pi(), "e": arb.const_e()}
                sub = cols if len(todo) == n else [[c[i] for i in todo] for c in cols]
                before = todo
                todo, more = run(todo, sub, consts, o.hold_bits, st, lv, rv)
            bits[before] = prec  # every point tried here; overwritten where it goes on
            slow.extend(more)
        status = np.array(st, dtype=np.int8)
        lt, rt = np.array(lv, dtype=np.float64), np.array(rv, dtype=np.float64)
        out = OracleColumns(status, lt, rt, bits, notes=notes)
        for i in todo:
            bits[i] = o.cap_bits
        for i in sorted(slow):
            p = o.compare(lhs, rhs, {k: c[i] for k, c in zip(names, cols)})
            status[i], bits[i] = STATUS_CODE[p.status], p.bits
            lt[i] = _approx(p.lhs.value) if p.lhs is not None else np.nan
            rt[i] = _approx(p.rhs.value) if p.rhs is not None else np.nan
        out.per_point = len(slow)
        return out
