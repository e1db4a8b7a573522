import math

import pytest
from hypothesis import given, settings

from identities.draws.inputs import admissible, inputs_strategy, parse_domain
from identities.errors import IdentityFileError
from identities.language.expr import parse
from identities.numbers.formats import float16, float32, float64


def draws(variables, fmt=float64, n=400, assume=()):
    out = []

    @settings(max_examples=n, database=None, derandomize=True)
    @given(inputs_strategy(variables, fmt, assume))
    def collect(inputs):
        out.append(inputs)

    collect()
    return out


def test_grammar():
    d = parse_domain("real[-10, 10]")
    assert d.kind == "real" and str(d.lo) == "-10" and str(d.hi) == "10"
    assert parse_domain("probability").kind == "probability"
    assert parse_domain("integer[0, n]", ["n"]).depends_on == {"n"}
    assert parse_domain("positive[1e-16*abs(x), abs(x)]", ["x"]).depends_on == {"x"}
    assert parse_domain("real[-inf, 0]").lo is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("real[5, -5]", "inverted bounds (5.0 > -5.0)"),
        ("complex", "unknown domain kind 'complex'"),
        ("real[1]", "needs two bounds"),
        ("positive[-5, -1]", "is empty"),
        ("integer[0.2, 0.8]", "is empty"),
        ("real[0, y]", "undeclared variable 'y'"),
        ("real[inf, 1]", "inverted bounds"),
        ("real[0, 1", "is not kind or kind[lo, hi]"),
    ],
)
def test_bad_domains(text, message):
    with pytest.raises(IdentityFileError) as info:
        parse_domain(text, [], file="d.toml", line=3, identity="demo", var="x")
    assert message in str(info.value) and "d.toml:3" in str(info.value)


def test_float_draws_stay_in_bounds_and_format():
    for fmt in (float64, float32, float16):
        for x in (inp["x"] for inp in draws([("x", parse_domain("real[-300, 300]"))], fmt)):
            assert -300 <= x <= 300 and math.isfinite(x) and fmt.round(x) == x


def test_draws_spread_over_binades_and_include_edges():
    xs = [inp["x"] for inp in draws([("x", parse_domain("real[-300, 300]"))], n=600)]
    tiny = sum(abs(x) < 1e-100 for x in xs)
    big = sum(abs(x) > 1 for x in xs)
    assert tiny > 100 and big > 100  # bit-pattern draws reach tiny binades, value draws the big ones
    assert {300.0, -300.0, 0.0, 5e-324} <= set(xs)


def test_uniform_draws_have_random_last_bits():
    # computed in floats, (1 - t)*lo + t*hi gave an even significand four times in five, so sums of two
    # draws were exact far more often than sums of real data
    import random

    from identities.draws.inputs import FloatSampler, float_range

    rng = random.Random(5)
    for fmt in (float64, float32, float16):
        sampler = FloatSampler(float_range("real", -300.0, 300.0, fmt))
        xs = [sampler.from_unit(rng.randbytes(10)) for _ in range(4000)]
        odd = sum(fmt.ordinal(x) & 1 for x in xs) / len(xs)
        assert 0.46 < odd < 0.54, (fmt.name, odd)
        assert 0.45 < sum(x > 0 for x in xs) / len(xs) < 0.55  # still uniform in value
        assert 0.45 < sum(abs(x) < 150 for x in xs) / len(xs) < 0.55


def test_several_variables_are_often_typical_together():
    # each variable picking its own source made both typical (|v| > 1, not an edge, not a copy) in 43 of
    # these 600 draws; the joint half of the examples makes it 73 (hypothesis' own mutations dilute both)
    both = [
        inp
        for inp in draws([("x", parse_domain("real[-300, 300]")), ("y", parse_domain("real[-300, 300]"))], n=600)
        if abs(inp["x"]) > 1 and abs(inp["y"]) > 1 and abs(inp["x"]) != 300 and inp["x"] != inp["y"]
    ]
    assert len(both) > 60, len(both)


def test_kinds_are_respected():
    cases = {
        "positive": lambda x: x > 0,
        "negative": lambda x: x < 0,
        "nonzero": lambda x: x != 0,
        "nonnegative": lambda x: x >= 0,
        "probability": lambda x: 0 <= x <= 1,
    }
    for kind, ok in cases.items():
        xs = [inp["x"] for inp in draws([("x", parse_domain(kind))], n=200)]
        assert all(ok(x) for x in xs), kind


