"""Tolerances: ``4 ulp``, ``1e-12 rel``, ``1e-300 abs``, joined by ``or``.

A float backend compares the two sides *as it computed them*: the identity
holds at an input when any term is satisfied. ``rel`` is relative to the
larger magnitude of the two sides, so it is symmetric.

Defaults: ``4 ulp``; for an identity using ``diff`` of order n, the central
difference's own error, ``t rel or t abs`` with t = 256 * eps**(2/(n+2)) (its
truncation and rounding errors balance at that size; 256 is headroom for the
function's scale). For float64 and n = 1 that is about 9.5e-9, for float32
about 6e-3: what a difference quotient keeps, as torch's gradcheck allows
relative and absolute error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from identities.numbers.formats import FloatFormat

__all__ = ["Tolerance", "parse_tolerance", "default_tolerance", "DIFF_HEADROOM"]

DIFF_HEADROOM = 256.0
_TERM = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(ulps?|rel|abs)\s*$")


@dataclass(frozen=True)
class Tolerance:
    """A disjunction of at most one ulp, one rel and one abs bound."""

    ulps: float | None = None
    rel: float | None = None
    abs: float | None = None

    def __str__(self) -> str:
        parts = []
        if self.ulps is not None:
            parts.append(f"{_num(self.ulps)} ulp")
        if self.rel is not None:
            parts.append(f"{self.rel:.3g} rel")
        if self.abs is not None:
            parts.append(f"{self.abs:.3g} abs")
        return " or ".join(parts) or "exact"

    def passes(self, a: float, b: float, fmt: FloatFormat) -> bool:
        """Whether two values of ``fmt`` (as Python floats) are within tolerance."""
        if a == b:
            return True
        if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
            return False
        if self.ulps is not None and fmt.ulps(a, b) <= self.ulps:  # exact ints: no rounding above 2**53
            return True
        diff = abs(a - b)
        if self.rel is not None and _at_most(a, b, diff, self.rel * max(abs(a), abs(b)), self.rel, True):
            return True
        return self.abs is not None and _at_most(a, b, diff, self.abs, self.abs, False)

    def passes_arrays(self, lf: Any, rf: Any, ulps: Any) -> Any:
        """``passes`` on numpy arrays of the sides' values (as doubles) and their ulp distances, for the screen
        and sweeps: vectorised, so a rel/abs comparison within a rounding of its threshold may go either way
        (the screen re-judges what it hands over with ``passes``)."""
        import numpy as np

        ok = np.zeros(len(lf), dtype=bool)
        with np.errstate(all="ignore"):
            finite = np.isfinite(lf) & np.isfinite(rf)
            d = np.abs(lf - rf)
            if self.ulps is not None:
                ok |= ulps <= self.ulps
            if self.rel is not None:
                ok |= d <= self.rel * np.maximum(np.abs(lf), np.abs(rf))
            if self.abs is not None:
                ok |= d <= self.abs
        return (lf == rf) | (finite & ok)

    def terms(self) -> list[tuple[str, float]]:
        """The declared terms, in the order they print: (unit, value) with unit ulp, rel or abs."""
        return [(u, v) for u, v in (("ulp", self.ulps), ("rel", self.rel), ("abs", self.abs)) if v is not None]

    def need_factor(self, ulps: float, rel: float, abs_: float) -> float:
        """The smallest f such that this tolerance with every term scaled by f passes an example with these
        errors (inf for a nan or infinite difference): the needed tolerance, in the declared units, is
        ``scaled(max of f over the examples)``."""
        errs = {"ulp": ulps, "rel": rel, "abs": abs_}
        best = math.inf
        for unit, v in self.terms():
            e = errs[unit]
            if math.isnan(e):
                continue
            f = e / v if v > 0 else (0.0 if e == 0 else math.inf)
            best = min(best, f)
        return best

    def scaled(self, f: float) -> str:
        """This tolerance with every term scaled by f, as text: ``"2 ulp or 3.1e-16 abs"``."""
        parts = []
        for unit, v in self.terms():
            t = f * v
            if unit == "ulp":
                n = math.ceil(t - 1e-9)
                parts.append(f"{n} ulp" if n < 1e6 else f"{t:.3g} ulp")
            else:
                parts.append(f"{t:.2g} {unit}")
        return " or ".join(parts)


def _at_most(a: float, b: float, diff: float, bound: float, scale: float, relative: bool) -> bool:
    """|a - b| <= scale (times max(|a|, |b|) when ``relative``), exactly: the doubles ``diff`` and ``bound``
    decide where they are far apart, exact rationals where the rounding of either could tip the comparison
    (among subnormals, ``0.4 * 1e-323`` rounds up to 5e-324, the very difference it is compared with)."""
    if math.isfinite(diff) and math.isfinite(bound) and abs(diff - bound) > 2.0**-48 * max(diff, bound) + 2.0**-1070:
        return diff <= bound
    from fractions import Fraction

    x, y = Fraction(a), Fraction(b)
    return abs(x - y) <= Fraction(scale) * (max(abs(x), abs(y)) if relative else 1)


def _num(x: float) -> str:
    return str(x) if isinstance(x, int) else str(int(x)) if float(x).is_integer() else repr(x)


def parse_tolerance(text: object) -> Tolerance:
    """Parse ``"4 ulp or 1e-15 abs"``; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f'tolerance must be a string like "4 ulp or 1e-15 abs", got {text!r}')
    values: dict[str, float] = {}
    for term in re.split(r"\s+or\s+", text.strip()):
        m = _TERM.match(term)
        if not m:
            raise ValueError(f"tolerance term {term.strip()!r} in {text!r} is not 'N ulp', 'X rel' or 'X abs'")
        value: float = float(m.group(1))
        unit = m.group(2)
        unit = "ulps" if unit.startswith("ulp") else unit
        if unit == "ulps" and m.group(1).isdigit():
            value = int(m.group(1))  # a count of ulps exactly, above 2**53 too
        if not math.isfinite(value):
            raise ValueError(f"tolerance {text!r}: {m.group(1)} is not finite")
        if unit in values:
            raise ValueError(f"tolerance {text!r} gives {unit} twice")
        values[unit] = value
    return Tolerance(**values)


def default_tolerance(fmt: FloatFormat, diff_order: int = 0) -> Tolerance:
    if diff_order <= 0:
        return Tolerance(ulps=4)
    t = DIFF_HEADROOM * fmt.eps ** (2.0 / (diff_order + 2))
    t = float(f"{t:.2g}")
    return Tolerance(rel=t, abs=t)
