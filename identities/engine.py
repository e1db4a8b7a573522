"""The engine: hypothesis draws inputs, the backend and the oracle evaluate, a verdict comes out.

Two hypothesis runs per identity and backend, with the same seed:

1. *search*: the identity's own examples, then ``examples`` draws. Nothing
   fails; every example is recorded, and ``hypothesis.target`` pushes toward
   more bits of error, so the maximum is searched for, not only sampled.
   The verdict is the most serious kind seen, by the precedence
   refuted > domain_mismatch > precision_failure > holds.
2. *shrink* (only for a non-holds verdict): the same search, failing on the
   first example of that kind, so hypothesis shrinks it to a minimal
   counterexample. Evaluations are cached, so replaying the search is cheap.

The worst example (most ulps between the sides) is reported beside the
minimal one: the minimal one is rarely the worst.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from flint import arb

from identities import search as search_mod
from identities.backends import get_backend
from identities.backends.base import UNDEFINED
from identities.errors import IdentitiesError, InvalidArgument, LimitExceeded
from identities.expr import Bin, uses_diff
from identities.formats import FloatFormat
from identities.functions import Function
from identities.limits import EXAMPLE_SECONDS, IDENTITY_SECONDS
from identities.metrics import ErrorStats, absolute, relative
from identities.oracle import (
    BOTH_UNDEFINED,
    DEFAULT_ORACLE,
    LHS_UNDEFINED,
    REFUTED,
    RHS_UNDEFINED,
    UNKNOWN,
    Oracle,
    OraclePoint,
)
from identities.registry import Identity
from identities.results import Counterexample, Result
from identities.simplify import short_repr, simplify
from identities.tolerance import Tolerance, default_tolerance

__all__ = ["verify", "verify_all", "short_repr", "DEFAULT_BACKENDS", "DEFAULT_SEED", "DEFAULT_EXAMPLES", "PRECEDENCE",
           "effective_tolerance"]

DEFAULT_SEED = 0
DEFAULT_BACKENDS = ("float64", "float32", "mpmath")
DEFAULT_EXAMPLES = 200
PRECEDENCE = ("refuted", "domain_mismatch", "precision_failure", "holds")


@dataclass
class _Sample:
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


class _Engine:
    def __init__(self, ident: Identity, backend: Any, oracle: Oracle, tolerance: Tolerance | None,
                 example_seconds: float = EXAMPLE_SECONDS, identity_seconds: float = IDENTITY_SECONDS):
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
        if not self.functions:
            self.lhs = backend.compile(ident.lhs)
            self.rhs = backend.compile(ident.rhs)
        self.cache: dict[tuple, _Sample] = {}

    def instance(self, inputs: Mapping[str, Any]) -> tuple:
        """The sides with the drawn functions substituted, compiled: (lhs, rhs, lhs fn, rhs fn, numeric inputs)."""
        from identities.functions import substitute

        fns = {k: v for k, v in inputs.items() if isinstance(v, Function)}
        key = tuple(fns.items())
        hit = self.instances.get(key)
        if hit is None:
            lhs, rhs = substitute(self.ident.lhs, fns), substitute(self.ident.rhs, fns)
            if len(self.instances) >= 1024:
                self.instances.clear()
            hit = self.instances[key] = (lhs, rhs, self.backend.compile(lhs), self.backend.compile(rhs))
        return (*hit, {k: v for k, v in inputs.items() if k not in fns})

    def evaluate(self, inputs: Mapping[str, Any]) -> _Sample:
        key = tuple(inputs.items())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        exact = {k: (v if isinstance(v, int) else v if type(v) is float else _exact(v)) for k, v in inputs.items()}
        if self.functions:
            lhs_e, rhs_e, lhs_c, rhs_c, numeric = self.instance(exact)
        else:
            lhs_e, rhs_e, lhs_c, rhs_c, numeric = self.ident.lhs, self.ident.rhs, self.lhs, self.rhs, exact
        conv = self.convert
        env = {k: conv(v) for k, v in numeric.items()}
        lhs, rhs = lhs_c(env), rhs_c(env)
        component = None
        if self.size is None:
            point = self.oracle.compare(lhs_e, rhs_e, numeric)
            lf, rf, ulps, kind = self.judge(point, lhs, rhs)
        else:  # a vector identity is its worst component (see identities.vectors)
            from identities.vectors import compare_components, components, worst_component

            points = compare_components(self.oracle, lhs_e, rhs_e, numeric, self.size)
            i, per = worst_component(self.judge, points, lhs, rhs, self.size)
            point, lhs, rhs = points[i], components(lhs, self.size)[i], components(rhs, self.size)[i]
            lf, rf, ulps, kind = per[i]
            component = (i, tuple(p[2] for p in per))
        truth = point.rhs or point.lhs
        err_abs = absolute(lf, rf)
        err_rel = relative(lf, rf, truth.approx() if truth is not None else math.nan)
        sample = _Sample(exact, kind, point, lhs, rhs, lf, rf, ulps, err_rel, err_abs, component)
        if len(self.cache) < 100_000:
            self.cache[key] = sample
        return sample

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
    def describe(self, s: _Sample) -> Counterexample:
        fmt = self.fmt
        p = s.point
        tl = p.lhs.to_float(fmt) if p.lhs is not None else None
        tr = p.rhs.to_float(fmt) if p.rhs is not None else None
        if self.is_float:
            el = fmt.ulp_distance(s.lf, tl) if tl is not None else math.inf
            er = fmt.ulp_distance(s.rf, tr) if tr is not None else math.inf
        else:
            el = self.backend.ulp_distance(s.lhs, _mp_truth(self.backend, p.lhs))
            er = self.backend.ulp_distance(s.rhs, _mp_truth(self.backend, p.rhs))
        culprit, cause = self._culprit(s, el, er, tl, tr)
        shown_l = _shown(self.backend, s.lhs, s.lf, self.is_float)
        shown_r = _shown(self.backend, s.rhs, s.rf, self.is_float)
        decimal = (str(p.lhs) if p.lhs is not None else None, str(p.rhs) if p.rhs is not None else None)
        return Counterexample(
            inputs=dict(s.inputs), lhs=shown_l, rhs=shown_r, truth_lhs=tl if p.lhs is not None else "undefined",
            truth_rhs=tr if p.rhs is not None else "undefined", truth_decimal=decimal, culprit=culprit,
            ulps=s.ulps, lhs_ulps=el, rhs_ulps=er, cause=cause, kind=s.kind,
            component=s.component[0] if s.component else None,
            component_ulps=s.component[1] if s.component else None)

    def _culprit(self, s: _Sample, el: float, er: float, tl: Any, tr: Any) -> tuple[str, str]:
        p = s.point
        if s.kind == "refuted":
            return "identity", f"the sides differ in exact arithmetic (relative difference {_rel(p.lhs, p.rhs):.3g})"
        if s.kind == "domain_mismatch":
            side = "lhs" if p.status == LHS_UNDEFINED else "rhs"
            other = "rhs" if side == "lhs" else "lhs"
            return side, f"{side} is undefined in the reals here while {other} is defined"
        if el == er:
            culprit = "both" if el > 0 else "none"
        else:
            culprit = "lhs" if el > er else "rhs"
        side = culprit if culprit in ("lhs", "rhs") else "lhs"
        value, truth = (s.lf, tl) if side == "lhs" else (s.rf, tr)
        return culprit, _cause(self, side, value, truth, s.inputs)


def _cause(engine: _Engine, side: str, value: float, truth: Any, inputs: Mapping[str, Any]) -> str:
    """A short reason for one side's error, where it can be told.

    Float backends use the report's diagnosis (every subexpression in floats
    and in the oracle; ``identities.report.causes``), so ``check`` and
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
            from identities.report.causes import diagnose

            c = diagnose(expr, side, inputs, engine.backend, engine.oracle)
            if c.label not in ("unknown", "exact"):
                return f"{c.label}: {c.detail}"
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
    x, y = arb(a.value), arb(b.value)
    scale = max(abs(x.mid()), abs(y.mid()))
    return float(abs(((x - y) / scale).mid())) if scale != 0 else math.inf


