import math

import pytest

from identities.language.tolerance import Tolerance, default_tolerance, parse_tolerance
from identities.numbers.formats import float32, float64


def test_parse_and_format():
    t = parse_tolerance("4 ulp or 1e-15 abs")
    assert t == Tolerance(ulps=4, abs=1e-15)
    assert str(t) == "4 ulp or 1e-15 abs"
    assert parse_tolerance("1e-12 rel") == Tolerance(rel=1e-12)
    assert parse_tolerance("2 ulps") == Tolerance(ulps=2)


@pytest.mark.parametrize(
    "text, message",
    [
        ("4 ulps or", "is not 'N ulp'"),
        ("four ulp", "is not 'N ulp'"),
        ("1 ulp or 2 ulp", "gives ulps twice"),
        ("-1 abs", "is not 'N ulp'"),
        (4, "must be a string"),
    ],
)
def test_garbled(text, message):
    with pytest.raises(ValueError, match=message):
        parse_tolerance(text)


def test_passes():
    t = Tolerance(ulps=1)
    assert t.passes(0.432, 3 * 0.6**2 * 0.4, float64)
    assert not Tolerance(ulps=0).passes(0.432, 3 * 0.6**2 * 0.4, float64)
    assert Tolerance(ulps=4).passes(math.inf, math.inf, float64)
    assert not Tolerance(ulps=4).passes(math.inf, float64.max, float64)
    assert not Tolerance(abs=1).passes(math.nan, 1.0, float64)
    assert Tolerance(rel=0.1).passes(1.0, 1.05, float64)
    assert Tolerance(abs=1e-3).passes(0.0, 1e-4, float64)


def test_default_diff_tolerance():
    assert default_tolerance(float64) == Tolerance(ulps=4)
    t = default_tolerance(float64, 1)
    assert t.rel == t.abs == 9.4e-09  # 256 * eps**(2/3)
    assert default_tolerance(float32, 1).rel == 0.0062
    assert default_tolerance(float64, 2).rel > t.rel


def test_the_needed_tolerance_is_the_declared_one_scaled():
    from identities.language.tolerance import parse_tolerance

    t = parse_tolerance("4 ulp or 1e-15 abs")
    # an example 8e8 ulp apart but 3e-16 apart in absolute terms needs only 0.3 of the abs term
    assert t.need_factor(8.23e8, 1.0, 3e-16) == pytest.approx(0.3)
    assert t.scaled(0.3) == "2 ulp or 3e-16 abs"
    assert t.need_factor(math.nan, math.nan, math.inf) == math.inf
    assert parse_tolerance("4 ulp").scaled(2.0) == "8 ulp"
    assert parse_tolerance("1e-10 rel or 1e-300 abs").scaled(0.5) == "5e-11 rel or 5e-301 abs"
    assert parse_tolerance("0 ulp").need_factor(0.0, 0.0, 0.0) == 0.0


def test_check_states_the_needed_tolerance_in_the_declared_units():
    import identities

    ident = identities.identity(
        "add_sub", "(1 + x) - 1", "x", vars={"x": "real[-0.001, 0.001]"}, tolerance="4 ulp or 1e-15 abs"
    )
    r = identities.verify(ident, "float64", examples=100)
    assert r.verdict == "holds" and r.max_error.ulps > 1e6  # ulps of x itself: far beyond the ulp term
    ulp_part, abs_part = r.needed_tolerance.split(" or ")
    needed_abs = float(abs_part.removesuffix(" abs"))
    assert 0 < needed_abs <= 1.2e-16  # (1 + x) - 1 is off by at most half an ulp of 1: 1.1e-16
    assert ulp_part.endswith(" ulp")
