"""Closeness of arrays in ulps, vectorised: the engine behind ``identities.testing.asserts.assert_close``.

ULPs are counted as in ``formats.FloatFormat.ulp_distance``, but for whole
arrays at once: the bit patterns are viewed as integers of the same width, so
two values of the same sign are ``|bits(a) - bits(b)|`` steps apart and two of
opposite signs ``|a|'s bits + |b|'s bits`` (+0 and -0 are 0 apart). The format
is the dtype of ``actual`` (float16, float32, float64, or ml_dtypes' bfloat16,
float8_e4m3fn and float8_e5m2; integers count as float64); ``expected`` is
rounded (once) to it, so the error is measured in the ulps of the numbers the
code under test produces.

Non-finite values: nan matches nan (any payload, any sign) and an infinity
matches only the same infinity; any other pair with a nan or an infinity fails
whatever the tolerance, and is reported as ``inf`` ulps (the ordinal of inf is
one past the largest finite value, but "1 ulp from overflow" is not "close").

The pass/fail check runs in blocks that stay in cache and allocates nothing
proportional to the input; only a failure pays for the full report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from identities.errors import InvalidArgument
from identities.language.tolerance import Tolerance, parse_tolerance
from identities.numbers.dtypes import format_of_dtype, round_array
from identities.numbers.formats import FORMATS, FloatFormat

__all__ = ["as_tolerance", "ulp_distance", "Mismatch", "compare", "BLOCK", "ceil_sig"]

BLOCK = 1 << 15  # elements per block of the pass/fail check: a few arrays of it fit in L2
_INTS: dict[int, tuple[Any, Any]] = {
    1: (np.int8, np.uint8),
    2: (np.int16, np.uint16),
    4: (np.int32, np.uint32),
    8: (np.int64, np.uint64),
}


def as_tolerance(tolerance: object, name: str = "tolerance") -> Tolerance:
    """A Tolerance from ``"4 ulp or 1e-15 abs"`` (or a Tolerance), with an InvalidArgument naming the value."""
    if isinstance(tolerance, Tolerance):
        return tolerance
    try:
        return parse_tolerance(tolerance)
    except ValueError as exc:
        raise InvalidArgument(f"{name}={tolerance!r}: {exc}") from None


def _float_array(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise InvalidArgument(f"{name}={_short(x)} is not an array of numbers: {exc}") from None
    kind = a.dtype.kind
    if kind in "fV" and format_of_dtype(a.dtype) is not None:  # ours, ml_dtypes' bfloat16 and float8s included
        return a
    if kind == "f":
        if a.dtype.itemsize not in _INTS or a.dtype.itemsize == 1:
            raise InvalidArgument(
                f"{name} has dtype {a.dtype}; supported float formats are float16, float32, float64, "
                f"bfloat16, float8_e4m3fn and float8_e5m2 (convert extended precision to float64 first)"
            )
        return a
    if kind in "iu":
        return a.astype(np.float64)
    if kind == "c":
        raise InvalidArgument(f"{name} has complex dtype {a.dtype}; compare the real and imaginary parts separately")
    raise InvalidArgument(f"{name}={_short(x)} has dtype {a.dtype}, not a float or integer dtype")


def _short(x: Any) -> str:
    r = repr(x)
    return r if len(r) <= 60 else r[:57] + "..."


def format_of(dtype: np.dtype) -> FloatFormat:
    fmt = format_of_dtype(dtype)
    return fmt if fmt is not None else FORMATS[f"float{8 * dtype.itemsize}"]


def _ordinals(a: np.ndarray) -> np.ndarray:
    """Sign-folded integer view: consecutive floats get consecutive integers, +0 and -0 both 0."""
    ints, _ = _INTS[a.dtype.itemsize]
    i = a.view(ints)
    return np.where(i < 0, np.array(np.iinfo(ints).min, ints) - i, i)


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise ulp distance (float64) of two arrays of one float dtype; see the module docstring."""
    ints, uints = _INTS[a.dtype.itemsize]
    oa, ob = _ordinals(a), _ordinals(b)
    ua, ub = oa.view(uints), ob.view(uints)
    # unsigned, wrapping subtraction is exact for the larger minus the smaller (the true gap is < 2**width)
    d = np.where(oa >= ob, ua - ub, ub - ua).astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    d[both_nan] = 0.0
    d[~both_nan & ~(np.isfinite(a) & np.isfinite(b)) & (a != b)] = math.inf
    return d


