"""The screen: thousands of points through the array backend and the batch oracle, before the search.

A hypothesis search of 200 examples finds a failure that lives on 1% of the inputs about 87 times in 100;
a failure on 0.1% about 18 times. The screen draws ``points`` inputs as ``identities sweep`` draws them
(uniform over the bit patterns inside each domain, ``identities.draws.arrays``), evaluates both sides on
whole arrays (``identities.backends.arrays``, numpy's functions) and decides every point with the batch
oracle (``identities.oracle.batch``), for a few milliseconds per identity.

What the screen finds is not a verdict. Its points of interest (the first and the worst point of each
failing kind, then the worst decided point) go to the search as its first examples
(``identities.check.search``): each is evaluated there by the scalar backend and the scalar oracle, as any
example is, so a failure counts only where the backend itself fails (numpy's SIMD ``exp`` and ``log``
differ from ``math``'s in the last place), and ``target()`` climbs from the worst point, and shrinking
starts from a real failure. Points the domains or ``assume`` exclude, decided exactly on the drawn value
(``identities.draws.exact``), are excluded here too.

The draws are seeded by (seed, identity, format): the same seed screens the same points.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from identities.check.evaluation import Engine

__all__ = [
    "DEFAULT_SCREEN",
    "ScreenReport",
    "Screened",
    "screen",
    "skip_reason",
    "KINDS",
    "limit_for",
    "describe",
]

DEFAULT_SCREEN = 2000
"""Points per identity and float backend (docs/guide/verdicts.md, "The screen", says how it was chosen)."""

KINDS = ("ok", "precision_failure", "refuted", "domain_mismatch", "undefined", "unknown")
_FAILING = ("refuted", "domain_mismatch", "precision_failure")  # the engine's precedence


@dataclass(frozen=True)
class ScreenReport:
    """What the screen did for one identity and backend.

    ``points`` inputs were screened (admissible ones, exactly); ``counts`` are the screen's own kinds
    there (numpy's values, the batch oracle's decisions); ``handed`` inputs went to the search as its first
    examples, and ``confirmed`` of the screen's failures among them the scalar backend reproduced.
    ``skipped`` says why there was no screen (an autodiff backend, function variables...).
    """

    points: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    handed: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    skipped: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"points": self.points}
        if self.skipped:
            out["skipped"] = self.skipped
            return out
        out.update(counts=dict(self.counts), handed=self.handed, confirmed=self.confirmed)
        out["unconfirmed"] = self.unconfirmed
        return out

    @property
    def decided(self) -> int:
        return int(self.counts.get("ok", 0) + self.counts.get("precision_failure", 0))


@dataclass
class Screened:
    """The screen's report and the inputs it hands to the search, most important first."""

    report: ScreenReport
    seeds: list[dict[str, Any]] = field(default_factory=list)


def skip_reason(engine: Engine) -> str:
    """Why ``engine``'s identity and backend are not screened ("" when they are)."""
    b = engine.backend
    if not engine.is_float:
        return f"{b.name} is not a float backend (its verdict is the oracle's)"
    if getattr(b, "autodiff", False):
        return f"{b.name} evaluates with its framework's operations and autograd, one point at a time"
    if engine.functions:
        return "function variables are drawn by the search only"
    if engine.vectors:
        return "vector variables are drawn by the search only"
    if not engine.ident.variables:
        return "a point identity has one input"
    return ""


def _rng(engine: Engine, seed: int) -> np.random.Generator:
    name = zlib.crc32(engine.ident.name.encode())
    return np.random.default_rng([seed & (2**63 - 1), name, engine.fmt.width, zlib.crc32(engine.fmt.name.encode()), 5])


