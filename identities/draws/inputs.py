"""Inputs drawn from domains: the float sources, the plans that resolve bounds, ``admissible`` and
``inputs_strategy``; and the load-time checks of constant bounds (``parse_domain`` here is the language's
``parse_domain`` plus those checks).

Float variables draw values of the backend's own format, never nan or inf.
Each draw picks one of five sources (the selector shrinks toward the first):

====  ===========================================================  =====
 1    hypothesis' own ``floats()`` in the bounds: simple values,       20%
      and what shrinking lands on (1.0, 0.5 rather than 5e-324)
 2    edge values inside the bounds: the bounds, +-0, +-1, the         10%
      smallest normal and subnormal, the largest finite value
 3    near +-1, a finite nonzero bound or +- an input drawn before    10%
      it, at a relative distance 2**-k, k uniform up to the
      precision: where log, acos, x**n - 1, x - y and the like
      cancel (edges when there is none)
 4    uniform in value between the bounds ("typical" inputs)          20%
 5    uniform over the bit patterns (ordinals) between the bounds:    40%
      every binade equally likely, as Herbie samples
====  ===========================================================  =====

With two or more float variables, each variable picking its source alone
rarely makes *all* of them typical at once (0.2**n), and failures such as
``exp(x + y)`` against ``exp(x)*exp(y)`` need every variable of moderate size;
so half the examples (a first byte, which shrinks toward the independent half)
draw every float variable from one source: uniform in value 50%, bit patterns
30%, simple 10%, near +-1 or a bound 10% (hypothesis' own generation already
repeats simple and edge values across variables).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from identities.draws.exact import exact_at_least, exact_condition
from identities.errors import IdentityFileError
from identities.language import domains as grammar
from identities.language.domains import INTEGER_DEFAULT, Domain, kind_interval
from identities.language.expr import Expr, free_vars
from identities.numbers.formats import FloatFormat

__all__ = [
    "parse_domain",
    "inputs_strategy",
    "admissible",
    "exclusion",
    "empty_reason",
    "FloatRange",
    "float_range",
    "FloatSampler",
    "Plan",
    "EMPTY",
    "INTEGER_DEFAULT",
]


def parse_domain(
    text: object,
    earlier: Sequence[str] = (),
    *,
    file: str = "<string>",
    line: int = 0,
    identity: str | None = None,
    var: str = "?",
) -> Domain:
    """``identities.language.domains.parse_domain``, then constant bounds checked: a number, in order, not empty."""
    domain = grammar.parse_domain(text, earlier, file=file, line=line, identity=identity, var=var)
    _check_constant_bounds(domain, var, {"file": file, "line": line, "identity": identity})
    return domain


# the mixture of float sources: cumulative thresholds out of 100
_SIMPLE, _EDGE, _NEAR, _UNIFORM = 20, 30, 40, 60
# A number in [0, 1) for the uniform draws: 80 random bits (finer than any format's spacing near the bounds),
# a coarse 2-byte part and a fine 8-byte part. Hypothesis' optimiser (``target``) climbs a bytes choice by
# adding 1, 2, 4, ... up to 2**20 to it as an integer: on one long choice that only ever moved the value by
# less than an ulp, and the target phase spent its budget re-running one input. The coarse part is a choice
# of its own, drawn last so that the optimiser (which works from the last choice back) climbs it first, in
# steps of 1/65536 of the range; the fine part rides in one choice with the source byte, since every choice
# costs hypothesis about 25 us.
_UNIT_BITS = 80

# the joint draws' mixture (module docstring): simple 10%, near 10%, uniform in value 50%, bit patterns 30%
_JOINT = ((10, 0), (20, _SIMPLE), (70, _NEAR), (100, _UNIFORM))


def _joint_source(r: int) -> int:
    """The selector value (as drawn by FloatSampler) of the source for joint draw ``r`` in [0, 100)."""
    return next(sel for bound, sel in _JOINT if r < bound)


def _constant(e: Expr | None) -> float | None:
    """Value of a bound without variables (None when unbounded or variable)."""
    if e is None or free_vars(e):
        return None
    from identities.backends.floats import Float64Backend

    v = Float64Backend().compile(e)({})
    return float(v) if not isinstance(v, float) else v


def _check_constant_bounds(d: Domain, var: str, where: dict) -> None:
    lo, hi = _constant(d.lo), _constant(d.hi)
    for name, v in (("lower", lo), ("upper", hi)):
        if v is not None and math.isnan(v):
            raise IdentityFileError(f"{name} bound of {var!r} is not a number: {d.text!r}", **where)
    if lo is not None and hi is not None and lo > hi:
        raise IdentityFileError(f"domain of {var!r} has inverted bounds ({lo!r} > {hi!r}): {d.text!r}", **where)
    if lo == math.inf or hi == -math.inf:
        raise IdentityFileError(
            f"domain of {var!r} is empty (a bound is beyond the largest double): {d.text!r}", **where
        )
    lo_k, hi_k, zero_ok = kind_interval(d.kind)
    if lo is None:
        lo = -math.inf if d.lo is None else None
    if hi is None:
        hi = math.inf if d.hi is None else None
    if lo is not None and hi is not None:
        a, b = max(lo, lo_k), min(hi, hi_k)
        empty = a > b or (a == b == 0 and not zero_ok)
        if d.kind == "integer" and not empty and math.isfinite(a) and math.isfinite(b):
            empty = math.ceil(a) > math.floor(b)
        if empty:
            raise IdentityFileError(f"domain of {var!r} is empty: {d.text!r}", **where)


@dataclass(frozen=True)
class FloatRange:
    """The draws of one float variable in one format: [lo, hi], maybe without zero."""

    fmt: FloatFormat
    lo: float
    hi: float
    zero: bool

    def centres(self, inputs: Sequence[float] = ()) -> list[float]:
        """Where the near source draws close by: +-1 (listed twice: the commonest place of trouble), the
        nonzero finite bounds, then +-each of ``inputs`` (earlier inputs), those inside the range."""
        out = [c for c in (1.0, -1.0) if self.lo <= c <= self.hi] * 2
        out += [c for c in dict.fromkeys((self.lo, self.hi)) if c not in out]
        out += [v for x in inputs for v in (x, -x) if self.lo <= v <= self.hi]
        return [c for c in out if c != 0 and abs(c) < self.fmt.max]

    def edges(self) -> list[float]:
        f = self.fmt
        cands = [
            1.0,
            0.0,
            -1.0,
            0.5,
            self.lo,
            self.hi,
            f.min_subnormal,
            -f.min_subnormal,
            f.min_normal,
            -f.min_normal,
            f.max,
            -f.max,
        ]
        out: list[float] = []
        for c in cands:
            if self.lo <= c <= self.hi and (c != 0 or self.zero) and c not in out:
                out.append(c)
        return out


def float_range(kind: str, lo: float, hi: float, fmt: FloatFormat) -> FloatRange | None:
    """Intersect kind and bounds within the finite values of ``fmt``; None when empty."""
    lo_k, hi_k, zero = kind_interval(kind)
    a, b = max(lo, lo_k, -fmt.max), min(hi, hi_k, fmt.max)
    if kind == "positive" and a <= 0:
        a = fmt.min_subnormal
    if kind == "negative" and b >= 0:
        b = -fmt.min_subnormal
    if a > b:
        return None
    a, b = fmt.round_up(a), fmt.round_down(b)
    if a > b or (a == b == 0 and not zero):
        return None
    return FloatRange(fmt, a, b, zero or not (a <= 0 <= b))


class FloatSampler:
    """Draws one float of a FloatRange from the four sources; called with hypothesis' ``draw``.

    Sources are drawn inline (no nested composite) because strategy layers cost
    engine time on every example.
    """

    def __init__(self, r: FloatRange):
        from hypothesis import strategies as st

        self.r = r
        fmt = r.fmt
        self.fmt = fmt
        self.o_lo = fmt.ordinal(r.lo)
        o_hi = fmt.ordinal(r.hi)
        self.skip_zero = not r.zero and self.o_lo <= 0 <= o_hi
        self.span = o_hi - self.o_lo - (1 if self.skip_zero else 0)
        if fmt.width == 64 or fmt.name in ("float32", "float16"):
            simple = st.floats(r.lo, r.hi, width=fmt.width, allow_nan=False, allow_infinity=False)  # type: ignore[arg-type]
        else:  # the ML formats: float32 draws (which hold all their values) rounded to the format
            simple = st.floats(r.lo, r.hi, width=32, allow_nan=False, allow_infinity=False).map(fmt.round)
        self.simple = simple if r.zero else simple.filter(lambda x: x != 0)
        self.edges = st.sampled_from(r.edges())
        self.centres = r.centres()
        # lo and hi as integers over one power of two, for exact uniform draws (from_unit)
        (plo, qlo), (phi, qhi) = r.lo.as_integer_ratio(), r.hi.as_integer_ratio()
        scale = max(qlo, qhi)
        self._unit_ends = (plo * (scale // qlo), phi * (scale // qhi), scale)

    def from_ordinal(self, i: int) -> float:
        o = self.o_lo + i
        if self.skip_zero and o >= 0:
            o += 1
        return self.fmt.from_ordinal(o)

    def from_unit(self, b: bytes) -> float:
        """lo + t*(hi - lo) for t = b / 256**len(b), computed exactly and rounded once to the format.

        (In floats, ``(1 - t)*lo + t*hi`` leaves the last bits mostly zero: four draws in five had an even
        significand, so sums of two draws were exact far more often than sums of real inputs.)
        """
        from fractions import Fraction

        lo, hi, scale = self._unit_ends
        bits = 8 * len(b)
        num, den = (lo << bits) + (hi - lo) * int.from_bytes(b, "big"), scale << bits
        # int / int rounds correctly to the nearest double; narrower formats round the exact value
        return self._inside(num / den if self.fmt.width == 64 else self.fmt.round(Fraction(num, den)))

    def _inside(self, x: float) -> float:
        """x clamped into the range, and never a zero the range excludes."""
        r = self.r
        x = min(max(x, r.lo), r.hi)
        if x == 0 and not r.zero:
            x = self.fmt.min_subnormal if r.hi > 0 else -self.fmt.min_subnormal
        return x

    def near_centre(self, b: bytes, centres: Sequence[float] | None = None) -> float:
        """c*(1 +- 2**-k*(1 + u)), u in [0, 1): close to a centre (1, -1, a bound, +-an earlier input) at a
        scale k uniform over the format's precision, where log, acos, x**n - 1, x - y and the like cancel."""
        centres = centres or self.centres
        c = centres[b[0] % len(centres)]
        k = 1 + b[1] % (self.fmt.precision - 1)
        step = abs(c) * 2.0**-k * (1 + int.from_bytes(b[2:], "big") / 65536)
        r, rnd = self.r, self.fmt.round
        x = rnd(c - step if b[0] & 64 else c + step)
        if not r.lo <= x <= r.hi:  # a step out of the domain is reflected inward, never clamped onto the bound
            x = rnd(c + step if b[0] & 64 else c - step)
        return self._inside(x)

    def __call__(self, draw: Callable[[Any], Any], sel: int | None = None, others: Sequence[float] = ()) -> float:
        """One draw; ``others`` are the float inputs drawn before it, whose +- values the near source also
        aims at (x - y, x + y and x/y - 1 cancel there)."""
        head = draw(_BYTES[9])  # the source byte, then the fine part of a uniform draw: one choice, not two
        if sel is None:
            sel = head[0] * 100 // 256
        if sel < _SIMPLE:
            return draw(self.simple)
        centres = self.r.centres(others) if _EDGE <= sel < _NEAR and others else self.centres
        if sel < _EDGE or (sel < _NEAR and not centres):
            return draw(self.edges)
        if sel < _NEAR:
            return self.near_centre(draw(_BYTES[4]), centres)
        unit = draw(_BYTES[2]) + head[1:]  # the coarse part drawn last: the optimiser climbs it first
        if sel < _UNIFORM:
            return self.from_unit(unit)
        # hypothesis' integers() favour small values; fixed-size bytes are uniform
        return self.from_ordinal((int.from_bytes(unit, "big") * (self.span + 1)) >> _UNIT_BITS)


