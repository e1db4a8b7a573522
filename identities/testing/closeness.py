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
from fractions import Fraction
from typing import Any

import numpy as np

from identities.errors import InvalidArgument
from identities.language.tolerance import Tolerance, parse_tolerance
from identities.numbers.dtypes import format_of_dtype, round_array
from identities.numbers.formats import FORMATS, FloatFormat

__all__ = [
    "as_tolerance",
    "ulp_distance",
    "ulp_counts",
    "ulps_text",
    "Mismatch",
    "compare",
    "BLOCK",
    "ceil_sig",
    "ceil_decimal",
]

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


def _gaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise exact ulp gaps (uint64) of two arrays of one float dtype, whatever the values (nan and
    infinities are positions here too: callers mask them)."""
    ints, uints = _INTS[a.dtype.itemsize]
    oa, ob = _ordinals(a), _ordinals(b)
    ua, ub = oa.view(uints), ob.view(uints)
    # unsigned, wrapping subtraction is exact for the larger minus the smaller (the true gap is < 2**width)
    return np.where(oa >= ob, ua - ub, ub - ua).astype(np.uint64)


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise ulp distance of two arrays of one float dtype (see the module docstring), as float64
    (inf for a nan or infinity against a different value); ``ulp_counts`` gives them exactly."""
    d = _gaps(a, b).astype(np.float64)
    with np.errstate(invalid="ignore"):
        both_nan = np.isnan(a) & np.isnan(b)
        d[both_nan] = 0.0
        d[~both_nan & ~(np.isfinite(a) & np.isfinite(b)) & (a != b)] = math.inf
    return d


def ulp_counts(a: np.ndarray, b: np.ndarray) -> list[int | float]:
    """Elementwise ulp distances as exact Python ints (``math.inf`` for a nan or an infinity against a
    different value, 0 for two nans): counts above 2**53 are not rounded."""
    d = _gaps(a, b)
    with np.errstate(invalid="ignore"):
        both_nan = np.isnan(a) & np.isnan(b)
        bad = ~both_nan & ~(np.isfinite(a) & np.isfinite(b)) & (a != b)
    return [0 if n else (math.inf if x else int(g)) for g, n, x in zip(d.tolist(), both_nan.tolist(), bad.tolist())]


# |computed - exact| of a double difference or product is below 2**-52 of it, or 2**-1074 among subnormals:
# a comparison closer than this is decided again exactly
_NEAR_REL, _NEAR_ABS = 2.0**-48, 2.0**-1070


