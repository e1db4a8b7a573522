"""The ML format backends (bfloat16, float8_e4m3fn, float8_e5m2): every operation rounds to the width,
functions are float32's rounded once, and float8_e4m3fn's overflow is nan."""

import math
from fractions import Fraction

import numpy as np
import pytest

from identities import identity, verify
from identities.backends import get_backend
from identities.language.expr import parse
from identities.numbers.dtypes import int_types, numpy_dtype

pytest.importorskip("ml_dtypes")


def finite_values(be):
    fmt = be.format
    _, u = int_types(fmt)
    with np.errstate(invalid="ignore"):
        v = np.arange(2**fmt.width, dtype=np.uint64).astype(u).view(numpy_dtype(fmt))
    return v[np.isfinite(v.astype(np.float32))]


OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


@pytest.mark.parametrize("name", ["float8_e4m3fn", "float8_e5m2", "bfloat16"])
@pytest.mark.parametrize("op", list(OPS))
def test_arithmetic_is_correctly_rounded(name, op):
    """Every pair of float8 values (a sample for bfloat16): the backend's a op b is the exact result rounded
    once (fmt.round of the rational), overflow included."""
    be = get_backend(name)
    fmt = be.format
    values = finite_values(be)
    if fmt.width == 16:
        values = values[::499]
    fn = be.compile(parse(f"x {op} y", {"x", "y"}))
    xs = [float(v) for v in values]
    for x in xs[::9]:  # every float8 y against every ninth x
        for y in xs:
            if op == "/" and y == 0:
                continue
            got = be.to_float(fn({"x": be.convert_input(x), "y": be.convert_input(y)}))
            exact = OPS[op](Fraction(x), Fraction(y))
            want = fmt.round(exact)
            assert got == want or (math.isnan(got) and math.isnan(want)), (x, op, y, got, want)


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
@pytest.mark.parametrize("fn", ["exp", "log", "sin", "tanh", "sqrt", "atan"])
def test_functions_are_float32s_rounded_once(name, fn):
    """Exhaustive over the format's values: the backend's function is numpy's float32 function of the same
    value, rounded once to the format (what the backends' docstring says)."""
    be = get_backend(name)
    fmt = be.format
    compiled = be.compile(parse(f"{fn}(x)", {"x"}))
    values = finite_values(be)
    with np.errstate(all="ignore"):
        ref32 = getattr(np, fn)(values.astype(np.float32)).astype(np.float64)
    for v, r in zip(values.tolist()[:: 1 if fmt.width == 8 else 13], ref32[:: 1 if fmt.width == 8 else 13]):
        got = be.to_float(compiled({"x": be.convert_input(float(v))}))
        want = fmt.round(float(r))
        assert got == want or (math.isnan(got) and math.isnan(want)), (v, got, want)


def test_float8_e4m3fn_has_no_infinity():
    be = get_backend("float8_e4m3fn")
    one_over = be.compile(parse("1/x", {"x"}))
    assert math.isnan(be.to_float(one_over({"x": be.convert_input(0.0)})))
    twice = be.compile(parse("2*x", {"x"}))
    assert be.to_float(twice({"x": be.convert_input(224.0)})) == 448.0
    assert math.isnan(be.to_float(twice({"x": be.convert_input(448.0)})))
    e5m2 = get_backend("float8_e5m2")
    assert e5m2.to_float(e5m2.compile(parse("2*x", {"x"}))({"x": e5m2.convert_input(57344.0)})) == math.inf


def test_an_overflow_in_e4m3fn_matches_nothing():
    """float64 compares inf with inf (x*2 and x + x both overflow to it: holds); float8_e4m3fn's overflow is
    nan, which equals nothing, so the same identity is a precision failure at 448, with the cause named."""
    ident = identity("twice", "x*2", "x + x", vars={"x": "real"}, examples=[{"x": 448}])
    assert verify(ident, "float64", examples=20).verdict == "holds"
    r = verify(ident, "float8_e4m3fn", examples=20)
    c = r.counterexample
    assert r.verdict == "precision_failure" and abs(c.inputs["x"]) * 2 > 464  # 2x rounds beyond 448
    assert math.isnan(c.lhs) and math.isnan(c.rhs) and c.truth_lhs != c.truth_lhs  # so does the truth
    assert "undefined in float8_e4m3fn" in c.cause or "nan" in c.cause


def test_inputs_are_rounded_exactly_not_twice():
    be = get_backend("bfloat16")
    x = 1 + 2.0**-8 + 2.0**-30  # ml_dtypes' own cast of this double gives 1.0
    assert float(be.convert_input(x)) == 1 + 2.0**-7
    assert be.to_float(be.compile(parse("x", {"x"}))({"x": be.convert_input(x)})) == 1 + 2.0**-7
