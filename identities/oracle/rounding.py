"""The exact value of a ball rounded to a format, decided as Rival decides it.

A ball of 200 bits is not enough to round correctly: ``-12*x1 - 7*x2`` at
``x1 = 0.2223837841653254, x2 = 1.885e-147`` is a tie between two doubles broken
by a term 490 bits down, and the ball's midpoint rounds to the wrong neighbour.
So the rounding is decided from both ends of the ball: when they round to the
same value of the format (ties to even included, since an exact tie is a ball
of radius 0), that is the correctly rounded exact value; when they do not, the
caller evaluates again at more bits (``Truth.rounded``), and at the oracle's cap
the rounding is *uncertain* (``None``), never guessed from the midpoint.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flint import arb, fmpq, fmpz

from identities.language.limits import MAX_INT_BITS
from identities.numbers.formats import FloatFormat
from identities.oracle.precision import precision

__all__ = ["round_ball", "exact_fraction"]


def exact_fraction(x: arb, fmt: FloatFormat | None = None) -> Fraction:
    """An exact arb (a midpoint or an end of a ball) as a Fraction.

    With ``fmt``, a value far beyond the format's range is clamped to 2**(emax + 2) (it rounds to
    infinity) and one far below its smallest subnormal to 0, so that 2**-1e176 needs no room. Without
    one, to 2**+-MAX_INT_BITS (signed, never 0): a ball's exponent is unbounded (``exp(-1.8e308)`` has
    one near -2.6e308) and ``Fraction(2) ** e`` would not fit in memory, while a value beyond that
    window is beyond every float format, so comparisons with floats and each other keep their sense.
    """
    m, e = x.man_exp()
    man, exp = int(m), int(e)
    if not man:
        return Fraction(0)
    top = exp + abs(man).bit_length()
    sign = 1 if man > 0 else -1
    if fmt is not None:
        if top > fmt.emax + 2:
            return Fraction(2) ** (fmt.emax + 2) * sign
        if top < fmt.emin - fmt.precision - 2:  # below a quarter of the smallest subnormal: rounds to 0
            return Fraction(0)
    elif top > MAX_INT_BITS:
        return Fraction(2) ** MAX_INT_BITS * sign
    elif top < -MAX_INT_BITS:
        return Fraction(1, 2**MAX_INT_BITS) * sign
    return Fraction(man) * Fraction(2) ** exp


def round_ball(value: Any, fmt: FloatFormat) -> float | None:
    """The exact value enclosed by ``value`` (int, fmpq or arb ball) rounded to nearest in ``fmt``, or None
    when the ball straddles a rounding boundary (more bits needed) or is not finite."""
    if isinstance(value, (int, fmpz)):
        return fmt.round(Fraction(int(value)))
    if isinstance(value, fmpq):
        return fmt.round(Fraction(int(value.p), int(value.q)))
    if not isinstance(value, arb) or not value.is_finite():
        return None
    if value.is_exact():
        return fmt.round(exact_fraction(value.mid(), fmt))
    # the ends, rounded outward (only ever widening the ball) at the midpoint's own precision, not the
    # context's (53 bits by default, which would widen a 200-bit ball to a 53-bit one)
    man, _ = value.mid().man_exp()
    with precision(max(2 * fmt.precision + 16, int(man).bit_length() + 16)):
        lower, upper = value.lower(), value.upper()
    lo = fmt.round(exact_fraction(lower, fmt))
    hi = fmt.round(exact_fraction(upper, fmt))
    if lo != hi:  # (0.0 == -0.0: a ball around a tiny value of unknown sign rounds to zero either way)
        return None
    return lo
