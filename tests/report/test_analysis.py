"""The report's arithmetic: the zero-failure bound, needed tolerances, error summaries, the FD table, baselines."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identities import InvalidArgument, builtin, identity, verify
from identities.backends import get_backend
from identities.check.results import Result, report
from identities.language.tolerance import parse_tolerance
from identities.numbers.formats import float64
from identities.numbers.metrics import ErrorStats
from identities.report.analysis import (
    Confidence,
    ceil_sig,
    confidence,
    error_summary,
    needed_tolerances,
    zero_failure_bound,
)
from identities.report.baseline import diff_baseline, load_baseline
from identities.report.fdtable import STEPS, finite_difference_table

# -- the zero-failure bound --------------------------------------------------------------------------


def test_zero_failure_bound_values():
    assert zero_failure_bound(1, 0.05) == pytest.approx(0.05)
    assert zero_failure_bound(200, 0.05) == pytest.approx(0.985133, abs=1e-6)
    assert zero_failure_bound(59, 0.05) == pytest.approx(0.950492, abs=1e-6)  # the classic "59 trials for 95/95"
    assert zero_failure_bound(100, 0.01) == pytest.approx(0.954992, abs=1e-6)


def test_zero_failure_bound_is_the_rule_of_three_for_large_n():
    for n in (300, 1000, 10_000):
        assert (1 - zero_failure_bound(n, 0.05)) * n == pytest.approx(-math.log(0.05), rel=0.01)  # ~ 3/n
        assert (1 - zero_failure_bound(n, 0.05)) * n == pytest.approx(3, rel=0.02)


@given(st.integers(1, 10**6), st.floats(1e-6, 0.5))
def test_zero_failure_bound_inverts_the_chance_of_no_failure(n, alpha):
    p = zero_failure_bound(n, alpha)
    assert 0 < p < 1
    assert p**n == pytest.approx(alpha, rel=1e-6)  # a pass rate of p gives n passes with chance exactly alpha
    assert zero_failure_bound(n + 1, alpha) > p  # more evidence, a tighter bound


def test_zero_failure_bound_rejects_nonsense():
    for n, alpha in ((0, 0.05), (10, 0.0), (10, 1.0)):
        with pytest.raises(ValueError):
            zero_failure_bound(n, alpha)


def test_confidence_statement_rounds_down():
    assert Confidence(200, 0.05, zero_failure_bound(200)).statement == (
        "no failure in 200 samples, so at least 98.5% of inputs pass, with confidence 95%"
    )
    assert "at least 95% of inputs" in Confidence(59, 0.05, zero_failure_bound(59)).statement  # 95.05% -> 95%
    assert "at least 5% of inputs" in Confidence(1, 0.05, 0.05).statement


def test_confidence_counts_distinct_decided_samples_and_only_for_holds():
    ident = identity("sq", "x*x", "x**2", vars={"x": "real[-4, 4]"})
    r = verify(ident, "float64", examples=30, keep_samples=True, screen=0)
    c = confidence(r)
    assert r.verdict == "holds" and c.n == sum(s.kind == "ok" for s in r.samples) and c.n <= r.examples
    assert c.p == pytest.approx(0.05 ** (1 / c.n))
    assert c.statement.startswith(f"no failure in {c.n} samples, so at least")
    # with the screen: its points judged within tolerance count too, and the statement says both
    screened = verify(ident, "float64", examples=30, keep_samples=True, screen=500)
    k = confidence(screened)
    searched = sum(s.kind == "ok" for s in screened.samples)
    assert screened.screen.counts["ok"] == 500 and (k.n, k.screened, k.searched) == (500 + searched, 500, searched)
    assert k.statement.startswith(f"no failure in {500 + searched} samples (500 screened, {searched} searched), ")
    failing = verify(builtin()["expm1_near_zero"], "float64", examples=20)
    assert confidence(failing) is None


# -- needed tolerances ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, text", [(1.234e-15, "1.3e-15"), (2e-16, "2.0e-16"), (9.99e-5, "1.0e-4"), (1.0, "1.0e+0"), (123456.0, "1.3e+5")]
)
def test_ceil_sig_rounds_up(x, text):
    assert ceil_sig(x) == text and float(text) >= x


def test_needed_tolerances_pass_the_worst_example():
    r = Result(
        "i", "float64", "precision_failure", "holds", 10, "4 ulp", 0.5, ErrorStats(37.0, 5.25, 1e-15, 3.3e-16), "37 ulp"
    )
    need = needed_tolerances(r)
    assert need["ulp"] == "37 ulp" and need["abs"] == "3.3e-16 abs"
    tol = parse_tolerance(need["abs"])
    assert tol.passes(1.0, 1.0 + 2.220446049250313e-16, float64)
    infinite = Result(
        "i",
        "float64",
        "precision_failure",
        "holds",
        10,
        "4 ulp",
        0.0,
        ErrorStats(math.inf, math.inf, math.inf, math.inf),
        "none",
    )
    assert needed_tolerances(infinite) == {"ulp": "none", "abs": "none", "engine": "none"}
    assert needed_tolerances(Result("i", "mpmath", "holds", "holds", 10, None, 1.0, ErrorStats(), None)) is None


def test_error_summary_counts_and_means():
    s = error_summary([0.0, 0.0, 1.0, 3.0, 1000.0, math.inf], [False, False, False, False, True, True])
    assert (s.n, s.over_zero, s.over_one, s.over_tolerance, s.nonfinite) == (6, 4, 3, 2, 1)
    assert s.mean_ulps == pytest.approx(1004 / 5) and s.max_ulps == math.inf and s.max_bits == math.inf
    assert s.mean_bits == pytest.approx((0 + 0 + 1 + 2 + math.log2(1001)) / 5)
    assert error_summary([], []).n == 0


# -- the finite-difference table -------------------------------------------------------------------------


def test_notebook_table_forward_and_central():
    t = finite_difference_table(builtin()["notebook_derivative_polynomial"], get_backend("float64"), {"x": 1.0})
    assert [r.h for r in t.rows] == list(STEPS) and len(t.rows) == 16 and t.truth == 2.0
    # the notebook's column: (f(1+h) - f(1))/h = 2 + 3h exactly, 2.30000 ... 2.00003 printed to 5 places
    for r, printed in zip(t.rows, ("2.30000", "2.03000", "2.00300", "2.00030", "2.00003")):
        assert f"{r.forward:.5f}" == printed
        assert r.forward_error == pytest.approx(3 * r.h, rel=1e-6)
    assert t.rows[-1].forward == 0.0 and t.rows[-1].forward_error == 2.0  # 1 + 1e-16 == 1: the quotient is 0
    assert t.best_forward.h in (1e-7, 1e-8, 1e-9)
    assert t.theory_forward == pytest.approx(2**-26) and t.theory_central == pytest.approx(2 ** (-52 / 3))
    # f''' = 0: the central quotient has no truncation error, so the largest step is best
    assert t.best_central.h in (1e-1, 1e-2) and t.refined_central == math.inf
    assert t.refined_forward == pytest.approx(2 * math.sqrt(2**-52 * 1 / 6))  # 2 sqrt(eps |f| / |f''|)


def test_sin_table_best_steps_near_theory():
    t = finite_difference_table(builtin()["derivative_sin"], get_backend("float64"), {"x": 2.0})
    assert 1e-9 <= t.best_forward.h <= 1e-7 and 1e-7 <= t.best_central.h <= 1e-4
    assert t.best_central.central_error < 1e-10 < t.best_forward.forward_error
    assert t.engine_step == pytest.approx(2 * 2 ** (-52 / 3), rel=1e-12)  # eps^(1/3) * max(|x|, 1)
    t32 = finite_difference_table(builtin()["derivative_sin"], get_backend("float32"), {"x": 2.0})
    assert 1e-4 <= t32.best_forward.h <= 1e-2 and t32.best_central.h >= 1e-3
    assert t32.rows[-1].forward == 0.0  # 2 + 1e-16 is 2 in float32
    with pytest.raises(ValueError, match="no diff"):
        finite_difference_table(builtin()["exp_sum"], get_backend("float64"), {"x": 1.0, "y": 1.0})


# -- the baseline diff -------------------------------------------------------------------------------------


def _r(name, verdict, bits):
    ulps = 2**bits - 1 if math.isfinite(bits) else math.inf
    return Result(name, "float64", verdict, "holds", 10, "4 ulp", 1.0, ErrorStats(ulps, bits, 0.0, 0.0), None)


def test_baseline_diff_groups_every_change():
    before = [
        _r("a", "holds", 1.0),
        _r("b", "precision_failure", 30.0),
        _r("c", "refuted", 0.0),
        _r("d", "precision_failure", 10.0),
        _r("e", "precision_failure", 40.0),
        _r("f", "holds", 2.0),
        _r("gone", "holds", 0.0),
        _r("same", "holds", 2.0),
    ]
    after = [
        _r("a", "precision_failure", 12.0),
        _r("b", "holds", 1.0),
        _r("c", "domain_mismatch", 0.0),
        _r("d", "precision_failure", 20.0),
        _r("e", "precision_failure", 20.0),
        _r("f", "holds", math.inf),
        _r("new", "holds", 0.0),
        _r("same", "holds", 2.5),
    ]
    doc = json.loads(json.dumps(report(before, seed=0, examples=10, backends=["float64"]), allow_nan=False))
    d = diff_baseline(after, doc, "old.json")
    names = {g: [c.identity for c in getattr(d, g)] for g in d.GROUPS}
    assert names == {
        "newly_failing": ["a"],
        "newly_holding": ["b"],
        "verdict_changed": ["c"],
        "error_grown": ["d", "f"],
        "error_shrunk": ["e"],
        "added": ["new"],
        "removed": ["gone"],
    }
    assert d.newly_failing[0].before == "holds" and d.newly_failing[0].after == "precision_failure"
    assert d.error_grown[1].bits_after == math.inf and d.error_grown[1].to_json()["bits_after"] == "inf"
    assert diff_baseline(before, doc).empty


def test_load_baseline_says_what_is_wrong(tmp_path):
    with pytest.raises(InvalidArgument, match="cannot read"):
        load_baseline(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidArgument, match="bad.json.*not JSON"):
        load_baseline(bad)
    bad.write_text('{"schema": "other/1", "results": []}')
    with pytest.raises(InvalidArgument, match="not an identities-report/1 report"):
        load_baseline(bad)
    bad.write_text('{"schema": "identities-report/1", "results": [{"identity": "x"}]}')
    with pytest.raises(InvalidArgument, match=r"results\[0\] lacks"):
        load_baseline(bad)
