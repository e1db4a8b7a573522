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
from dataclasses import replace
from typing import Any

from identities.backends import get_backend
from identities.check import screen as screen_mod
from identities.check import search as search_mod
from identities.check.display import ResultList
from identities.check.evaluation import Engine, Sample
from identities.check.results import Result
from identities.check.screen import DEFAULT_SCREEN
from identities.check.simplify import simplify
from identities.errors import IdentitiesError, InvalidArgument, LimitExceeded, UserCodeError, WorkerDied
from identities.language.limits import EXAMPLE_SECONDS, IDENTITY_SECONDS, memory_limit_text
from identities.language.tolerance import Tolerance, default_tolerance
from identities.numbers.formats import short_repr
from identities.numbers.metrics import ErrorStats
from identities.oracle.scalar import DEFAULT_ORACLE, Oracle
from identities.registry.files import Identity

__all__ = [
    "verify",
    "verify_all",
    "short_repr",
    "DEFAULT_BACKENDS",
    "DEFAULT_SEED",
    "DEFAULT_EXAMPLES",
    "PRECEDENCE",
    "effective_tolerance",
    "tolerance_source",
    "quotient_sides",
    "BOUND_SECONDS",
    "usercode_notes",
    "MIN_DECIDED",
    "DEFAULT_SCREEN",
]

DEFAULT_SEED = 0
DEFAULT_BACKENDS = ("float64", "float32", "mpmath")
DEFAULT_EXAMPLES = 200
BOUND_SECONDS = 0.2  # the default budget of the proven bounds, per identity and float backend
PRECEDENCE = ("refuted", "domain_mismatch", "precision_failure", "holds")
MIN_DECIDED = 20  # decided examples a holds needs (all of them when fewer are asked for)


def effective_tolerance(ident: Identity, backend: Any, default: Tolerance | None = None) -> Tolerance | None:
    """The tolerance an identity is checked with on a backend (None: decided by the oracle).

    ``default`` (a configured default, the pytest plugin's ``identities_tolerance``) replaces the built-in
    ``4 ulp`` of an identity that declares none; an identity using ``diff`` keeps its central-difference
    tolerance, which no rounding tolerance can stand in for."""
    return _tolerance(ident, backend, default)[0]


def tolerance_source(ident: Identity, backend: Any, default: Tolerance | None = None) -> str:
    """Where ``effective_tolerance`` comes from: ``declared`` (the identity's own), ``configured`` (``default``),
    ``central-difference`` (the default of an identity whose diff is a difference quotient), ``default``
    (4 ulp), or "" (mpmath: no tolerance)."""
    return _tolerance(ident, backend, default)[1]


def _tolerance(ident: Identity, backend: Any, default: Tolerance | None) -> tuple[Tolerance | None, str]:
    if not getattr(backend, "is_float", False):
        return None, ""
    declared = ident.tolerance_for(backend.name)
    if declared is not None:
        return declared, "declared"
    autodiff = getattr(backend, "autodiff", False)  # derivatives by autograd, not difference quotients
    if ident.diff_order and not autodiff:
        return default_tolerance(backend.format, ident.diff_order), "central-difference"
    if default is not None:
        return default, "configured"
    return default_tolerance(backend.format), "default"


