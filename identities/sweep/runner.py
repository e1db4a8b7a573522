"""Sweeps: the error profile of an identity over a whole domain, with many points, in parallel.

``sweep(identity, "float64", points=1_000_000)`` draws the points uniformly
over the bit patterns inside each domain (``identities.sweep.sampling``), evaluates
each float backend on whole arrays (``identities.backends.arrays``), decides
every point with the oracle (``identities.oracle.batch``) and returns a
``SweepResult``: the same verdict, counts and error statistics as ``verify``
computes from its examples, plus an ``ErrorProfile`` for plots.

The points are cut into chunks. Chunk i draws its points from its own
generator, seeded by (seed, the identity's name, the format, i), so the
points, and every statistic, depend on the seed, the number of points and the
chunk size, never on where or in what order chunks run. Chunks go to any
``concurrent.futures.Executor``: none (in this process), local processes
(``workers=N``), or one you pass: a ``ProcessPoolExecutor``, or Dask's
``distributed.Client(...).get_executor()``. Results are merged in chunk order
as they arrive, with a bounded number of chunks in flight, so memory stays
flat however many points a sweep has.

Backends that share a format (float64 and mpmath) share one chunk's points
and oracle work. The mpmath backend is evaluated per point (it has no array
form); so are the parts of an expression the array compiler cannot vectorise,
and ``SweepResult.notes`` says which.
"""

from __future__ import annotations

import math
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from identities.errors import IdentitiesError, InvalidArgument, LimitExceeded, WorkerDied
from identities.registry.files import Identity
from identities.sweep.executors import local_executor
from identities.sweep.profile import KINDS, Candidate, Partial, SweepResult, chunk_statistics

__all__ = [
    "sweep",
    "sweep_all",
    "evaluate_points",
    "SweepResult",
    "DEFAULT_POINTS",
    "DEFAULT_SWEEP_BACKENDS",
    "MAX_CHUNK",
    "chunk_size_for",
    "local_executor",
]

DEFAULT_POINTS = 100_000
DEFAULT_SWEEP_BACKENDS = ("float64", "float32")
DEFAULT_PROFILE_POINTS = 20_000
MIN_CHUNK, MAX_CHUNK = 1 << 10, 1 << 16


def chunk_size_for(points: int) -> int:
    """The default chunk size: a power of two near points/32, between 1024 and 65536 points.

    It depends on the number of points only (never on workers), since the
    chunks decide which points are drawn.
    """
    target = max(points / 32, 1)
    return int(min(max(2 ** math.ceil(math.log2(target)), MIN_CHUNK), MAX_CHUNK))


@dataclass(frozen=True)
class _Task:
    """One chunk: everything a worker needs, picklable (an Identity, names and numbers)."""

    ident: Identity
    backends: tuple[str, ...]
    seed: int
    index: int
    start: int
    size: int
    keep: int
    functions: str
    oracle: tuple[int, int, int]


NOT_SWEEPABLE = (
    "a sweep draws scalar inputs as arrays; an identity with function or vector variables is "
    "checked by 'identities check'"
)


def sweepable(ident: Identity) -> bool:
    """Whether a sweep can draw this identity's inputs: scalars only, no function or vector variables."""
    return not ident.functions and all(d.size is None for _, d in ident.variables)


