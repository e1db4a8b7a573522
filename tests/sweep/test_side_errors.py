"""The sweep's per-side maxima: each side's largest error against the oracle over every point, and where."""

from __future__ import annotations

import numpy as np

from identities.registry.files import identity
from identities.sweep.runner import evaluate_points, sweep


def test_each_side_has_its_largest_error_and_where_it_is():
    ident = identity("tenth", "x*0.1", "x/10", vars={"x": "real[1, 2]"})
    s = sweep(ident, "float64", points=4096, functions="scalar", profile_points=4096)
    assert s.profile is not None
    side_abs, side_at = s.profile.side_abs, s.profile.side_at
    assert set(side_abs) == set(side_at) == {"lhs", "rhs"}
    # every point of the sweep is in the sample here: recompute each side's errors from them
    xs = s.profile.sample["x"]
    assert len(xs) == 4096
    out = evaluate_points(ident, "float64", {"x": xs}, functions="scalar")
    for side in ("lhs", "rhs"):
        errors = np.abs(out[side] - out[f"truth_{side}"])
        assert side_abs[side] == errors.max()
        again = evaluate_points(ident, "float64", {"x": [side_at[side]["x"]]}, functions="scalar")
        assert abs(again[side][0] - again[f"truth_{side}"][0]) == side_abs[side]
    assert side_abs["lhs"] > 0 and side_abs["rhs"] == 0.0  # x/10 is correctly rounded: the nearest double
    assert s.to_json()["sweep"]["profile"]["side_abs"] == {"lhs": side_abs["lhs"], "rhs": 0.0}
