"""A vector-valued identity is judged per component and is its worst component."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from identities.evaluate.vectors import components

__all__ = ["SEVERITY", "worst_component"]

SEVERITY = ("refuted", "domain_mismatch", "precision_failure", "unknown", "ok", "undefined")


def worst_component(
    judge: Callable[[Any, Any, Any], tuple[float, float, float, str]], points: list[Any], lhs: Any, rhs: Any, n: int
) -> tuple[int, list[tuple[float, float, float, str]]]:
    """The index of the worst component and every component's (lf, rf, ulps, kind).

    ``judge(point, lhs_i, rhs_i)`` measures one component as the engine measures
    a scalar identity. Worst: the most serious kind, then the most ulps apart.
    """
    per = [judge(p, a, b) for p, a, b in zip(points, components(lhs, n), components(rhs, n))]

    def badness(i: int) -> tuple[int, float]:
        ulps = per[i][2]
        return (-SEVERITY.index(per[i][3]), ulps if not math.isnan(ulps) else math.inf)

    return max(range(n), key=badness), per