class _Bytes(dict):
    def __missing__(self, n: int) -> Any:
        from hypothesis import strategies as st

        self[n] = st.binary(min_size=n, max_size=n)
        return self[n]


_BYTES = _Bytes()


def _float_strategy(r: FloatRange) -> Any:
    """The float draws of one range as a standalone strategy."""
    from hypothesis import strategies as st

    sampler = FloatSampler(r)
    return st.composite(lambda draw: sampler(draw))()


def _bound_value(fn: Callable[[Mapping[str, Any]], Any] | None, env: Mapping[str, Any], default: float) -> float | None:
    if fn is None:
        return default
    v = fn(env)
    try:
        v = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(v) else v


class Plan:
    """A domain with its bounds compiled (float64), resolved against the inputs drawn so far."""

    def __init__(self, name: str, d: Domain, fmt: FloatFormat):
        from identities.backends.floats import Float64Backend

        f64 = Float64Backend()
        self.name, self.domain, self.fmt = name, d, fmt
        self.lo_fn = f64.compile(d.lo) if d.lo is not None else None
        self.hi_fn = f64.compile(d.hi) if d.hi is not None else None
        self._samplers: dict[Any, Any] = {}
        # bounds the float64 comparison may get wrong (an expression in earlier inputs, a constant that is
        # not a double): checked exactly on every value (identities.draws.exact)
        ends = ((d.lo, False), (d.hi, True))
        self.exact_checks = [exact_at_least(b, up) for b, up in ends if b is not None and not _is_double(b)]

    def exact_ok(self, value: Any, env: Mapping[str, Any]) -> bool:
        """Whether ``value`` (each component of a vector) is within the bounds exactly."""
        if not self.exact_checks:
            return True
        values = value if isinstance(value, tuple) else (value,)
        return all(check(v, env) for v in values for check in self.exact_checks)

    def resolve(self, env: Mapping[str, Any]) -> FloatRange | tuple[int, int] | None:
        """The range to draw from given earlier inputs: (lo, hi) ints, a FloatRange, or None if empty."""
        d = self.domain
        if d.is_integer:
            default = INTEGER_DEFAULT if d.lo is None and d.hi is None else (-math.inf, math.inf)
            lo = _bound_value(self.lo_fn, env, default[0])
            hi = _bound_value(self.hi_fn, env, default[1])
            if lo is None or hi is None:
                return None
            width = INTEGER_DEFAULT[1] - INTEGER_DEFAULT[0]
            if math.isinf(lo) and math.isinf(hi):
                lo, hi = INTEGER_DEFAULT
            elif math.isinf(lo):
                lo = hi - width
            elif math.isinf(hi):
                hi = lo + width
            a, b = math.ceil(lo), math.floor(hi)
            return (a, b) if a <= b else None
        lo = _bound_value(self.lo_fn, env, -math.inf)
        hi = _bound_value(self.hi_fn, env, math.inf)
        if lo is None or hi is None:
            return None
        return float_range(d.kind, lo, hi, self.fmt)

    def sampler(self, env: Mapping[str, Any]) -> Any:
        """A callable ``draw -> value`` for the range given earlier inputs, or EMPTY."""
        from hypothesis import strategies as st

        r = self.resolve(env)
        if r is None:
            return EMPTY
        key = r if isinstance(r, FloatRange) else ("int", r)
        hit = self._samplers.get(key)
        if hit is None:
            if isinstance(r, tuple):
                hit = _int_sampler(st.integers(*r))
            else:
                hit = FloatSampler(r)
            if self.domain.size is not None:  # a vector: each component drawn alike
                hit = _vector_sampler(hit, self.domain.size)
            if len(self._samplers) < 256:
                self._samplers[key] = hit
        return hit

    def admits(self, value: Any, env: Mapping[str, Any], exact: bool = True) -> bool:
        if self.domain.size is not None:
            ok = isinstance(value, tuple) and len(value) == self.domain.size
            ok = ok and all(self._admits(v, env) for v in value)
        else:
            ok = self._admits(value, env)
        return ok and (not exact or self.exact_ok(value, env))

    def _admits(self, value: Any, env: Mapping[str, Any]) -> bool:
        r = self.resolve(env)
        if r is None or isinstance(value, bool):
            return False
        if isinstance(r, tuple):
            return isinstance(value, int) and r[0] <= value <= r[1]
        if not isinstance(value, (int, float)):
            return False
        v = float(value)
        return math.isfinite(v) and r.fmt.round(v) == v and r.lo <= v <= r.hi and (v != 0 or r.zero)


