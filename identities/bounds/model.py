"""The error model: what each float backend's operations are assumed to do, one table with its sources.

A bound is proven *under* this model, so every entry says where its figure comes from. An operation is
either correctly rounded (IEEE 754: ``+ - * / sqrt``, conversions, literals) or "within N ulp" of the exact
result, the ulp being that of the exact result y (glibc's definition: ``2**(floor(log2|y|) + 1 - p)``, the
subnormal spacing below the normal range). A function with no entry has no bound.

- float64 (Python floats and ``math``, which calls the C library): glibc's *known maximum errors* for
  x86_64 as of glibc 2.36, this machine's C library: ``sysdeps/x86_64/fpu/libm-test-ulps`` at the tag
  ``glibc-2.36`` (the double column, round to nearest; the table of the GNU C Library manual, "Known
  Maximum Errors in Math Functions", is generated from it). glibc removed the per-architecture file in
  2025 (commit 3e8814903c, "math: Refactor how to use libm-test-ulps"); its last x86_64 version has the
  same double figures for every function used here. Those figures are the largest errors glibc's test
  suite has seen, not proofs. A function glibc lists with no double error (atan2, tan) is taken as 1 ulp,
  since glibc does not aim for correct rounding. ``gamma`` is CPython's own (``m_tgamma``: "accurate to
  within <= 10 ulps" in its source comment), ``hypot`` CPython's own (assumed 1 ulp), ``lgamma`` CPython's
  own with no relative figure: no bound. ``fma`` (computed exactly and rounded once here) is correctly
  rounded; ``fmod``, ``remainder``, ``min``, ``max``, ``copysign``, ``floor``, ``ceil``, ``trunc``,
  ``round`` are exact (``identities.bounds.pieces``). The special functions (``beta``, ``digamma``,
  ``zeta``, ``besselj``, ``bessely``, ``lambertw``) are mpmath's at 53 bits, rounded once: mpmath states
  no error bound for them (its results are usually within an ulp, but near a zero of the function the
  relative error of a 53-bit evaluation is not bounded by anything it documents), so they have no entry
  and no bound.
- float32 and float16 (numpy scalars): numpy's own loops, which no library documents; the figures were
  measured here by ``bench/measure_function_ulps.py`` (numpy 2.4, AVX-512 machine; data in
  ``bench/data/function_ulps.json``): float32 on 100,000+ random inputs per function, assumed within
  floor(measured) + 1 ulp; float16 exhaustively for the one-argument functions (numpy computes float16
  functions in float32 and rounds once, so the error is at most 0.5 + N32 * 2**-13 ulp), assumed within
  0.51 ulp. ``gamma``, ``erf``, ``erfc`` are computed by ``math`` in double and rounded once (0.51 ulp).
  ``exp2``: numpy's loops, measured the same way (float32 1.90 ulp: assumed 2; float16 0.5000: 0.51).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from identities.numbers.formats import FloatFormat, float16, float32, float64

__all__ = ["Entry", "ErrorModel", "model_for", "MODELS", "GLIBC", "CORRECTLY_ROUNDED", "EXACT"]

GLIBC = "glibc 2.36 x86_64 known maximum errors (libm-test-ulps at tag glibc-2.36)"
CORRECTLY_ROUNDED = "IEEE 754 correctly rounded"
EXACT = "exact"


@dataclass(frozen=True)
class Entry:
    """One operation's assumed accuracy: correctly rounded, or within ``ulps`` ulp of the exact result."""

    ulps: float
    source: str
    correctly_rounded: bool = False

    def __str__(self) -> str:
        if self.correctly_rounded:
            return "correctly rounded"
        return "exact" if self.ulps == 0 else f"within {self.ulps:g} ulp"


_CR = Entry(0.5, CORRECTLY_ROUNDED, correctly_rounded=True)
_ARITHMETIC = {op: _CR for op in ("+", "-", "*", "/", "sqrt", "convert", "fma")} | {"abs": Entry(0, EXACT)}

# glibc, x86_64, double, round to nearest (see the module docstring)
_GLIBC_DOUBLE = {
    "acos": 1,
    "acosh": 2,
    "asin": 1,
    "asinh": 2,
    "atan": 1,
    "atanh": 2,
    "cbrt": 4,
    "cos": 1,
    "cosh": 2,
    "erf": 1,
    "erfc": 5,
    "exp": 1,
    "exp2": 1,
    "expm1": 1,
    "log": 1,
    "log10": 2,
    "log1p": 1,
    "log2": 2,
    "pow": 1,
    "sin": 1,
    "sinh": 2,
    "tanh": 2,
}
_FLOAT64 = {
    **_ARITHMETIC,
    **{fn: Entry(n, GLIBC) for fn, n in _GLIBC_DOUBLE.items()},
    "atan2": Entry(1, GLIBC + ": no double error listed, taken as 1 ulp"),
    "tan": Entry(1, GLIBC + ": no double error listed, taken as 1 ulp"),
    "gamma": Entry(10, "CPython m_tgamma source comment: within 10 ulps in random tests"),
    "hypot": Entry(1, "CPython's own hypot, assumed within 1 ulp"),
}

