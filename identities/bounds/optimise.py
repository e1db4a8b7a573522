"""Branch and bound over a box: the largest value of a bound function, to a stated fraction or a budget.

The function is evaluated on sub-boxes (an upper bound over each, from ball arithmetic) and at their
centres (a value the bound really reaches there). The box with the largest upper bound is split in two
along its widest variable (relative to the domain's width; integer variables at integers) until the
largest upper bound is within ``fraction`` of the largest value found, or the time budget is spent.
Stopping early loses nothing but tightness: the largest upper bound over the leaves covers the box.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Box", "Search", "branch_and_bound"]

Box = dict[str, tuple[float, float]]
MAX_LEAVES = 200_000
MIN_WIDTH = 2.0**-40  # a box this narrow (relative to the domain) that still fails is a real singularity


@dataclass
class Search:
    bound: float  # the largest upper bound over the leaves (inf: no bound, see failure)
    best: float  # the largest value at a point found
    complete: bool  # bound <= best * (1 + fraction): converged
    where: Box = field(default_factory=dict)  # the leaf holding the largest upper bound
    top: Any = None  # what that leaf's evaluation says (for "where the largest term comes from")
    boxes: int = 0
    failure: str = ""
    leaves: list[tuple[Box, Any]] = field(default_factory=list)


def _geometric(lo: float, hi: float) -> bool:
    """A range of one sign over many binades is split at its geometric mean, not its middle."""
    return (lo > 0 and hi > 16 * lo) or (hi < 0 and lo < 16 * hi)


def _width(lo: float, hi: float, scale: float, logscale: float) -> float:
    if logscale and _geometric(lo, hi):
        return (math.log(abs(hi)) - math.log(abs(lo))) * math.copysign(1.0, hi) / logscale
    return (hi - lo) / scale if scale else 0.0


def _split(box: Box, scale: Mapping[str, float], integers: frozenset[str], logs: Mapping[str, float]) -> Any:
    widest, width = None, 0.0
    for name, (lo, hi) in box.items():
        if name in integers and hi - lo < 1:
            continue
        w = _width(lo, hi, scale[name], logs[name])
        if w > width:
            widest, width = name, w
    if widest is None:
        return None
    lo, hi = box[widest]
    if widest in integers:
        cut = math.floor(lo + (hi - lo) / 2)
        left, right = (lo, float(cut)), (float(cut + 1), hi)
    else:
        if logs[widest] and _geometric(lo, hi):
            mid = math.copysign(math.sqrt(abs(lo)) * math.sqrt(abs(hi)), lo)
        else:
            mid = lo + (hi - lo) / 2
        if not lo < mid < hi:
            mid = lo if lo < hi and mid == hi else mid
            if not lo <= mid < hi:
                return None
        left, right = (lo, mid), (mid, hi)
    return {**box, widest: left}, {**box, widest: right}


def _centre(box: Box, integers: frozenset[str]) -> Box:
    out = {}
    for name, (lo, hi) in box.items():
        c = lo + (hi - lo) / 2
        if name in integers:
            c = float(math.floor(c))
        out[name] = (c, c)
    return out


def _narrow(box: Box, scale: Mapping[str, float], logs: Mapping[str, float]) -> bool:
    return all(_width(lo, hi, scale[n], logs[n]) <= MIN_WIDTH for n, (lo, hi) in box.items())


def branch_and_bound(
    evaluate: Callable[[Box], Any],
    value: Callable[[Any], float],
    box: Box,
    *,
    seconds: float,
    fraction: float = 0.05,
    integers: frozenset[str] = frozenset(),
    max_boxes: int = MAX_LEAVES,
) -> Search:
    """Maximise ``value(evaluate(b))`` over ``box``; ``evaluate`` gives a record for a sub-box (or a point,
    a box of zero width), ``value`` its upper bound (inf where it fails; the record's ``failure`` says why).
    ``max_boxes`` evaluations is the budget (the same call, the same answer); ``seconds`` a wall-time cap.
    """
    stop = time.monotonic() + seconds
    scale = {n: hi - lo for n, (lo, hi) in box.items()}
    logs = {n: abs(math.log(abs(hi)) - math.log(abs(lo))) if _geometric(lo, hi) else 0.0 for n, (lo, hi) in box.items()}
    first = evaluate(box)
    centre = evaluate(_centre(box, integers))
    if not math.isfinite(value(centre)):  # a point of the domain where the bound fails: a real failure
        return Search(math.inf, 0.0, False, boxes=2, failure=centre.failure)
    count, best, serial = 2, value(centre), 0
    heap: list[tuple[float, int, Box, Any]] = [(-value(first), serial, box, first)]
    final: list[tuple[float, int, Box, Any]] = []
    failure, complete = "", False
    while heap:
        neg, _, b, ev = heap[0]
        ub = -neg
        if math.isfinite(ub) and ub <= best * (1 + fraction):
            complete = True
            break
        if count >= max_boxes or time.monotonic() > stop:
            if not math.isfinite(ub):
                failure = f"{ev.failure} (not separated within the time budget)"
            break
        if not math.isfinite(ub) and _narrow(b, scale, logs):
            failure = ev.failure
            break
        parts = _split(b, scale, integers, logs)
        heapq.heappop(heap)
        if parts is None:  # a point: its bound is the value there
            if not math.isfinite(ub):
                failure = ev.failure
                break
            best = max(best, ub)
            final.append((neg, serial, b, ev))
            continue
        for part in parts:
            e = evaluate(part)
            count += 1
            point = evaluate(_centre(part, integers))
            count += 1
            if not math.isfinite(value(point)):
                return Search(math.inf, best, False, boxes=count, failure=point.failure)
            best = max(best, value(point))
            serial -= 1  # among equal bounds the newest first: a failing box is narrowed depth first
            heapq.heappush(heap, (-value(e), serial, part, e))
    leaves = heap + final
    if failure:
        return Search(math.inf, best, False, boxes=count, failure=failure)
    neg, _, where, top = min(leaves)
    return Search(-neg, best, complete, where, top, count, "", [(b, e) for _, _, b, e in leaves])