def _shown(backend: Any, value: Any, as_float: float, is_float: bool) -> Any:
    if value is UNDEFINED:
        return "undefined"
    if is_float:
        return as_float
    return backend.to_string(value)


def effective_tolerance(ident: Identity, backend: Any) -> Tolerance | None:
    """The tolerance an identity is checked with on a backend (None: decided by the oracle)."""
    if not getattr(backend, "is_float", False):
        return None
    declared = ident.tolerance_for(backend.name)
    if declared is not None:
        return declared
    if getattr(backend, "autodiff", False):  # derivatives by autograd, not difference quotients
        return default_tolerance(backend.format)
    return default_tolerance(backend.format, ident.diff_order)


def verify(
    ident: Identity,
    backend: str = "float64",
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = DEFAULT_SEED,
    oracle: Oracle | None = None,
    database: str | Any | None = None,
    example_seconds: float = EXAMPLE_SECONDS,
    identity_seconds: float = IDENTITY_SECONDS,
    keep_samples: bool = False,
) -> Result:
    """Check one identity on one backend; never raises for a problem in the identity itself.

    Same identity, backend, examples and seed (and database contents): same
    Result. ``database`` is a directory path (or a hypothesis ExampleDatabase)
    where minimal counterexamples are saved and replayed first next time;
    None (the default here) uses none. A resource limit hit is the ``error``
    verdict naming the limit. ``keep_samples`` (float backends) attaches one
    ``identities.samples.Sample`` per distinct input the search drew, for the
    report's histograms and plots; it costs a correctly rounded truth per side
    per example, so it is off by default.
    """
    if not isinstance(examples, int) or isinstance(examples, bool) or examples < 1:
        raise InvalidArgument(f"examples={examples!r} must be a positive integer")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgument(f"seed={seed!r} must be an integer")
    for name, value in (("example_seconds", example_seconds), ("identity_seconds", identity_seconds)):
        if not isinstance(value, (int, float)) or not value > 0:
            raise InvalidArgument(f"{name}={value!r} must be a positive number of seconds")
    be = get_backend(backend) if isinstance(backend, str) else backend
    db = search_mod.database_at(database) if isinstance(database, (str, os.PathLike)) else database
    started = time.perf_counter()
    tolerance = effective_tolerance(ident, be)
    base = dict(identity=ident.name, backend=be.name, expected=ident.expected(be.name),
                tolerance=str(tolerance) if tolerance else None, seed=seed)
    try:
        from identities.domains import empty_reason

        empty = empty_reason(ident.variables, be.format)
        if empty is not None:
            return _error(base, f"no admissible input: {empty}", started)
        engine = _Engine(ident, be, oracle or DEFAULT_ORACLE, tolerance, example_seconds, identity_seconds)
        samples = search_mod.search(engine, examples, seed, db)
        if not samples:
            return _error(base, f"no admissible input found after {engine.tries[0]} tries: every draw was "
                                "rejected by the domains or 'assume'", started)
        result = _conclude(engine, samples, examples, seed, base, started, db)
        if keep_samples and engine.is_float:
            from dataclasses import replace

            from identities.samples import sample_records

            result = replace(result, samples=sample_records(samples, engine.fmt))
        return result
    except search_mod.Abort as exc:
        return _error(base, exc.message, started)
    except (LimitExceeded, IdentitiesError) as exc:
        return _error(base, f"{type(exc).__name__}: {exc}", started)
    except Exception as exc:  # an engine crash is a verdict, never a lost row
        return _error(base, f"internal error, please report: {type(exc).__name__}: {exc}", started)


