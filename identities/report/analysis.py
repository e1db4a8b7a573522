"""From Results to what a report shows: error statistics per side, causes, bounds, commands.

Everything here is computed once per Result and shared by the three writers
(HTML, Markdown, JSON), so the formats cannot disagree. A Result made without
``keep_samples`` still gets a section, from its summary statistics alone.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from identities.check.causes import Cause, diagnose
from identities.check.results import Counterexample, Result
from identities.check.samples import Sample
from identities.numbers.metrics import bits
from identities.registry.files import Identity

__all__ = [
    "ErrorSummary",
    "Point",
    "CauseSummary",
    "Confidence",
    "Analysis",
    "analyze",
    "zero_failure_bound",
    "confidence",
    "needed_tolerances",
    "error_summary",
    "explain_command",
    "check_command",
    "DIAGNOSED",
    "WORST_SHOWN",
    "ALPHA",
]

DIAGNOSED = 20  # failing samples whose cause is diagnosed per result (each costs oracle calls per node)
WORST_SHOWN = 5
ALPHA = 0.05
_LIBRARY = Path(__file__).resolve().parent.parent / "library"


@dataclass(frozen=True)
class ErrorSummary:
    """Error in ulps and bits over the decided samples, for one comparison (a side vs the oracle, or lhs vs rhs).

    Means are over finite errors; ``nonfinite`` counts samples where the value
    was nan in floats (no distance to the truth). The over-counts include them.
    """

    n: int
    mean_ulps: float
    max_ulps: float
    mean_bits: float
    max_bits: float
    over_zero: int
    over_one: int
    over_tolerance: int
    nonfinite: int = 0

    def to_json(self) -> dict[str, Any]:
        from identities.check.results import json_value

        return {k: json_value(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Point:
    """One input worth showing (the worst found, or the minimal counterexample), with its diagnosis."""

    inputs: Mapping[str, Any]
    lhs: Any
    rhs: Any
    truth_lhs: Any
    truth_rhs: Any
    ulps: float
    lhs_ulps: float
    rhs_ulps: float
    causes: tuple[Cause, ...]
    command: str

    @property
    def bits(self) -> float:
        return bits(self.ulps)


@dataclass(frozen=True)
class CauseSummary:
    """The identity's culprit side and the most common cause among the diagnosed failing samples."""

    culprit: str
    label: str
    node: str
    detail: str
    counts: Mapping[str, int]
    diagnosed: int


@dataclass(frozen=True)
class Confidence:
    """The zero-failure bound: no failure in n samples, so at least ``p`` pass, with confidence 1 - alpha."""

    n: int
    alpha: float
    p: float

    @property
    def statement(self) -> str:
        pct = math.floor(self.p * 1000) / 10  # rounded down: the bound must stay a lower bound
        return (
            f"no failure in {self.n} samples, so at least {pct:g}% of inputs pass, "
            f"with confidence {100 * (1 - self.alpha):g}%"
        )


@dataclass
class Analysis:
    """One Result, analysed for the report."""

    result: Result
    ident: Identity | None
    is_float: bool
    stats: dict[str, ErrorSummary] | None = None
    cause: CauseSummary | None = None
    needed: dict[str, str] | None = None
    confidence: Confidence | None = None
    worst: list[Point] = field(default_factory=list)
    minimal: Point | None = None
    fd: Any = None  # identities.report.fdtable.FDTable
    check: str = ""
    plots: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.result.identity}[{self.result.backend}]"

    @property
    def bits_lost(self) -> float:
        """The most bits any side lost against the truth (or lhs against rhs without samples)."""
        if self.stats:
            return max(self.stats["lhs"].max_bits, self.stats["rhs"].max_bits)
        return self.result.max_error.bits

    @property
    def tolerance_note(self) -> str:
        """Why a derivative's default tolerance is what it is (``identities.check.failures.tolerance_note``)."""
        from identities.check.failures import tolerance_note

        return tolerance_note(self.result)


