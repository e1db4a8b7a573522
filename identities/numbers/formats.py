"""IEEE binary formats: ordinals (positions in the ordered set of values) and rounding.

Everything here is exact integer arithmetic on Python floats' bit patterns, so
ULP distances and correctly rounded truths do not depend on numpy's behaviour.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["FloatFormat", "FORMATS", "float16", "float32", "float64", "get_format", "short_repr"]


@dataclass(frozen=True)
class FloatFormat:
    """An IEEE 754 binary interchange format (precision includes the hidden bit)."""

    name: str
    width: int
    precision: int
    emax: int

    @property
    def emin(self) -> int:
        return 1 - self.emax

    @property
    def eps(self) -> float:
        """Distance from 1 to the next larger value."""
        return 2.0 ** (1 - self.precision)

    @property
    def max(self) -> float:
        return (2 - 2.0 ** (1 - self.precision)) * 2.0**self.emax

    @property
    def min_normal(self) -> float:
        return 2.0**self.emin

    @property
    def min_subnormal(self) -> float:
        return 2.0 ** (self.emin - self.precision + 1)

    @property
    def _code(self) -> tuple[str, str]:
        return {16: ("<e", "<H"), 32: ("<f", "<I"), 64: ("<d", "<Q")}[self.width]

    def ordinal(self, x: float) -> int:
        """Position of ``x`` among the format's values; 0.0 and -0.0 are both 0.

        Consecutive representable values have consecutive ordinals, infinities
        sit one past the largest finite value. ``x`` must be representable.
        """
        fcode, icode = self._code
        bits = struct.unpack(icode, struct.pack(fcode, x))[0]
        sign = 1 << (self.width - 1)
        return -(bits & (sign - 1)) if bits & sign else bits

    def from_ordinal(self, n: int) -> float:
        fcode, icode = self._code
        if n >= 0:
            return struct.unpack(fcode, struct.pack(icode, n))[0]
        return -struct.unpack(fcode, struct.pack(icode, -n))[0]

    def ulp_distance(self, a: float, b: float) -> float:
        """Number of representable steps between a and b; inf if either is nan."""
        if math.isnan(a) or math.isnan(b):
            return math.inf
        return float(abs(self.ordinal(a) - self.ordinal(b)))

    def contains(self, x: float) -> bool:
        """Whether the double ``x`` is exactly representable in this format."""
        if math.isnan(x) or math.isinf(x):
            return True
        return self.round(x) == x

    def round(self, value: float | int | Fraction) -> float:
        """Round an exact value to nearest (ties to even) in this format, as a Python float."""
        if isinstance(value, float):
            if self.width == 64 or math.isnan(value) or math.isinf(value):
                return value
            value = Fraction(value)
        if value == 0:
            return 0.0
        q = Fraction(value)
        sign = -1.0 if q < 0 else 1.0
        q = abs(q)
        num, den = q.numerator, q.denominator
        # exponent e with 2**e <= q < 2**(e+1)
        e = num.bit_length() - den.bit_length()
        if Fraction(2) ** e > q:
            e -= 1
        elif Fraction(2) ** (e + 1) <= q:
            e += 1
        if e > self.emax:
            return sign * math.inf
        quantum_exp = max(e, self.emin) - self.precision + 1
        scaled = q / Fraction(2) ** quantum_exp  # number of quanta, to be rounded to an integer
        m, rem = divmod(scaled.numerator, scaled.denominator)
        twice = 2 * rem
        if twice > scaled.denominator or (twice == scaled.denominator and m % 2 == 1):
            m += 1
        if m.bit_length() > self.precision and max(e + 1, self.emin) > self.emax:
            return sign * math.inf
        result = math.ldexp(float(m), quantum_exp) if m < 2**63 else float(Fraction(m) * Fraction(2) ** quantum_exp)
        if abs(result) > self.max:
            return sign * math.inf
        return sign * result

    def next_up(self, x: float) -> float:
        return self.from_ordinal(self.ordinal(x) + 1)

    def next_down(self, x: float) -> float:
        return self.from_ordinal(self.ordinal(x) - 1)

    def round_up(self, x: float) -> float:
        """Smallest format value >= the double x."""
        r = self.round(x)
        return r if r >= x else self.next_up(r)

    def round_down(self, x: float) -> float:
        r = self.round(x)
        return r if r <= x else self.next_down(r)


float16 = FloatFormat("float16", 16, 11, 15)
float32 = FloatFormat("float32", 32, 24, 127)
float64 = FloatFormat("float64", 64, 53, 1023)
FORMATS = {f.name: f for f in (float16, float32, float64)}


def get_format(name: str) -> FloatFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown float format {name!r}; known: {', '.join(FORMATS)}") from None


def short_repr(v: float, fmt: FloatFormat) -> str:
    """The shortest decimal that reads back as v in ``fmt`` (``0.4`` for float32's 0.4000000059604645)."""
    if fmt.width == 64 or not math.isfinite(v):
        return repr(v)
    import numpy as np

    return str({32: np.float32, 16: np.float16}[fmt.width](v))
