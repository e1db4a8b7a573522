"""Backends: one protocol (``Backend``), one module per number system.

``get_backend(name)`` builds one by name; ``BACKENDS`` lists the names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from identities.backends.base import UNDEFINED, Backend, Compiled, Undefined
from identities.errors import InvalidArgument

__all__ = ["Backend", "Compiled", "Undefined", "UNDEFINED", "BACKENDS", "FLOAT_BACKENDS", "get_backend"]


def _float64() -> Any:
    from identities.backends.floats import Float64Backend

    return Float64Backend()


def _float32() -> Any:
    from identities.backends.floats import float32_backend

    return float32_backend()


def _float16() -> Any:
    from identities.backends.floats import float16_backend

    return float16_backend()


def _mpmath() -> Any:
    from identities.backends.mpmath_backend import MpmathBackend

    return MpmathBackend()


_FACTORIES: dict[str, Callable[[], Any]] = {
    "float64": _float64,
    "float32": _float32,
    "float16": _float16,
    "mpmath": _mpmath,
}
BACKENDS = tuple(_FACTORIES)
FLOAT_BACKENDS = ("float64", "float32", "float16")
_CACHE: dict[str, Any] = {}


def get_backend(name: str) -> Any:
    """The backend called ``name`` (one instance per process)."""
    if not isinstance(name, str) or name not in _FACTORIES:
        raise InvalidArgument(f"unknown backend name={name!r}; known: {', '.join(BACKENDS)}")
    if name not in _CACHE:
        _CACHE[name] = _FACTORIES[name]()
    return _CACHE[name]