def quotient_sides(ident: Identity, backend: Any) -> tuple[str, ...]:
    """The sides a float backend evaluates with a difference quotient (``diff`` without autograd)."""
    if not getattr(backend, "is_float", False) or getattr(backend, "autodiff", False):
        return ()
    from identities.language.expr import uses_diff

    sides = ("lhs",) if ident.one_sided else ("lhs", "rhs")
    return tuple(side for side in sides if uses_diff(getattr(ident, side)))


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
    bound_seconds: float = BOUND_SECONDS,
    raise_user_errors: bool = False,
    screen: int = DEFAULT_SCREEN,
    default_tolerance: Tolerance | None = None,
) -> Result:
    """Check one identity on one backend; never raises for a problem in the identity itself.

    Same identity, backend, examples and seed (and database contents): same
    Result. ``database`` is a directory path (or a hypothesis ExampleDatabase)
    where minimal counterexamples are saved and replayed first next time;
    None (the default here) uses none. A resource limit hit is the ``error``
    verdict naming the limit. ``keep_samples`` (float backends) attaches one
    ``identities.check.samples.Sample`` per distinct input the search drew, for the
    report's histograms and plots; it costs a correctly rounded truth per side
    per example, so it is off by default. ``bound_seconds`` is the budget of the
    proven round-off bounds (``identities.bounds``) on a float backend, 0 for none:
    a ``holds`` whose bounds fit the tolerance everywhere is ``proof="bound"``.

    An error in the user's own code (an implementation of a user's function
    raising ``TypeError``, ``NameError``...; see ``identities.evaluate.usercode``)
    stops the check at once: the ``error`` verdict with its traceback, or, with
    ``raise_user_errors``, the ``UserCodeError`` raised (the helpers and pytest).

    ``screen`` points (float backends) are drawn and judged on whole arrays before the search
    (``identities.check.screen``); its failures and its worst point are the search's first examples,
    judged there by the backend itself. 0 turns the screen off.
    ``default_tolerance`` replaces the built-in ``4 ulp`` of an identity that
    declares no tolerance and uses no ``diff`` (see ``effective_tolerance``).
    """
    if not isinstance(examples, int) or isinstance(examples, bool) or examples < 1:
        raise InvalidArgument(f"examples={examples!r} must be a positive integer")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgument(f"seed={seed!r} must be an integer")
    for name, value in (("example_seconds", example_seconds), ("identity_seconds", identity_seconds)):
        if not isinstance(value, (int, float)) or not value > 0:
            raise InvalidArgument(f"{name}={value!r} must be a positive number of seconds")
    if not isinstance(screen, int) or isinstance(screen, bool) or screen < 0:
        raise InvalidArgument(f"screen={screen!r} must be an integer >= 0 (0 turns the screen off)")
    if not isinstance(bound_seconds, (int, float)) or not bound_seconds >= 0:
        raise InvalidArgument(f"bound_seconds={bound_seconds!r} must be a number of seconds >= 0")
    be = get_backend(backend) if isinstance(backend, str) else backend
    db = search_mod.database_at(database) if isinstance(database, (str, os.PathLike)) else database
    started = time.perf_counter()
    tolerance, base = _base(ident, be, seed, default_tolerance)
    try:
        from identities.draws.inputs import empty_reason

        empty = empty_reason(ident.variables, be.format)
        if empty is not None:
            return _error(base, f"no admissible input: {empty}", started)
        engine = Engine(ident, be, oracle or DEFAULT_ORACLE, tolerance, example_seconds, identity_seconds)
        screened = screen_mod.screen(engine, screen, seed, screen_mod.limit_for(examples))
        samples = search_mod.search(engine, examples, seed, db, screened.seeds)
        if not samples:
            return _error(
                base,
                f"no admissible input found after {engine.tries[0]} tries: every draw was "
                "rejected by the domains or 'assume'" + "".join(f"; {n}" for n in engine.notes),
                started,
            )
        result = _conclude(engine, samples, examples, seed, base, started, db, screened)
        notes = usercode_notes(ident, be)
        if notes:
            from dataclasses import replace as _with

            result = _with(result, message="; ".join([m for m in (result.message, *notes) if m]))
        if keep_samples and engine.is_float:
            from identities.check.samples import sample_records

            result = replace(result, samples=sample_records(samples, engine.fmt))
        if bound_seconds > 0 and engine.is_float:
            result = _with_bound(result, ident, be, tolerance, bound_seconds, started)
        return result
    except search_mod.Abort as exc:
        if raise_user_errors and isinstance(exc.error, UserCodeError):
            raise _raised(exc.error) from exc.error.original
        return _error(base, exc.message, started)
    except UserCodeError as exc:
        if raise_user_errors:
            raise _raised(exc) from exc.original
        return _error(base, f"{type(exc).__name__}: {exc}", started)
    except (LimitExceeded, IdentitiesError) as exc:
        return _error(base, f"{type(exc).__name__}: {exc}", started)
    except MemoryError:
        return _error(base, f"LimitExceeded: {memory_limit_text()}", started)
    except Exception as exc:  # an engine crash is a verdict, never a lost row
        return _error(base, f"internal error, please report: {type(exc).__name__}: {exc}", started)


def _raised(exc: UserCodeError) -> UserCodeError:
    """The error as raised to a test: its summary, the user's exception chained (its traceback shown once)."""
    return UserCodeError(exc.summary, exc.original, exc.summary) if exc.original is not None else exc


def usercode_notes(ident: Identity, backend: Any) -> list[str]:
    """What a float check of the user's code does not measure: an implementation returning a wider type than
    the backend's format (``identities.evaluate.usercode.wider_result``)."""
    if not getattr(backend, "user_code", False) or not ident.user_functions:
        return []
    from identities.evaluate.usercode import wider_result

    out = []
    for fn in ident.user_functions:
        note = wider_result(fn, backend)
        if note:
            out.append(note)
    return out


