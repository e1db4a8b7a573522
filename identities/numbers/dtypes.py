"""The numpy scalar type of each format, and the integer types of the same width (bit-pattern views).

The ML formats' types come from the optional ``ml_dtypes`` package (the ``ml``
extra), imported only when such a format's dtype is asked for; without it the
error says what to install. Every format's bit pattern, read as a signed
integer of its width, is its ordinal with the sign folded: the sign bit set
means ``-(bits & magnitude mask)``, as ``FloatFormat.ordinal`` counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from identities.errors import BackendUnavailable, InvalidArgument
from identities.numbers.formats import FORMATS, ML_FORMATS, FloatFormat

__all__ = ["numpy_dtype", "int_types", "format_of_dtype", "as_format", "ml_dtypes_available"]

_INTS = {8: (np.int8, np.uint8), 16: (np.int16, np.uint16), 32: (np.int32, np.uint32), 64: (np.int64, np.uint64)}
_IEEE = {"float64": np.float64, "float32": np.float32, "float16": np.float16}


def _ml_dtypes() -> Any:
    try:
        import ml_dtypes
    except ImportError as exc:
        raise BackendUnavailable(
            f"the formats {', '.join(ML_FORMATS)} need the ml_dtypes package, which is not installed ({exc}); "
            "install the extra: pip install 'identities[ml]' (or: pip install ml_dtypes)"
        ) from None
    return ml_dtypes


def ml_dtypes_available() -> bool:
    try:
        _ml_dtypes()
    except BackendUnavailable:
        return False
    return True


def numpy_dtype(fmt: FloatFormat) -> Any:
    """The numpy scalar type holding ``fmt``'s values (``ml_dtypes.bfloat16`` for bfloat16)."""
    if fmt.name in _IEEE:
        return _IEEE[fmt.name]
    return getattr(_ml_dtypes(), fmt.name)


def int_types(fmt: FloatFormat) -> tuple[Any, Any]:
    """(signed, unsigned) integer types of the format's width, to view its bit patterns."""
    return _INTS[fmt.width]


def format_of_dtype(dtype: Any) -> FloatFormat | None:
    """The format of a numpy dtype (``np.float32``, ``ml_dtypes.bfloat16``...), None when it is none of ours."""
    name = np.dtype(dtype).name
    return FORMATS.get(name)


def as_format(fmt: object, name: str = "fmt") -> FloatFormat:
    """A FloatFormat from a name (``"bfloat16"``), a FloatFormat or a numpy dtype (``np.float32``,
    ``ml_dtypes.bfloat16``); InvalidArgument naming the value otherwise."""
    if isinstance(fmt, FloatFormat):
        return fmt
    if isinstance(fmt, str):
        if fmt in FORMATS:
            return FORMATS[fmt]
    elif fmt is not None and not isinstance(fmt, (bool, int, float)):
        try:
            found = format_of_dtype(fmt)
        except TypeError:
            found = None
        if found is not None:
            return found
    raise InvalidArgument(f"{name}={fmt!r} is not a float format; known: {', '.join(FORMATS)}")
