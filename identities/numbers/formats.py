"""Binary float formats: ordinals (positions in the ordered set of values) and rounding.

The IEEE formats float64, float32 and float16, and the ML formats bfloat16,
float8_e4m3fn and float8_e5m2 (see ``FloatFormat`` for how float8_e4m3fn,
which has no infinities, rounds).

Everything here is exact integer arithmetic on Python floats' bit patterns, so
ULP distances and correctly rounded truths do not depend on numpy's behaviour.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "FloatFormat",
    "FORMATS",
    "IEEE_FORMATS",
    "ML_FORMATS",
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "get_format",
    "short_repr",
]


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format (precision includes the hidden bit).

    The IEEE 754 interchange formats (float16, float32, float64) and the ML
    formats that follow the same layout (bfloat16, float8_e5m2: sign, biased
    exponent, trailing significand, subnormals, infinities and nans) have
    ``infinities=True``. ``float8_e4m3fn`` (``infinities=False``, the "fn" of
    its name: finite and nan) has no infinities: its all-ones exponent holds
    finite values, all but the all-ones significand, which is its one nan per
    sign, so its largest value is 448, not 240. Here, as in ``ml_dtypes``,
    rounding to it is IEEE round-to-nearest-even with an unbounded exponent
    followed by: a result beyond the largest value (448) is nan, and so is an
    infinity. So 464 (a tie) rounds to 448, 465 to nan; ``1/0`` is nan.
    """

    name: str
    width: int
    precision: int
    emax: int
    infinities: bool = True

    @property
    def emin(self) -> int:
        """The exponent of the smallest normal value (1 - bias)."""
        return 2 - 2 ** (self.width - self.precision - 1)

    @property
    def eps(self) -> float:
        """Distance from 1 to the next larger value."""
        return 2.0 ** (1 - self.precision)

    @property
    def max(self) -> float:
        top = 2 if self.infinities else 4  # the "fn" encoding keeps the all-ones significand for nan
        return (2 - top * 2.0 ** (-self.precision)) * 2.0**self.emax

    @property
    def min_normal(self) -> float:
        return 2.0**self.emin

    @property
    def min_subnormal(self) -> float:
        return 2.0 ** (self.emin - self.precision + 1)

    @property
    def max_ordinal(self) -> int:
        """The ordinal of the largest finite value (its bit pattern, as for every value here)."""
        return (self.emax - self.emin + 2) * 2 ** (self.precision - 1) - 1 - (0 if self.infinities else 1)

    @property
    def overflow(self) -> float:
        """What a result beyond the largest value becomes: inf, or nan in a format without infinities."""
        return math.inf if self.infinities else math.nan

    @property
    def _code(self) -> tuple[str, str] | None:
        """struct codes for the IEEE interchange formats (the fast path), None for the others."""
        if self.infinities and (self.width, self.precision) in ((16, 11), (32, 24), (64, 53)):
            return {16: ("<e", "<H"), 32: ("<f", "<I"), 64: ("<d", "<Q")}[self.width]
        return None

    def ordinal(self, x: float) -> int:
        """Position of ``x`` among the format's values; 0.0 and -0.0 are both 0.

        Consecutive representable values have consecutive ordinals, infinities
        sit one past the largest finite value; the ordinal's magnitude is the
        bit pattern of ``|x|``. ``x`` must be a value of the format (not nan).
        """
        code = self._code
        if code is not None:
            fcode, icode = code
            bits = struct.unpack(icode, struct.pack(fcode, x))[0]
            sign = 1 << (self.width - 1)
            return -(bits & (sign - 1)) if bits & sign else bits
        return self._ordinal(x)

    def _ordinal(self, x: float) -> int:
        """The ordinal by exact arithmetic (any layout); ValueError for nan and non-members."""
        if math.isnan(x):
            raise ValueError(f"nan has no ordinal in {self.name}")
        if math.isinf(x):
            if not self.infinities:
                raise ValueError(f"{x} is not a {self.name} value ({self.name} has no infinities)")
            n = self.max_ordinal + 1
        else:
            a = abs(x)
            half = 2 ** (self.precision - 1)
            if a < self.min_normal:
                q = math.ldexp(a, self.precision - 1 - self.emin)  # multiples of the smallest subnormal
                n = int(q)
            else:
                m, e = math.frexp(a)  # a = m * 2**e, 0.5 <= m < 1
                q = math.ldexp(m, self.precision)
                n = (e - 1 - self.emin + 1) * half + int(q) - half
            if q != int(q) or n > self.max_ordinal:
                raise ValueError(f"{x!r} is not a {self.name} value")
        return -n if math.copysign(1.0, x) < 0 else n

    def from_ordinal(self, n: int) -> float:
        code = self._code
        if code is not None:
            fcode, icode = code
            if n >= 0:
                return struct.unpack(fcode, struct.pack(icode, n))[0]
            return -struct.unpack(fcode, struct.pack(icode, -n))[0]
        a = abs(n)
        if a > self.max_ordinal:
            if a == self.max_ordinal + 1 and self.infinities:
                return math.copysign(math.inf, n)
            raise ValueError(f"ordinal {n} is beyond {self.name}'s values (its largest is {self.max_ordinal})")
        half = 2 ** (self.precision - 1)
        if a < half:
            v = math.ldexp(float(a), self.emin - self.precision + 1)
        else:
            v = math.ldexp(float(half + a % half), a // half - 1 + self.emin - self.precision + 1)
        return -v if n < 0 else v

    def ulp_distance(self, a: float, b: float) -> float:
        """Number of representable steps between a and b; inf if either is nan (a float: see ``ulps``)."""
        if math.isnan(a) or math.isnan(b):
            return math.inf
        return float(abs(self.ordinal(a) - self.ordinal(b)))

    def ulps(self, a: float, b: float) -> int:
        """The exact number of representable steps between two values of the format (not nan)."""
        return abs(self.ordinal(a) - self.ordinal(b))

    def contains(self, x: float) -> bool:
        """Whether the double ``x`` is exactly a value of this format (nan is; inf where the format has it)."""
        if math.isnan(x):
            return True
        if math.isinf(x):
            return self.infinities
        if self.width == 64:
            return True
        try:
            self._ordinal(x)
        except ValueError:
            return False
        return True

    def round(self, value: float | int | Fraction) -> float:
        """Round an exact value to nearest (ties to even) in this format, as a Python float.

        Beyond the largest value the result is ``overflow`` (inf, or nan where the format has no
        infinities); an infinite input is itself, or nan in such a format.
        """
        if isinstance(value, float):
            if math.isnan(value):
                return value
            if math.isinf(value):
                return value if self.infinities else math.copysign(math.nan, value)
            if self.width == 64:
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
            return math.copysign(self.overflow, sign)
        quantum_exp = max(e, self.emin) - self.precision + 1
        scaled = q / Fraction(2) ** quantum_exp  # number of quanta, to be rounded to an integer
        m, rem = divmod(scaled.numerator, scaled.denominator)
        twice = 2 * rem
        if twice > scaled.denominator or (twice == scaled.denominator and m % 2 == 1):
            m += 1
        if m.bit_length() > self.precision and max(e + 1, self.emin) > self.emax:
            return math.copysign(self.overflow, sign)
        result = math.ldexp(float(m), quantum_exp) if m < 2**63 else float(Fraction(m) * Fraction(2) ** quantum_exp)
        if abs(result) > self.max:
            return math.copysign(self.overflow, sign)
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
# the ML formats (values as numpy scalars through the optional ml_dtypes package: pip install 'identities[ml]')
bfloat16 = FloatFormat("bfloat16", 16, 8, 127)
float8_e5m2 = FloatFormat("float8_e5m2", 8, 3, 15)
float8_e4m3fn = FloatFormat("float8_e4m3fn", 8, 4, 8, infinities=False)
FORMATS = {f.name: f for f in (float16, float32, float64, bfloat16, float8_e4m3fn, float8_e5m2)}
IEEE_FORMATS = ("float64", "float32", "float16")
ML_FORMATS = ("bfloat16", "float8_e4m3fn", "float8_e5m2")


def get_format(name: str) -> FloatFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown float format {name!r}; known: {', '.join(FORMATS)}") from None


def short_repr(v: float, fmt: FloatFormat) -> str:
    """The shortest decimal that reads back as v in ``fmt`` (``0.4`` for float32's 0.4000000059604645)."""
    if fmt.width == 64 or not math.isfinite(v):
        return repr(v)
    if fmt.name in ("float32", "float16"):
        import numpy as np

        return str({32: np.float32, 16: np.float16}[fmt.width](v))
    if v.is_integer() and abs(v) < 2**53:
        return repr(v)  # integers exactly: 448.0, not 450.0
    for digits in range(1, 18):  # the ML formats: the fewest significant digits that round back exactly
        text = f"{v:.{digits}g}"
        if fmt.round(Fraction(text)) == v:
            return repr(float(text))
    return repr(v)
