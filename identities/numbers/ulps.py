"""Neighbours and ulps in every format, exactly: ``next_up``, ``next_down``, ``ulp``, ``ulp_distance``.

Public through ``identities.floats``. ``fmt`` is a format name (``"float64"``,
``"float32"``, ``"float16"``, ``"bfloat16"``, ``"float8_e4m3fn"``,
``"float8_e5m2"``), a ``FloatFormat`` or a numpy dtype; values are Python
floats (or numpy / ml_dtypes scalars) that are values of that format: a double
that is not (``0.1`` in float32) is an error, not silently rounded, since the
neighbours of a value you do not hold are rarely what you meant (``round_to``
rounds first).

Everything is integer arithmetic on ordinals (``FloatFormat.ordinal``), so
``ulp_distance`` is an exact Python int at any size, above 2**53 included, and
nothing depends on the platform's ``nextafter``.

Semantics at the edges, as IEEE 754's nextUp and nextDown: ``next_up(-0.0)``
and ``next_up(0.0)`` are the smallest subnormal; ``next_up(max)`` is inf;
``next_up(inf)`` is inf; ``next_up(-inf)`` is ``-max``; nan stays nan. In
float8_e4m3fn, which has no infinities, the step beyond the largest value
(448) is nan, the format's overflow value. ``ulp(x)`` is as ``math.ulp``: the
gap from ``|x|`` to the next value away from zero (at the largest value, the
gap below it); ``ulp(0)`` is the smallest subnormal, ``ulp(inf)`` inf.
``ulp_distance`` counts representable steps (0 between equal values, +0 and
-0 equal, the largest finite value 1 step from inf) and is ``math.inf`` when
either value is nan: a nan has no position.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from identities.errors import InvalidArgument
from identities.numbers.dtypes import as_format
from identities.numbers.formats import FloatFormat

__all__ = ["next_up", "next_down", "ulp", "ulp_distance", "round_to", "ordinal"]


def _value(x: Any, fmt: FloatFormat, name: str = "x") -> float:
    """``x`` as a Python float, checked to be a value of ``fmt``."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) and not hasattr(x, "__float__"):
        raise InvalidArgument(f"{name}={x!r} is not a number")
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidArgument(f"{name}={x!r} is not a float: {exc}") from None
    if not fmt.contains(v):
        raise InvalidArgument(
            f"{name}={x!r} is not a {fmt.name} value (the nearest is {fmt.round(v)!r}); "
            f"round it first: round_to({v!r}, {fmt.name!r})"
        )
    return v


def round_to(x: Any, fmt: Any = "float64") -> float:
    """The value of ``fmt`` nearest to ``x`` (ties to even), as a Python float; an int or a Fraction is
    rounded exactly, a float as the double it is."""
    f = as_format(fmt)
    if isinstance(x, bool):
        raise InvalidArgument(f"x={x!r} is not a number")
    if isinstance(x, (int, Fraction)):
        return f.round(Fraction(x))
    try:
        return f.round(float(x))
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"x={x!r} is not a number: {exc}") from None


def ordinal(x: Any, fmt: Any = "float64") -> int:
    """The position of ``x`` among the values of ``fmt`` (0 for both zeros; negative below zero)."""
    f = as_format(fmt)
    v = _value(x, f)
    if math.isnan(v):
        raise InvalidArgument(f"x={x!r}: nan has no position among the {f.name} values")
    return f.ordinal(v)


def next_up(x: Any, fmt: Any = "float64") -> float:
    """The least value of ``fmt`` greater than ``x`` (see the module docstring at the edges)."""
    f = as_format(fmt)
    v = _value(x, f)
    if math.isnan(v) or v == math.inf:
        return v
    n = f.ordinal(v) + 1
    if n > f.max_ordinal + (1 if f.infinities else 0):
        return math.nan  # beyond the largest value of a format without infinities
    return f.from_ordinal(n)


def next_down(x: Any, fmt: Any = "float64") -> float:
    """The greatest value of ``fmt`` less than ``x``."""
    f = as_format(fmt)
    v = _value(x, f)
    return -next_up(-v, f)


def ulp(x: Any, fmt: Any = "float64") -> float:
    """The gap from ``|x|`` to the next value of ``fmt`` away from zero (``math.ulp`` for float64)."""
    f = as_format(fmt)
    v = abs(_value(x, f))
    if math.isnan(v) or math.isinf(v):
        return v
    if v == f.max:
        return v - f.from_ordinal(f.max_ordinal - 1)
    return f.from_ordinal(f.ordinal(v) + 1) - v


def ulp_distance(a: Any, b: Any, fmt: Any = "float64") -> int | float:
    """The number of representable steps between ``a`` and ``b`` in ``fmt``: an exact int (``math.inf``
    when either is nan)."""
    f = as_format(fmt)
    va, vb = _value(a, f, "a"), _value(b, f, "b")
    if math.isnan(va) or math.isnan(vb):
        return math.inf
    return f.ulps(va, vb)
