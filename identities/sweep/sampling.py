"""Vectorised draws for sweeps: N inputs uniformly over the bit patterns inside each domain.

This is the strategies' fourth source (``identities.language.domains``: uniform over
the ordinals between the bounds, every binade equally likely, as Herbie
samples) for whole arrays at once, with the same range logic: constant bounds
are resolved by ``domains``' own code, bounds that depend on earlier
variables are evaluated for every point (float64 arithmetic, bit-identical to
the strategies' scalar bounds) and intersected with the kind and the format
as ``domains.float_range`` does. Integer variables draw uniformly from their
range; ``assume`` filters, and rejected points are drawn again.

Ordinals become floats through integer views: the ordinal's magnitude is the
bit pattern of |x|, its sign the sign bit. The same views give ULP distances
(``ulp_distance``), exactly as ``FloatFormat.ulp_distance`` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from identities.draws.inputs import FloatRange, Plan
from identities.errors import InvalidArgument
from identities.language.domains import INTEGER_DEFAULT, Domain, kind_interval
from identities.language.expr import Expr
from identities.numbers.dtypes import int_types, numpy_dtype, round_array
from identities.numbers.formats import FloatFormat

__all__ = ["Sampler", "ordinals", "from_ordinals", "ulp_distance", "dtype_of", "NoAdmissibleInput"]

_MAX_ROUNDS = 64


class NoAdmissibleInput(ValueError):
    """Every draw was rejected by the domains or ``assume``."""


def dtype_of(fmt: FloatFormat) -> Any:
    return numpy_dtype(fmt)


def _views(fmt: FloatFormat) -> tuple[Any, Any, Any]:
    return (numpy_dtype(fmt), *int_types(fmt))


def ordinals(x: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """Each value's position among the format's values (int64; +0 and -0 are both 0)."""
    ft, it, ut = _views(fmt)
    bits = np.asarray(x, dtype=ft).view(ut).astype(np.uint64)
    sign = np.uint64(1 << (fmt.width - 1))
    mag = (bits & (sign - np.uint64(1))).astype(np.int64)
    return np.where((bits & sign) != 0, -mag, mag)


def from_ordinals(o: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """The values at ordinals ``o`` (in the format's dtype)."""
    ft, it, ut = _views(fmt)
    o = np.asarray(o, dtype=np.int64)
    mag = np.abs(o).astype(np.uint64)
    bits = mag | ((o < 0).astype(np.uint64) << np.uint64(fmt.width - 1))
    return bits.astype(ut).view(ft)


def ulp_distance(a: np.ndarray, b: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """Representable steps between a and b (float64; inf where either is nan), as ``FloatFormat.ulp_distance``."""
    ft = numpy_dtype(fmt)
    a, b = np.asarray(a, dtype=ft), np.asarray(b, dtype=ft)
    oa, ob = ordinals(a, fmt), ordinals(b, fmt)
    same = (oa >= 0) == (ob >= 0)
    # same sign: the difference fits int64; opposite signs: |oa| + |ob| fits uint64
    d = np.where(
        same,
        np.abs(np.where(same, oa - ob, 0)).astype(np.uint64),
        np.abs(oa).astype(np.uint64) + np.abs(ob).astype(np.uint64),
    )
    out = d.astype(np.float64)
    out[np.isnan(a) | np.isnan(b)] = np.inf
    return out


class _Var:
    """One variable's draws: a constant range (resolved by ``domains``) or bounds evaluated per point."""

    def __init__(self, name: str, domain: Domain, fmt: FloatFormat, ints: frozenset[str]):
        self.name, self.domain, self.fmt = name, domain, fmt
        self.dynamic = bool(domain.depends_on)
        self.static: Any = None
        if not self.dynamic:
            self.static = Plan(name, domain, fmt).resolve({})
            return
        from identities.backends.arrays import compile_array
        from identities.backends.floats import Float64Backend

        f64 = Float64Backend()
        self.lo = compile_array(domain.lo, f64, integer_vars=ints, functions="scalar") if domain.lo else None
        self.hi = compile_array(domain.hi, f64, integer_vars=ints, functions="scalar") if domain.hi else None

    def draw(self, env: dict[str, np.ndarray], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(values, admissible) for n points given the earlier variables' values."""
        d = self.domain
        if not self.dynamic:
            r = self.static
            if r is None:
                return np.zeros(n, dtype=np.int64 if d.is_integer else dtype_of(self.fmt)), np.zeros(n, dtype=bool)
            if isinstance(r, tuple):
                return _integers(np.int64(0) + r[0], np.int64(0) + r[1], n, rng), np.ones(n, dtype=bool)
            return _floats_static(r, n, rng), np.ones(n, dtype=bool)
        default = INTEGER_DEFAULT if d.lo is None and d.hi is None else (-math.inf, math.inf)
        lo = self.lo(env, n).astype(np.float64) if self.lo is not None else np.full(n, float(default[0]))
        hi = self.hi(env, n).astype(np.float64) if self.hi is not None else np.full(n, float(default[1]))
        ok = ~(np.isnan(lo) | np.isnan(hi))
        if d.is_integer:
            return self._integers(lo, hi, ok, n, rng)
        return self._floats(lo, hi, ok, n, rng)

    def _integers(
        self, lo: np.ndarray, hi: np.ndarray, ok: np.ndarray, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        width = INTEGER_DEFAULT[1] - INTEGER_DEFAULT[0]
        both = np.isinf(lo) & np.isinf(hi)
        lo, hi = np.where(both, INTEGER_DEFAULT[0], lo), np.where(both, INTEGER_DEFAULT[1], hi)
        lo, hi = np.where(np.isinf(lo), hi - width, lo), np.where(np.isinf(hi), lo + width, hi)
        with np.errstate(invalid="ignore"):
            a, b = np.ceil(lo), np.floor(hi)
        ok &= (a <= b) & (np.abs(a) < 2.0**62) & (np.abs(b) < 2.0**62)
        a, b = np.where(ok, a, 0).astype(np.int64), np.where(ok, b, 0).astype(np.int64)
        return _integers(a, b, n, rng), ok

    def _floats(
        self, lo: np.ndarray, hi: np.ndarray, ok: np.ndarray, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``domains.float_range`` for every point at once, then a uniform ordinal in each range."""
        fmt, kind = self.fmt, self.domain.kind
        lo_k, hi_k, zero = kind_interval(kind)
        a = np.maximum(np.maximum(np.where(ok, lo, 0.0), lo_k), -fmt.max)
        b = np.minimum(np.minimum(np.where(ok, hi, 0.0), hi_k), fmt.max)
        if kind == "positive":
            a = np.where(a <= 0, fmt.min_subnormal, a)
        if kind == "negative":
            b = np.where(b >= 0, -fmt.min_subnormal, b)
        ok &= a <= b
        a, b = _round_up(a, fmt), _round_down(b, fmt)
        ok &= (a <= b) & ~((a == 0) & (b == 0) & (not zero))
        keep_zero = zero | ~((a <= 0) & (b >= 0))
        a, b = np.where(ok, a, 1.0), np.where(ok, b, 1.0)
        return _ordinal_draw(ordinals(a, fmt), ordinals(b, fmt), keep_zero, fmt, n, rng), ok


def _integers(a: Any, b: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(a, b, size=n, endpoint=True, dtype=np.int64)


def _floats_static(r: FloatRange, n: int, rng: np.random.Generator) -> np.ndarray:
    fmt = r.fmt
    o_lo, o_hi = np.full(1, fmt.ordinal(r.lo), dtype=np.int64), np.full(1, fmt.ordinal(r.hi), dtype=np.int64)
    return _ordinal_draw(o_lo, o_hi, np.array([r.zero]), fmt, n, rng)


def _ordinal_draw(
    o_lo: np.ndarray, o_hi: np.ndarray, keep_zero: np.ndarray, fmt: FloatFormat, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Uniform over the ordinals in [o_lo, o_hi], skipping 0 where zero is excluded (as ``FloatSampler``)."""
    skip = ~keep_zero & (o_lo <= 0) & (o_hi >= 0)
    span = o_hi.view(np.uint64) - o_lo.view(np.uint64) - skip.astype(np.uint64)  # wraps to the true span
    i = rng.integers(0, span, size=n, endpoint=True, dtype=np.uint64)
    o = (o_lo.view(np.uint64) + i).view(np.int64)
    o = np.where(skip & (o >= 0), o + 1, o)
    return from_ordinals(o, fmt)


def _round_up(x: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """Smallest format value >= each double (``FloatFormat.round_up``), as float64."""
    if fmt.width == 64:
        return x
    ft = dtype_of(fmt)
    r = round_array(x, fmt)
    r = np.where(r.astype(np.float64) < x, np.nextafter(r, ft(np.inf)), r)
    return r.astype(np.float64)


def _round_down(x: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    if fmt.width == 64:
        return x
    ft = dtype_of(fmt)
    r = round_array(x, fmt)
    r = np.where(r.astype(np.float64) > x, np.nextafter(r, ft(-np.inf)), r)
    return r.astype(np.float64)


class Sampler:
    """Draws of a dict of columns for one identity's variables in one format (see the module docstring)."""

    def __init__(self, variables: Sequence[tuple[str, Domain]], fmt: FloatFormat, assume: Sequence[Expr] = ()):
        from identities.backends.arrays import compare_array
        from identities.backends.floats import Float64Backend

        ints = frozenset(n for n, d in variables if d.is_integer)
        self.fmt = fmt
        self.ints = ints
        self.vars = [_Var(n, d, fmt, ints) for n, d in variables]
        f64 = Float64Backend()
        self.checks = [compare_array(a, f64, ints) for a in assume]
        for v in self.vars:
            if v.static is not None and isinstance(v.static, tuple) and max(map(abs, v.static)) >= 2**62:
                raise InvalidArgument(
                    f"integer domain of {v.name!r} ({v.domain}) is beyond what sweeps draw (|bounds| < 2**62)"
                )

    def _once(self, n: int, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
        env: dict[str, np.ndarray] = {}
        ok = np.ones(n, dtype=bool)
        for v in self.vars:
            values, good = v.draw(env, n, rng)
            env[v.name] = values
            ok &= good
        if self.checks and ok.any():
            f64 = {k: (c if k in self.ints else c.astype(np.float64)) for k, c in env.items()}
            for check in self.checks:
                ok &= check(f64, n)
        return env, ok

    def draw(self, n: int, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], int]:
        """n admissible points (fewer only when almost every draw is rejected) and the draws it took."""
        parts: list[dict[str, np.ndarray]] = []
        got = tried = 0
        want = n
        for _ in range(_MAX_ROUNDS):
            if got >= n:
                break
            env, ok = self._once(want, rng)
            tried += want
            take = np.flatnonzero(ok)[: n - got]
            parts.append({k: v[take] for k, v in env.items()})
            got += len(take)
            rate = max(got / tried, 1e-3)
            want = int(min(max((n - got) / rate * 1.1, 64), 16 * n))
        if not got and n:
            raise NoAdmissibleInput(
                f"no admissible input in {tried} draws: every draw was rejected by the domains or 'assume'"
            )
        names = [v.name for v in self.vars]
        return {k: np.concatenate([p[k] for p in parts]) for k in names}, tried
