"""The built-in library gets, on every backend, the verdict it declares (the main job)."""

import pytest

from identities import builtin, verify

LIBRARY = builtin()


@pytest.mark.parametrize("name", list(LIBRARY))
def test_verdict_is_as_declared(name):
    ident = LIBRARY[name]
    for backend in ("float64", "float32", "mpmath"):
        r = verify(ident, backend)
        assert r.verdict == r.expected, f"{name}[{backend}]: {r.verdict}, expected {r.expected}: {r.message}"


NOTEBOOK = {
    # notebook cell -> identity in the library that checks it
    "In [1]: 3*.6**2*.4 == 0.43200000000000005": "notebook_binomial_point",
    "In [11]: log(16, 2) == 4.0": "notebook_log_16_base_2",
    "In [28]: log_2(8*2) == log_2(2) + log_2(8)": "notebook_log2_product",
    "In [29]: log_2(16/2) == log_2(16) - log_2(2)": "notebook_log2_quotient",
    "In [30]: log_2(16**3) == 3 * log_2(16)": "notebook_log2_power",
    "In [31]: log_2(1/2**3) == -log_2(2**3)": "notebook_log2_reciprocal",
    "In [54]: sin(x).backward() at x = 2": "derivative_sin",
    "In [55]: cos(x).backward()": "derivative_cos",
    "In [58-59]: f = 3x^2 - 4x, limit at 1 is 2": "notebook_derivative_at_1",
    "In [59]: (f(1 + h) - f(1))/h for shrinking h": "notebook_forward_difference",
    "In [60-61]: grad of 2 * x @ x is 4x": "notebook_gradient_2x_dot_x",
    "In [62]: grad of 2 * x.sum() is 2": "notebook_gradient_2_sum",
    "In [65]: x*x backward with ones is 2x": "notebook_gradient_x_times_x",
}


def test_every_notebook_example_is_an_identity():
    for cell, name in NOTEBOOK.items():
        assert "notebook" in LIBRARY[name].tags, cell


def test_notebook_binomial_point_is_one_ulp():
    r = verify(LIBRARY["notebook_binomial_point"], "float64")
    assert r.verdict == "holds" and r.max_error.ulps == 1 and r.worst.lhs == 0.43200000000000005


def test_forward_difference_keeps_fewer_digits_as_h_shrinks():
    r = verify(LIBRARY["notebook_forward_difference"], "float64")
    assert r.verdict == "precision_failure" and r.counterexample.culprit == "lhs"
    assert r.max_error.bits > 20
