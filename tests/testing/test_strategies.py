"""identities.testing.strategies: domains as reusable hypothesis strategies."""

import math

import pytest
from hypothesis import given, settings

from identities.errors import InvalidArgument
from identities.numbers.formats import float16, float32
from identities.testing.strategies import inputs, values


def test_repr_rebuilds_the_call():
    assert repr(values("positive[1e-3, 1e3]")) == "values('positive[1e-3, 1e3]')"
    assert repr(values("real", width=32)) == "values('real', width=32)"
    assert repr(inputs({"x": "real", "n": "integer[0, 10]"})) == "inputs({'x': 'real', 'n': 'integer[0, 10]'})"
    assert repr(inputs({"x": "real", "y": "real"}, assume=["x != y"])) == (
        "inputs({'x': 'real', 'y': 'real'}, assume=('x != y',))"
    )


@settings(max_examples=300)
@given(values("positive[1e-3, 1e3]"))
def test_values_stay_in_the_domain(x):
    assert isinstance(x, float) and 1e-3 <= x <= 1e3


@given(values("real[-1, 1]", width=16))
def test_values_are_values_of_the_width(x):
    assert float16.round(x) == x and -1 <= x <= 1 and not math.isnan(x)


@given(values("integer[0, 10]"), values("integer"))
def test_integer_domains_draw_ints(n, m):
    assert type(n) is int and 0 <= n <= 10
    assert type(m) is int and -100 <= m <= 100


@given(inputs({"x": "real[0, 1]", "y": "real[0, x]"}, width=32))
def test_inputs_bounds_may_use_earlier_variables(d):
    assert 0 <= d["y"] <= d["x"] <= 1
    assert float32.round(d["x"]) == d["x"]


@given(inputs({"x": "integer[0, 3]", "y": "integer[0, 3]"}, assume=["x != y"]))
def test_inputs_assume_filters(d):
    assert d["x"] != d["y"]


def test_the_draws_reach_edges_and_simple_values():
    seen = []

    @settings(max_examples=400, database=None)
    @given(values("nonnegative[0, 1e300]"))
    def collect(x):
        seen.append(x)

    collect()
    assert 0.0 in seen and 1e300 in seen and 5e-324 in seen
    assert min(x for x in seen if x) < 1e-200 and max(seen) > 1e200  # spread over the binades


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: values("posative"), "domain='posative': unknown domain kind 'posative'"),
        (lambda: values("real", width=80), "width=80 must be 16, 32 or 64"),
        (lambda: values(3), "domain=3 must be a string"),
        (lambda: values("real[0, x]"), "a bound may use other variables only in inputs()"),
        (lambda: inputs({"x": "real[2, 1]"}), "vars={'x': 'real[2, 1]'}: domain of 'x' has inverted bounds"),
        (lambda: inputs({"x": "real"}, assume=["x"]), "'x' is not a comparison"),
        (lambda: inputs(["x"]), "vars=['x'] must be a mapping"),
    ],
)
def test_bad_arguments_fail_at_the_call(call, message):
    with pytest.raises(InvalidArgument) as info:
        call()
    assert message in str(info.value)


def test_ml_formats_by_name():
    pytest.importorskip("ml_dtypes")
    from identities.numbers.formats import bfloat16, float8_e4m3fn

    assert repr(values("positive", format="bfloat16")) == "values('positive', format='bfloat16')"
    seen = set()

    @settings(max_examples=300, database=None)
    @given(values("real[-1000, 1000]", format="float8_e4m3fn"), inputs({"x": "positive"}, format="bfloat16"))
    def draw(v, d):
        assert float8_e4m3fn.contains(v) and -448 <= v <= 448  # the bounds meet the format's largest value
        assert bfloat16.contains(d["x"]) and d["x"] > 0
        seen.add(v)

    draw()
    assert len(seen) > 50  # many of the 253 finite values
    from identities.draws.inputs import float_range

    edges = float_range("real", -1000.0, 1000.0, float8_e4m3fn).edges()  # the edge source draws from these
    assert {448.0, -448.0} <= set(edges)  # the bounds meet the format's largest value
    with pytest.raises(InvalidArgument, match="width=32 and format='bfloat16' disagree"):
        values("real", width=32, format="bfloat16")
    with pytest.raises(InvalidArgument, match="format='float12' is not a float format"):
        values("real", format="float12")
    assert repr(values("real", width=32, format="float32")) == "values('real', format='float32')"
