"""The range of the float values an operation really produces over a box, with exact ends where they are.

The power-of-two rounding model needs sup |w| of a result w before rounding, and whether that sup is
*exactly* a power of two (a result of exactly 4 is not rounded at all, while one just above 4 may be off
by half an ulp of [4, 8)). Balls cannot say that: arb rounds every radius up, so [1, 2] + [1, 2] comes
out as [2, 4.0000000037]. Here each node carries the interval of the floats it can produce: rounding is
monotone, so a correctly rounded operation over [L, U] gives floats in [fl(L), fl(U)], and fl of an
operation on two floats is what Python (or numpy, for the narrow formats: double rounding is innocuous
for + - * / sqrt from 53 bits to 24 or 11) computes. Whether the exact ends are the computed ones is
told by error-free transformations (TwoSum, Dekker's TwoProduct); where that cannot be told, the end is
moved one float outward, which is always sound.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["Range", "exact_sum", "exact_product", "combine", "narrower"]

Range = tuple[float, float]  # the floats a node can produce, [lo, hi]
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles


def exact_sum(a: float, b: float, s: float) -> bool:
    """Whether s == a + b exactly (s the float sum; TwoSum's error term is 0)."""
    if not math.isfinite(s):
        return False
    bb = s - a
    return (a - (s - bb)) + (b - bb) == 0


def _split(a: float) -> tuple[float, float]:
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def exact_product(a: float, b: float, p: float) -> bool:
    """Whether p == a * b exactly (Dekker's TwoProduct error is 0; unsure cases answer False)."""
    if a == 0 or b == 0:
        return p == 0
    if not (2.0**-960 < abs(p) < 2.0**990 and abs(a) < 2.0**995 and abs(b) < 2.0**995):
        return False
    ah, al = _split(a)
    bh, bl = _split(b)
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl == 0


def _out(x: float, exact: bool) -> float:
    """|x| as an upper bound of the magnitude of the exact value x approximates."""
    return abs(x) if exact else math.nextafter(abs(x), math.inf)


def narrower(width: int) -> Callable[[float], float]:
    """Round a double to a format (correctly: numpy's conversions round to nearest even)."""
    if width == 64:
        return lambda x: x
    import numpy as np

    dtype = np.float32 if width == 32 else np.float16

    def narrow(x: float) -> float:
        with np.errstate(over="ignore"):
            return float(dtype(x))

    return narrow


def combine(op: str, a: Range, b: Range | None, narrow: Callable[[float], float]) -> tuple[Range, float, float]:
    """For a correctly rounded ``op`` on operands in ranges a (and b): the range of its float results,
    an upper bound of |exact result| and a lower bound of it (0 when the range reaches 0)."""
    if op == "sqrt":
        lo, hi = math.sqrt(max(a[0], 0.0)), math.sqrt(max(a[1], 0.0))
        top = _out(hi, exact_product(hi, hi, a[1]))
        return (narrow(lo), narrow(hi)), top, math.nextafter(lo, 0.0)
    assert b is not None
    pairs: list[tuple[float, bool]]
    if op == "+":
        s_lo, s_hi = a[0] + b[0], a[1] + b[1]
        pairs = [(s_lo, exact_sum(a[0], b[0], s_lo)), (s_hi, exact_sum(a[1], b[1], s_hi))]
    elif op == "-":
        s_lo, s_hi = a[0] - b[1], a[1] - b[0]
        pairs = [(s_lo, exact_sum(a[0], -b[1], s_lo)), (s_hi, exact_sum(a[1], -b[0], s_hi))]
    elif op == "*":
        pairs = [(x * y, exact_product(x, y, x * y)) for x in a for y in b]
    elif op == "square":
        ends = [(x * x, exact_product(x, x, x * x)) for x in a]
        if a[0] <= 0 <= a[1]:
            ends.append((0.0, True))
        pairs = ends
    else:  # "/"
        if b[0] <= 0 <= b[1]:
            return (-math.inf, math.inf), math.inf, 0.0
        pairs = []
        for x in a:
            for y in b:
                q = x / y
                pairs.append((q, exact_product(q, y, x) and narrow(q) == q))
    if op != "/":
        pairs = [(v, e and narrow(v) == v) for v, e in pairs]
    values = [v for v, _ in pairs]
    lo, hi = min(values), max(values)
    top = max(_out(v, e) for v, e in pairs)
    if lo <= 0 <= hi:
        bottom = 0.0
    else:
        bottom = math.nextafter(min(abs(lo), abs(hi)), 0.0)
    return (narrow(lo), narrow(hi)), top, bottom
