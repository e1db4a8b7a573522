import numpy as np
import pytest

from identities import builtin
from identities.draws.inputs import admissible
from identities.numbers.formats import float16, float32, float64
from identities.sweep.sampling import Sampler, from_ordinals, ordinals, ulp_distance

LIB = builtin()


@pytest.mark.parametrize("fmt", [float64, float32, float16])
def test_every_draw_is_admissible(fmt):
    for ident in LIB.values():
        if not ident.variables or ident.functions or any(d.size is not None for _, d in ident.variables):
            continue  # sweeps (and their sampler) are over scalar inputs
        cols, _ = Sampler(ident.variables, fmt, ident.assume).draw(300, np.random.default_rng(0))
        admits = admissible(ident.variables, fmt, ident.assume)
        for i in range(300):
            inputs = {k: (int(v[i]) if v.dtype.kind == "i" else float(v[i])) for k, v in cols.items()}
            assert admits(inputs), (ident.name, inputs)


def test_uniform_over_bit_patterns():
    from identities import identity

    ident = identity("u", "x", "x", vars={"x": "positive[1, 1024]"})
    cols, _ = Sampler(ident.variables, float64, ()).draw(20000, np.random.default_rng(1))
    binades = np.bincount(np.floor(np.log2(cols["x"])).astype(int), minlength=11)
    assert binades[10] <= 5  # only 1024 itself
    assert np.all(np.abs(binades[:10] - 2000) < 200)  # each of the ten binades equally likely


def test_zero_excluded_and_dependent_bounds():
    from identities import identity

    ident = identity("z", "x", "x", vars={"n": "integer[0, 5]", "x": "nonzero[-n, n]"})
    cols, drawn = Sampler(ident.variables, float32, ()).draw(2000, np.random.default_rng(3))
    assert np.all(cols["x"] != 0) and np.all(np.abs(cols["x"]) <= cols["n"])
    assert drawn > 2000  # n = 0 leaves x no value: those draws are rejected


@pytest.mark.parametrize("fmt", [float64, float32, float16])
def test_ordinals_and_ulps_match_the_format(fmt):
    rng = np.random.default_rng(4)
    top = fmt.ordinal(fmt.max)
    o = rng.integers(-top, top, 500, dtype=np.int64)
    x = from_ordinals(o, fmt)
    assert [fmt.ordinal(float(v)) for v in x] == o.tolist()
    assert np.array_equal(ordinals(x, fmt), o)
    y = x[::-1].copy()
    want = [fmt.ulp_distance(float(a), float(b)) for a, b in zip(x, y)]
    assert ulp_distance(x, y, fmt).tolist() == want
    assert ulp_distance(np.array([0.0]), np.array([-0.0]), fmt)[0] == 0
    assert ulp_distance(np.array([np.nan]), np.array([1.0]), fmt)[0] == np.inf
