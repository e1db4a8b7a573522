"""The screen before the search (identities.check.screen): what it hands over, and that a verdict rests only on
the backend's own values."""

import numpy as np
import pytest

from identities import identity, verify
from identities.backends import get_backend
from identities.check import screen as screen_mod
from identities.check.engine import effective_tolerance
from identities.check.evaluation import Engine
from identities.check.search import admissible
from identities.oracle.scalar import DEFAULT_ORACLE

ASSOC = identity("assoc", "(a + b) + c", "a + (b + c)", vars={v: "real[-1, 1]" for v in "abc"})


def _engine(ident, backend="float64"):
    be = get_backend(backend)
    return Engine(ident, be, DEFAULT_ORACLE, effective_tolerance(ident, be))


def test_screen_finds_associativity_and_hands_the_failure_to_the_search():
    r = verify(ASSOC, "float64", examples=50, seed=1, bound_seconds=0)
    assert r.verdict == "precision_failure"
    assert r.counts["screened"] == 2000 and r.counts["searched"] == r.examples >= 50
    s = r.to_json()["screen"]
    assert s["points"] == 2000 and s["counts"]["precision_failure"] >= 1 and s["confirmed"] >= 1
    # the counterexample is a real failure of the scalar backend: the sides differ by more than 4 ulp
    c = r.counterexample
    a, b, cc = (c.inputs[k] for k in "abc")
    assert c.ulps > 4 and (a + b) + cc != a + (b + cc)


def test_screen_off_and_skipped():
    r = verify(ASSOC, "float64", examples=30, seed=0, screen=0, bound_seconds=0)
    assert r.counts["screened"] == 0 and r.screen.skipped == "turned off (screen=0)"
    m = verify(ASSOC, "mpmath", examples=20, seed=0)
    assert m.counts["screened"] == 0 and "not a float backend" in m.screen.skipped
    point = identity("pt", "0.1 + 0.2", "0.3")
    assert "point identity" in verify(point, "float64", examples=5).screen.skipped
    with pytest.raises(ValueError, match="screen=-1"):
        verify(ASSOC, "float64", screen=-1)


def test_a_screened_failure_the_backend_does_not_reproduce_is_not_counted(monkeypatch):
    ident = identity("square", "x*x", "x**2", vars={"x": "real[1, 2]"})

    def judged(engine, cols, n, ints):  # the array functions claim a failure everywhere
        kind = np.full(n, screen_mod.KINDS.index("precision_failure"), dtype=np.int8)
        return kind, np.full(n, 9.0), np.full(n, 1e-15)

    monkeypatch.setattr(screen_mod, "_judge", judged)
    r = verify(ident, "float64", examples=30, seed=0, bound_seconds=0)
    assert r.verdict == "holds"
    # the first failure is also the worst (every point alike): handed once
    assert r.screen.counts["precision_failure"] == 2000 and r.screen.confirmed == 0 and r.screen.unconfirmed == 1
    assert "1 of the screen's failures not reproduced by float64 itself" in r.message


def test_points_assume_excludes_exactly_are_not_handed_over(monkeypatch):
    # x = 1.0: `x - 1e-20 >= 1` holds in float64 (1 - 1e-20 rounds to 1) but not exactly
    ident = identity("shift", "x", "x + 1", vars={"x": "real[1, 2]"}, assume=["x - 1e-20 >= 1"])
    from identities.draws import arrays

    monkeypatch.setattr(arrays.Sampler, "draw", lambda self, n, rng: ({"x": np.array([1.0, 1.5, 1.25])}, n))
    engine = _engine(ident)
    out = screen_mod.screen(engine, 3, 0, 5)
    assert out.report.points == 3 and out.report.counts["refuted"] == 3
    # the first refuted point admitted exactly, then the worst (1.25 to 2.25 spans the most ulps); never 1.0
    assert out.seeds == [{"x": 1.5}, {"x": 1.25}]
    assert all(admissible(engine)(s) for s in out.seeds)


def test_the_screen_is_deterministic_and_depends_on_the_seed():
    e = _engine(ASSOC, "float32")
    a, b, c = (screen_mod.screen(e, 500, s, 5) for s in (3, 3, 4))
    assert a.seeds == b.seeds and a.report == b.report
    assert a.seeds != c.seeds


def test_fewer_points_where_the_oracle_goes_point_by_point():
    ident = identity("sum_k", "sum(k*x, k, 1, 3)", "6*x", vars={"x": "real[0, 1]"})
    r = screen_mod.screen(_engine(ident), 2000, 0, 5)
    assert r.report.points == 2000 // screen_mod.PER_POINT_SHARE
