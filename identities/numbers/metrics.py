"""Error measures, written once: ULP distance, bits, relative and absolute error.

ULPs count the steps between two values in the ordered set of the format's
values (0 for equal values, 1 for neighbours, +0 and -0 equal); bits of error
is log2(1 + ulps), so 0 ulp is 0 bits and a 52-bit loss in float64 reads 52.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["bits", "ErrorStats", "relative", "absolute"]


def bits(ulps: float) -> float:
    return math.log2(1.0 + ulps) if math.isfinite(ulps) else math.inf


def absolute(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.inf
    if a == b:
        return 0.0
    d = abs(a - b)
    return d if not math.isnan(d) else math.inf


def relative(a: float, b: float, truth: float) -> float:
    """|a - b| / |truth| (inf when truth is 0 and a != b)."""
    d = absolute(a, b)
    if d == 0:
        return 0.0
    t = abs(truth)
    if t == 0 or math.isnan(t):
        return math.inf
    if math.isinf(t):
        return 0.0 if math.isfinite(d) else math.inf
    return d / t


@dataclass(frozen=True)
class ErrorStats:
    """Maxima over examples (each maximised separately)."""

    ulps: float = 0.0
    bits: float = 0.0
    rel: float = 0.0
    abs: float = 0.0

    def merge(self, ulps: float, rel: float, abs_: float) -> ErrorStats:
        u = max(self.ulps, ulps)
        return ErrorStats(u, bits(u), max(self.rel, rel), max(self.abs, abs_))