def screen(engine: Engine, points: int, seed: int, limit: int) -> Screened:
    """Screen ``points`` inputs; at most ``limit`` of them are handed to the search."""
    why = skip_reason(engine)
    if why or points <= 0:
        return Screened(ScreenReport(skipped=why or "turned off (screen=0)"))
    from identities.draws.arrays import NoAdmissibleInput, Sampler

    ident, fmt = engine.ident, engine.fmt
    ints = frozenset(n for n, d in ident.variables if d.is_integer)
    requested = points
    points = _affordable(engine, points, ints)
    try:
        cols, _ = Sampler(ident.variables, fmt, ident.assume, mixed=True).draw(points, _rng(engine, seed))
    except NoAdmissibleInput as exc:
        return Screened(ScreenReport(skipped=str(exc)))
    n = len(next(iter(cols.values())))
    kind, ulps, rel = _judged(engine, cols, n, ints, points < requested)
    counts = {k: int(np.count_nonzero(kind == i)) for i, k in enumerate(KINDS)}
    picks = _picks(kind, ulps, rel, limit, _exact(engine, cols))
    seeds = [_row(cols, i) for i in picks]
    from identities.check.search import Abort

    confirmed = unconfirmed = 0
    for i, inputs in zip(picks, seeds):
        if KINDS[kind[i]] in _FAILING:
            try:
                s = _evaluate(engine, inputs)
            except Abort as exc:  # a time limit: the search says so; an error in the user's code: at once
                if exc.error is not None:
                    raise
                break
            if s.kind in _FAILING:
                confirmed += 1
            else:
                unconfirmed += 1
    report = ScreenReport(n, counts, len(seeds), confirmed, unconfirmed)
    return Screened(report, seeds)


def _evaluate(engine: Engine, inputs: dict[str, Any]) -> Any:
    from identities.check.search import evaluate_within_limits

    return evaluate_within_limits(engine, inputs)


def _exact(engine: Engine, cols: Mapping[str, np.ndarray]) -> Any:
    """A predicate of a point's index: do the domains and ``assume`` admit it exactly? The sampler decides
    them in float64; the exact check (``identities.draws.exact``, an oracle evaluation) is needed only
    with ``assume`` or a bound that is not a double, and is made on the points handed over."""
    from identities.draws.inputs import Plan

    ident = engine.ident
    if not ident.assume and not any(Plan(n, d, engine.fmt).exact_checks for n, d in ident.variables):
        return lambda i: True
    from identities.check.search import admissible

    admits = admissible(engine)
    return lambda i: bool(admits(_row(cols, i)))


PER_POINT_SHARE = 8
"""Where the batch oracle has no fast path (``diff``, ``sum``: the scalar oracle point by point, about 50
times slower), the screen takes this share of the points, so that no identity's screen costs more than
its search."""


