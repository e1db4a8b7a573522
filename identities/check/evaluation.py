"""One example evaluated: the backend's two sides, the oracle's verdict at that point, the error between them.

``Engine`` holds what a check of one identity on one backend compiles once (the sides, the tolerance, the
oracle, the deadlines) and turns inputs into ``Sample`` records, cached, so the search, the shrinking and
the simplification (``identities.check.search``, ``identities.check.simplify``) share every evaluation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flint import arb

from identities.check.results import Counterexample
from identities.errors import LimitExceeded
from identities.evaluate.values import UNDEFINED
from identities.language.expr import Bin, uses_diff
from identities.language.functions import Function
from identities.language.limits import EXAMPLE_SECONDS, IDENTITY_SECONDS, deadline
from identities.language.tolerance import Tolerance
from identities.numbers.formats import FloatFormat
from identities.numbers.metrics import absolute, relative
from identities.oracle.scalar import (
    BOTH_UNDEFINED,
    LHS_UNDEFINED,
    REFUTED,
    RHS_UNDEFINED,
    UNKNOWN,
    Oracle,
    OraclePoint,
    precision,
)
from identities.registry.files import Identity

__all__ = ["Engine", "Sample", "exact_input", "zero_resolution"]


@dataclass
class Sample:
    inputs: dict[str, Any]
    kind: str  # ok | precision_failure | refuted | domain_mismatch | undefined | unknown
    point: OraclePoint
    lhs: Any
    rhs: Any
    lf: float
    rf: float
    ulps: float
    rel: float
    abs: float
    component: tuple[int, tuple[float, ...]] | None = None  # a vector identity: (worst index, ulps of each)


class Engine:
    def __init__(
        self,
        ident: Identity,
        backend: Any,
        oracle: Oracle,
        tolerance: Tolerance | None,
        example_seconds: float = EXAMPLE_SECONDS,
        identity_seconds: float = IDENTITY_SECONDS,
    ):
        self.example_seconds = example_seconds
        self.identity_seconds = identity_seconds
        self.stop_at = time.monotonic() + identity_seconds
        self.tries = [0]  # draws attempted, rejected ones included
        self.ident = ident
        self.backend = backend
        self.oracle = oracle
        self.fmt: FloatFormat = backend.format
        self.is_float = bool(getattr(backend, "is_float", False))
        self.tolerance = tolerance
        self.size = ident.size  # None, or the components of a vector-valued identity
        self.functions = ident.functions  # drawn per example, then substituted and compiled
        self.instances: dict[tuple, tuple] = {}
        self.vectors = any(d.size is not None for _, d in ident.variables)
        self.convert = _vector_converter(backend) if self.vectors else backend.convert_input
        self.zero_below = zero_resolution(backend)
        self.one_sided = ident.one_sided  # an accuracy check: lhs against its own exact value
        if not self.functions:
            self.lhs = backend.compile(ident.lhs)
            self.rhs = self.lhs if self.one_sided else backend.compile(ident.rhs)
        self.cache: dict[tuple, Sample] = {}
        self.notes: list[str] = []  # what the result's message should say (an example skipped, ...)

    def instance(self, inputs: Mapping[str, Any]) -> tuple:
        """The sides with the drawn functions substituted, compiled: (lhs, rhs, lhs fn, rhs fn, numeric inputs)."""
        from identities.language.functions import substitute

        fns = {k: v for k, v in inputs.items() if isinstance(v, Function)}
        key = tuple(fns.items())
        hit = self.instances.get(key)
        if hit is None:
            lhs = substitute(self.ident.lhs, fns)
            rhs = lhs if self.one_sided else substitute(self.ident.rhs, fns)
            if len(self.instances) >= 1024:
                self.instances.clear()
            lhs_c = self.backend.compile(lhs)
            hit = self.instances[key] = (lhs, rhs, lhs_c, lhs_c if self.one_sided else self.backend.compile(rhs))
        return (*hit, {k: v for k, v in inputs.items() if k not in fns})

    def evaluate(self, inputs: Mapping[str, Any]) -> Sample:
        key = tuple(inputs.items())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        exact = {k: (v if isinstance(v, int) else v if type(v) is float else exact_input(v)) for k, v in inputs.items()}
        if self.functions:
            lhs_e, rhs_e, lhs_c, rhs_c, numeric = self.instance(exact)
        else:
            lhs_e, rhs_e, lhs_c, rhs_c, numeric = self.ident.lhs, self.ident.rhs, self.lhs, self.rhs, exact
        conv = self.convert
        env = {k: conv(v) for k, v in numeric.items()}
        component = None
        try:
            if self.one_sided:  # the backend's value against the oracle's truth, rounded to the format
                lhs = lhs_c(env)
                point = self.oracle.compare(lhs_e, lhs_e, numeric, self.zero_below)
                if self.is_float and point.lhs is not None and point.lhs.rounded(self.fmt) is None:
                    # the truth's rounding is uncertain at the cap: the point is not decided, never guessed
                    note = f"the rounding of the truth to {self.fmt.name} is uncertain at {self.oracle.cap_bits} bits"
                    point = OraclePoint(UNKNOWN, None, None, point.bits, note)
                rhs = self.truth_value(point)
                lf, rf, ulps, kind = self.judge(point, lhs, rhs)
            elif self.size is None:
                lhs, rhs = lhs_c(env), rhs_c(env)
                point = self.oracle.compare(lhs_e, rhs_e, numeric, self.zero_below)
                lf, rf, ulps, kind = self.judge(point, lhs, rhs)
            else:  # a vector identity is its worst component (see identities.language.vectors)
                from identities.check.components import worst_component

                lhs, rhs = lhs_c(env), rhs_c(env)
                from identities.evaluate.vectors import components

                points = self.oracle.compare_components(lhs_e, rhs_e, numeric, self.size, self.zero_below)
                i, per = worst_component(self.judge, points, lhs, rhs, self.size)
                point, lhs, rhs = points[i], components(lhs, self.size)[i], components(rhs, self.size)[i]
                lf, rf, ulps, kind = per[i]
                component = (i, tuple(p[2] for p in per))
        except OverflowError as exc:  # mpmath: exp(exp(1e308)) needs an integer with 1e308 bits to compute
            if self.is_float:  # a float backend (or the user's code in it) reports overflow its own way
                raise
            why = str(exc) if str(exc).startswith("exp, sinh") else "a value's exponent is beyond Python's integers"
            point = OraclePoint(UNKNOWN, None, None, 0, f"beyond {self.backend.name}'s range: {why}")
            nan = math.nan
            return Sample(exact, "unknown", point, UNDEFINED, UNDEFINED, nan, nan, nan, nan, nan)
        truth = point.rhs or point.lhs
        err_abs = absolute(lf, rf)
        err_rel = relative(lf, rf, truth.approx() if truth is not None else math.nan)
        sample = Sample(exact, kind, point, lhs, rhs, lf, rf, ulps, err_rel, err_abs, component)
        if len(self.cache) < 100_000:
            self.cache[key] = sample
        return sample

    def truth_value(self, point: OraclePoint) -> Any:
        """A one-sided check's other side: the oracle's truth as a value of the backend (a float backend's
        truth rounded to its format; mpmath's at its own precision), UNDEFINED where there is none."""
        if point.lhs is None:
            return UNDEFINED
        if self.is_float:
            return self.backend.from_float(point.lhs.to_float(self.fmt))
        return _mp_truth(self.backend, point.lhs)

    def judge(self, point: OraclePoint, lhs: Any, rhs: Any) -> tuple[float, float, float, str]:
        """One (scalar) value pair against the oracle's verdict at that point: (lf, rf, ulps, kind)."""
        lf, rf = self.backend.to_float(lhs), self.backend.to_float(rhs)
        if self.is_float:
            ulps = self.fmt.ulp_distance(lf, rf)
        else:
            ulps = self.backend.ulp_distance(lhs, rhs)
        status = point.status
        if status == BOTH_UNDEFINED:
            kind = "undefined"
        elif status == UNKNOWN:
            kind = "unknown"
        elif status == REFUTED:
            kind = "refuted"
        elif status in (LHS_UNDEFINED, RHS_UNDEFINED):
            kind = "domain_mismatch"
        elif self.is_float and self.tolerance is not None and not self.tolerance.passes(lf, rf, self.fmt):
            kind = "precision_failure"
        else:
            kind = "ok"
        return lf, rf, ulps, kind

    # -- counterexample records --------------------------------------------------------------
    def describe(self, s: Sample) -> Counterexample:
        fmt = self.fmt
        p = s.point
        tl = p.lhs.to_float(fmt) if p.lhs is not None else None
        tr = p.rhs.to_float(fmt) if p.rhs is not None else None
        if self.is_float:  # against the correctly rounded truth; nan where its rounding is uncertain at the cap
            el = _side_ulps(fmt, s.lf, p.lhs)
            er = _side_ulps(fmt, s.rf, p.rhs)
        else:
            el = self.backend.ulp_distance(s.lhs, _mp_truth(self.backend, p.lhs))
            er = self.backend.ulp_distance(s.rhs, _mp_truth(self.backend, p.rhs))
        culprit, cause = self._culprit(s, el, er, tl, tr)
        shown_l = _shown(self.backend, s.lhs, s.lf, self.is_float)
        shown_r = _shown(self.backend, s.rhs, s.rf, self.is_float)
        decimal = (str(p.lhs) if p.lhs is not None else None, str(p.rhs) if p.rhs is not None else None)
        return Counterexample(
            inputs=dict(s.inputs),
            lhs=shown_l,
            rhs=shown_r,
            truth_lhs=tl if p.lhs is not None else "undefined",
            truth_rhs=tr if p.rhs is not None else "undefined",
            truth_decimal=decimal,
            culprit=culprit,
            ulps=s.ulps,
            lhs_ulps=el,
            rhs_ulps=er,
            cause=cause,
            kind=s.kind,
            component=s.component[0] if s.component else None,
            component_ulps=s.component[1] if s.component else None,
        )

    def _culprit(self, s: Sample, el: float, er: float, tl: Any, tr: Any) -> tuple[str, str]:
        p = s.point
        if s.kind == "refuted":
            return "identity", f"the sides differ in exact arithmetic (relative difference {_rel(p.lhs, p.rhs):.3g})"
        if s.kind == "domain_mismatch":
            side = "lhs" if p.status == LHS_UNDEFINED else "rhs"
            other = "rhs" if side == "lhs" else "lhs"
            return side, f"{side} is undefined in the reals here while {other} is defined"
        if math.isnan(el) or math.isnan(er):
            which = " and ".join(n for n, e in (("lhs", el), ("rhs", er)) if math.isnan(e))
            return "uncertain", (
                f"the true {which} lies too close to a rounding boundary of {self.fmt.name} for the oracle's "
                f"{self.oracle.cap_bits} bits to round it: its error in ulps is uncertain"
            )
        if el == er:
            culprit = "both" if el > 0 else "none"
        else:
            culprit = "lhs" if el > er else "rhs"
        side = culprit if culprit in ("lhs", "rhs") else "lhs"
        value, truth = (s.lf, tl) if side == "lhs" else (s.rf, tr)
        return culprit, _cause(self, side, value, truth, s.inputs)


def _cause(engine: Engine, side: str, value: float, truth: Any, inputs: Mapping[str, Any]) -> str:
    """A short reason for one side's error, where it can be told.

    Float backends use the report's diagnosis (every subexpression in floats
    and in the oracle; ``identities.check.causes``), so ``check`` and
    ``report`` tell a cause the same way; the coarse reading below is the
    fallback.
    """
    expr = engine.ident.lhs if side == "lhs" else engine.ident.rhs
    if truth is None:
        return ""
    if engine.functions:  # diagnose the functions drawn, substituted
        lhs, rhs, _, _, inputs = engine.instance(inputs)
        expr = lhs if side == "lhs" else rhs
    if engine.is_float and not engine.vectors:  # the diagnosis walks scalar subexpressions
        try:
            from identities.check.causes import diagnose

            if time.monotonic() > engine.stop_at:
                raise LimitExceeded(f"time limit per identity ({engine.identity_seconds:g} s)")
            with deadline(engine.example_seconds, f"time limit per example ({engine.example_seconds:g} s)"):
                c = diagnose(expr, side, inputs, engine.backend, engine.oracle)
            if c.label not in ("unknown", "exact"):
                return f"{c.label}: {c.detail}"
        except LimitExceeded as exc:  # the verdict stands; the explanation says why it is missing
            return f"cause not diagnosed: limit ({exc})"
        except MemoryError:
            return "cause not diagnosed: limit (memory)"
        except Exception:  # noqa: BLE001 - a diagnosis is an explanation, never a reason to lose the result
            pass
    if isinstance(value, float) and math.isnan(value):
        return f"{side} is undefined in {engine.backend.name} (an intermediate overflowed or left its domain)"
    if isinstance(value, float) and math.isinf(value) and not math.isinf(truth):
        return f"overflow: {side} is {value} in {engine.backend.name}, its true value {truth!r} is finite"
    if value == 0 and truth != 0:
        return f"underflow: {side} is 0 in {engine.backend.name}, its true value is {truth!r}"
    if uses_diff(expr) and engine.is_float and not getattr(engine.backend, "autodiff", False):
        return f"finite-difference approximation in {side}"
    if isinstance(expr, Bin) and expr.op in ("+", "-"):
        return f"rounding error in {side}, amplified where its terms cancel"
    return f"rounding error in {side}"


def _side_ulps(fmt: FloatFormat, value: float, truth: Any) -> float:
    """One side's error in ulps against its correctly rounded truth: inf where the side is undefined in the
    reals, nan where the oracle's cap leaves the rounding uncertain (never a guess)."""
    if truth is None:
        return math.inf
    t = truth.rounded(fmt)
    return fmt.ulp_distance(value, t) if t is not None else math.nan


def _mp_truth(backend: Any, t: Any) -> Any:
    if t is None:
        return UNDEFINED
    if isinstance(t.value, arb):  # from the ball's midpoint, never an exact Fraction: 2**-1e176 has no room
        man, exp = t.value.mid().man_exp()
        return backend.ctx.ldexp(backend.ctx.mpf(int(man)), int(exp))
    f = t.to_fraction()
    return backend.ctx.fdiv(f.numerator, f.denominator)


def _rel(a: Any, b: Any) -> float:
    """|a - b| / max(|a|, |b|) of two truths, in ball arithmetic (exact Fractions may not fit in memory)."""
    with precision(53):  # python-flint's precision is global: name it (identities.oracle.scalar.precision)
        x, y = arb(a.value), arb(b.value)
        scale = max(abs(x.mid()), abs(y.mid()))
        return float(abs(((x - y) / scale).mid())) if scale != 0 else math.inf


def _shown(backend: Any, value: Any, as_float: float, is_float: bool) -> Any:
    if value is UNDEFINED:
        return "undefined"
    if is_float:
        return as_float
    return backend.to_string(value)


def zero_resolution(backend: Any) -> int:
    """The exponent E below which a side's value is 0 for ``backend``: a ball around 0 inside (-2**E, 2**E)
    rounds to 0 there. A float format: half its smallest subnormal, 2**(emin - precision). mpmath: its
    working precision below the smallest double its (float64) inputs carry, 2**(-1074 - precision)."""
    fmt: FloatFormat = backend.format
    half_subnormal = fmt.emin - fmt.precision
    if getattr(backend, "is_float", False):
        return half_subnormal
    return half_subnormal - int(getattr(backend, "precision", fmt.precision))


def exact_input(v: Any) -> Any:
    """An input as the oracle takes it: a float, a vector as a tuple of floats, a function as it is."""
    if isinstance(v, tuple):
        return tuple(float(c) for c in v)
    return v if isinstance(v, Function) else float(v)


def _vector_converter(backend: Any) -> Callable[[Any], Any]:
    """Inputs for a backend: a vector in the backend's own vector type (``convert_vector``) or as a Vec."""
    from identities.language.vectors import Vec

    conv = backend.convert_input
    vector = getattr(backend, "convert_vector", None) or (lambda v: Vec(conv(c) for c in v))
    return lambda v: vector(v) if isinstance(v, tuple) else conv(v)
