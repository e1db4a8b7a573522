"""Backends: one protocol (``Backend``), one module per number system.

``get_backend(name)`` builds one by name; ``BACKENDS`` lists the names.
``ML_BACKENDS`` (bfloat16, float8_e4m3fn, float8_e5m2) need ml_dtypes (the
``ml`` extra); the torch backends of the 16-bit formats, ``torch-bfloat16`` and
``torch-float16``, need torch.
``AUTODIFF_BACKENDS`` (torch, jax) need their extras installed
(``pip install 'identities[torch]'`` / ``'identities[jax]'``); without them
``get_backend`` raises ``BackendUnavailable`` saying so. Nothing here imports
torch or jax until such a backend is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from identities.errors import BackendUnavailable, InvalidArgument
from identities.evaluate.compiler import Backend, Compiled
from identities.evaluate.values import UNDEFINED, Undefined

__all__ = [
    "Backend",
    "Compiled",
    "Undefined",
    "UNDEFINED",
    "BACKENDS",
    "FLOAT_BACKENDS",
    "ML_BACKENDS",
    "AUTODIFF_BACKENDS",
    "get_backend",
    "available",
]


def _float64() -> Any:
    from identities.backends.floats import Float64Backend

    return Float64Backend()


def _float32() -> Any:
    from identities.backends.floats import float32_backend

    return float32_backend()


def _float16() -> Any:
    from identities.backends.floats import float16_backend

    return float16_backend()


def _ml(name: str) -> Callable[[], Any]:
    def make() -> Any:
        from identities.backends.floats import ml_backend

        return ml_backend(name)

    return make


def _mpmath() -> Any:
    from identities.backends.mpmath_backend import MpmathBackend

    return MpmathBackend()


_EXTRAS = {"torch": ("PyTorch", "torch==2.13.0"), "jax": ("JAX", "jax jaxlib")}


def _autodiff(framework: str, width: int | str) -> Callable[[], Any]:
    fmt = width if isinstance(width, str) else f"float{width}"

    def make() -> Any:
        import importlib

        try:
            module = importlib.import_module(f"identities.backends.{framework}_backend")
        except ImportError as exc:
            what, pip = _EXTRAS[framework]
            raise BackendUnavailable(
                f"backend {framework}-{fmt} needs {what}, which is not installed ({exc}); "
                f"install the extra: pip install 'identities[{framework}]' (or: pip install {pip})"
            ) from None
        return getattr(module, f"{framework}_{fmt}")()

    return make


_FACTORIES: dict[str, Callable[[], Any]] = {
    "float64": _float64,
    "float32": _float32,
    "float16": _float16,
    "bfloat16": _ml("bfloat16"),
    "float8_e4m3fn": _ml("float8_e4m3fn"),
    "float8_e5m2": _ml("float8_e5m2"),
    "mpmath": _mpmath,
    "torch-float32": _autodiff("torch", 32),
    "torch-float64": _autodiff("torch", 64),
    "torch-bfloat16": _autodiff("torch", "bfloat16"),
    "torch-float16": _autodiff("torch", 16),
    "jax-float32": _autodiff("jax", 32),
    "jax-float64": _autodiff("jax", 64),
}
BACKENDS = tuple(_FACTORIES)
ML_BACKENDS = ("bfloat16", "float8_e4m3fn", "float8_e5m2")
AUTODIFF_BACKENDS = (
    "torch-float32",
    "torch-float64",
    "torch-bfloat16",
    "torch-float16",
    "jax-float32",
    "jax-float64",
)
FLOAT_BACKENDS = ("float64", "float32", "float16", *ML_BACKENDS, *AUTODIFF_BACKENDS)
_CACHE: dict[str, Any] = {}


def get_backend(name: str) -> Any:
    """The backend called ``name`` (one instance per process); BackendUnavailable if its extra is missing."""
    if not isinstance(name, str) or name not in _FACTORIES:
        raise InvalidArgument(f"unknown backend name={name!r}; known: {', '.join(BACKENDS)}")
    if name not in _CACHE:
        _CACHE[name] = _FACTORIES[name]()
    return _CACHE[name]


def available(name: str) -> bool:
    """Whether ``get_backend(name)`` would work here (the ML and autodiff backends need their extras)."""
    try:
        get_backend(name)
    except BackendUnavailable:
        return False
    return True