def _affordable(engine: Engine, points: int, ints: frozenset[str]) -> int:
    from identities.oracle.batch import BatchOracle

    names = [n for n, _ in engine.ident.variables]
    run = _batch(engine, BatchOracle).program(engine.ident.lhs, engine.ident.rhs, names, ints)
    return points if run is not None else max(1, points // PER_POINT_SHARE)


def _judged(engine: Engine, cols: Mapping[str, np.ndarray], n: int, ints: frozenset[str], slow: bool) -> tuple:
    """``_judge`` in chunks, within the identity's time limit (the screen is part of its check): past it, the
    check stops as the search would, with the ``error`` verdict naming the limit."""
    import time

    from identities.check.search import Abort

    step = 32 if slow else 1024
    parts = []
    for start in range(0, n, step):
        if time.monotonic() > engine.stop_at:
            raise Abort(
                f"time limit per identity ({engine.identity_seconds:g} s) reached after 0 examples "
                f"(in the screen, after {start} of its {n} points)"
            )
        sub = {k: v[start : start + step] for k, v in cols.items()}
        parts.append(_judge(engine, sub, len(next(iter(sub.values()))), ints))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def _judge(engine: Engine, cols: Mapping[str, np.ndarray], n: int, ints: frozenset[str]) -> tuple:
    """Each point's kind (index into KINDS), the ulps between the sides and their relative difference."""
    from identities.backends.arrays import compile_array
    from identities.draws.arrays import ulp_distance
    from identities.numbers.dtypes import round_array
    from identities.oracle.batch import STATUS_CODE, BatchOracle
    from identities.oracle.scalar import BOTH_UNDEFINED, LHS_UNDEFINED, REFUTED, RHS_UNDEFINED, UNKNOWN

    ident, fmt, be = engine.ident, engine.fmt, engine.backend
    oc = _batch(engine, BatchOracle).compare(ident.lhs, ident.rhs, cols, n, ints)
    with np.errstate(all="ignore"):
        lf = compile_array(ident.lhs, be, integer_vars=ints)(cols, n).astype(np.float64)
        if engine.one_sided:  # the other side is the truth, rounded to the format
            rf = round_array(oc.lhs, fmt).astype(np.float64)
        else:
            rf = compile_array(ident.rhs, be, integer_vars=ints)(cols, n).astype(np.float64)
        ulps = ulp_distance(lf, rf, fmt)
        d = np.abs(lf - rf)
        rel = np.where(lf == rf, 0.0, d / np.maximum(np.abs(lf), np.abs(rf)))
        rel = np.where(np.isnan(rel), np.inf, rel)
    kind = np.zeros(n, dtype=np.int8)
    if engine.tolerance is not None:
        kind[~engine.tolerance.passes_arrays(lf, rf, ulps)] = KINDS.index("precision_failure")
    st = oc.status
    kind[(st == STATUS_CODE[LHS_UNDEFINED]) | (st == STATUS_CODE[RHS_UNDEFINED])] = KINDS.index("domain_mismatch")
    kind[st == STATUS_CODE[REFUTED]] = KINDS.index("refuted")
    kind[st == STATUS_CODE[UNKNOWN]] = KINDS.index("unknown")
    kind[st == STATUS_CODE[BOTH_UNDEFINED]] = KINDS.index("undefined")
    return kind, ulps, rel


_BATCH: dict[Any, Any] = {}


SCREEN_CAP_BITS = 512
"""The screen's oracle stops here: a point it leaves unknown is only not screened (the search's oracle goes
on to its own cap); sides that cancel to exactly 0 would otherwise cost every precision up to the cap."""


def _batch(engine: Engine, cls: Any) -> Any:
    """One BatchOracle per oracle setting (its generated programs are cached across identities)."""
    from identities.oracle.scalar import Oracle

    o = engine.oracle
    cap = max(min(o.cap_bits, SCREEN_CAP_BITS), o.start_bits)
    key = (o.start_bits, cap, o.hold_bits)
    if key not in _BATCH:
        _BATCH[key] = cls(Oracle(*key))
    return _BATCH[key]


def _picks(kind: np.ndarray, ulps: np.ndarray, rel: np.ndarray, limit: int, admits: Any) -> list[int]:
    """The points to hand over, most important first: for each failing kind in precedence order its first
    and its worst admissible point, then the worst decided one (where ``target`` starts climbing)."""
    out: list[int] = []
    score = np.where(np.isnan(ulps), np.inf, ulps)

    def add(order: np.ndarray) -> None:
        for i in order[:_TRIES]:
            if len(out) >= limit or int(i) in out:
                return
            if admits(int(i)):
                out.append(int(i))
                return

    def worst_first(idx: np.ndarray) -> np.ndarray:
        return idx[np.lexsort((-rel[idx], -score[idx]))]

    for k in _FAILING:
        idx = np.flatnonzero(kind == KINDS.index(k))
        if len(idx):
            add(idx)
            add(worst_first(idx))
    decided = np.flatnonzero((kind == 0) | (kind == 1))
    if len(decided) and score[decided].max() > 0:
        add(worst_first(decided))
    return out


_TRIES = 64  # points tried in turn for each pick where the exact check refuses the first


def _row(cols: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    return {k: (int(v[i]) if v.dtype.kind in "iu" else float(v[i])) for k, v in cols.items()}


def limit_for(examples: int) -> int:
    """How many screened inputs a search of ``examples`` takes first: hypothesis replays at most a tenth of
    its budget (and at least 2) from its store before generating."""
    return max(2, math.ceil(examples / 10))


def describe(report: ScreenReport, searched: int) -> str:
    """``2,000 screened and 200 searched``: the sample the verdict rests on, for messages."""
    if report.skipped or not report.points:
        return f"{searched} searched"
    return f"{report.points:,} screened and {searched} searched"
