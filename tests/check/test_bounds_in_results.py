"""The proven bounds in a Result: proof on holds, per-side errors, the JSON fields, the failure text."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from identities.check.engine import verify
from identities.check.failures import explain
from identities.check.results import report
from identities.registry.files import identity

SCHEMA = Path(__file__).resolve().parents[2] / "identities" / "report" / "identities-report-1.schema.json"


def test_a_holds_whose_bounds_fit_the_tolerance_is_proven():
    ident = identity("swap", "x + y", "y + x", vars={"x": "real[1, 2]", "y": "real[1, 2]"})
    r = verify(ident, "float64", examples=50)
    assert r.verdict == "holds"
    assert r.proof == "bound"
    assert r.bound.lhs.abs == r.bound.rhs.abs == 2.0**-52
    assert r.bound.abs == 2.0**-51
    # each side's largest error found against the exact value, never above its bound
    assert 0 < r.side_errors["lhs"].abs <= 2.0**-52
    assert r.side_errors["lhs"].ulps == 0  # one correct rounding: the float is the exact value rounded


def test_a_holds_without_a_fitting_bound_is_sampled_and_an_unbounded_domain_says_why():
    r = verify(
        identity("e", "exp(x - y)", "exp(x)/exp(y)", vars={"x": "real[-1, 1]", "y": "real[-1, 1]"}),
        "float64",
        examples=50,
    )
    assert r.verdict == "holds" and r.proof == "sampled"
    assert r.bound.proven and r.bound.ulps > 4
    u = verify(identity("u", "x*y", "y*x", vars={"x": "real", "y": "real[0, 1]"}), "float64", examples=20)
    assert u.proof == "sampled" and u.bound.reason == "lhs: x unbounded above"
    m = verify(identity("m", "x*y", "y*x", vars={"x": "real[0, 1]", "y": "real[0, 1]"}), "mpmath", examples=20)
    assert m.bound is None and m.proof == ""


def test_json_carries_bound_proof_and_side_errors_and_validates(tmp_path):
    ident = identity("swap", "x + y", "y + x", vars={"x": "real[1, 2]", "y": "real[1, 2]"})
    r = verify(ident, "float64", examples=30)
    doc = report([r], seed=0, examples=30, backends=["float64"])
    out = json.loads(json.dumps(doc))["results"][0]
    assert out["proof"] == "bound"
    assert out["bound"]["abs"] == 2.0**-51
    assert out["bound"]["lhs"]["abs"] == 2.0**-52
    assert "correctly rounded" in out["bound"]["lhs"]["model"]
    assert set(out["side_errors"]) == {"lhs", "rhs"}
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(doc)


def test_the_failure_text_says_which_tolerance_is_proven_sufficient():
    ident = identity(
        "e", "exp(x - y)", "exp(x)/exp(y)", vars={"x": "real[-1, 1]", "y": "real[-1, 1]"}, tolerance="0 ulp"
    )
    r = verify(ident, "float64", examples=100)
    assert r.verdict == "precision_failure"
    text = explain(r, ident)
    assert f"a tolerance of {r.bound.sufficient()} is proven sufficient" in text
    assert "exp within 1 ulp (glibc" in text


def test_a_one_sided_check_is_bounded_by_its_one_side():
    from identities.registry.files import accuracy

    a = accuracy("verhulst", "4.0*x/(1 + x/1.11)", vars={"x": "real[0.1, 0.3]"})
    r = verify(a, "float64", examples=100)
    assert r.verdict == "holds" and r.proof == "bound"
    assert r.bound.abs == r.bound.lhs.abs and r.bound.rhs.model == "exact"
    assert r.bound.ulps == r.bound.lhs.ulps
    assert set(r.side_errors) == {"lhs"} and r.side_errors["lhs"].abs <= r.bound.abs
