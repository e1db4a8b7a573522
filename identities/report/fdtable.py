"""The notebook's finite-difference table: difference quotients against the true derivative.

The user's notebook printed ``(f(1 + h) - f(1))/h`` for f = 3x^2 - 4x and
h = 0.1 ... 1e-5 and watched it approach 2. This module extends that table to
h = 1e-1 ... 1e-16, for the forward and the central quotient, each with its
error against the oracle's derivative (Taylor arithmetic on balls, so exact to
far below the quotients' error). Two errors compete:

- truncation, from the Taylor terms the quotient drops: ~ |f''| h / 2 forward,
  ~ |f'''| h^2 / 6 central; it shrinks with h;
- rounding, from subtracting two nearly equal values of f and dividing by h:
  ~ eps |f| / h; it grows as h shrinks.

Their sum is smallest near h = sqrt(eps) (forward) and cbrt(eps) (central),
times the scale of x; for order n, eps**(1/(n+1)) and eps**(1/(n+2)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from identities.evaluate.values import UNDEFINED
from identities.language.expr import Diff, Expr, walk
from identities.oracle.scalar import DEFAULT_ORACLE, Oracle
from identities.registry.files import Identity

__all__ = ["FDRow", "FDTable", "find_diff", "finite_difference_table", "own_diff", "STEPS"]

STEPS = tuple(10.0**-k for k in range(1, 17))


@dataclass(frozen=True)
class FDRow:
    """One step h: the forward and central quotients and their absolute errors (nan if undefined)."""

    h: float
    forward: float
    forward_error: float
    central: float
    central_error: float


@dataclass(frozen=True)
class FDTable:
    """Everything ``identities explain`` prints for one ``diff`` at one point in one backend."""

    identity: str
    backend: str
    diff: str
    var: str
    order: int
    at: Mapping[str, Any]
    truth: float
    rows: tuple[FDRow, ...]
    best_forward: FDRow | None
    best_central: FDRow | None
    theory_forward: float
    theory_central: float
    refined_forward: float | None = None
    refined_central: float | None = None
    engine_step: float = math.nan
    eps: float = math.nan
    # the error model's coefficients: truncation ~ c_trunc * h**k, rounding ~ c_round / h**order
    model: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        from identities.check.results import json_value

        def row(r: FDRow | None) -> Any:
            if r is None:
                return None
            return {
                "h": r.h,
                "forward": json_value(r.forward),
                "forward_error": json_value(r.forward_error),
                "central": json_value(r.central),
                "central_error": json_value(r.central_error),
            }

        return {
            "diff": self.diff,
            "var": self.var,
            "order": self.order,
            "at": {k: json_value(v) for k, v in self.at.items()},
            "truth": json_value(self.truth),
            "rows": [row(r) for r in self.rows],
            "best": {
                "forward": json_value(self.best_forward.h if self.best_forward else None),
                "central": json_value(self.best_central.h if self.best_central else None),
            },
            "theory": {
                "forward": json_value(self.theory_forward),
                "central": json_value(self.theory_central),
                "refined_forward": json_value(self.refined_forward),
                "refined_central": json_value(self.refined_central),
            },
            "engine_step": json_value(self.engine_step),
        }

    def text(self) -> str:
        """The table as the terminal shows it."""
        at = ", ".join(f"{k}={v!r}" for k, v in self.at.items())
        out = [
            f"{self.diff} at {at} in {self.backend}; the oracle's derivative is {self.truth!r}",
            f"  {'h':>7}  {'forward quotient':>24} {'error':>9}   {'central quotient':>24} {'error':>9}",
        ]
        for r in self.rows:
            out.append(
                f"  {r.h:>7.0e}  {_num(r.forward):>24} {_err(r.forward_error):>9}   "
                f"{_num(r.central):>24} {_err(r.central_error):>9}"
            )
        for name, best, theory, refined, rule in (
            ("forward", self.best_forward, self.theory_forward, self.refined_forward, f"eps^(1/{self.order + 1})"),
            ("central", self.best_central, self.theory_central, self.refined_central, f"eps^(1/{self.order + 2})"),
        ):
            if best is None:
                continue
            err = best.forward_error if name == "forward" else best.central_error
            line = (
                f"  best {name} step: h = {best.h:.0e} (error {_err(err)}); theory: "
                f"{rule} x max(|{self.var}|, 1) = {theory:.1e}"
            )
            if refined is not None:
                line += f", from f and its derivatives {_step(refined)}"
            out.append(line)
        out.append(f"  ({self.backend}'s diff {own_diff(self.backend, self.engine_step)})")
        return "\n".join(out)


def _num(v: float) -> str:
    return "undefined" if math.isnan(v) else repr(v)


def _err(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.1e}"


def _step(v: float) -> str:
    return "any (no truncation error)" if math.isinf(v) else f"{v:.1e}"


def find_diff(ident: Identity) -> Diff | None:
    """The first ``diff`` in the identity, left side first."""
    for side in (ident.lhs, ident.rhs):
        for node in walk(side):
            if isinstance(node, Diff):
                return node
    return None


def _quotients(backend: Any, body: Expr, env: Mapping[str, Any], var: str, order: int, h: float) -> tuple[float, float]:
    """Forward and central difference quotients of order ``order`` with step h, in the backend's arithmetic."""
    f = backend.compile(body)
    ctx = backend
    x = env[var]
    hh = ctx.from_float(backend.format.round(h))

    def at(m: float) -> Any:
        inner = dict(env)
        inner[var] = ctx.add(x, ctx.mul(ctx.from_float(float(m)), hh)) if m else x
        v = f(inner)
        if v is UNDEFINED:
            raise ValueError
        return v

    def combine(offsets: list[float], denom: Any) -> float:
        acc: Any = ctx.from_float(0.0)
        for i, m in enumerate(offsets):
            w = math.comb(order, i) * (-1 if i % 2 else 1)
            acc = ctx.add(acc, ctx.mul(ctx.from_float(float(w)), at(m)))
        return backend.to_float(ctx.div(acc, ctx.pow(denom, order)))

    try:
        forward = combine([order - i for i in range(order + 1)], hh)
    except (ValueError, ZeroDivisionError, OverflowError):
        forward = math.nan
    try:
        if order % 2:
            central = combine([order - 2 * i for i in range(order + 1)], ctx.mul(ctx.from_float(2.0), hh))
        else:
            central = combine([order // 2 - i for i in range(order + 1)], hh)
    except (ValueError, ZeroDivisionError, OverflowError):
        central = math.nan
    return forward, central


def _error(q: float, truth: Fraction) -> float:
    if not math.isfinite(q):
        return math.nan if math.isnan(q) else math.inf
    return float(abs(Fraction(q) - truth))


def own_diff(backend: str, step: float) -> str:
    """What the backend's own ``diff`` is: the central quotient with its step, or autograd (torch, jax)."""
    return "is autograd, not a quotient" if math.isnan(step) else f"uses the central quotient with h = {step:.3g}"


def finite_difference_table(
    ident: Identity, backend: Any, at: Mapping[str, Any], oracle: Oracle = DEFAULT_ORACLE
) -> FDTable:
    """The table for the identity's first ``diff`` at the point ``at`` (values for every variable)."""
    node = find_diff(ident)
    if node is None:
        raise ValueError(f"identity {ident.name!r} has no diff(...)")
    fmt = backend.format
    exact = {k: (v if isinstance(v, int) else fmt.round(float(v))) for k, v in at.items()}
    env = {k: backend.convert_input(v) for k, v in exact.items()}
    truth_t = oracle.evaluate(node, exact)
    if truth_t is None:
        raise ValueError(f"{node} is undefined at {dict(at)}")
    truth = truth_t.to_fraction()
    rows = []
    for h in STEPS:
        fwd, cen = _quotients(backend, node.body, env, node.var, node.order, h)
        rows.append(FDRow(h, fwd, _error(fwd, truth), cen, _error(cen, truth)))
    x = float(exact[node.var])
    scale = max(abs(x), 1.0)
    n = node.order
    eps = fmt.eps

    def best(key: str) -> FDRow | None:
        ok = [r for r in rows if math.isfinite(getattr(r, key))]
        return min(ok, key=lambda r: getattr(r, key)) if ok else None

    refined_f = refined_c = None
    model: dict[str, float] = {}
    if n == 1:
        vals = {}
        for k in (0, 2, 3):
            e = node.body if k == 0 else Diff(node.body, node.var, k)
            t = oracle.evaluate(e, exact)
            vals[k] = abs(float(t.to_fraction())) if t is not None else math.nan
        f0, f2, f3 = vals[0], vals[2], vals[3]
        if all(math.isfinite(v) for v in (f0, f2, f3)):
            fscale = max(f0, fmt.min_normal)
            refined_f = 2 * math.sqrt(eps * fscale / f2) if f2 > 0 else math.inf
            refined_c = (3 * eps * fscale / f3) ** (1 / 3) if f3 > 0 else math.inf
            model = {"f": f0, "f2": f2, "f3": f3}
    return FDTable(
        identity=ident.name,
        backend=backend.name,
        diff=str(node),
        var=node.var,
        order=n,
        at=exact,
        truth=float(fmt.round(truth)),
        rows=tuple(rows),
        best_forward=best("forward_error"),
        best_central=best("central_error"),
        theory_forward=eps ** (1 / (n + 1)) * scale,
        theory_central=eps ** (1 / (n + 2)) * scale,
        refined_forward=refined_f,
        refined_central=refined_c,
        engine_step=math.nan if getattr(backend, "autodiff", False) else fmt.round(eps ** (1.0 / (n + 2)) * scale),
        eps=eps,
        model=model,
    )
