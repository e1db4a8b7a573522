"""A user's function declared vectorized is called once per batch in sweeps, with arrays of the backend's dtype."""

import numpy as np

import identities
from identities.sweep import sweep


def test_a_vectorized_implementation_is_called_per_batch():
    calls = []

    def softplus(x):
        calls.append((type(x), x.dtype, x.shape))
        return np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))

    ident = identities.accuracy(
        "softplus_vec",
        "softplus(x)",
        vars={"x": "real[-50, 50]"},
        functions={"softplus": identities.implementation(softplus, "log(1 + exp(x))", vectorized=True)},
    )
    r = sweep(ident, "float32", points=4096, workers=1)
    assert r.verdict == "holds" and r.max_error.ulps <= 2
    batches = [c for c in calls if c[2] != (1,)]  # the scalar replay of the worst point passes one element
    assert batches and all(c[0] is np.ndarray and c[1] == np.float32 for c in calls)
    assert sum(c[2][0] for c in batches) == 4096  # every point, in whole batches


def test_a_scalar_implementation_is_called_per_point_and_said_so():
    ident = identities.accuracy(
        "softplus_scalar",
        "softplus(x)",
        vars={"x": "real[-50, 50]"},
        functions={"softplus": (lambda x: float(np.logaddexp(0.0, x)), "log(1 + exp(x))")},
    )
    r = sweep(ident, "float64", points=2048, workers=1)
    assert r.verdict == "holds"
    assert any("evaluated per point by the scalar backend" in n for n in r.notes)