def verify_all(
    identities: Iterable[Identity] | Mapping[str, Identity],
    backends: Sequence[str] | Callable[[Identity], Sequence[str]] = DEFAULT_BACKENDS,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = DEFAULT_SEED,
    oracle: Oracle | None = None,
    on_result: Callable[[Result], None] | None = None,
    executor: Executor | None = None,
    **options: Any,
) -> ResultList:
    """Every identity on every backend, in order, as a ``ResultList`` (a list, shown as a table in Jupyter);
    ``on_result`` sees each Result as it is made. ``backends`` may be a function of the identity (the
    command line's plan: an FPCore on its own precision).

    ``options`` (``database``, ``example_seconds``, ``identity_seconds``, ``keep_samples``) go to ``verify``.
    With an ``executor`` (any ``concurrent.futures.Executor``: local processes,
    Dask's ``Client.get_executor()``), each identity x backend runs as one
    task; results are the same as a serial run's (each is seeded on its own)
    and still come back, and reach ``on_result``, in order.
    """
    items = list(identities.values()) if isinstance(identities, Mapping) else list(identities)
    pairs = [(ident, b) for ident in items for b in (backends(ident) if callable(backends) else backends)]
    results = ResultList()
    if executor is None:
        for ident, b in pairs:
            r = verify(ident, b, examples=examples, seed=seed, oracle=oracle, **options)
            results.append(r)
            if on_result is not None:
                on_result(r)
        return results
    futures = [
        executor.submit(verify, ident, b, examples=examples, seed=seed, oracle=oracle, **options) for ident, b in pairs
    ]
    try:
        for (ident, b), f in zip(pairs, futures):
            try:
                r = f.result()
            except WorkerDied as exc:  # its worker died on a fresh pool too: an error row, and the run goes on
                r = _lost(ident, b, seed, str(exc), options.get("default_tolerance"))
            results.append(r)
            if on_result is not None:
                on_result(r)
    finally:
        for f in futures:
            f.cancel()
    return results


def _with_bound(
    result: Result, ident: Identity, backend: Any, tolerance: Tolerance | None, seconds: float, started: float
) -> Result:
    """The proven bounds of the sides on the backend's error model (none for backends without one)."""
    from identities.bounds import bound_identity, model_for

    if model_for(backend.name) is None:
        return result
    bound = bound_identity(ident, backend.name, seconds=seconds)
    proof = ""
    if result.verdict == "holds":
        proof = "bound" if bound.proves(tolerance) else "sampled"
    return replace(result, bound=bound, proof=proof, elapsed=time.perf_counter() - started)


def _base(ident: Identity, be: Any, seed: int, default: Tolerance | None) -> tuple[Tolerance | None, dict[str, Any]]:
    """The tolerance in force and the fields every Result of this identity on this backend carries."""
    tolerance, source = _tolerance(ident, be, default)
    return tolerance, dict(
        identity=ident.name,
        backend=be.name,
        expected=ident.expected(be.name),
        tolerance=str(tolerance) if tolerance else None,
        seed=seed,
        one_sided=ident.one_sided,
        tolerance_source=source,
        quotient_sides=quotient_sides(ident, be),
    )


def _lost(ident: Identity, backend: str, seed: int, message: str, default: Tolerance | None = None) -> Result:
    be = get_backend(backend) if isinstance(backend, str) else backend
    return _error(_base(ident, be, seed, default)[1], message, time.perf_counter())


def _error(base: dict, message: str, started: float) -> Result:
    return Result(
        verdict="error",
        examples=0,
        exact_rate=0.0,
        max_error=ErrorStats(),
        needed_tolerance=None,
        message=message,
        elapsed=time.perf_counter() - started,
        **base,
    )


