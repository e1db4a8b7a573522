"""Tensors of the ML frameworks as numpy arrays, for ``assert_close``: what it read, in its own dtype.

A torch tensor is detached and moved to the CPU; a jax array is copied to the
host. The values keep their dtype: bfloat16 and the float8 formats become
ml_dtypes arrays (torch cannot export them to numpy directly, so their bits are
viewed through an integer of the same width: no rounding, no conversion), so
ulps are counted in the format the framework computed in. Neither torch nor
jax is imported here: a tensor is recognised by its type's module, and only
then handled with that framework's own methods.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from identities.errors import InvalidArgument
from identities.numbers.dtypes import numpy_dtype
from identities.numbers.formats import FORMATS

__all__ = ["as_numpy", "framework_of"]

_TORCH_VIEWS = {"bfloat16": "int16", "float8_e4m3fn": "uint8", "float8_e5m2": "uint8"}


def framework_of(x: Any) -> str | None:
    """``"torch"`` or ``"jax"`` when ``x`` is such a framework's tensor, else None."""
    module = type(x).__module__ or ""
    if module.startswith("torch") and hasattr(x, "detach"):
        return "torch"
    if module.startswith(("jax", "jaxlib")) and hasattr(x, "dtype"):
        return "jax"
    return None


def as_numpy(x: Any, name: str) -> tuple[Any, str | None]:
    """(the values as a numpy array, or ``x`` itself when it is no tensor; a description of what was read,
    like ``"torch.Tensor (bfloat16, cuda:0)"``, or None)."""
    framework = framework_of(x)
    if framework == "torch":
        return _torch(x, name)
    if framework == "jax":
        return _jax(x, name)
    return x, None


def _torch(x: Any, name: str) -> tuple[np.ndarray, str]:
    dtype = str(x.dtype).removeprefix("torch.")
    where = f"torch.Tensor ({dtype}, {x.device})"
    t = x.detach()
    if t.is_complex():
        raise InvalidArgument(f"{name} is a complex {where}; compare the real and imaginary parts separately")
    if t.is_sparse or getattr(t, "is_quantized", False):
        raise InvalidArgument(f"{name} is a sparse or quantized {where}; convert it to a dense float tensor")
    t = t.cpu().resolve_conj().resolve_neg()
    if dtype in _TORCH_VIEWS:
        import torch

        bits = t.contiguous().view(getattr(torch, _TORCH_VIEWS[dtype])).numpy()
        return bits.view(numpy_dtype(FORMATS[dtype])), where
    return t.numpy(), where


def _jax(x: Any, name: str) -> tuple[np.ndarray, str]:
    if "Tracer" in type(x).__name__:
        raise InvalidArgument(
            f"{name} is a jax tracer (inside jit, grad or vmap): it has no values yet; "
            "call assert_close on the result, outside the transformation"
        )
    a = np.asarray(x)  # jax's bfloat16 and float8 arrays are ml_dtypes arrays on the host
    return a, f"jax.Array ({a.dtype}, {_jax_device(x)})"


def _jax_device(x: Any) -> str:
    try:
        devices = x.devices()
    except Exception:  # noqa: BLE001 - the device is a description, never a reason to fail
        return "?"
    return ", ".join(sorted(str(d) for d in devices)) or "?"