def verify_all(
    identities: Iterable[Identity] | Mapping[str, Identity],
    backends: Sequence[str] = DEFAULT_BACKENDS,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = DEFAULT_SEED,
    oracle: Oracle | None = None,
    on_result: Callable[[Result], None] | None = None,
    executor: Executor | None = None,
    **options: Any,
) -> list[Result]:
    """Every identity on every backend, in order; ``on_result`` sees each Result as it is made.

    ``options`` (``database``, ``example_seconds``, ``identity_seconds``, ``keep_samples``) go to ``verify``.
    With an ``executor`` (any ``concurrent.futures.Executor``: local processes,
    Dask's ``Client.get_executor()``), each identity x backend runs as one
    task; results are the same as a serial run's (each is seeded on its own)
    and still come back, and reach ``on_result``, in order.
    """
    items = list(identities.values()) if isinstance(identities, Mapping) else list(identities)
    pairs = [(ident, b) for ident in items for b in backends]
    results = []
    if executor is None:
        for ident, b in pairs:
            r = verify(ident, b, examples=examples, seed=seed, oracle=oracle, **options)
            results.append(r)
            if on_result is not None:
                on_result(r)
        return results
    futures = [executor.submit(verify, ident, b, examples=examples, seed=seed, oracle=oracle, **options)
               for ident, b in pairs]
    try:
        for f in futures:
            r = f.result()
            results.append(r)
            if on_result is not None:
                on_result(r)
    finally:
        for f in futures:
            f.cancel()
    return results


def _exact(v: Any) -> Any:
    """An input as the oracle takes it: a float, a vector as a tuple of floats, a function as it is."""
    if isinstance(v, tuple):
        return tuple(float(c) for c in v)
    return v if isinstance(v, Function) else float(v)


