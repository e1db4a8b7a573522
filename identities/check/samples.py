"""Per-example records, kept only when asked (``verify(..., keep_samples=True)``).

A Result normally carries summary statistics only: that is all a verdict
needs, and the engine's default path stays as fast as a hand-written test.
The float-precision report needs the distribution behind the maxima (a
histogram of bits of error per side, error against each input), so
``verify`` can attach one compact record per distinct input drawn by the
search. Each side's error against the oracle costs one correctly rounded
conversion of the oracle's ball per side, paid only here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from identities.check.results import json_value
from identities.numbers.formats import FloatFormat

__all__ = ["Sample", "sample_records"]


@dataclass(frozen=True, slots=True)
class Sample:
    """One input and what each side came to there, in one float backend.

    ``lhs``/``rhs`` are the backend's values as Python floats (nan where a side
    is undefined in the format); ``truth_lhs``/``truth_rhs`` the oracle's,
    rounded to the format (None where the side is undefined in the reals or the
    oracle could not decide); ``lhs_ulps``/``rhs_ulps`` each side's distance to
    its truth (nan when there is no truth), ``ulps`` the distance between the sides.
    ``kind`` is the engine's: ok, precision_failure, refuted, domain_mismatch,
    undefined or unknown.
    """

    inputs: Mapping[str, Any]
    kind: str
    lhs: float
    rhs: float
    truth_lhs: float | None
    truth_rhs: float | None
    ulps: float
    lhs_ulps: float
    rhs_ulps: float

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": {k: json_value(v) for k, v in self.inputs.items()},
            "kind": self.kind,
            "lhs": json_value(self.lhs),
            "rhs": json_value(self.rhs),
            "truth": {"lhs": json_value(self.truth_lhs), "rhs": json_value(self.truth_rhs)},
            "ulps": json_value(self.ulps),
            "error_ulps": {"lhs": json_value(self.lhs_ulps), "rhs": json_value(self.rhs_ulps)},
        }


def sample_records(samples: Iterable[Any], fmt: FloatFormat) -> tuple[Sample, ...]:
    """Records for the engine's samples (``engine.Sample``), one per distinct input, in draw order."""
    out: list[Sample] = []
    seen: set[tuple] = set()
    for s in samples:
        key = tuple(s.inputs.items())
        if key in seen:
            continue
        seen.add(key)
        p = s.point
        tl = p.lhs.to_float(fmt) if p.lhs is not None else None
        tr = p.rhs.to_float(fmt) if p.rhs is not None else None
        # against the correctly rounded truth: nan where the oracle's cap leaves its rounding uncertain
        rl = p.lhs.rounded(fmt) if p.lhs is not None else None
        rr = p.rhs.rounded(fmt) if p.rhs is not None else None
        el = fmt.ulp_distance(s.lf, rl) if rl is not None else math.nan
        er = fmt.ulp_distance(s.rf, rr) if rr is not None else math.nan
        out.append(Sample(dict(s.inputs), s.kind, s.lf, s.rf, tl, tr, s.ulps, el, er))
    return tuple(out)