def _vector_sampler(one: Callable[..., Any], n: int) -> Callable[..., tuple]:
    return lambda draw, sel=None, others=(): tuple(one(draw, sel, others) for _ in range(n))


def _int_sampler(ints: Any) -> Callable[..., int]:
    return lambda draw, sel=None, others=(): draw(ints)


def _plans(variables: Sequence[tuple[str, Domain]], fmt: FloatFormat) -> list[Plan]:
    return [Plan(name, d, fmt) for name, d in variables]


def _assumptions(assume: Sequence[Expr], exact: bool = True) -> list[Any]:
    """``assume`` as predicates returning True where it holds: exactly (the oracle's sign of each
    comparison, ``identities.draws.exact``), or in float64 (what a file's examples are checked with
    at load, as written)."""
    if exact:
        return [exact_condition(a) for a in assume]
    from identities.backends.floats import Float64Backend

    f64 = Float64Backend()
    return [f64.compile(a) for a in assume]


def _is_double(e: Expr) -> bool:
    """A constant bound whose exact value is a double: comparing floats with it in float64 is exact."""
    if free_vars(e):
        return False
    from fractions import Fraction

    from flint import fmpq

    from identities.oracle.scalar import DEFAULT_ORACLE

    try:
        t = DEFAULT_ORACLE.evaluate(e, {})
    except Exception:  # noqa: BLE001 - unresolved or out of range: check it exactly every time
        return False
    if t is None or not isinstance(t.value, (int, fmpq)):
        return False
    c = _constant(e)
    exact = Fraction(t.value) if isinstance(t.value, int) else Fraction(int(t.value.p), int(t.value.q))
    return c is not None and math.isfinite(c) and Fraction(c) == exact