def _block_ok(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    """Whether every pair of one block passes (the fast path: no report, a few block-sized temporaries)."""
    ok = a == b
    if ok.all():
        return True
    finite = np.isfinite(a) & np.isfinite(b)
    if tol.ulps is not None:
        ints, uints = _INTS[a.dtype.itemsize]
        limit = math.floor(tol.ulps)
        if limit >= np.iinfo(uints).max:
            ok |= finite
        else:
            ia, ib = a.view(ints), b.view(ints)
            d = (ia - ib).view(uints)  # same sign: the exact gap, negated where ib > ia
            np.negative(d, out=d, where=ia < ib)
            opposite = (ia ^ ib) < 0
            if opposite.any():
                # opposite signs: the magnitudes add (pairs this far apart are rare: an exact slow path)
                m = np.array(np.iinfo(ints).max, ints)
                d[opposite] = (ia[opposite] & m).view(uints) + (ib[opposite] & m).view(uints)
            ok |= finite & (d <= np.array(limit, uints))
    if tol.rel is not None or tol.abs is not None:
        # in float64, as Tolerance.passes does: narrower differences and products would round or underflow
        a64, b64 = (a, b) if a.dtype == np.float64 else (a.astype(np.float64), b.astype(np.float64))
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a64 - b64)
            close = np.zeros_like(ok)
            if tol.rel is not None:
                close |= diff <= tol.rel * np.maximum(np.abs(a64), np.abs(b64))
            if tol.abs is not None:
                close |= diff <= tol.abs
        ok |= close & finite
    ok |= np.isnan(a) & np.isnan(b)
    return bool(ok.all())


@dataclass(frozen=True)
class Mismatch:
    """What assert_close reports: everything about the elements that failed, precomputed."""

    fmt: FloatFormat
    shape: tuple[int, ...]
    tolerance: Tolerance
    failed: int
    size: int
    indices: Sequence[tuple[int, ...]]  # the first few failing elements
    worst: tuple[int, ...]
    actual: Sequence[float]  # at ``indices`` and then at ``worst``
    expected: Sequence[float]
    ulps: Sequence[float]
    rel: Sequence[float]
    abs: Sequence[float]
    max_ulps: float  # over the failing elements
    max_rel: float
    max_abs: float
    needed: str  # a tolerance that passes every element, or why none does

    def message(self, header: str = "assert_close") -> str:
        from identities.check.failures import hex_text
        from identities.numbers.formats import short_repr

        fmt = self.fmt
        scalar = self.shape == ()

        def val(v: float) -> str:
            return f"{short_repr(v, fmt)} ({hex_text(v)})" if math.isfinite(v) else repr(v)

        def where(idx: tuple[int, ...]) -> str:
            return "" if scalar else f" at index {list(idx) if len(idx) != 1 else idx[0]}"

        k = len(self.indices)
        wa, we, wu, wr, wb = self.actual[k], self.expected[k], self.ulps[k], self.rel[k], self.abs[k]
        if scalar:
            lines = [f"{header}: not within {self.tolerance} ({fmt.name})"]
        else:
            pct = 100.0 * self.failed / self.size
            lines = [
                f"{header}: {self.failed} of {self.size} elements ({pct:.3g}%) not within {self.tolerance} "
                f"({fmt.name}, shape {self.shape})"
            ]
        lines += [
            f"  worst{where(self.worst)}:",
            f"    actual   = {val(wa)}",
            f"    expected = {val(we)}",
            f"    {_error_text(wu, wr, wb)}",
        ]
        if not scalar and self.failed > 1:
            lines.append(f"  first mismatches ({k} of {self.failed}):")
            for idx, a, e, u in zip(self.indices, self.actual, self.expected, self.ulps):
                lines.append(
                    f"    [{', '.join(map(str, idx))}] actual {short_repr(a, fmt)}, "
                    f"expected {short_repr(e, fmt)}, {_ulps_text(u)}"
                )
            lines.append(f"  max over mismatches: {_error_text(self.max_ulps, self.max_rel, self.max_abs)}")
        lines.append(f"  {self.needed}")
        return "\n".join(lines)


def _ulps_text(u: float) -> str:
    if math.isinf(u):
        return "inf ulp"
    return f"{u:.0f} ulp" if u < 1e15 else f"{u:.3g} ulp"


