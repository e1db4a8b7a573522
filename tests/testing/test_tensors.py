"""assert_close on torch tensors and jax arrays: read as they are (detached, on the CPU, in their own dtype),
with the same message as the equivalent numpy arrays but for one line naming what was read."""

import numpy as np
import pytest

from identities.errors import InvalidArgument
from identities.testing import assert_close
from identities.testing.tensors import as_numpy, framework_of

ml_dtypes = pytest.importorskip("ml_dtypes")

ACTUAL = [[1.0, 2.0, 3.0], [0.5, -0.0, 1e-3]]
EXPECTED = [[1.0, 2.03, 3.4], [0.5, 0.0, 1.2e-3]]


def message(actual, expected, tolerance="0 ulp"):
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, tolerance)
    return str(info.value)


def without_read_line(text):
    lines = text.split("\n")
    assert lines[1].startswith("  read "), text
    return "\n".join(lines[:1] + lines[2:])


def numpy_twin(name):
    dtype = getattr(ml_dtypes, name) if name in ("bfloat16", "float8_e4m3fn", "float8_e5m2") else getattr(np, name)
    return np.array([[ml_dtypes.finfo(dtype).dtype.type(v) for v in row] for row in ACTUAL], dtype=dtype)


@pytest.mark.parametrize("name", ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_torch_message_is_the_numpy_message(name):
    torch = pytest.importorskip("torch")
    t = torch.tensor(ACTUAL, dtype=getattr(torch, name) if name != "float8_e4m3fn" else torch.float8_e4m3fn)
    if name in ("float64", "float32", "float16", "bfloat16"):
        t = t.requires_grad_(True) * 1  # a tensor in a graph: read detached
    twin = numpy_twin(name)
    assert np.array_equal(as_numpy(t, "actual")[0].astype(np.float64), twin.astype(np.float64))
    got = message(t, EXPECTED)
    assert got.split("\n")[1] == f"  read actual from a torch.Tensor ({name}, cpu)"
    assert without_read_line(got) == message(twin, EXPECTED)
    assert f"({name}, shape (2, 3))" in got.split("\n")[0]


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_jax_message_is_the_numpy_message(name):
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.array(ACTUAL, dtype=getattr(jnp, name))
    twin = numpy_twin(name)
    got = message(x, EXPECTED)
    assert got.split("\n")[1].startswith(f"  read actual from a jax.Array ({name}, ")
    assert without_read_line(got) == message(twin, EXPECTED)


def test_both_sides_tensors_and_a_pass():
    torch = pytest.importorskip("torch")
    a = torch.tensor([1.0, 2.0], dtype=torch.bfloat16)
    assert_close(a, torch.tensor([1.0, 2.0 + 2**-6], dtype=torch.float32), "1 ulp")  # rounds to 2 + 2**-6: 1 ulp
    text = message(a, torch.tensor([1.0, 2.5]), "1 ulp")
    assert (
        text.split("\n")[1]
        == "  read actual from a torch.Tensor (bfloat16, cpu) and expected from a torch.Tensor (float32, cpu)"
    )
    assert "32 ulp" in text  # 2.0 to 2.5 in bfloat16: 0.5 / 2**-6


def test_ulps_are_the_formats_own():
    bf = np.array([1.0], dtype=ml_dtypes.bfloat16)
    assert_close(bf, [1.0078125], "1 ulp")
    assert "64 ulp" in message(bf, [1.5], "1 ulp")  # (1.5 - 1) / 2**-7
    e4 = np.array([448.0], dtype=ml_dtypes.float8_e4m3fn)
    text = message(e4, [500.0], "100 ulp")  # 500 rounds to nan in float8_e4m3fn: no tolerance passes
    assert "expected = nan" in text and "no tolerance passes" in text


def test_framework_detection_and_errors():
    assert framework_of(np.zeros(2)) is None and framework_of([1.0]) is None
    torch = pytest.importorskip("torch")
    assert framework_of(torch.zeros(2)) == "torch"
    with pytest.raises(InvalidArgument, match="complex torch.Tensor"):
        assert_close(torch.zeros(2, dtype=torch.complex64), [0.0, 0.0])
    jax = pytest.importorskip("jax")

    def inside(x):
        assert_close(x, 1.0)
        return x

    with pytest.raises(InvalidArgument, match="jax tracer"):
        jax.jit(inside)(1.0)
