"""Float utilities for every format (float64, float32, float16, bfloat16, float8_e4m3fn, float8_e5m2).

``next_up``, ``next_down``, ``ulp``, ``ulp_distance`` (exact ints), ``round_to`` and ``ordinal`` (the
arithmetic lives in ``identities.numbers.ulps``); ``edges``, ``edge_values`` and ``edge_floats``, the named
edge values of a format for ``pytest.mark.parametrize`` and as a hypothesis strategy
(``identities.testing.edges``). See docs/guide/formats.md.
"""

from identities.numbers.formats import FORMATS, FloatFormat
from identities.numbers.ulps import next_down, next_up, ordinal, round_to, ulp, ulp_distance
from identities.testing.edges import edge_floats, edge_values, edges

__all__ = [
    "FORMATS",
    "FloatFormat",
    "next_up",
    "next_down",
    "ulp",
    "ulp_distance",
    "round_to",
    "ordinal",
    "edges",
    "edge_values",
    "edge_floats",
]