def _conclude(
    engine: Engine,
    samples: list[Sample],
    examples: int,
    seed: int,
    base: dict,
    started: float,
    database: Any = None,
    screened: screen_mod.Screened | None = None,
) -> Result:
    """Verdict from the search; counts and exact-equality rate from the search's draws; the maximum
    error, the needed tolerance and the worst example from everything evaluated (search, shrink,
    simplification), since the maximum *found* is what a tolerance must cover."""
    counts = {k: 0 for k in ("ok", "precision_failure", "refuted", "domain_mismatch", "undefined", "unknown")}
    for s in samples:
        counts[s.kind] += 1
    first = screened.seeds if screened is not None else []
    report = screened.report if screened is not None else None
    decided = [s for s in samples if s.kind in ("ok", "precision_failure")]
    exact_rate = sum(s.lf == s.rf for s in decided) / len(decided) if decided else 0.0
    verdict = next((k for k in PRECEDENCE[:-1] if counts.get(k)), "holds")
    if not decided and not counts["refuted"] and not counts["domain_mismatch"]:
        reasons = [
            f"{counts['unknown']} unresolved by the oracle" if counts["unknown"] else "",
            f"{counts['undefined']} undefined on both sides" if counts["undefined"] else "",
        ]
        reason = ", ".join(r for r in reasons if r) or "none drawn"
        return _error(
            base,
            f"no admissible input found after {len(samples)} tries: no example could be decided ({reason})",
            started,
        )
    # distinct inputs (hypothesis may replay one); all of them where fewer exist (a point identity, a
    # small integer range) or were asked for
    distinct = {_key(s) for s in decided}
    tried = len({_key(s) for s in samples})
    need = min(MIN_DECIDED, examples, tried)
    if verdict == "holds" and len(distinct) < need:
        return _error(
            base,
            f"the oracle decided only {len(distinct)} of {tried} examples (a holds needs {need}): "
            + _undecided_reason(samples),
            started,
        )
    counterexample = None
    cut: list[str] = []  # stages after the verdict that a limit cut short: the verdict stands, they say so
    if verdict != "holds":
        simplest = _minimal(engine, verdict, examples, seed, database, first, samples, cut)
        search_mod.save_example(engine, database, simplest.inputs)
        counterexample = engine.describe(simplest)
    seen = list(engine.cache.values()) or samples
    seen_decided = [s for s in seen if s.kind in ("ok", "precision_failure")]
    stats = ErrorStats()
    for s in seen_decided + [s for s in seen if s.kind == "refuted"]:
        stats = stats.merge(s.ulps, s.rel, s.abs)
    if not engine.is_float:
        # an arbitrary-precision backend: its verdict is the oracle's, and a ulp count of its own values
        # (7e+50 where mpmath's diff keeps only absolute accuracy near 0) reads as a failure beside holds;
        # what is meaningful is the error in bits of its working precision, at most that precision
        prec = int(getattr(engine.backend, "precision", 0)) or math.inf
        stats = ErrorStats(math.nan, min(stats.bits, prec), stats.rel, stats.abs)
    worst = None
    ranked = (
        [s for s in seen if s.kind == verdict]
        if verdict in ("refuted", "precision_failure")
        else (seen_decided if verdict == "holds" and engine.is_float else [])
    )
    if ranked:
        w = max(ranked, key=lambda s: (s.ulps if not math.isnan(s.ulps) else math.inf, s.rel))
        if w.ulps > 0:
            worst = engine.describe(w)
    side_errors = _side_errors(engine, seen_decided) if engine.is_float and engine.size is None else {}
    if engine.ident.one_sided:  # one side, checked against its own exact value
        side_errors.pop("rhs", None)
    notes = list(cut)
    if counts["unknown"]:
        notes.append(f"{counts['unknown']} of {len(samples)} examples unresolved by the oracle (skipped)")
    zeros = sum(s.kind in ("ok", "precision_failure") and s.point.note.startswith("a side is 0") for s in samples)
    if zeros:
        notes.append(f"{zeros} decided as 0 at the {engine.backend.name} resolution (a side's ball around 0)")
    if report is not None and report.unconfirmed:
        notes.append(
            f"{report.unconfirmed} of the screen's failures not reproduced by {engine.backend.name} itself "
            "(the array functions differ from it in the last place; not counted)"
        )
    counts["searched"] = len(samples)
    counts["screened"] = report.points if report is not None else 0
    message = "; ".join(notes + engine.notes)
    return Result(
        verdict=verdict,
        examples=len(samples),
        exact_rate=exact_rate,
        max_error=stats,
        # no tolerance passes an identity the oracle decides against (refuted, or undefined on one side)
        needed_tolerance="none" if verdict in ("refuted", "domain_mismatch") else _needed(engine, seen_decided),
        counterexample=counterexample,
        worst=worst,
        counts=counts,
        message=message,
        elapsed=time.perf_counter() - started,
        side_errors=side_errors,
        screen=report,
        **base,
    )


