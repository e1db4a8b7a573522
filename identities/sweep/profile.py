"""Error profiles of sweeps: the records, and the statistics of one chunk of points, mergeable.

A sweep's result is a ``SweepResult``: a ``Result`` (the same verdict rules,
counts, exact-equality rate, maximum error, needed tolerance, counterexample
and worst example as ``verify``), so anything that takes Results (the JSON
report, the report writer, the CLI's table) takes it, plus an
``ErrorProfile`` for plots: histograms over *every* point of the bits of error
of each side against the oracle and between the sides, and a sample of
points (their inputs and errors) of bounded size, so a sweep of ten million
points keeps a few MB.

Statistics are computed per chunk (``Partial``) with numpy and merged in chunk
order, so a sweep's result does not depend on how its chunks were scheduled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from identities.check.results import Result, json_value
from identities.language.tolerance import Tolerance
from identities.numbers.dtypes import round_array
from identities.numbers.formats import FloatFormat
from identities.sweep.sampling import ulp_distance

__all__ = ["ErrorProfile", "SweepResult", "Partial", "KINDS", "chunk_statistics", "per_point"]

KINDS = ("ok", "precision_failure", "refuted", "domain_mismatch", "undefined", "unknown")
OK, PF, REF, DM, UNDEF, UNKNOWN = range(6)
_CANDIDATES = 64  # failing points per chunk and kind considered for the simplest counterexample


@dataclass(frozen=True)
class ErrorProfile:
    """Where the error is, over all points of a sweep (what the report's plots read).

    ``lhs``, ``rhs`` and ``between`` are histograms of bits of error
    (log2(1 + ulps)) of each side against the oracle's value rounded to the
    format, and of lhs against rhs: entry k counts points with k <= bits < k + 1;
    the last entry counts points where the backend's value is nan while the
    oracle's is defined (infinite error). Sides the oracle finds undefined are
    left out of that side's histogram. ``sample`` holds the first
    ``len(sample["bits"])`` points: one column per input variable, then
    ``lhs_bits``, ``rhs_bits``, ``bits`` (between the sides) and ``kind``
    (indices into ``KINDS``).
    """

    lhs: np.ndarray
    rhs: np.ndarray
    between: np.ndarray
    mean_bits: Mapping[str, float]
    sample: Mapping[str, np.ndarray]
    oracle_bits: Mapping[int, int]
    oracle_per_point: int
    seconds: Mapping[str, float]
    drawn: int
    peak_rss_mib: float = 0.0
    """The largest peak resident memory of a process that ran chunks (MiB)."""
    side_abs: Mapping[str, float] = field(default_factory=dict)
    """Each side's largest absolute error over the decided points, against the oracle's value rounded to a
    double (so within half a double ulp of the error against the exact value); ``side_at`` the inputs of
    that point, to replay exactly (the *found* end of found <= max error <= proven bound)."""
    side_at: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "histograms": {
                "bin_width_bits": 1,
                "last_bin": "infinite error",
                "lhs": self.lhs.tolist(),
                "rhs": self.rhs.tolist(),
                "between": self.between.tolist(),
            },
            "mean_bits": {k: json_value(v) for k, v in self.mean_bits.items()},
            "sample_points": len(self.sample.get("bits", ())),
            "oracle": {
                "points_by_bits": {str(k): v for k, v in sorted(self.oracle_bits.items())},
                "per_point": self.oracle_per_point,
            },
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "drawn": self.drawn,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "side_abs": {k: json_value(v) for k, v in self.side_abs.items()},
        }


@dataclass(frozen=True)
class SweepResult(Result):
    """A ``Result`` measured by a sweep over ``examples`` points, with its ``ErrorProfile``."""

    profile: ErrorProfile | None = None
    functions: str = "numpy"
    notes: tuple[str, ...] = ()

    def to_json(self, *, samples: bool = False) -> dict[str, Any]:
        out = super().to_json(samples=samples)
        out["sweep"] = {"points": self.examples, "functions": self.functions, "notes": list(self.notes)}
        if self.profile is not None:
            out["sweep"]["profile"] = self.profile.to_json()
        return out


@dataclass
class Candidate:
    """One point kept for the counterexample or the worst example."""

    key: tuple
    inputs: dict[str, Any]
    lf: float
    rf: float
    ulps: float
    rel: float
    abs: float
    kind: int


@dataclass
class Partial:
    """The statistics of one chunk of points for one backend; ``merge`` adds a later chunk."""

    n: int = 0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(len(KINDS), dtype=np.int64))
    exact: int = 0
    ulps: float = 0.0
    rel: float = 0.0
    abs: float = 0.0
    need: float = -1.0
    worst: dict[str, Candidate] = field(default_factory=dict)
    simplest: dict[int, Candidate] = field(default_factory=dict)
    hist: dict[str, np.ndarray] = field(default_factory=dict)
    sums: dict[str, list[float]] = field(default_factory=dict)
    sample: dict[str, np.ndarray] = field(default_factory=dict)
    oracle_bits: dict[int, int] = field(default_factory=dict)
    per_point: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    drawn: int = 0
    peak_rss_mib: float = 0.0
    notes: tuple[str, ...] = ()
    error: str | None = None
    side_abs: dict[str, float] = field(default_factory=dict)
    side_at: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return int(self.counts[OK] + self.counts[PF])

    def merge(self, other: Partial) -> Partial:
        if self.error or other.error:
            self.error = self.error or other.error
            return self
        self.n += other.n
        self.counts = self.counts + other.counts
        self.exact += other.exact
        self.ulps, self.rel, self.abs = max(self.ulps, other.ulps), max(self.rel, other.rel), max(self.abs, other.abs)
        self.need = max(self.need, other.need)
        for wk, c in other.worst.items():
            if wk not in self.worst or c.key > self.worst[wk].key:
                self.worst[wk] = c
        for sk, c in other.simplest.items():
            if sk not in self.simplest or c.key < self.simplest[sk].key:
                self.simplest[sk] = c
        for hk, h in other.hist.items():
            self.hist[hk] = self.hist[hk] + h if hk in self.hist else h
        for mk, (s, m) in other.sums.items():
            a, b = self.sums.get(mk, [0.0, 0])
            self.sums[mk] = [a + s, b + m]
        for pk, arr in other.sample.items():
            self.sample[pk] = np.concatenate([self.sample[pk], arr]) if pk in self.sample else arr
        for bk, count in other.oracle_bits.items():
            self.oracle_bits[bk] = self.oracle_bits.get(bk, 0) + count
        self.per_point += other.per_point
        for tk, secs in other.seconds.items():
            self.seconds[tk] = self.seconds.get(tk, 0.0) + secs
        self.drawn += other.drawn
        self.peak_rss_mib = max(self.peak_rss_mib, other.peak_rss_mib)
        for side, e in other.side_abs.items():
            if e > self.side_abs.get(side, -1.0):
                self.side_abs[side], self.side_at[side] = e, other.side_at[side]
        self.notes = tuple(dict.fromkeys(self.notes + other.notes))
        return self

    def profile(self) -> ErrorProfile:
        means = {k: (s / m if m else math.nan) for k, (s, m) in self.sums.items()}
        width = next(iter(self.hist.values())).shape[0] if self.hist else 0
        empty = np.zeros(width, dtype=np.int64)
        return ErrorProfile(
            self.hist.get("lhs", empty),
            self.hist.get("rhs", empty),
            self.hist.get("between", empty),
            means,
            self.sample,
            dict(self.oracle_bits),
            self.per_point,
            dict(self.seconds),
            self.drawn,
            self.peak_rss_mib,
            dict(self.side_abs),
            dict(self.side_at),
        )


def _bits(ulps: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log2(1.0 + ulps)


def _histogram(bits: np.ndarray, width: int) -> np.ndarray:
    finite = np.isfinite(bits)
    h = np.bincount(np.minimum(bits[finite].astype(np.int64), width), minlength=width + 1)
    return np.append(h[: width + 1], np.count_nonzero(~finite))


def _relative(d: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``metrics.relative`` on arrays: |a - b| / |truth|, with its conventions for 0, nan and inf."""
    t = np.abs(truth)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = d / t
    rel = np.where((t == 0) | np.isnan(t), np.inf, rel)
    rel = np.where(np.isinf(t), np.where(np.isfinite(d), 0.0, np.inf), rel)
    return np.where(d == 0, 0.0, rel)


def _complexity(inputs: Mapping[str, Any], fmt: FloatFormat) -> tuple:
    from identities.check.simplify import complexity as one

    parts = [one(v, fmt) for v in inputs.values()]
    return (sum(p[0] for p in parts), sum(p[1] for p in parts))


def _row(columns: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    return {k: (int(v[i]) if v.dtype.kind in "iu" else float(v[i])) for k, v in columns.items()}


def chunk_statistics(
    columns: Mapping[str, np.ndarray],
    n: int,
    status: np.ndarray,
    lt: np.ndarray,
    rt: np.ndarray,
    lf: np.ndarray,
    rf: np.ndarray,
    ulps: np.ndarray | None,
    fmt: FloatFormat,
    tolerance: Tolerance | None,
    keep: int,
    start: int,
) -> Partial:
    """The Partial of one chunk for one backend.

    ``status`` is the oracle's (``oracle_batch.STATUSES`` codes), ``lt``/``rt``
    its values as doubles, ``lf``/``rf`` the backend's (float64, nan where
    undefined), ``ulps`` the backend's own distance between the sides (None:
    the format's). ``keep`` points of the sample are kept; ``start`` is the
    chunk's first point number, so candidates order as the points do.
    """
    with np.errstate(all="ignore"):
        return _statistics(columns, n, status, lt, rt, lf, rf, ulps, fmt, tolerance, keep, start)


def per_point(
    status: np.ndarray,
    lt: np.ndarray,
    rt: np.ndarray,
    lf: np.ndarray,
    rf: np.ndarray,
    ulps: np.ndarray | None,
    fmt: FloatFormat,
    tolerance: Tolerance | None,
) -> dict[str, np.ndarray]:
    """Each point's kind and errors, as ``verify``'s engine computes them for one example."""
    from identities.oracle.batch import STATUS_CODE
    from identities.oracle.scalar import BOTH_UNDEFINED, LHS_UNDEFINED, REFUTED, RHS_UNDEFINED
    from identities.oracle.scalar import UNKNOWN as O_UNKNOWN

    with np.errstate(all="ignore"):
        if ulps is None:
            ulps = ulp_distance(lf, rf, fmt)
        d = np.abs(lf - rf)
        err_abs = np.where(
            np.isnan(lf) | np.isnan(rf), np.inf, np.where(lf == rf, 0.0, np.where(np.isnan(d), np.inf, d))
        )
        truth = np.where(np.isnan(rt), lt, rt)
        err_rel = _relative(err_abs, truth)
        kind = np.full(len(lf), OK, dtype=np.int8)
        if tolerance is not None:
            kind[~tolerance.passes_arrays(lf, rf, ulps)] = PF
    kind[(status == STATUS_CODE[LHS_UNDEFINED]) | (status == STATUS_CODE[RHS_UNDEFINED])] = DM
    kind[status == STATUS_CODE[REFUTED]] = REF
    kind[status == STATUS_CODE[O_UNKNOWN]] = UNKNOWN
    kind[status == STATUS_CODE[BOTH_UNDEFINED]] = UNDEF
    return {
        "kind_code": kind,
        "kind": np.array(KINDS, dtype=object)[kind],
        "ulps": ulps,
        "rel": err_rel,
        "abs": err_abs,
    }


def _statistics(
    columns: Mapping[str, np.ndarray],
    n: int,
    status: np.ndarray,
    lt: np.ndarray,
    rt: np.ndarray,
    lf: np.ndarray,
    rf: np.ndarray,
    ulps: np.ndarray | None,
    fmt: FloatFormat,
    tolerance: Tolerance | None,
    keep: int,
    start: int,
) -> Partial:
    m = per_point(status, lt, rt, lf, rf, ulps, fmt, tolerance)
    ulps, err_rel, err_abs, kind = m["ulps"], m["rel"], m["abs"], m["kind_code"]
    d = np.abs(lf - rf)
    p = Partial(n=n, counts=np.bincount(kind, minlength=len(KINDS)).astype(np.int64))
    decided = (kind == OK) | (kind == PF)
    p.exact = int(np.count_nonzero(decided & (lf == rf)))
    scored = decided | (kind == REF)
    if scored.any():
        p.ulps, p.rel, p.abs = float(ulps[scored].max()), float(err_rel[scored].max()), float(err_abs[scored].max())
    if decided.any() and tolerance is not None:
        # the factor by which the tolerance in force must be scaled to pass each point (Tolerance.need_factor)
        with np.errstate(divide="ignore", invalid="ignore"):
            errs = {"ulp": ulps, "rel": d / np.maximum(np.abs(lf), np.abs(rf)), "abs": d}
            need = np.full(len(lf), np.inf)
            for unit, v in tolerance.terms():
                e = np.where(np.isnan(errs[unit]), np.inf, errs[unit])
                need = np.minimum(need, e / v if v > 0 else np.where(e == 0, 0.0, np.inf))
            need = np.where(lf == rf, 0.0, np.where(np.isfinite(d), need, np.inf))
        p.need = float(need[decided].max())
    key_u = np.where(np.isnan(ulps), np.inf, ulps)
    for name, mask in (("decided", decided), ("precision_failure", kind == PF), ("refuted", kind == REF)):
        idx = np.flatnonzero(mask)
        if len(idx):
            top = idx[key_u[idx] == key_u[idx].max()]
            j = int(top[np.argmax(err_rel[top])])
            p.worst[name] = Candidate(
                (key_u[j], err_rel[j], -(start + j)),
                _row(columns, j),
                lf[j],
                rf[j],
                ulps[j],
                err_rel[j],
                err_abs[j],
                int(kind[j]),
            )
    for k in (PF, REF, DM):
        idx = np.flatnonzero(kind == k)[:_CANDIDATES]
        if len(idx):
            scored_c = [(_complexity(_row(columns, int(j)), fmt), start + int(j), int(j)) for j in idx]
            c, order, j = min(scored_c)
            p.simplest[k] = Candidate((c, order), _row(columns, j), lf[j], rf[j], ulps[j], err_rel[j], err_abs[j], k)
    # the profile: each side against the oracle (rounded to the format), and lhs against rhs
    width = fmt.width

    between = _bits(ulps)
    sides = {}
    for side, value, t in (("lhs", lf, lt), ("rhs", rf, rt)):
        defined = ~np.isnan(t)
        with np.errstate(over="ignore", invalid="ignore"):
            bits = np.where(defined, _bits(ulp_distance(value, round_array(t, fmt), fmt)), np.nan)
        sides[side] = bits
        p.hist[side] = _histogram(bits[defined], width)
        fin = defined & np.isfinite(bits)
        p.sums[side] = [float(bits[fin].sum()), int(fin.sum())]
        with np.errstate(over="ignore", invalid="ignore"):
            error = np.where(decided & defined, np.abs(value - t), np.nan)
        if not np.isnan(error).all():
            j = int(np.nanargmax(error))
            p.side_abs[side], p.side_at[side] = float(error[j]), _row(columns, j)
    p.hist["between"] = _histogram(between, width)
    fin = np.isfinite(between)
    p.sums["between"] = [float(between[fin].sum()), int(fin.sum())]
    if keep:
        p.sample = {k: v[:keep].copy() for k, v in columns.items()}
        p.sample.update(
            lhs_bits=sides["lhs"][:keep], rhs_bits=sides["rhs"][:keep], bits=between[:keep], kind=kind[:keep].copy()
        )
    return p