def zero_failure_bound(n: int, alpha: float = ALPHA) -> float:
    """The largest failure rate q with (1 - q)**n >= alpha, as a pass rate: p = alpha**(1/n).

    After n independent samples without a failure, every pass rate below p would
    have produced a failure with probability above 1 - alpha; for alpha = 0.05
    this is the "rule of three", p ~ 1 - 3/n.
    """
    if n < 1:
        raise ValueError(f"n={n!r} must be at least 1")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha!r} must be in (0, 1)")
    return alpha ** (1.0 / n)


def confidence(r: Result, alpha: float = ALPHA) -> Confidence | None:
    """The bound for a result that held (None otherwise).

    n counts distinct inputs where the identity was decided: with samples kept,
    the distinct ones (hypothesis draws some inputs twice, and a repeat is no
    new evidence); without, the engine's count of decided examples.
    """
    if r.verdict != "holds":
        return None
    if r.samples:
        n = sum(s.kind == "ok" for s in r.samples)
    else:
        n = int(r.counts.get("ok", r.examples)) if r.counts else r.examples
    return Confidence(n, alpha, zero_failure_bound(n, alpha)) if n >= 1 else None


def ceil_sig(x: float, digits: int = 2) -> str:
    """x rounded *up* to a few significant digits, so the tolerance it spells still passes."""
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x))) - digits + 1
    m = math.ceil(x / 10.0**e - 1e-9)
    v = float(f"{m}e{e}")
    while v < x:
        m += 1
        v = float(f"{m}e{e}")
    return f"{v:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e+")


def needed_tolerances(r: Result) -> dict[str, str] | None:
    """The tightest ``ulp`` and the tightest ``abs`` tolerance that would have passed every decided example."""
    if r.verdict not in ("holds", "precision_failure") or r.tolerance is None:
        return None
    e = r.max_error
    ulp = (
        f"{int(e.ulps)} ulp"
        if math.isfinite(e.ulps) and e.ulps < 1e15
        else ("none" if not math.isfinite(e.ulps) else f"{e.ulps:.3g} ulp")
    )
    ab = f"{ceil_sig(e.abs)} abs" if math.isfinite(e.abs) else "none"
    return {"ulp": ulp, "abs": ab, "engine": r.needed_tolerance or ""}


def error_summary(ulps: Sequence[float], over_tol: Sequence[bool]) -> ErrorSummary:
    finite = [u for u in ulps if math.isfinite(u)]
    n = len(ulps)
    if not n:
        return ErrorSummary(0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0)
    mx = max(ulps)
    return ErrorSummary(
        n=n,
        mean_ulps=sum(finite) / len(finite) if finite else math.nan,
        max_ulps=mx,
        mean_bits=sum(bits(u) for u in finite) / len(finite) if finite else math.nan,
        max_bits=bits(mx),
        over_zero=sum(not u <= 0 for u in ulps),
        over_one=sum(not u <= 1 for u in ulps),
        over_tolerance=sum(over_tol),
        nonfinite=n - len(finite),
    )


def _stats(samples: Sequence[Sample], tol: Any, fmt: Any) -> dict[str, ErrorSummary]:
    decided = [s for s in samples if s.kind in ("ok", "precision_failure")]

    def fails(a: float, b: float | None) -> bool:
        if b is None:
            return True
        return tol is not None and not tol.passes(a, b, fmt)

    return {
        "lhs": error_summary([s.lhs_ulps for s in decided], [fails(s.lhs, s.truth_lhs) for s in decided]),
        "rhs": error_summary([s.rhs_ulps for s in decided], [fails(s.rhs, s.truth_rhs) for s in decided]),
        "between": error_summary([s.ulps for s in decided], [s.kind == "precision_failure" for s in decided]),
    }


def _values(inputs: Mapping[str, Any], fmt: Any) -> str:
    from identities.numbers.formats import short_repr

    def one(v: Any) -> str:
        if isinstance(v, tuple):  # a vector, as --at cannot take it: shown, for people
            return "[" + ";".join(one(c) for c in v) + "]"
        return str(v) if isinstance(v, int) else short_repr(float(v), fmt)

    return ",".join(f"{k}={one(v)}" for k, v in inputs.items())