def test_dependent_bounds_and_integers():
    variables = [("n", parse_domain("integer[0, 10]")), ("k", parse_domain("integer[0, n]", ["n"]))]
    got = draws(variables, n=200)
    assert all(isinstance(i["k"], int) and 0 <= i["k"] <= i["n"] <= 10 for i in got)
    variables = [
        ("x", parse_domain("nonzero[-1e4, 1e4]")),
        ("eps", parse_domain("positive[1e-16*abs(x), abs(x)]", ["x"])),
    ]
    for i in draws(variables, n=200):
        assert 1e-16 * abs(i["x"]) * (1 - 1e-15) <= i["eps"] <= abs(i["x"])
    assert all(-100 <= i["n"] <= 100 for i in draws([("n", parse_domain("integer"))], n=100))


def test_assume_filters():
    variables = [("x", parse_domain("integer[0, 3]")), ("y", parse_domain("integer[0, 3]"))]
    assume = [parse("x != y", {"x", "y"}, allow_compare=True)]
    assert all(i["x"] != i["y"] for i in draws(variables, assume=assume, n=50))


def test_admissible_matches_the_domains():
    variables = [("x", parse_domain("positive[1, 10]")), ("n", parse_domain("integer[0, 3]"))]
    ok = admissible(variables, float32)
    assert ok({"x": 1.5, "n": 2})
    assert not ok({"x": 0.1, "n": 2})  # not a float32 value
    assert not ok({"x": 11.0, "n": 2})
    assert not ok({"x": 2.0, "n": 2.0})


def test_single_value_domain():
    got = draws([("x", parse_domain("real[1, 1]"))], n=5)
    assert {i["x"] for i in got} == {1.0}


def test_the_near_source_also_aims_at_earlier_inputs():
    # x - y, x + y and x/y - 1 cancel where y is close to +-x: the near draws use +-(earlier inputs) as centres
    from identities.draws.inputs import _EDGE, FloatSampler, float_range

    sampler = FloatSampler(float_range("real", -10.0, 10.0, float64))
    assert sampler.centres == [1.0, -1.0, 1.0, -1.0, -10.0, 10.0]
    picks = {6: 3.25, 7: -3.25}  # after the six fixed centres: the earlier input, then its negation
    for index, centre in picks.items():
        chosen = bytes([index, 29, 0, 0])  # k = 30: a relative distance of 2**-30

        def draw(_strategy, chosen=chosen):
            return chosen

        y = sampler(draw, _EDGE, others=[3.25])
        assert y != centre and abs(y - centre) <= 2 * 3.25 * 2.0**-30
    y = sampler(lambda _s: bytes([6, 29, 0, 0]), _EDGE, others=[11.0])  # an input outside the range is no centre
    assert abs(y - 1.0) <= 2.0**-29


@pytest.mark.parametrize("fmt", [float16, float32, float64])
@pytest.mark.parametrize("kind, lo, hi", [("real", -1.0, 1.0), ("positive", 0.0, 1.0), ("real", 0.0, 1.0)])
def test_near_draws_reach_both_sides_of_every_centre(fmt, kind, lo, hi):
    # a near step that would leave the domain is reflected inward, never clamped onto the bound: the draws
    # near +-1 land inside, on the inner side of a bound, as often as on the inner side of the other one
    from hypothesis import strategies as st

    from identities.draws.inputs import _EDGE, FloatSampler, float_range

    sampler = FloatSampler(float_range(kind, lo, hi, fmt))
    out = []

    @settings(max_examples=600, database=None, derandomize=True)
    @given(st.data())
    def collect(data):
        out.append(sampler(data.draw, _EDGE))  # the near source

    collect()
    below_one = sum(0.5 < v < 1 for v in out)
    above_minus_one = sum(-1 < v < -0.5 for v in out)
    assert all(lo <= v <= hi for v in out)
    assert out.count(1.0) + out.count(-1.0) == 0  # (clamping put 465 of 1,000 float16 draws on 1.0)
    if lo < 0:
        assert min(below_one, above_minus_one) >= 0.8 * max(below_one, above_minus_one) > 150
    else:
        assert below_one > 250 and above_minus_one == 0
