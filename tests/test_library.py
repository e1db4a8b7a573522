"""The built-in library gets, on every backend, the verdict it declares (the main job)."""

import pytest

from identities import builtin, verify
from identities.backends import AUTODIFF_BACKENDS, available

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
    "In [55]: cos(x).backward(), accumulated into x.grad": "notebook_grad_accumulates",
    "In [58-59]: f = 3x^2 - 4x, limit at 1 is 2": "notebook_derivative_at_1",
    "In [58]: f'(x) = 6x - 4": "notebook_derivative_polynomial",
    "In [59]: (f(1 + h) - f(1))/h for shrinking h": "notebook_forward_difference",
    "In [60-61]: x.grad of 2 * x @ x is 4*x": "notebook_grad_dot",
    "In [62]: x.grad of 2 * x.sum() is 2": "notebook_grad_total",
    "In [65]: y = x*x; y.backward(gradient=torch.ones(len(y)))": "notebook_vjp_ones",
    "In [67]: u = y.detach(); (u * x).sum().backward(); x.grad == u": "notebook_detach",
}
# the cells above that compute a derivative or gradient
NOTEBOOK_DERIVATIVES = [name for cell, name in NOTEBOOK.items() if "derivative" in LIBRARY[name].tags]


def test_every_notebook_example_is_an_identity():
    for cell, name in NOTEBOOK.items():
        assert "notebook" in LIBRARY[name].tags, cell
    assert len(NOTEBOOK_DERIVATIVES) == 9


@pytest.mark.parametrize("backend", AUTODIFF_BACKENDS)
def test_notebook_derivatives_hold_on_torch_and_jax(backend):
    if not available(backend):
        pytest.skip(f"the {backend.split('-')[0]} extra is not installed (pip install '.[autodiff]')")
    for name in NOTEBOOK_DERIVATIVES:
        r = verify(LIBRARY[name], backend, examples=50)
        assert r.verdict == r.expected, f"{name}[{backend}]: {r.verdict}, expected {r.expected}: {r.message}"
        # all hold but the forward difference, which is no derivative: every float format loses its digits
        assert r.verdict == ("precision_failure" if name == "notebook_forward_difference" else "holds"), name


@pytest.mark.slow
@pytest.mark.parametrize("backend", AUTODIFF_BACKENDS)
def test_derivative_library_on_torch_and_jax_as_declared(backend):
    if not available(backend):
        pytest.skip(f"the {backend.split('-')[0]} extra is not installed (pip install '.[autodiff]')")
    for name in LIBRARY.select("*"):
        if "derivative" in LIBRARY[name].tags:
            r = verify(LIBRARY[name], backend)
            assert r.verdict == r.expected, f"{name}[{backend}]: {r.verdict}, expected {r.expected}: {r.message}"


def test_notebook_binomial_point_is_one_ulp():
    r = verify(LIBRARY["notebook_binomial_point"], "float64")
    assert r.verdict == "holds" and r.max_error.ulps == 1 and r.worst.lhs == 0.43200000000000005


def test_forward_difference_keeps_fewer_digits_as_h_shrinks():
    r = verify(LIBRARY["notebook_forward_difference"], "float64")
    assert r.verdict == "precision_failure" and r.counterexample.culprit == "lhs"
    assert r.max_error.bits > 20


def test_rules_hold_in_the_oracle_and_name_the_float_failure():
    r = verify(LIBRARY["rule_product"], "mpmath")
    assert r.verdict == "holds" and r.counts["ok"] >= 190
    r = verify(LIBRARY["rule_product"], "float64")
    c = r.counterexample
    assert r.verdict == "precision_failure" and c.inputs_text() == 'f="x - 1/x", g="x", x=-0.1'
    assert c.truth_lhs == c.truth_rhs == pytest.approx(-0.2)