def empty_reason(variables: Sequence[tuple[str, Domain]], fmt: FloatFormat) -> str | None:
    """Why no input can be drawn in ``fmt`` at all (a constant domain with no value there), or None."""
    for plan in _plans(variables, fmt):
        if not plan.domain.depends_on and plan.resolve({}) is None:
            return f"the domain of {plan.name!r}, {plan.domain.text!r}, has no {fmt.name} values"
    return None


def admissible(
    variables: Sequence[tuple[str, Domain]], fmt: FloatFormat, assume: Sequence[Expr] = (), exact: bool = True
) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate: are these inputs ones the strategy could have drawn (domains, format, assume)?

    The inputs are values of ``fmt`` (an example rounded to it first): with ``exact`` (the default), bounds
    and ``assume`` are decided on their exact values (``identities.draws.exact``); without, in float64, as
    a file's examples are checked at load, as written.
    """
    plans, checks = _plans(variables, fmt), _assumptions(assume, exact)

    def admits(inputs: Mapping[str, Any]) -> bool:
        env: dict[str, Any] = {}
        for plan in plans:
            v = inputs.get(plan.name)
            if not plan.admits(v, env, exact):
                return False
            env[plan.name] = v
        return all(c(env) is True for c in checks)

    return admits


def exclusion(
    variables: Sequence[tuple[str, Domain]], fmt: FloatFormat, assume: Sequence[Expr], inputs: Mapping[str, Any]
) -> str | None:
    """Why ``admissible`` refuses these inputs (values of ``fmt``), in words; None when it admits them."""
    plans, checks = _plans(variables, fmt), _assumptions(assume)
    env: dict[str, Any] = {}
    for plan in plans:
        v = inputs.get(plan.name)
        if not plan.admits(v, env):
            return f"outside the domain of {plan.name}, {plan.domain.text}"
        env[plan.name] = v
    for a, check in zip(assume, checks):
        if not check(env):
            return f"excluded by `{a}`"
    return None


def inputs_strategy(
    variables: Sequence[tuple[str, Domain]],
    fmt: FloatFormat,
    assume: Sequence[Expr] = (),
    counter: list[int] | None = None,
) -> Any:
    """A strategy for a dict of inputs, drawn in declaration order, filtered by ``assume``.

    Bounds are evaluated in float64 on the inputs drawn so far to draw from, then every value is checked
    against them exactly, and ``assume`` is decided exactly (``identities.draws.exact``).
    """
    from hypothesis import assume as h_assume
    from hypothesis import strategies as st

    plans = _plans(variables, fmt)
    statics = [None if p.domain.depends_on else p.sampler({}) for p in plans]
    checks = _assumptions(assume)
    joint = sum(not p.domain.is_integer for p in plans) >= 2

    @st.composite
    def draw_inputs(draw: Callable[[Any], Any]) -> dict[str, Any]:
        if counter is not None:
            counter[0] += 1
        sel = None
        if joint:  # half the examples draw every float variable from one source (module docstring)
            mode = draw(_BYTES[1])[0]
            if mode >= 128:
                sel = _joint_source((mode - 128) * 100 // 128)
        env: dict[str, Any] = {}
        others: list[float] = []  # the float inputs so far, for the near source
        for plan, static in zip(plans, statics):
            sample = static if static is not None else plan.sampler(env)
            h_assume(sample is not EMPTY)
            v = env[plan.name] = sample(draw, sel, others)
            if plan.exact_checks:
                h_assume(plan.exact_ok(v, {k: env[k] for k in env if k != plan.name}))
            if type(v) is float:
                others.append(v)
        for c in checks:
            h_assume(c(env) is True)
        return env

    return draw_inputs()


EMPTY: Any = object()