def _error_text(u: float, rel: float, abs_: float) -> str:
    if math.isinf(u):
        return "inf ulp: a nan or an infinity where the other side differs"
    return f"{_ulps_text(u)} ({math.log2(1 + u):.1f} bits), rel error {rel:.3g}, abs error {abs_:.3g}"


def ceil_sig(x: float, digits: int = 2) -> float:
    """x rounded *up* to ``digits`` significant digits, so a tolerance printed from it still passes."""
    if x == 0 or not math.isfinite(x):
        return x
    y = float(f"{x:.{digits - 1}e}")
    if y < x:
        e = math.floor(math.log10(x)) - digits + 1
        y = float(f"{(math.floor(x / 10.0**e) + 1) * 10.0**e:.{digits - 1}e}")
    return y


def compare(actual: Any, expected: Any, tolerance: Tolerance, *, show: int = 5) -> Mismatch | None:
    """None when every element of ``actual`` is within ``tolerance`` of ``expected``; else the Mismatch."""
    a = _float_array(actual, "actual")
    b = _float_array(expected, "expected")
    if b.dtype != a.dtype:
        b = round_array(b, format_of(a.dtype))  # rounds (once) to the format of the values under test
    if a.shape != b.shape:
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError:
            raise AssertionError(f"assert_close: shapes differ: actual {a.shape}, expected {b.shape}") from None
    fa, fb = a.reshape(-1), b.reshape(-1)
    n = fa.size
    if all(_block_ok(fa[i : i + BLOCK], fb[i : i + BLOCK], tolerance) for i in range(0, n, BLOCK)):
        return None
    return _mismatch(a, b, tolerance, show)


def _mismatch(a: np.ndarray, b: np.ndarray, tol: Tolerance, show: int) -> Mismatch:
    fmt = format_of(a.dtype)
    fa, fb = a.reshape(-1), b.reshape(-1)
    with np.errstate(all="ignore"):
        ulps = ulp_distance(fa, fb)
        a64, b64 = fa.astype(np.float64), fb.astype(np.float64)
        diff = np.abs(a64 - b64)
        big = np.maximum(np.abs(a64), np.abs(b64))
        rel = np.where(diff == 0, 0.0, diff / big)
    same = (fa == fb) | (np.isnan(fa) & np.isnan(fb))
    diff[same], rel[same] = 0.0, 0.0
    nonfinite = np.isinf(ulps)
    diff[nonfinite], rel[nonfinite] = math.inf, math.inf
    ok = same.copy()
    if tol.ulps is not None:
        ok |= ulps <= tol.ulps
    if tol.rel is not None:
        ok |= ~nonfinite & (rel <= tol.rel)
    if tol.abs is not None:
        ok |= ~nonfinite & (diff <= tol.abs)
    bad = np.flatnonzero(~ok)
    first = bad[:show]
    worst = int(bad[np.argmax(ulps[bad])])  # argmax takes the first of equal maxima
    picks = [*first.tolist(), worst]
    unravel = lambda i: tuple(int(j) for j in np.unravel_index(i, a.shape)) if a.shape else ()
    return Mismatch(
        fmt=fmt,
        shape=a.shape,
        tolerance=tol,
        failed=int(bad.size),
        size=int(fa.size),
        indices=[unravel(i) for i in first],
        worst=unravel(worst),
        actual=[float(fa[i]) for i in picks],
        expected=[float(fb[i]) for i in picks],
        ulps=[float(ulps[i]) for i in picks],
        rel=[float(rel[i]) for i in picks],
        abs=[float(diff[i]) for i in picks],
        max_ulps=float(ulps[bad].max()),
        max_rel=float(rel[bad].max()),
        max_abs=float(diff[bad].max()),
        needed=_needed(float(ulps.max()), float(rel.max()), float(diff.max()), int(nonfinite.sum())),
    )


def _needed(max_ulps: float, max_rel: float, max_abs: float, nonfinite: int) -> str:
    if nonfinite:
        return (
            f"no tolerance passes: at {nonfinite} element{'s' if nonfinite > 1 else ''} a nan or an infinity "
            f"meets a different value"
        )
    ulps = f"{max_ulps:.0f} ulp" if max_ulps < 1e15 else f"{math.ceil(max_ulps):d} ulp"
    return f'would pass with tolerance="{ulps}" (or "{ceil_sig(max_rel):.2g} rel", or "{ceil_sig(max_abs):.2g} abs")'