def _file_arg(ident: Identity | None) -> str:
    if ident is None or ident.file in ("", "<string>"):
        return ""
    try:
        if Path(ident.file).resolve().parent == _LIBRARY:
            return ""  # the built-in library: no FILES argument needed
    except OSError:
        pass
    return " " + shlex.quote(ident.file)


def explain_command(name: str, ident: Identity | None, backend: str, inputs: Mapping[str, Any], fmt: Any) -> str:
    """``identities explain NAME [FILE] --at x=...,y=... --backend B``: reproduces one input."""
    if any(isinstance(v, tuple) for v in inputs.values()):  # explain walks scalars: check names the input
        return f"identities check{_file_arg(ident)} --select {shlex.quote(name)} --backend {backend} -v"
    at = f" --at {shlex.quote(_values(inputs, fmt))}" if inputs else ""
    return f"identities explain {shlex.quote(name)}{_file_arg(ident)}{at} --backend {backend}"


def check_command(r: Result, ident: Identity | None, examples: int) -> str:
    """``identities check`` restricted to this identity and backend, with the run's seed and examples; for an
    assertion helper's result, the pytest command that runs its test again."""
    if r.test:
        return f"pytest {shlex.quote(r.test)}"
    return (
        f"identities check{_file_arg(ident)} --select {shlex.quote(r.identity)} --backend {r.backend} "
        f"--seed {r.seed} --examples {examples} --no-database"
    )


def _point(
    r: Result, ident: Identity | None, backend: Any, inputs: Mapping[str, Any], values: tuple, diagnose_sides: bool
) -> Point:
    lhs, rhs, tl, tr, ulps, el, er = values
    causes: list[Cause] = []
    vector = any(isinstance(v, tuple) for v in inputs.values())
    if diagnose_sides and ident is not None and backend.is_float and not vector:
        for side, expr, err in (("lhs", ident.lhs, el), ("rhs", ident.rhs, er)):
            if isinstance(err, float) and (err > 0 or math.isnan(err)):
                causes.append(diagnose(expr, side, inputs, backend))
    return Point(
        dict(inputs),
        lhs,
        rhs,
        tl,
        tr,
        ulps,
        el,
        er,
        tuple(causes),
        check_command(r, ident, 0) if r.test else explain_command(r.identity, ident, r.backend, inputs, backend.format),
    )


def _from_counterexample(c: Counterexample) -> tuple:
    return (c.lhs, c.rhs, c.truth_lhs, c.truth_rhs, c.ulps, c.lhs_ulps, c.rhs_ulps)


def _from_sample(s: Sample) -> tuple:
    return (s.lhs, s.rhs, s.truth_lhs, s.truth_rhs, s.ulps, s.lhs_ulps, s.rhs_ulps)


def _near(inputs: Mapping[str, Any]) -> tuple:
    def rounded(v: Any) -> Any:
        if isinstance(v, tuple):  # a vector: each component
            return tuple(rounded(c) for c in v)
        return v if isinstance(v, int) else float(f"{v:.3g}")

    return tuple((k, rounded(v)) for k, v in inputs.items())


def _rank(u: float) -> float:
    return math.inf if math.isnan(u) else u


def _culprit_of(el: float, er: float) -> str:
    el, er = _rank(el), _rank(er)
    return "lhs" if el > er else ("rhs" if er > el else "both")


