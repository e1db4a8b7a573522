import math

import pytest
from hypothesis import given

from identities.errors import InvalidArgument
from identities.floats import FORMATS, edge_floats, edge_values, edges, next_up, ulp_distance

pytest.importorskip("ml_dtypes")


def test_bfloat16_edges_by_name():
    e = edge_values("bfloat16")
    assert e["max_subnormal"] == 2.0**-126 - 2.0**-133
    assert e["min_normal"] == 2.0**-126
    assert e["max_finite"] == 3.3895313892515355e38
    assert e["one_plus_ulp"] == 1 + 2.0**-7 and e["one_minus_ulp"] == 1 - 2.0**-8
    assert e["max_exact_integer"] == 256.0
    assert math.copysign(1, e["neg_zero"]) == -1
    assert list(e)[-3:] == ["inf", "neg_inf", "nan"]


@pytest.mark.parametrize("name", list(FORMATS))
def test_edges_are_the_values_they_name(name):
    fmt = FORMATS[name]
    e = edge_values(name)
    assert ulp_distance(e["max_subnormal"], e["min_normal"], name) == 1
    assert ulp_distance(e["min_subnormal"], e["zero"], name) == 1
    assert next_up(e["max_exact_integer"], name) == e["max_exact_integer"] + 2
    assert ulp_distance(1.0, e["one_plus_ulp"], name) == 1 == ulp_distance(1.0, e["one_minus_ulp"], name)
    assert e["max_finite"] == fmt.max and ("inf" in e) == fmt.infinities
    assert all(fmt.contains(v) for v in e.values())
    assert "nan" not in edge_values(name, nonfinite=False) and "inf" not in edge_values(name, nonfinite=False)


def test_float8_e4m3fn_has_no_infinite_edges():
    e = edge_values("float8_e4m3fn")
    assert "inf" not in e and math.isnan(e["nan"]) and e["max_finite"] == 448.0


def test_edges_are_pytest_params_with_ids():
    params = edges("float16", nonfinite=False)
    assert [p.id for p in params][:5] == ["zero", "neg_zero", "min_subnormal", "neg_min_subnormal", "max_subnormal"]
    assert params[4].values == (2.0**-14 - 2.0**-24,)


@pytest.mark.parametrize("x", edges("float8_e5m2"))
def test_parametrize_runs_one_test_per_edge(x, request):
    name = request.node.callspec.id
    expected = edge_values("float8_e5m2")[name]
    assert x == expected or (math.isnan(x) and math.isnan(expected))


@given(edge_floats("bfloat16", nonfinite=False))
def test_the_strategy_draws_edges(x):
    assert x in edge_values("bfloat16", nonfinite=False).values()


def test_strategy_repr_and_checks():
    assert repr(edge_floats("bfloat16")) == "edge_floats(fmt='bfloat16')"
    assert repr(edge_floats("float32", nonfinite=False)) == "edge_floats(fmt='float32', nonfinite=False)"
    with pytest.raises(InvalidArgument, match="nonfinite=1 must be True or False"):
        edge_floats("float32", nonfinite=1)
    with pytest.raises(InvalidArgument, match="fmt='half'"):
        edge_values("half")