def _minimal(
    engine: Engine,
    verdict: str,
    examples: int,
    seed: int,
    database: Any,
    first: list,
    samples: list[Sample],
    cut: list[str],
) -> Sample:
    """The simplest counterexample of kind ``verdict``: hypothesis' shrink, then ``simplify``. With the
    screen's points, two shrinks: one from the screen's failure (hypothesis replays it first) and the
    search's own, since each may end at a simpler input; the simpler to write wins (the first on a tie).
    A limit hit while shrinking or simplifying keeps what there is and says so in ``cut``."""
    from identities.check.simplify import complexity

    def note(text: str) -> None:
        if text not in cut:
            cut.append(text)

    def simplest(s: Sample) -> Sample:
        try:
            return simplify(engine, s)
        except (LimitExceeded, MemoryError) as exc:
            note(f"counterexample not simplified: limit ({_limit_text(exc)})")
            return s

    found = []
    for start in [first, []] if first else [[]]:
        try:
            minimal = search_mod.shrink(engine, verdict, examples, seed, database, start)
        except search_mod.Abort as exc:
            note(f"counterexample not shrunk: limit ({exc.message})")
            break
        if minimal is not None:
            found.append(simplest(minimal))
    if not found:
        found.append(simplest(next(s for s in samples if s.kind == verdict)))

    def cost(s: Sample) -> tuple:
        parts = [complexity(v, engine.fmt) for v in s.inputs.values() if isinstance(v, (int, float))]
        return (sum(p[0] for p in parts), sum(p[1] for p in parts))

    return min(found, key=cost)


def _limit_text(exc: BaseException) -> str:
    return "memory" if isinstance(exc, MemoryError) else str(exc)


def _key(s: Sample) -> tuple:
    return tuple((k, repr(v)) for k, v in s.inputs.items())


def _undecided_reason(samples: list[Sample]) -> str:
    """Why examples were not decided: the oracle's notes on unknown points, and both-undefined ones."""
    notes: dict[str, int] = {}
    unique = {_key(s): s for s in samples}.values()
    for s in unique:
        if s.kind == "unknown":
            note = s.point.note or "unresolved"
            notes[note] = notes.get(note, 0) + 1
    parts = [f"{k} unknown ({note})" for note, k in notes.items()]
    undefined = sum(s.kind == "undefined" for s in unique)
    if undefined:
        parts.append(f"{undefined} undefined on both sides")
    return ", ".join(parts) or "too few examples drawn"


def _side_errors(engine: Engine, decided: list[Sample]) -> dict[str, ErrorStats]:
    """Each side's largest error against its own exact value over the decided examples: abs and rel against
    the oracle's value, ulps against that value rounded to the format."""
    from fractions import Fraction

    fmt = engine.fmt
    out = {"lhs": ErrorStats(), "rhs": ErrorStats()}
    for s in decided:
        for side, value, truth in (("lhs", s.lf, s.point.lhs), ("rhs", s.rf, s.point.rhs)):
            if truth is None:
                continue
            if not math.isfinite(value):
                out[side] = out[side].merge(math.inf, math.inf, math.inf)
                continue
            exact = truth.to_fraction(fmt)
            diff = abs(Fraction(value) - exact)
            rel = _float(diff / abs(exact)) if exact else (0.0 if diff == 0 else math.inf)
            rounded = truth.rounded(fmt)  # correctly rounded; None where even the cap leaves two neighbours,
            if rounded is None:  # then the midpoint's rounding, at most one ulp from either
                rounded = fmt.round(exact)
            ulps = fmt.ulp_distance(value, rounded)
            out[side] = out[side].merge(ulps, rel, _float(diff))
    return out


def _float(q: Any) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf


def _needed(engine: Engine, decided: list[Sample]) -> str | None:
    """The tightest tolerance that passes every decided example, in the units of the one in force: that
    tolerance with every term scaled by one factor (``Tolerance.need_factor``), so ``4 ulp or 1e-15 abs``
    needs ``... ulp or 3.1e-16 abs``, never a count of ulps the abs term made irrelevant."""
    if not decided or not engine.is_float:
        return None
    tol = engine.tolerance
    if tol is None or not tol.terms():
        worst = max(s.ulps for s in decided)
        if not math.isfinite(worst):
            return "none"
        return f"{int(worst)} ulp" if worst < 1e6 else f"{worst:.3g} ulp"

    def factor(s: Sample) -> float:
        if s.lf == s.rf:
            return 0.0
        d = abs(s.lf - s.rf)
        if not math.isfinite(d):  # a side is nan or inf in the format while defined in the reals
            return math.inf
        return tol.need_factor(s.ulps, d / max(abs(s.lf), abs(s.rf)), d)

    f = max(factor(s) for s in decided)
    return "none" if not math.isfinite(f) else tol.scaled(f)
