"""Soundness against the search: every library identity side with a bound is at least the largest error
``check`` finds at 2,000 examples; and a deliberately wrong model (exp exact) is caught by the same test."""

from __future__ import annotations

import pytest

from identities.bounds import bound_expr, model_for
from identities.check.engine import verify
from identities.registry.files import builtin, identity


def violations(results, models) -> list[str]:
    """Sides whose largest error found exceeds their proven bound."""
    out = []
    for ident, r in results:
        for side, expr in (("lhs", ident.lhs), ("rhs", ident.rhs)):
            found = r.side_errors.get(side)
            if found is None:
                continue
            b = bound_expr(expr, ident.variables, models[r.backend], seconds=1.0)
            if b.abs is not None and found.abs > b.abs:
                out.append(f"{ident.name}[{r.backend}] {side}: found {found.abs:.3g} > bound {b.abs:.3g}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["float64", "float32"])
def test_library_bounds_cover_the_largest_error_found(backend):
    checked = []
    for ident in builtin().values():
        r = verify(ident, backend, examples=2000, bound_seconds=0)
        checked.append((ident, r))
    models = {backend: model_for(backend)}
    assert violations(checked, models) == []
    bounded = [i.name for i, _ in checked if bound_expr(i.lhs, i.variables, backend, seconds=0.2).abs is not None]
    assert len(bounded) >= 15  # the test has teeth: many sides are bounded


def test_a_wrong_model_is_caught():
    # exp taken as exact: exp(x - y) on [-1, 1]^2 has its one rounding of exp ignored, and the search finds
    # errors the "bound" does not cover
    ident = identity("exp_difference", "exp(x - y)", "exp(x)/exp(y)", vars={"x": "real[-1, 1]", "y": "real[-1, 1]"})
    r = verify(ident, "float64", examples=300, bound_seconds=0)
    wrong = {"float64": model_for("float64").with_entry("exp", 0)}
    assert any("exp_difference[float64]" in v for v in violations([(ident, r)], wrong))
    assert violations([(ident, r)], {"float64": model_for("float64")}) == []
