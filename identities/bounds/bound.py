"""Proven round-off bounds of an expression, and of an identity, over its whole (bounded) domain.

``bound_expr`` gives a ``Bound``: an upper bound of |float evaluation - exact value| over every input the
domain admits, under the backend's error model (``identities.bounds.model``), by the Taylor form
(``identities.bounds.taylor``) maximised by branch and bound (``identities.bounds.optimise``). Where the
exact value stays away from 0 it also bounds the relative error and the ulps between the float result and
the exact value rounded to the format. ``bound_identity`` bounds both sides: their sum bounds
|lhs_float - rhs_float| beyond the exact difference (which is 0 where the identity holds).

No bound (``abs`` None, and ``reason``) for what cannot be bounded soundly: unbounded domains, poles and
branch points inside the domain, ``diff``, generated functions, vectors, a function without an error
figure. A bound is never guessed.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flint import ctx

from identities.bounds.build import NeedsFixed, build_form
from identities.bounds.model import ErrorModel, model_for
from identities.bounds.optimise import Box, Search, branch_and_bound
from identities.bounds.ranges import exact_sum
from identities.bounds.taylor import BoxEval, Form, NoBound
from identities.language.domains import Domain, kind_interval
from identities.language.expr import Expr, Num, free_vars
from identities.language.tolerance import Tolerance
from identities.numbers.formats import FloatFormat

__all__ = [
    "Bound",
    "IdentityBound",
    "bound_expr",
    "bound_identity",
    "domain_box",
    "DEFAULT_SECONDS",
    "PRECISION",
    "MAX_CASES",
]

DEFAULT_SECONDS = 1.0
PRECISION = 64  # bits of the balls; the bounds need a few correct digits, not many
BOXES_PER_SECOND = 2000  # the budget is counted in box evaluations (deterministic), about this many a second
WALL_FACTOR = 4.0  # and capped at this many times the budget in wall time, on a slow or busy machine
MAX_CASES = 64  # a sum whose bounds depend on integer variables: bounded for each of at most this many values
CASE_SECONDS = 0.02  # ... given at least this budget per value (else no bound: say what budget would do)


@dataclass(frozen=True)
class Bound:
    """A proven bound of one expression's round-off error on one backend, or why there is none.

    ``abs``: sup |float - exact| over the domain; ``rel``: sup of that over |exact| and ``ulps``: the
    largest distance in ulps between the float result and the exact value rounded to the format, both
    only where the exact value is bounded away from 0. ``model`` says what is assumed; ``complete`` that
    the branch and bound converged (to ``fraction`` of the value found) rather than ran out of time;
    ``where`` is the sub-box with the largest bound and the operation whose term dominates there;
    ``reason`` why there is no bound.
    """

    abs: float | None = None
    rel: float | None = None
    ulps: float | None = None
    model: str = ""
    complete: bool = False
    where: str = ""
    reason: str = ""
    seconds: float = 0.0
    boxes: int = 0

    @property
    def proven(self) -> bool:
        return self.abs is not None

    def to_json(self) -> dict[str, Any]:
        if self.abs is None:
            return {"abs": None, "reason": self.reason}
        return {
            "abs": self.abs,
            "rel": self.rel,
            "ulps": self.ulps,
            "model": self.model,
            "complete": self.complete,
            "where": self.where,
        }

    def __str__(self) -> str:
        if self.abs is None:
            return f"no bound: {self.reason}"
        parts = [f"{self.abs:.3g} abs"]
        if self.rel is not None:
            parts.append(f"{self.rel:.3g} rel")
        if self.ulps is not None:
            parts.append(f"{_count(self.ulps)} ulp")
        return " or ".join(parts) + ("" if self.complete else " (budget cut short: looser)")


@dataclass(frozen=True)
class IdentityBound:
    """Both sides' bounds; ``abs``/``ulps`` bound |lhs_float - rhs_float| where the identity holds."""

    lhs: Bound
    rhs: Bound
    abs: float | None = None
    rel: float | None = None
    ulps: float | None = None

    @property
    def proven(self) -> bool:
        return self.abs is not None

    @property
    def reason(self) -> str:
        for side, b in (("lhs", self.lhs), ("rhs", self.rhs)):
            if b.abs is None:
                return f"{side}: {b.reason}"
        return ""

    @property
    def complete(self) -> bool:
        return self.lhs.complete and self.rhs.complete

    def proves(self, tolerance: Tolerance | None) -> bool:
        """Whether every pair of float results the domain can give passes ``tolerance`` (given the identity
        holds in exact arithmetic, which is the oracle's business)."""
        if tolerance is None or self.abs is None:
            return False
        if tolerance.ulps is not None and self.ulps is not None and self.ulps <= tolerance.ulps:
            return True
        if tolerance.rel is not None and self.rel is not None and self.rel <= tolerance.rel:
            return True
        return tolerance.abs is not None and self.abs <= tolerance.abs

    def sufficient(self) -> str | None:
        """The tolerance proven to suffice, in words: ``3 ulp``, else ``1.2e-15 rel``, else ``4e-300 abs``."""
        if self.ulps is not None:
            return f"{_count(self.ulps)} ulp"
        if self.rel is not None:
            return f"{self.rel:.2g} rel"
        return f"{self.abs:.2g} abs" if self.abs is not None else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"abs": self.abs, "rel": self.rel, "ulps": self.ulps}
        if self.abs is None:
            out["reason"] = self.reason
        out["complete"] = self.complete
        out["lhs"] = self.lhs.to_json()
        out["rhs"] = self.rhs.to_json()
        return out