class _Prepared:
    """What a process compiles once per identity and format, reused by every chunk it runs."""

    def __init__(self, task: _Task):
        from identities.backends import get_backend
        from identities.backends.arrays import compile_array
        from identities.check.engine import effective_tolerance
        from identities.oracle.batch import BatchOracle
        from identities.oracle.scalar import Oracle
        from identities.sweep.sampling import Sampler

        ident = task.ident
        if not sweepable(ident):
            raise InvalidArgument(NOT_SWEEPABLE)
        self.backends = [get_backend(b) for b in task.backends]
        self.fmt = self.backends[0].format
        self.ints = frozenset(n for n, d in ident.variables if d.is_integer)
        self.sampler = Sampler(ident.variables, self.fmt, ident.assume) if ident.variables else None
        self.oracle = BatchOracle(Oracle(*task.oracle))
        self.programs: dict[str, Any] = {}
        self.tolerances = {b.name: effective_tolerance(ident, b) for b in self.backends}
        self.notes: list[str] = []
        for b in self.backends:
            if getattr(b, "is_float", False):
                pl = compile_array(ident.lhs, b, integer_vars=self.ints, functions=task.functions)
                # a one-sided check has no second program: its other side is the oracle's truth
                pr = pl
                if not ident.one_sided:
                    pr = compile_array(ident.rhs, b, integer_vars=self.ints, functions=task.functions)
                self.programs[b.name] = (pl, pr)
                self.notes += list(pl.notes + (() if ident.one_sided else pr.notes))
            else:
                cl = b.compile(ident.lhs)
                self.programs[b.name] = (cl, cl if ident.one_sided else b.compile(ident.rhs))
                self.notes.append(f"{b.name} has no array form: evaluated per point")


_PREPARED: dict[tuple, _Prepared] = {}


def _fingerprint(task: _Task) -> tuple:
    i = task.ident
    return (
        i.name,
        str(i.lhs),
        "(accuracy)" if i.one_sided else str(i.rhs),
        tuple((n, str(d)) for n, d in i.variables),
        tuple(str(a) for a in i.assume),
        tuple(sorted((k, str(v)) for k, v in i.tolerance.items())),
        task.backends,
        task.functions,
        task.oracle,
    )


def _prepared(task: _Task) -> _Prepared:
    key = _fingerprint(task)
    hit = _PREPARED.get(key)
    if hit is None:
        if len(_PREPARED) >= 32:
            _PREPARED.clear()
        hit = _PREPARED[key] = _Prepared(task)
    return hit


def _rng(task: _Task, width: int) -> np.random.Generator:
    return np.random.default_rng([task.seed & (2**63 - 1), zlib.crc32(task.ident.name.encode()), width, task.index])


def _run_chunk(task: _Task) -> dict[str, Partial]:
    """Draw, evaluate and decide one chunk; never raises for a problem in the identity (an error Partial)."""
    try:
        return _chunk(task)
    except (LimitExceeded, IdentitiesError) as exc:
        message = f"{type(exc).__name__}: {exc}"
    except ValueError as exc:
        from identities.sweep.sampling import NoAdmissibleInput

        if not isinstance(exc, NoAdmissibleInput):
            message = f"internal error, please report: {type(exc).__name__}: {exc}"
        else:
            message = str(exc)
    except MemoryError:
        from identities.language.limits import memory_limit_text

        message = f"LimitExceeded: {memory_limit_text()}"
    except Exception as exc:  # a crash is an error verdict, never a lost row
        message = f"internal error, please report: {type(exc).__name__}: {exc}"
    return {b: Partial(error=message) for b in task.backends}


def _chunk(task: _Task) -> dict[str, Partial]:
    t0 = time.perf_counter()
    prep = _prepared(task)
    fmt, ident = prep.fmt, task.ident
    if prep.sampler is not None:
        cols, drawn = prep.sampler.draw(task.size, _rng(task, fmt.width))
        n = len(next(iter(cols.values())))
    else:
        cols, drawn, n = {}, 1, 1
    t1 = time.perf_counter()
    oc = prep.oracle.compare(ident.lhs, ident.rhs, cols, n, prep.ints)
    t2 = time.perf_counter()
    out = {}
    for b in prep.backends:
        t3 = time.perf_counter()
        lf, rf, ulps = _values(ident, b, prep.programs[b.name], cols, n, oc.lhs, fmt)
        t4 = time.perf_counter()
        tol = prep.tolerances[b.name]
        p = chunk_statistics(cols, n, oc.status, oc.lhs, oc.rhs, lf, rf, ulps, fmt, tol, min(task.keep, n), task.start)
        p.drawn = drawn
        p.per_point = oc.per_point
        p.oracle_bits = {int(k): int(v) for k, v in zip(*np.unique(oc.bits, return_counts=True))}
        p.seconds = {"draw": t1 - t0, "oracle": t2 - t1, "evaluate": t4 - t3, "statistics": time.perf_counter() - t4}
        p.notes = tuple(dict.fromkeys(prep.notes + oc.notes))
        p.peak_rss_mib = _peak_rss_mib()
        out[b.name] = p
    return out


