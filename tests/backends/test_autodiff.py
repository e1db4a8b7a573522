"""The torch and jax backends: the framework's own operations and autograd, judged by the oracle.

Tests that need an extra skip, saying so, only when it is not installed
(``pip install '.[test,autodiff]'`` installs both).
"""

import subprocess
import sys

import pytest

from identities import identity, verify
from identities.backends import AUTODIFF_BACKENDS, available, get_backend
from identities.errors import BackendUnavailable
from identities.language.expr import parse

NEEDS = {
    "torch": "the torch extra is not installed (pip install '.[torch]')",
    "jax": "the jax extra is not installed (pip install '.[jax]')",
}


def backend_or_skip(name: str):
    if not available(name):
        pytest.skip(NEEDS[name.split("-")[0]])
    return get_backend(name)


@pytest.mark.parametrize("name", AUTODIFF_BACKENDS)
def test_notebook_gradients_at_arange_are_exact(name):
    be = backend_or_skip(name)
    x = be.convert_vector((0.0, 1.0, 2.0, 3.0))
    want = {
        "grad(2*dot(x, x), x)": [0, 4, 8, 12],
        "grad(2*total(x), x)": [2, 2, 2, 2],
        "vjp(x*x, x, ones(x))": [0, 2, 4, 6],
        "grad(total(stop(x*x)*x), x)": [0, 1, 4, 9],
        "2*dot(x, x)": 28,
        "2*total(x)": 12,
    }
    for text, values in want.items():
        got = be.compile(parse(text, vectors={"x": 4}))({"x": x})
        as_list = [float(v) for v in got] if isinstance(values, list) else be.to_float(got)
        assert as_list == values, (name, text)


@pytest.mark.parametrize("name", AUTODIFF_BACKENDS)
def test_diff_is_autograd_not_a_difference_quotient(name):
    be = backend_or_skip(name)
    at_2 = {"x": be.convert_input(2.0)}
    d = be.to_float(be.compile(parse("diff(sin(x), x)", {"x"}))(at_2))
    assert d == be.to_float(be.compile(parse("cos(x)", {"x"}))(at_2))  # bit for bit, as backward() gives
    assert be.to_float(be.compile(parse("diff(x**3, x, 2)", {"x"}))(at_2)) == 12.0
    assert be.to_float(be.compile(parse("diff(stop(x*x)*x, x)", {"x"}))(at_2)) == 4.0  # detach()
    assert be.to_float(be.compile(parse("diff(7, x)", {"x"}))(at_2)) == 0.0
    assert be.to_float(be.compile(parse("factorial(3)*x", {"x"}))(at_2)) == 12.0  # integers stay exact
    r = verify(identity("sin_prime", "diff(sin(x), x)", "cos(x)", vars={"x": "real[-10, 10]"}), name, examples=30)
    assert r.verdict == "holds" and r.tolerance == "4 ulp" and r.max_error.ulps == 0


def test_jax_flushes_subnormals_where_torch_does_not():
    # XLA on the CPU flushes subnormal results to zero: the gradient of cos at x = 1e-40 (float32) is
    # -sin(x)*1, which jax returns as -0.0 while -sin(x) alone is -1e-40, 71362 float32 ulps apart
    jx, th = backend_or_skip("jax-float32"), backend_or_skip("torch-float32")
    ident = identity("cos_prime", "diff(cos(x), x)", "-sin(x)", vars={"x": "real[-10, 10]"}, examples=[{"x": 1e-40}])
    r = verify(ident, jx.name, examples=5)
    c = r.counterexample
    assert r.verdict == "precision_failure" and c.lhs == 0.0 and c.rhs == pytest.approx(-1e-40, rel=1e-6)
    assert c.culprit == "lhs" and c.cause.startswith("underflow: `diff(cos(x), x)` underflows to 0 in float32")
    assert verify(ident, th.name, examples=5).verdict == "holds"


def test_jax_float64_does_not_change_the_users_jax_configuration():
    be = backend_or_skip("jax-float64")
    import jax

    before = jax.config.jax_enable_x64
    v = be.compile(parse("x + 0.1", {"x"}))({"x": be.convert_input(0.2)})
    assert str(v.dtype) == "float64" and be.to_float(v) == 0.2 + 0.1
    assert jax.config.jax_enable_x64 == before


def test_autograd_accumulates_in_its_own_order():
    # three uses of x: cotangents 1, -1 and 0.001 summed as (1 + 0.001) - 1, hundreds of ulps from 0.001
    ident = identity(
        "lin",
        "diff(a*(x - x) + b*x, x)",
        "b",
        vars={"a": "real[-1, 1]", "b": "real[-1, 1]", "x": "real[-1, 1]"},
        examples=[{"a": 1, "b": 0.001, "x": 0}],
    )
    for name in AUTODIFF_BACKENDS:
        if available(name):
            r = verify(ident, name, examples=3)
            if name == "torch-float16":
                # 1 + 0.001 rounds to 1 + 2**-10, so the sum is 2**-10 where float16's 0.001 is
                # 0.0010004043579101562: (0.0010004043579101562 - 2**-10) / 2**-20 = 25 ulps
                assert r.verdict == "precision_failure" and r.max_error.ulps == 25, name
            else:  # in bfloat16 1 + 0.001 is 1: the sum is 0, every digit lost
                assert r.verdict == "precision_failure" and r.max_error.ulps > 100, name
    assert verify(ident, "float64", examples=3).verdict == "holds"  # the central difference is linear


def test_a_missing_extra_is_a_clear_error(monkeypatch):
    from identities import backends

    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    monkeypatch.delitem(sys.modules, "identities.backends.torch_backend", raising=False)
    monkeypatch.setattr(backends, "_CACHE", {})
    with pytest.raises(BackendUnavailable, match=r"torch-float32 needs PyTorch.*pip install 'identities\[torch\]'"):
        get_backend("torch-float32")
    assert not available("torch-float64")
    assert isinstance(BackendUnavailable("x"), ImportError)


def test_importing_identities_imports_no_framework():
    code = (
        "import sys, identities, identities.check.engine, identities.registry.files, identities.backends;"
        "identities.builtin(); print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sweeps_refuse_and_explain_names_autograd(capsys):
    from identities.cli import main

    assert main(["sweep", "--select", "derivative_sin", "--backend", "torch-float32", "--points", "100"]) == 2
    assert "a sweep runs numpy arrays: use 'identities check --backend torch-float32'" in capsys.readouterr().err
    backend_or_skip("torch-float32")
    assert main(["explain", "derivative_sin", "--backend", "torch-float32"]) == 0
    out = capsys.readouterr().out
    assert "(torch-float32's diff is autograd, not a quotient)" in out and "central difference" not in out