def _count(u: float) -> str:
    return str(int(u)) if u < 1e6 else f"{u:.3g}"


def domain_box(
    variables: Sequence[tuple[str, Domain]], fmt: FloatFormat, env: Mapping[str, int] | None = None
) -> tuple[Box, frozenset[str]]:
    """The box of inputs the domains admit in ``fmt`` (and which variables are integers); NoBound why not.
    ``env``: integer variables held at one value (a bound may depend on them)."""
    from identities.draws.inputs import Plan

    env = env or {}
    box: Box = {}
    integers = set()
    for name, d in variables:
        if d.size is not None:
            raise NoBound("vectors are not bounded")
        if d.depends_on - set(env):
            raise NoBound(f"the bounds of {name} depend on {', '.join(sorted(d.depends_on))}")
        r = Plan(name, d, fmt).resolve(env)
        if r is None:
            raise NoBound(f"the domain of {name} is empty")
        if isinstance(r, tuple):
            box[name] = (float(r[0]), float(r[1]))
            integers.add(name)
            continue
        lo_k, hi_k, _ = kind_interval(d.kind)
        if d.hi is None and hi_k == math.inf:
            raise NoBound(f"{name} unbounded above")
        if d.lo is None and lo_k == -math.inf:
            raise NoBound(f"{name} unbounded below")
        box[name] = (r.lo, r.hi)
    return box, frozenset(integers)


def _ulps(ev: BoxEval, fmt: FloatFormat) -> float:
    """Ulps between the float result and the exact value rounded to the format, over one box: both lie
    within d of the exact value y, so they are at most 2d apart, with floats at least spacing(|y| - d)."""
    d = ev.error
    if not math.isfinite(d):
        return math.inf
    if d == 0:
        return 0.0
    m = ev.low - d
    if m <= 0 or not math.isfinite(ev.high):
        return math.inf
    low, high = _spacing(m, fmt), _spacing(ev.high, fmt)
    # both within d of y: at most 2d apart; or: the rounded truth within half a spacing of y
    return float(min(math.floor(2 * d / low), math.floor((d + high / 2) / low)))


def _spacing(m: float, fmt: FloatFormat) -> float:
    e = max(math.frexp(m)[1] - 1, fmt.emin)
    return math.ldexp(1.0, e + 1 - fmt.precision)


def _rel(ev: BoxEval) -> float:
    return ev.error / ev.low if ev.low > 0 and math.isfinite(ev.error) else math.inf


def _describe(form: Form, search: Search, integers: frozenset[str]) -> str:
    def show(name: str, lo: float, hi: float) -> str:
        if lo == hi:
            return f"{name} = {lo:.6g}"
        return f"{name} in [{lo:.6g}, {hi:.6g}]"

    box = ", ".join(show(n, lo, hi) for n, (lo, hi) in search.where.items())
    top = search.top.top if search.top is not None else -1
    if top < 0:
        return box
    node = form.nodes[top]
    what = f"the reading of {node.text}" if node.op == "const" else f"the rounding of {node.text}"
    return f"{box}; largest term: {what}" if box else f"largest term: {what}"