def _peak_rss_mib() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _values(
    ident: Identity,
    b: Any,
    programs: tuple[Any, Any],
    cols: Mapping[str, np.ndarray],
    n: int,
    truth: np.ndarray,
    fmt: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Both sides' values as doubles (and mpmath's own ulps); a one-sided check's rhs is the oracle's truth
    rounded to the format, and its ulps are counted in the format (mpmath's value rounded to a double)."""
    pl, pr = programs
    if ident.one_sided:
        ft = {64: np.float64, 32: np.float32, 16: np.float16}[fmt.width]
        with np.errstate(over="ignore", invalid="ignore"):
            rf = truth.astype(ft).astype(np.float64)
        if getattr(b, "is_float", False):
            return pl(cols, n).astype(np.float64), rf, None
        return _per_point(b, pl, None, cols, n)[0], rf, None
    if getattr(b, "is_float", False):
        return pl(cols, n).astype(np.float64), pr(cols, n).astype(np.float64), None
    return _per_point(b, pl, pr, cols, n)


def _per_point(
    b: Any, pl: Any, pr: Any, cols: Mapping[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A backend without an array form (mpmath): one point at a time, as ``verify`` evaluates it
    (only lhs when ``pr`` is None)."""
    lf, rf, ulps = np.empty(n), np.full(n, np.nan), np.full(n, np.nan)
    names = list(cols)
    lists = [cols[k].tolist() for k in names]
    conv = b.convert_input
    for i in range(n):
        env = {k: conv(c[i]) for k, c in zip(names, lists)}
        lhs = pl(env)
        lf[i] = b.to_float(lhs)
        if pr is not None:
            rhs = pr(env)
            rf[i] = b.to_float(rhs)
            ulps[i] = b.ulp_distance(lhs, rhs)
    return lf, rf, ulps


def evaluate_points(
    ident: Identity, backend: str, columns: Mapping[str, Any], *, functions: str = "numpy", oracle: Any = None
) -> dict[str, np.ndarray]:
    """The sweep's per-point evaluation at points you give (one array per variable, values of the format).

    Returns arrays ``kind`` (names from ``profile.KINDS``), ``lhs``/``rhs`` (the
    backend's values as doubles), ``ulps``, ``rel`` and ``abs`` (as ``verify``
    measures them) and ``truth_lhs``/``truth_rhs`` (the oracle's, nearest double).
    """
    from identities.oracle.scalar import DEFAULT_ORACLE
    from identities.sweep.sampling import dtype_of

    o = oracle or DEFAULT_ORACLE
    task = _Task(ident, (backend,), 0, 0, 0, 0, 0, functions, (o.start_bits, o.cap_bits, o.hold_bits))
    prep = _prepared(task)
    cols = {}
    for name, d in ident.variables:
        cols[name] = np.asarray(columns[name], dtype=np.int64 if d.is_integer else dtype_of(prep.fmt))
    n = len(next(iter(cols.values()))) if cols else 1
    oc = prep.oracle.compare(ident.lhs, ident.rhs, cols, n, prep.ints)
    b = prep.backends[0]
    lf, rf, ulps = _values(ident, b, prep.programs[b.name], cols, n, oc.lhs, prep.fmt)
    from identities.sweep.profile import per_point

    out = per_point(oc.status, oc.lhs, oc.rhs, lf, rf, ulps, prep.fmt, prep.tolerances[b.name])
    out.update(lhs=lf, rhs=rf, truth_lhs=oc.lhs, truth_rhs=oc.rhs)
    return out


# -- orchestration ---------------------------------------------------------------------------------


def _check(points: Any, seed: Any, workers: Any, chunk_size: Any, profile_points: Any, functions: Any) -> None:
    from identities.backends.arrays import FUNCTION_MODES

    for name, value, low in (("points", points, 1), ("workers", workers, 1), ("profile_points", profile_points, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise InvalidArgument(f"{name}={value!r} must be an integer >= {low}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgument(f"seed={seed!r} must be an integer")
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1):
        raise InvalidArgument(f"chunk_size={chunk_size!r} must be a positive integer")
    if functions not in FUNCTION_MODES:
        raise InvalidArgument(f"functions={functions!r} must be one of {', '.join(FUNCTION_MODES)}")


def sweep(
    ident: Identity,
    backend: str = "float64",
    *,
    points: int = DEFAULT_POINTS,
    seed: int = 0,
    executor: Executor | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    functions: str = "numpy",
    oracle: Any = None,
    profile_points: int = DEFAULT_PROFILE_POINTS,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """The error profile of one identity on one backend over ``points`` points; see the module docstring.

    Same identity, backend, points, seed and chunk size: same result, whatever
    the executor.
    """
    return sweep_all(
        [ident],
        [backend],
        points=points,
        seed=seed,
        executor=executor,
        workers=workers,
        chunk_size=chunk_size,
        functions=functions,
        oracle=oracle,
        profile_points=profile_points,
        progress=progress,
    )[0]


def sweep_all(
    identities: Iterable[Identity] | Mapping[str, Identity],
    backends: Sequence[str] = DEFAULT_SWEEP_BACKENDS,
    *,
    points: int = DEFAULT_POINTS,
    seed: int = 0,
    executor: Executor | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    functions: str = "numpy",
    oracle: Any = None,
    profile_points: int = DEFAULT_PROFILE_POINTS,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[SweepResult], None] | None = None,
) -> list[SweepResult]:
    """Sweep every identity on every backend, in order; ``on_result`` sees each result as it is made.

    ``executor`` runs the chunks (any ``concurrent.futures.Executor``; it is
    not shut down); without one, ``workers`` > 1 starts that many local
    processes for the call, and 1 runs everything in this process.
    ``progress(done, total)`` is called with points finished after each chunk.
    """
    from identities.backends import AUTODIFF_BACKENDS, BACKENDS, get_backend
    from identities.oracle.scalar import DEFAULT_ORACLE

    _check(points, seed, workers, chunk_size, profile_points, functions)
    items = list(identities.values()) if isinstance(identities, Mapping) else list(identities)
    names = list(backends)
    for b in names:
        if b not in BACKENDS:
            raise InvalidArgument(f"unknown backend name={b!r}; known: {', '.join(BACKENDS)}")
        if b in AUTODIFF_BACKENDS:  # numpy arrays would stand in for the framework, under its name
            raise InvalidArgument(
                f"backend={b!r} evaluates with its framework's own operations and autograd, "
                f"point by point; a sweep runs numpy arrays: use 'identities check --backend {b}'"
            )
    o = oracle or DEFAULT_ORACLE
    settings = dict(
        points=points,
        seed=seed,
        chunk=chunk_size or chunk_size_for(points),
        functions=functions,
        oracle=(o.start_bits, o.cap_bits, o.hold_bits),
        keep=profile_points,
    )
    groups: dict[str, list[str]] = {}
    for b in names:
        groups.setdefault(get_backend(b).format.name, []).append(b)
    total = len(items) * len(groups) * (points if items else 0)
    own = executor is None and workers > 1
    pool = local_executor(workers) if own else executor
    done = 0
    results: list[SweepResult] = []

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    try:
        for ident in items:
            found: dict[str, SweepResult] = {}
            for group in groups.values():
                started = time.perf_counter()
                merged = _run_group(ident, tuple(group), settings, pool, workers, tick)
                for b in group:
                    found[b] = _finish(ident, b, merged[b], settings, o, time.perf_counter() - started)
            for b in names:
                results.append(found[b])
                if on_result is not None:
                    on_result(found[b])
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


def _run_group(
    ident: Identity, group: tuple[str, ...], s: dict, pool: Executor | None, workers: int, tick: Callable[[int], None]
) -> dict[str, Partial]:
    """Every chunk of one identity for the backends of one format, merged in chunk order."""
    points, chunk = (s["points"], s["chunk"]) if ident.variables else (1, 1)
    tasks = []
    for index, start in enumerate(range(0, points, chunk)):
        size = min(chunk, points - start)
        keep = max(0, min(size, s["keep"] - start))
        tasks.append(_Task(ident, group, s["seed"], index, start, size, keep, s["functions"], s["oracle"]))
    merged: dict[str, Partial] | None = None

    def add(part: dict[str, Partial], size: int) -> None:
        nonlocal merged
        merged = part if merged is None else {b: merged[b].merge(part[b]) for b in group}
        tick(size if ident.variables else s["points"])

    if pool is None:
        for t in tasks:
            add(_run_chunk(t), t.size)
    else:
        inflight = max(2 * workers, 2 * (os.cpu_count() or 1), 4)
        pending: dict[int, Future] = {}
        nxt = 0
        for i, t in enumerate(tasks):
            pending[i] = pool.submit(_run_chunk, t)
            while len(pending) >= inflight or (i == len(tasks) - 1 and pending):
                add(_outcome(pending.pop(nxt), group), tasks[nxt].size)
                nxt += 1
    assert merged is not None
    return merged


def _outcome(future: Future, group: tuple[str, ...]) -> dict[str, Partial]:
    """A chunk's result; a chunk whose worker died on a fresh pool too (WorkerDied) is an error for its rows."""
    try:
        return future.result()
    except WorkerDied as exc:
        return {b: Partial(error=f"a chunk could not be evaluated: {exc}") for b in group}


def _finish(ident: Identity, backend: str, p: Partial, s: dict, oracle: Any, elapsed: float) -> SweepResult:
    """The Result of a merged sweep: verify's verdict rules and records over the sweep's points."""
    from identities.backends import get_backend
    from identities.check.engine import PRECEDENCE, effective_tolerance, quotient_sides, tolerance_source

    be = get_backend(backend)
    tol = effective_tolerance(ident, be)
    base = dict(
        identity=ident.name,
        backend=be.name,
        expected=ident.expected(be.name),
        tolerance=str(tol) if tol else None,
        seed=s["seed"],
        functions=s["functions"],
        one_sided=ident.one_sided,
        tolerance_source=tolerance_source(ident, be),
        quotient_sides=quotient_sides(ident, be),
    )
    if p.error:
        return SweepResult(
            verdict="error",
            examples=0,
            exact_rate=0.0,
            max_error=_stats(0, 0, 0),
            needed_tolerance=None,
            message=p.error,
            elapsed=elapsed,
            notes=p.notes,
            **base,
        )
    counts = {k: int(v) for k, v in zip(KINDS, p.counts)}
    verdict = next((k for k in PRECEDENCE[:-1] if counts.get(k)), "holds")
    if not p.decided and not counts["refuted"] and not counts["domain_mismatch"]:
        reasons = [
            f"{counts['unknown']} unresolved by the oracle" if counts["unknown"] else "",
            f"{counts['undefined']} undefined on both sides" if counts["undefined"] else "",
        ]
        message = f"no point could be decided in {p.n} points ({', '.join(r for r in reasons if r) or 'none'})"
        return SweepResult(
            verdict="error",
            examples=p.n,
            exact_rate=0.0,
            max_error=_stats(0, 0, 0),
            needed_tolerance=None,
            message=message,
            counts=counts,
            elapsed=elapsed,
            profile=p.profile(),
            notes=p.notes,
            **base,
        )
    try:
        return _described(ident, be, oracle, tol, p, verdict, counts, elapsed, base)
    except IdentitiesError as exc:  # the user's code failed in the scalar replay: an error, with its traceback
        return SweepResult(
            verdict="error",
            examples=p.n,
            exact_rate=0.0,
            max_error=_stats(0, 0, 0),
            needed_tolerance=None,
            message=f"{type(exc).__name__}: {exc}",
            counts=counts,
            elapsed=elapsed,
            profile=p.profile(),
            notes=p.notes,
            **base,
        )


def _described(
    ident: Identity, be: Any, oracle: Any, tol: Any, p: Partial, verdict: str, counts: Any, elapsed: float, base: Any
) -> SweepResult:
    """The result with its counterexample and worst point, replayed by the scalar engine."""
    engine = _engine(ident, be, oracle, tol)
    counterexample = worst = None
    notes = list(p.notes)
    if verdict != "holds":
        c = p.simplest[KINDS.index(verdict)]
        sample, reproduced = _sample(engine, c)
        if reproduced and sample.kind == verdict:
            from identities.check.simplify import simplify

            try:
                sample = simplify(engine, sample)
            except (LimitExceeded, MemoryError) as exc:  # the verdict stands, with the point as the sweep found it
                notes.append(
                    f"counterexample not simplified: limit ({'memory' if isinstance(exc, MemoryError) else exc})"
                )
        else:
            notes.append(
                "the counterexample is the sweep's own evaluation; the scalar backend (verify) does not "
                "fail there (functions='scalar' matches it)"
            )
        counterexample = engine.describe(sample)
    rank = {"refuted": "refuted", "precision_failure": "precision_failure", "holds": "decided"}.get(verdict)
    if rank in p.worst and p.worst[rank].ulps > 0:
        worst = engine.describe(_sample(engine, p.worst[rank])[0])
    message = f"{counts['unknown']} of {p.n} points unresolved by the oracle (skipped)" if counts["unknown"] else ""
    return SweepResult(
        verdict=verdict,
        examples=p.n,
        exact_rate=p.exact / p.decided if p.decided else 0.0,
        max_error=_stats(p.ulps, p.rel, p.abs),
        needed_tolerance="none" if verdict in ("refuted", "domain_mismatch") else _needed(be, tol, p),
        counterexample=counterexample,
        worst=worst,
        counts=counts,
        message=message,
        elapsed=elapsed,
        profile=p.profile(),
        notes=tuple(dict.fromkeys(notes)),
        **base,
    )


def _stats(ulps: float, rel: float, abs_: float) -> Any:
    from identities.numbers.metrics import ErrorStats

    return ErrorStats().merge(ulps, rel, abs_)


def _needed(be: Any, tol: Any, p: Partial) -> str | None:
    """verify's needed tolerance over the sweep's decided points."""
    if not p.decided or not getattr(be, "is_float", False) or p.need < 0:
        return None
    t = p.need  # the factor the tolerance in force must be scaled by (Tolerance.need_factor)
    if not math.isfinite(t):
        return "none"
    return tol.scaled(t) if tol is not None else (f"{int(t)} ulp" if t < 1e6 else f"{t:.3g} ulp")


def _engine(ident: Identity, be: Any, oracle: Any, tol: Any) -> Any:
    from identities.check.engine import Engine

    return Engine(ident, be, oracle, tol)


def _sample(engine: Any, c: Candidate) -> tuple[Any, bool]:
    """The scalar engine's record of a sweep point, with the sweep's own values where they differ.

    Returns (sample, reproduced): reproduced when the scalar backend computes
    the same two values as the sweep did.
    """
    s = engine.evaluate(c.inputs)
    if not engine.is_float:
        return s, True
    same = all(a == b or (a != a and b != b) for a, b in ((s.lf, c.lf), (s.rf, c.rf)))
    if same:
        return s, True
    return replace(
        s, kind=KINDS[c.kind], lhs=c.lf, rhs=c.rf, lf=c.lf, rf=c.rf, ulps=c.ulps, rel=c.rel, abs=c.abs
    ), False
