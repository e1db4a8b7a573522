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

__all__ = ["numpy_dtype", "int_types", "format_of_dtype", "as_format", "round_array", "ml_dtypes_available"]

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


def round_array(x: Any, fmt: FloatFormat) -> np.ndarray:
    """Values (any real dtype) rounded once, to nearest even, to ``fmt``: an array of its dtype.

    numpy's own casts do this for float64, float32 and float16. ml_dtypes casts a double through
    float32, two roundings that can land on the wrong neighbour (``1 + 2**-8 + 2**-30`` becomes
    bfloat16's 1.0, not 1 + 2**-7), so for the ML formats the double is first rounded to float32 *to
    odd* (an inexact result keeps an odd last bit), after which float32 -> the format rounds exactly as
    one rounding would: float32 has at least two bits more than every ML format, over their whole range.
    """
    dtype = numpy_dtype(fmt)
    a = np.asarray(x)
    if a.dtype == np.dtype(dtype):
        return a
    if fmt.name in _IEEE or a.dtype == np.float32 or a.dtype.itemsize <= 2 and a.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            return a.astype(dtype)
    a = a.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        r = a.astype(np.float32)
        inexact = np.isfinite(a) & (r.astype(np.float64) != a) & np.isfinite(r)
        even = (r.view(np.uint32) & np.uint32(1)) == 0
        fix = inexact & even
        if fix.any():
            toward = np.where(a > r, np.float32(np.inf), np.float32(-np.inf))
            r = np.where(fix, np.nextafter(r, toward), r)
        return r.astype(dtype)