# measured by bench/measure_function_ulps.py (bench/data/function_ulps.json): float32, floor(max) + 1
_NUMPY_FLOAT32 = {
    "exp": 3,
    "exp2": 2,
    "expm1": 3,
    "log": 3,
    "log1p": 2,
    "log2": 2,
    "log10": 3,
    "sin": 2,
    "cos": 2,
    "tan": 4,
    "asin": 4,
    "acos": 2,
    "atan": 2,
    "atan2": 3,
    "sinh": 2,
    "cosh": 2,
    "tanh": 2,
    "asinh": 1,
    "acosh": 2,
    "atanh": 2,
    "cbrt": 2,
    "hypot": 1,
    "pow": 1,
}
_MEASURED32 = "numpy float32 loops, measured here (bench/measure_function_ulps.py), floor(max) + 1"
_MEASURED16 = "numpy float16 = float32 loop rounded once; measured here (exhaustive for one argument)"
_VIA_DOUBLE = "math in double, rounded once to the format"
_FLOAT32 = {
    **_ARITHMETIC,
    **{fn: Entry(n, _MEASURED32) for fn, n in _NUMPY_FLOAT32.items()},
    **{fn: Entry(0.51, _VIA_DOUBLE) for fn in ("gamma", "erf", "erfc")},
}
_FLOAT16 = {
    **_ARITHMETIC,
    **{fn: Entry(0.51, _MEASURED16) for fn in _NUMPY_FLOAT32},
    **{fn: Entry(0.51, _VIA_DOUBLE) for fn in ("gamma", "erf", "erfc")},
}


@dataclass(frozen=True)
class ErrorModel:
    """A backend's error model: its format, the table, and the rounding model.

    ``power_of_two`` is FPTaylor's improved rounding model: the error of rounding a result in
    [2**k, 2**(k+1)) is at most half its ulp, 2**(k - p), so |v| is bounded by a power of two below it
    (``x + y`` on [1, 2]**2: 2**-52 instead of the 2**-51 of the plain ``v*(1 + d)`` model).
    """

    backend: str
    format: FloatFormat
    table: Mapping[str, Entry] = field(default_factory=dict)
    power_of_two: bool = True
    note: str = ""

    def entry(self, op: str) -> Entry | None:
        return self.table.get(op)

    def with_entry(self, op: str, ulps: float, source: str = "assumed") -> ErrorModel:
        """A copy with one operation's figure replaced (``exp`` exact: ``with_entry("exp", 0)``)."""
        table = dict(self.table)
        table[op] = Entry(ulps, source)
        return replace(self, table=table, note=f"{self.note}; {op} {table[op]}".lstrip("; "))

    def plain(self) -> ErrorModel:
        """The plain ``v*(1 + d) + e`` rounding model (no power-of-two refinement)."""
        return replace(self, power_of_two=False)

    def describe(self, used: set[str]) -> str:
        """What a bound assumes, for the operations it used: ``exp within 1 ulp (glibc ...)``."""
        parts = []
        basic = sorted(op for op in used if op in ("+", "-", "*", "/", "sqrt", "convert", "fma"))
        if basic:
            parts.append(f"{' '.join(basic)} correctly rounded")
        by_source: dict[str, list[str]] = {}
        for op in sorted(used - set(basic) - {"abs"}):
            e = self.table[op]
            by_source.setdefault(e.source, []).append(f"{op} {e}")
        for source, items in by_source.items():
            parts.append(f"{', '.join(items)} ({source})")
        rounding = "power-of-two rounding model" if self.power_of_two else "plain (1 + d) rounding model"
        return f"{self.format.name}: " + "; ".join([*parts, rounding])


MODELS: dict[str, ErrorModel] = {
    "float64": ErrorModel("float64", float64, _FLOAT64),
    "float32": ErrorModel("float32", float32, _FLOAT32),
    "float16": ErrorModel("float16", float16, _FLOAT16),
}


def model_for(backend: str) -> ErrorModel | None:
    """The model of a float backend by name (None for backends with no model: mpmath, torch, jax)."""
    return MODELS.get(backend)
