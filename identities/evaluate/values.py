"""The values every evaluator shares: ``UNDEFINED`` (a value outside the reals), environments, exact integers.

Undefined is signalled inside evaluation by raising ``Undefined``; ``Compiled.__call__`` turns it into the
``UNDEFINED`` marker, so it never escapes as an exception. Integers stay Python ``int`` where Python keeps
them exact, under the size limit ``MAX_INT_BITS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from identities.errors import LimitExceeded
from identities.language.limits import MAX_INT_BITS

__all__ = [
    "RESTORE",
    "Undefined",
    "UNDEFINED",
    "Env",
    "Fn",
    "check_int_bits",
    "as_integer",
    "int_pow",
    "int_factorial",
    "int_comb",
]

# The environment key under which a derivative leaves the point it is taken at, for ``stop``:
# not an identifier, so never a user's variable.
RESTORE = "@restore"


class Undefined(Exception):
    """Raised inside evaluation where a value leaves the reals (log of a negative, a pole...)."""


class _UndefinedType:
    _instance = None

    def __new__(cls) -> _UndefinedType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _UndefinedType()

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]


def check_int_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        size = str(bits) if bits < 10**15 else f"{float(bits):.3g}"  # a 300-digit count says nothing more
        raise LimitExceeded(f"{what} would have about {size} bits, over the limit of {MAX_INT_BITS} bits")


def as_integer(v: Any) -> int | None:
    """``v`` as an ``int`` if it is an integer value (an int, or an integral float), else None."""
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else None
    is_integer = getattr(v, "is_integer", None)  # a numpy scalar (np.float32(3.0))
    if callable(is_integer) and not isinstance(v, type):
        try:
            return int(v) if math.isfinite(float(v)) and is_integer() else None
        except (TypeError, ValueError):
            return None
    return None


def int_pow(a: int, b: int) -> Any:
    if b < 0:
        return None
    if a in (0, 1) or b == 0:
        return a**b
    if a == -1:
        return 1 if b % 2 == 0 else -1
    check_int_bits(abs(a).bit_length() * b, f"{a}**{b}")
    return a**b


def int_factorial(n: int) -> int:
    if n < 0:
        raise Undefined
    if n > 2:
        check_int_bits(int(n * math.log2(n)), f"factorial({n})")
    return math.factorial(n)


def int_comb(n: int, k: int) -> int:
    if n < 0 or k < 0:
        raise Undefined
    if k > n:
        return 0
    if n > 64:  # bits of the result, from lgamma, before computing it
        k = min(k, n - k)
        bits = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(2)
        check_int_bits(int(bits), f"comb({n}, {k})")
    return math.comb(n, k)