def bound_expr(
    expr: Expr,
    variables: Sequence[tuple[str, Domain]],
    backend: str | ErrorModel,
    *,
    seconds: float = DEFAULT_SECONDS,
    fraction: float = 0.05,
    ulps: bool = True,
) -> Bound:
    """A proven bound of ``expr``'s round-off error on ``backend`` over the domains' box.

    ``seconds`` is the budget of the branch and bound (half for the absolute error, half for the ulps
    when ``ulps``), counted in box evaluations (``BOXES_PER_SECOND``) so that the same call gives the same
    bound, with a wall-time cap; ``fraction`` how close to the largest value found it must get to stop.
    """
    started = time.perf_counter()
    model = backend if isinstance(backend, ErrorModel) else model_for(backend)
    if model is None:
        return Bound(reason=f"no error model for {backend}")
    names = free_vars(expr)
    kept = [(n, d) for n, d in variables if n in names]
    try:
        missing = names - {n for n, _ in variables}
        if missing:
            raise NoBound(f"undeclared variables {', '.join(sorted(missing))}")
        integers = frozenset(n for n, d in kept if d.is_integer)
        try:
            form = build_form(expr, model, integers, nonnegative=_nonnegative(kept))
        except NeedsFixed as need:
            return _by_cases(expr, kept, model, need, seconds=seconds, fraction=fraction, ulps=ulps, started=started)
        if form.exact:  # nothing rounded: exact wherever it is defined, whatever the domain
            return _exact(model, time.perf_counter() - started)
        box, integers = domain_box(kept, model.format)
    except NoBound as exc:
        return Bound(reason=str(exc), seconds=time.perf_counter() - started)
    out = _bound_form(form, box, integers, seconds=seconds, fraction=fraction, ulps=ulps)
    return replace(out, seconds=time.perf_counter() - started)


def _nonnegative(variables: Sequence[tuple[str, Domain]]) -> frozenset[str]:
    """The integer variables whose domain starts at a constant >= 0 (an int to their power stays an int)."""
    return frozenset(n for n, d in variables if d.is_integer and isinstance(d.lo, Num) and d.lo.value >= 0)


def _exact(model: ErrorModel, seconds: float) -> Bound:
    what = f"{model.format.name}: exact (nothing is rounded)"
    return Bound(abs=0.0, rel=0.0, ulps=0.0, model=what, complete=True, where="nothing is rounded", seconds=seconds)


def _bound_form(
    form: Form,
    box: Box,
    integers: frozenset[str],
    *,
    seconds: float,
    fraction: float,
    ulps: bool,
    floor: int = 50,
    slack: float = 0.5,
) -> Bound:
    """The branch and bound of one form over one box (``floor``: the fewest boxes of each search; ``slack``
    the seconds added to the wall-time cap)."""
    model = form.model
    with ctx.workprec(PRECISION):
        evaluate = form.evaluate

        share = seconds / 2 if ulps else seconds
        wall, boxes_budget = WALL_FACTOR * share + slack, max(floor, int(share * BOXES_PER_SECOND))
        search = branch_and_bound(
            evaluate,
            lambda ev: ev.error,
            box,
            seconds=wall,
            max_boxes=boxes_budget,
            fraction=fraction,
            integers=integers,
        )
        if search.failure:
            return Bound(reason=search.failure, boxes=search.boxes)
        fmt = model.format
        rel = ulp = None
        boxes = search.boxes
        if ulps and search.bound > 0:
            by_ulps = branch_and_bound(
                evaluate,
                lambda ev: _ulps(ev, fmt),
                box,
                seconds=wall,
                max_boxes=boxes_budget,
                fraction=max(fraction, 0.25),
                integers=integers,
            )
            boxes += by_ulps.boxes
            if not by_ulps.failure and math.isfinite(by_ulps.bound):
                ulp = by_ulps.bound
                rel = max(_rel(ev) for _, ev in by_ulps.leaves)
                rel = rel if math.isfinite(rel) else None
        elif search.bound == 0:
            ulp, rel = 0.0, 0.0
    return Bound(
        abs=search.bound,
        rel=rel,
        ulps=ulp,
        model=model.describe(form.used | _basic(form)),
        complete=search.complete,
        where=_describe(form, search, integers),
        boxes=boxes,
    )