def _within(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Elementwise: is the pair within ``tol``? Exactly: ulps as integers, ``rel`` and ``abs`` in float64
    where the comparison is clear by a wide margin and in exact rationals where it is close (the rounding of
    ``|a - b|`` or of ``rel * max(|a|, |b|)`` must not decide it in the tolerance's favour)."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (a == b) | (np.isnan(a) & np.isnan(b))
        finite = np.isfinite(a) & np.isfinite(b)
    if ok.all():
        return ok
    if tol.ulps is not None:
        _, uints = _INTS[a.dtype.itemsize]
        limit = math.floor(tol.ulps)
        if limit >= np.iinfo(uints).max:
            ok |= finite
        else:
            ok |= finite & (_gaps(a, b) <= np.uint64(limit))
    if tol.rel is None and tol.abs is None:
        return ok
    a64, b64 = (a, b) if a.dtype == np.float64 else (a.astype(np.float64), b.astype(np.float64))
    todo = finite & ~ok
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a64 - b64)
        for scale in (tol.rel, tol.abs):
            if scale is None:
                continue
            t = scale * np.maximum(np.abs(a64), np.abs(b64)) if scale is tol.rel else np.full_like(diff, scale)
            near = (
                ~np.isfinite(diff) | ~np.isfinite(t) | (np.abs(diff - t) <= _NEAR_REL * np.maximum(diff, t) + _NEAR_ABS)
            )
            ok |= todo & ~near & (diff <= t)
            for i in np.flatnonzero(todo & near & ~ok):
                ok[i] = _exact_within(float(a64[i]), float(b64[i]), scale, scale is tol.rel)
    return ok


def _exact_within(a: float, b: float, scale: float, relative: bool) -> bool:
    d = abs(Fraction(a) - Fraction(b))
    bound = Fraction(scale) * (max(abs(Fraction(a)), abs(Fraction(b))) if relative else 1)
    return d <= bound


def _block_ok(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    """Whether every pair of one block passes (the fast path: no report, a few block-sized temporaries)."""
    return bool(_within(a, b, tol).all())


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
    ulps: Sequence[int | float]  # exact ints (math.inf for a nan or an infinity against another value)
    rel: Sequence[float]
    abs: Sequence[float]
    max_ulps: int | float  # over the failing elements
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


def ulps_text(u: int | float) -> str:
    """``9007199254740993 ulp``: a count of ulps, exactly (``inf ulp`` for nan or an infinity)."""
    if isinstance(u, float) and not math.isfinite(u):
        return "inf ulp"
    return f"{int(u)} ulp"


_ulps_text = ulps_text


def _error_text(u: int | float, rel: float, abs_: float) -> str:
    if isinstance(u, float) and math.isinf(u):
        return "inf ulp: a nan or an infinity where the other side differs"
    return f"{ulps_text(u)} ({math.log2(1 + u):.1f} bits), rel error {rel:.3g}, abs error {abs_:.3g}"


def ceil_sig(x: float, digits: int = 2) -> float:
    """x rounded *up* to ``digits`` significant digits, so a tolerance printed from it still passes."""
    if x == 0 or not math.isfinite(x):
        return x
    y = float(f"{x:.{digits - 1}e}")
    if y < x:
        e = math.floor(math.log10(x)) - digits + 1
        y = float(f"{(math.floor(x / 10.0**e) + 1) * 10.0**e:.{digits - 1}e}")
    return y


def ceil_decimal(q: Fraction | float, digits: int = 2) -> str:
    """The smallest decimal of ``digits`` significant digits whose double is >= ``q`` exactly, as text
    (``"0.76"``): a tolerance printed from it passes when given back."""
    q = Fraction(q)
    if q <= 0:
        return "0"
    e = math.floor(math.log10(q.numerator) - math.log10(q.denominator)) - digits + 1
    for _ in range(4):  # the estimate of the exponent may be one off either way
        m = math.ceil(q / Fraction(10) ** e)
        if m < 10 ** (digits - 1):
            e -= 1
        elif m >= 10**digits:
            e += 1
        else:
            break
    while True:
        text = f"{m}e{e}"
        v = float(text)
        if not math.isfinite(v):
            return text  # beyond the doubles: no tolerance of this kind
        if Fraction(v) >= q:
            return f"{v:.{digits}g}"
        m += 1


def compare(actual: Any, expected: Any, tolerance: Tolerance, *, show: int = 5) -> Mismatch | None:
    """None when every element of ``actual`` is within ``tolerance`` of ``expected``; else the Mismatch."""
    a = _float_array(actual, "actual")
    b = _float_array(expected, "expected")
    if b.dtype != a.dtype:
        with np.errstate(over="ignore", invalid="ignore"):  # beyond the format's range is inf there: no warning
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
        a64, b64 = fa.astype(np.float64), fb.astype(np.float64)
        diff = np.abs(a64 - b64)
        big = np.maximum(np.abs(a64), np.abs(b64))
        rel = np.where(diff == 0, 0.0, diff / big)
        same = (fa == fb) | (np.isnan(fa) & np.isnan(fb))
        nonfinite = ~same & ~(np.isfinite(fa) & np.isfinite(fb))
    diff[same], rel[same] = 0.0, 0.0
    diff[nonfinite], rel[nonfinite] = math.inf, math.inf
    bad = np.flatnonzero(~_within(fa, fb, tol))  # the very test of the fast path: never empty here
    gaps = _gaps(fa, fb)
    score = np.where(nonfinite, np.uint64(np.iinfo(np.uint64).max), gaps)
    first = bad[:show]
    worst = int(bad[np.argmax(score[bad])])  # argmax takes the first of equal maxima
    picks = [*first.tolist(), worst]
    counts = ulp_counts(fa[picks], fb[picks])
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
        ulps=counts,
        rel=[float(rel[i]) for i in picks],
        abs=[float(diff[i]) for i in picks],
        max_ulps=counts[-1],
        max_rel=float(rel[bad].max()),
        max_abs=float(diff[bad].max()),
        needed=_needed(fa, fb, a64, b64, gaps[~same], rel, diff, int(nonfinite.sum())),
    )


def _needed(
    fa: np.ndarray,
    fb: np.ndarray,
    a64: np.ndarray,
    b64: np.ndarray,
    gaps: np.ndarray,
    rel: np.ndarray,
    diff: np.ndarray,
    nonfinite: int,
) -> str:
    """The tolerances that pass every element, rounded up so that each passes when given back: the largest
    gap in ulps exactly, the largest relative and absolute differences exactly (rationals), rounded up to two
    significant digits."""
    if nonfinite:
        return (
            f"no tolerance passes: at {nonfinite} element{'s' if nonfinite > 1 else ''} a nan or an infinity "
            f"meets a different value"
        )
    ulps = int(gaps.max()) if gaps.size else 0
    out = f'would pass with tolerance="{ulps} ulp"'
    alternatives = []
    for name, values, relative in (("rel", rel, True), ("abs", diff, False)):
        q = _exact_max(a64, b64, values, relative)
        if q is None:
            continue
        text = ceil_decimal(q)
        if math.isfinite(float(text)):
            alternatives.append(f'"{text} {name}"')
    if alternatives:
        out += f" (or {', or '.join(alternatives)})"
    return out


def _exact_max(a64: np.ndarray, b64: np.ndarray, values: np.ndarray, relative: bool) -> Fraction | None:
    """The largest |a - b| (over max(|a|, |b|) when ``relative``) exactly: the float64 values pick the few
    candidates near the top, exact rationals decide among them."""
    if not values.size:
        return None
    top = float(values.max())
    if top == 0:
        return Fraction(0)
    cands = np.flatnonzero(values >= top * (1 - 2.0**-40)) if math.isfinite(top) else np.flatnonzero(np.isinf(values))
    best = Fraction(0)
    for i in cands[:1024]:
        x, y = Fraction(float(a64[i])), Fraction(float(b64[i]))
        d = abs(x - y)
        q = d / max(abs(x), abs(y)) if relative and d else d
        best = max(best, q)
    return best
