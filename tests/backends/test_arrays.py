import numpy as np
import pytest

from identities import builtin, identity
from identities.backends import get_backend
from identities.backends.arrays import compile_array
from identities.errors import InvalidArgument, LimitExceeded
from identities.sweep.sampling import Sampler

LIB = builtin()


def scalar_values(be, expr, cols, n):
    f = be.compile(expr)
    out = []
    for i in range(n):
        env = {k: (int(v[i]) if v.dtype.kind == "i" else be.convert_input(float(v[i]))) for k, v in cols.items()}
        out.append(be.to_float(f(env)))
    return np.array(out)


@pytest.mark.parametrize("backend", ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"])
@pytest.mark.parametrize(
    "name",
    [
        "binomial_pmf_total",
        "binomial_variance",
        "binomial_vandermonde",
        "derivative_sin",
        "derivative_second_sin",
        "exp_sum",
        "log_power",
        "cosh_sinh_pythagorean",
        "notebook_forward_difference",
    ],
)
def test_scalar_mode_is_bit_identical_to_the_scalar_backend(name, backend):
    ident = LIB[name]
    be = get_backend(backend)
    ints = frozenset(n for n, d in ident.variables if d.is_integer)
    cols, _ = Sampler(ident.variables, be.format, ident.assume).draw(80, np.random.default_rng(2))
    for side in (ident.lhs, ident.rhs):
        got = compile_array(side, be, integer_vars=ints, functions="scalar")(cols, 80).astype(np.float64)
        want = scalar_values(be, side, cols, 80)
        assert np.array_equal(got, want, equal_nan=True), (name, str(side))
        if be.format.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
            # ml_dtypes' loops are one for scalars and arrays: numpy mode is bit-identical too, and says nothing
            program = compile_array(side, be, integer_vars=ints)
            assert np.array_equal(program(cols, 80).astype(np.float64), want, equal_nan=True), (name, str(side))
            assert not [n for n in program.notes if "differ" in n]


def test_undefined_poisons_the_whole_side_as_in_the_scalar_backend():
    be = get_backend("float64")
    ident = identity("u", "factorial(x)**0", "1", vars={"x": "real[0, 3]"})
    f = compile_array(ident.lhs, be)
    got = f({"x": np.array([2.0, 2.5])}, 2)
    assert got[0] == 1.0 and np.isnan(got[1])  # nan**0 would be 1; factorial(2.5) is undefined


def test_integer_subtrees_stay_exact():
    be = get_backend("float64")
    ident = identity("big", "comb(n, 30) - comb(n, 30) + 1", "1", vars={"n": "integer[60, 70]"})
    got = compile_array(ident.lhs, be, integer_vars={"n"})({"n": np.arange(60, 71)}, 11)
    assert np.all(got == 1.0)


def test_notes_say_what_is_not_vectorised():
    be = get_backend("float32")
    ident = identity("g", "gamma(x)", "exp(lgamma(x))", vars={"x": "real[1, 5]"})
    f = compile_array(ident.lhs, be)
    assert any("gamma is evaluated per element" in n for n in f.notes)
    s = identity("s", "sum(x**k, k, 0, x)", "1", vars={"x": "real[1, 3]"})
    g = compile_array(s.lhs, get_backend("float64"))
    assert any("per point" in n for n in g.notes)
    got = g({"x": np.array([1.0, 2.0, 2.5])}, 3)
    assert got[0] == 2.0 and got[1] == 7.0 and np.isnan(got[2])  # bounds must be integers


def test_limits_and_bad_arguments():
    be = get_backend("float64")
    ident = identity("long", "sum(k*x, k, 0, n)", "x", vars={"n": "integer[0, 10000000]", "x": "real[0, 1]"})
    f = compile_array(ident.lhs, be, integer_vars={"n"})
    with pytest.raises(LimitExceeded):
        f({"n": np.array([10_000_000]), "x": np.array([0.5])}, 1)
    with pytest.raises(InvalidArgument):
        compile_array(ident.lhs, get_backend("mpmath"))
    with pytest.raises(InvalidArgument):
        compile_array(ident.lhs, be, functions="fast")