def _by_cases(
    expr: Expr,
    kept: Sequence[tuple[str, Domain]],
    model: ErrorModel,
    need: NeedsFixed,
    *,
    seconds: float,
    fraction: float,
    ulps: bool,
    started: float,
) -> Bound:
    """A sum whose bounds depend on integer variables: one form per value of them (at most ``MAX_CASES``),
    each bounded over the rest of the box; the bound is the largest."""
    domains = dict(kept)
    fixed_names = sorted(need.names)
    if not all(n in domains and domains[n].is_integer for n in fixed_names):
        raise NoBound(str(need))
    ranges, _ = domain_box([(n, domains[n]) for n in fixed_names], model.format)
    values = [range(int(lo), int(hi) + 1) for lo, hi in (ranges[n] for n in fixed_names)]
    count = math.prod(len(v) for v in values)
    if count > MAX_CASES:
        raise NoBound(f"{need} ({count} values, more than {MAX_CASES})")
    integers = frozenset(n for n, d in kept if d.is_integer)
    rest = [(n, d) for n, d in kept if n not in need.names]
    if rest and seconds < count * CASE_SECONDS:  # with no variable left, each value is one evaluation
        why = f"bounded one by one with a budget of {count * CASE_SECONDS:g} s or more"
        raise NoBound(f"{need} ({count} values: {why})")
    worst: Bound | None = None
    complete, boxes = True, 0
    abs_ = 0.0
    rel: float | None = 0.0
    ulp: float | None = 0.0
    used: set[str] = set()
    for case in itertools.product(*values):
        env = dict(zip(fixed_names, case))
        try:
            form = build_form(expr, model, integers, fixed=env, nonnegative=_nonnegative(kept))
        except NeedsFixed as again:
            raise NoBound(str(again)) from None
        used |= form.used | _basic(form)
        if form.exact:
            b = _exact(model, 0.0)
        else:
            box, ints = domain_box(rest, model.format, env)
            share = seconds / count
            b = _bound_form(form, box, ints, seconds=share, fraction=fraction, ulps=ulps, floor=2, slack=0.5 / count)
        if b.abs is None:
            shown = ", ".join(f"{k} = {v}" for k, v in env.items())
            return Bound(reason=f"{b.reason} (at {shown})", seconds=time.perf_counter() - started)
        boxes += b.boxes
        complete = complete and b.complete
        if worst is None or b.abs > abs_:
            worst = replace(b, where=", ".join(f"{k} = {v}" for k, v in env.items()) + "; " + b.where)
        abs_ = max(abs_, b.abs)
        rel = None if rel is None or b.rel is None else max(rel, b.rel)
        ulp = None if ulp is None or b.ulps is None else max(ulp, b.ulps)
    assert worst is not None
    model_text = model.describe(used) if used else worst.model
    return Bound(
        abs=abs_,
        rel=rel,
        ulps=ulp,
        model=model_text,
        complete=complete,
        where=worst.where,
        seconds=time.perf_counter() - started,
        boxes=boxes,
    )


def _basic(form: Form) -> set[str]:
    return {n.op for n in form.nodes if n.op in ("+", "-", "*", "/", "sqrt", "convert") and n.entry is not None}


def bound_identity(ident: Any, backend: str | ErrorModel, *, seconds: float = DEFAULT_SECONDS) -> IdentityBound:
    """Bounds of both sides of an identity (a one-sided check: of its one side) and of their difference."""
    if ident.functions:
        none = Bound(reason="generated functions are not bounded")
        return IdentityBound(none, none)
    one_sided = bool(getattr(ident, "one_sided", False))
    share = seconds if one_sided else seconds / 2
    lhs = bound_expr(ident.lhs, ident.variables, backend, seconds=share)
    if lhs.abs is None:  # no bound of the difference: the other side need not be tried
        return IdentityBound(lhs, Bound(reason="not tried (the lhs has no bound)"))
    if one_sided:
        exact = Bound(abs=0.0, rel=0.0, ulps=0.0, model="exact", complete=True)
        return _combine(lhs, exact)
    rhs = bound_expr(ident.rhs, ident.variables, backend, seconds=share)
    return _combine(lhs, rhs)


def _combine(lhs: Bound, rhs: Bound) -> IdentityBound:
    if lhs.abs is None or rhs.abs is None:
        return IdentityBound(lhs, rhs)
    total = _sum_up(lhs.abs, rhs.abs)
    ulps = lhs.ulps + rhs.ulps if lhs.ulps is not None and rhs.ulps is not None else None
    rel = None
    if lhs.rel is not None and rhs.rel is not None:
        # |l - r| <= (rel_l + rel_r) |y|, and the larger of |l|, |r| is >= |y| (1 - max rel)
        worst = max(lhs.rel, rhs.rel)
        rel = _sum_up(lhs.rel, rhs.rel) / (1 - worst) if worst < 1 else None
        rel = math.nextafter(rel, math.inf) if rel is not None else None
    return IdentityBound(lhs, rhs, total, rel, ulps)


def _sum_up(a: float, b: float) -> float:
    s = a + b
    return s if exact_sum(a, b, s) else math.nextafter(s, math.inf)
