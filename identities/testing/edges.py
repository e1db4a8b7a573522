"""Named edge values of a format, for ``pytest.mark.parametrize`` and as a hypothesis strategy.

Public through ``identities.floats``::

    @pytest.mark.parametrize("x", edges("bfloat16"))
    def test_my_kernel(x): ...

gives one test per edge value, with ids such as ``max_subnormal``,
``min_normal``, ``max_finite``, ``neg_zero``, ``one_plus_ulp``;
``edge_values(fmt)`` is the same as a dict (name -> value) and
``edge_floats(fmt)`` the same values as a hypothesis strategy (shrinking
toward ``zero``). The values are Python floats, each exactly a value of the
format; ``nonfinite=False`` leaves out inf, -inf and nan (float8_e4m3fn has
no infinities, so only its nan is left out).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from identities.errors import InvalidArgument
from identities.numbers.dtypes import as_format
from identities.numbers.formats import FloatFormat
from identities.numbers.ulps import next_down, next_up

__all__ = ["edge_values", "edges", "edge_floats"]


def _check_flag(nonfinite: object) -> bool:
    if not isinstance(nonfinite, bool):
        raise InvalidArgument(f"nonfinite={nonfinite!r} must be True or False")
    return nonfinite


def _table(f: FloatFormat, nonfinite: bool) -> dict[str, float]:
    max_subnormal = f.min_normal - f.min_subnormal
    out = {
        "zero": 0.0,
        "neg_zero": -0.0,
        "min_subnormal": f.min_subnormal,
        "neg_min_subnormal": -f.min_subnormal,
        "max_subnormal": max_subnormal,
        "neg_max_subnormal": -max_subnormal,
        "min_normal": f.min_normal,
        "neg_min_normal": -f.min_normal,
        "one_minus_ulp": next_down(1.0, f),
        "one": 1.0,
        "one_plus_ulp": next_up(1.0, f),
        "neg_one": -1.0,
        "two": 2.0,
        "max_exact_integer": 2.0**f.precision,  # every integer up to it is a value; 2**p + 1 is not
        "max_finite": f.max,
        "neg_max_finite": -f.max,
    }
    if nonfinite:
        if f.infinities:
            out["inf"], out["neg_inf"] = math.inf, -math.inf
        out["nan"] = math.nan
    assert all(f.contains(v) for v in out.values())
    return out


def edge_values(fmt: Any = "float64", *, nonfinite: bool = True) -> dict[str, float]:
    """The edge values of ``fmt`` by name (see the module docstring), in a fixed order."""
    return _table(as_format(fmt), _check_flag(nonfinite))


def edges(fmt: Any = "float64", *, nonfinite: bool = True) -> list[Any]:
    """The edge values as ``pytest.param(value, id=name)``, for ``pytest.mark.parametrize``."""
    import pytest

    return [pytest.param(v, id=name) for name, v in edge_values(fmt, nonfinite=nonfinite).items()]


def _draw_edge(draw: Callable[[Any], Any], fmt: str = "float64", *, nonfinite: bool = True) -> float:
    table = _table(as_format(fmt), nonfinite)
    return draw(st.sampled_from(tuple(table.values())))


_draw_edge.__name__ = _draw_edge.__qualname__ = "edge_floats"  # so the strategy's repr is the public call
_edge_floats = st.composite(_draw_edge)


def edge_floats(fmt: Any = "float64", *, nonfinite: bool = True) -> st.SearchStrategy[float]:
    """The edge values of ``fmt`` as a hypothesis strategy (shrinks toward ``zero``)."""
    f = as_format(fmt)
    _check_flag(nonfinite)
    return _edge_floats(f.name, nonfinite=nonfinite) if not nonfinite else _edge_floats(f.name)