def _cause_summary(
    r: Result, ident: Identity, backend: Any, samples: Sequence[Sample], points: Sequence[Point]
) -> CauseSummary | None:
    if any(d.size is not None for _, d in ident.variables):  # the diagnosis walks scalar subexpressions
        return None
    failing, seen = [], set()
    for s in sorted((s for s in samples if s.kind == "precision_failure"), key=lambda s: -_rank(s.ulps)):
        if _near(s.inputs) not in seen:  # one hill's near-copies would outvote every other cause
            seen.add(_near(s.inputs))
            failing.append(s)
    if len(failing) > DIAGNOSED:  # the worst ones and a spread down to the mildest
        stride = len(failing) / DIAGNOSED
        failing = [failing[int(i * stride)] for i in range(DIAGNOSED)]
    causes: list[Cause] = []
    sides: dict[str, int] = {}
    for s in failing:
        side = _culprit_of(s.lhs_ulps, s.rhs_ulps)
        sides[side] = sides.get(side, 0) + 1
        for sd in ("lhs", "rhs") if side == "both" else (side,):
            causes.append(diagnose(ident.lhs if sd == "lhs" else ident.rhs, sd, s.inputs, backend))
    if not causes:  # nothing failed (or no samples): the worst points tell what error there is
        for p in points:
            causes.extend(c for c in p.causes if c.label != "exact")
            side = _culprit_of(p.lhs_ulps, p.rhs_ulps)
            sides[side] = sides.get(side, 0) + 1
    if not causes:
        return None
    total = sum(sides.values())
    lead = max(sides, key=lambda k: sides[k])
    culprit = lead if sides[lead] * 3 >= total * 2 else "both"
    mine = [c for c in causes if culprit in ("both", c.side)] or causes
    counts: dict[str, int] = {}
    for c in mine:
        counts[c.label] = counts.get(c.label, 0) + 1
    label = max(counts, key=lambda k: (counts[k], k != "unknown"))
    rep = max((c for c in mine if c.label == label), key=lambda c: _rank(c.bits))
    return CauseSummary(
        culprit, label, rep.node, rep.detail, dict(sorted(counts.items(), key=lambda kv: -kv[1])), len(mine)
    )


def analyze(r: Result, ident: Identity | None, *, examples: int, with_fd: bool = True) -> Analysis:
    """Everything the report shows for one Result (``examples``: what the run asked for, for the commands)."""
    from identities.backends import get_backend
    from identities.language.tolerance import parse_tolerance

    backend = get_backend(r.backend)
    is_float = bool(getattr(backend, "is_float", False))
    a = Analysis(result=r, ident=ident, is_float=is_float, check=check_command(r, ident, examples))
    a.confidence = confidence(r)
    if r.verdict == "error":
        return a
    a.needed = needed_tolerances(r) if is_float else None
    tol = parse_tolerance(r.tolerance) if r.tolerance else None
    samples = r.samples
    if samples and is_float:
        a.stats = _stats(samples, tol, backend.format)
    diagnosable = is_float and r.verdict in ("holds", "precision_failure")
    candidates: list[tuple[Mapping[str, Any], tuple]] = []
    if not is_float:  # mpmath's last-digit differences are not what a float report is about
        samples = ()
    if r.worst is not None and is_float:
        candidates.append((r.worst.inputs, _from_counterexample(r.worst)))
    for s in samples:  # all of them: the target phase leaves dozens of near-copies of one hill's top
        if s.kind in ("ok", "precision_failure", "refuted"):
            candidates.append((s.inputs, _from_sample(s)))
    seen: set[tuple] = set()
    for inputs, values in sorted(candidates, key=lambda c: -_rank(c[1][4])):
        key = _near(inputs)  # the targeted search climbs one hill: show different inputs, not its neighbours
        if key in seen or not inputs or not (_rank(values[4]) > 0):
            continue
        seen.add(key)
        a.worst.append(_point(r, ident, backend, inputs, values, diagnosable))
        if len(a.worst) == WORST_SHOWN:
            break
    if r.counterexample is not None and r.verdict != "holds":
        c = r.counterexample
        a.minimal = _point(r, ident, backend, c.inputs, _from_counterexample(c), diagnosable)
    if diagnosable and ident is not None:
        a.cause = _cause_summary(r, ident, backend, samples, a.worst)
    if with_fd and is_float and ident is not None and ident.diff_order:
        a.fd = _fd(ident, backend, a)
    return a


def _fd(ident: Identity, backend: Any, a: Analysis) -> Any:
    """The finite-difference table at the identity's first example, else at an input the run found."""
    from identities.report.fdtable import finite_difference_table

    points = [dict(e) for e in ident.examples]
    points += [dict(p.inputs) for p in ([a.minimal] if a.minimal else []) + a.worst]
    points += [dict(s.inputs) for s in a.result.samples[:3]]
    names = {n for n, _ in ident.variables}
    for at in points:
        if set(at) != names:
            continue
        try:
            return finite_difference_table(ident, backend, at)
        except Exception:  # undefined or unresolved there: try the next point
            continue
    return None