def _vector_converter(backend: Any) -> Callable[[Any], Any]:
    """Inputs for a backend: a vector in the backend's own vector type (``convert_vector``) or as a Vec."""
    from identities.vectors import Vec

    conv = backend.convert_input
    vector = getattr(backend, "convert_vector", None) or (lambda v: Vec(conv(c) for c in v))
    return lambda v: vector(v) if isinstance(v, tuple) else conv(v)


def _error(base: dict, message: str, started: float) -> Result:
    return Result(verdict="error", examples=0, exact_rate=0.0, max_error=ErrorStats(), needed_tolerance=None,
                  message=message, elapsed=time.perf_counter() - started, **base)


def _conclude(engine: _Engine, samples: list[_Sample], examples: int, seed: int, base: dict,
              started: float, database: Any = None) -> Result:
    """Verdict from the search; counts and exact-equality rate from the search's draws; the maximum
    error, the needed tolerance and the worst example from everything evaluated (search, shrink,
    simplification), since the maximum *found* is what a tolerance must cover."""
    counts = {k: 0 for k in ("ok", "precision_failure", "refuted", "domain_mismatch", "undefined", "unknown")}
    for s in samples:
        counts[s.kind] += 1
    decided = [s for s in samples if s.kind in ("ok", "precision_failure")]
    exact_rate = sum(s.lf == s.rf for s in decided) / len(decided) if decided else 0.0
    verdict = next((k for k in PRECEDENCE[:-1] if counts.get(k)), "holds")
    if not decided and not counts["refuted"] and not counts["domain_mismatch"]:
        reasons = [f"{counts['unknown']} unresolved by the oracle" if counts["unknown"] else "",
                   f"{counts['undefined']} undefined on both sides" if counts["undefined"] else ""]
        reason = ", ".join(r for r in reasons if r) or "none drawn"
        return _error(base, f"no admissible input found after {len(samples)} tries: no example could be "
                            f"decided ({reason})", started)
    counterexample = None
    if verdict != "holds":
        minimal = search_mod.shrink(engine, verdict, examples, seed, database)
        if minimal is None:
            minimal = next(s for s in samples if s.kind == verdict)
        simplest = simplify(engine, minimal)
        search_mod.save_example(engine, database, simplest.inputs)
        counterexample = engine.describe(simplest)
    seen = list(engine.cache.values()) or samples
    seen_decided = [s for s in seen if s.kind in ("ok", "precision_failure")]
    stats = ErrorStats()
    for s in seen_decided + [s for s in seen if s.kind == "refuted"]:
        stats = stats.merge(s.ulps, s.rel, s.abs)
    worst = None
    ranked = [s for s in seen if s.kind == verdict] if verdict in ("refuted", "precision_failure") else (
        seen_decided if verdict == "holds" else [])
    if ranked:
        w = max(ranked, key=lambda s: (s.ulps if not math.isnan(s.ulps) else math.inf, s.rel))
        if w.ulps > 0:
            worst = engine.describe(w)
    message = ""
    if counts["unknown"]:
        message = f"{counts['unknown']} of {len(samples)} examples unresolved by the oracle (skipped)"
    return Result(verdict=verdict, examples=len(samples), exact_rate=exact_rate, max_error=stats,
                  needed_tolerance=_needed(engine, seen_decided), counterexample=counterexample, worst=worst,
                  counts=counts, message=message, elapsed=time.perf_counter() - started, **base)


def _needed(engine: _Engine, decided: list[_Sample]) -> str | None:
    """The tightest tolerance, in the unit of the one in force, that passes every decided example."""
    if not decided or not engine.is_float:
        return None
    tol = engine.tolerance
    if tol is not None and tol.ulps is None and tol.rel is not None:
        # "t rel or t abs": each example needs min(its rel, its abs); the worst of those
        def need(s: _Sample) -> float:
            if s.lf == s.rf:
                return 0.0
            d = abs(s.lf - s.rf)
            if not math.isfinite(d):  # a side is nan or inf in the format while defined in the reals
                return math.inf
            return min(d / max(abs(s.lf), abs(s.rf)), d)

        t = max(need(s) for s in decided)
        return "none" if not math.isfinite(t) else f"{t:.2g} rel or {t:.2g} abs"
    worst = max(s.ulps for s in decided)
    if not math.isfinite(worst):
        return "none"
    return f"{int(worst)} ulp" if worst < 1e6 else f"{worst:.3g} ulp"


