"""A user's float function against an exact reference, searched by hypothesis: the engine of
``assert_accurate`` and ``assert_derivative``.

The reference is either an expression string, evaluated by the oracle (arb
balls at rising precision: rigorous, so the truth cannot be fooled by
cancellation), or a callable evaluated by mpmath at rising precision until
two precisions round to the same value, an exact zero or an undefined value
only at the last (a good effort, not a proof: prefer the string where the
callable may cancel). Derivatives come from the oracle's Taylor arithmetic
(strings) or, for callables, one central difference at a step relative to x
and a working precision raised until the difference keeps every bit, never
from float finite differences. (Not ``mpmath.diff`` itself: its default step
is absolute, 2**-(prec+10), so at x = 1e-250 it differentiates at 0, and
its ``relative=True`` step grows as x shrinks.)

Three hypothesis runs with one seed, as in the engine (evaluations cached, so
replays are cheap):

1. *search*: ``examples`` draws, ``hypothesis.target`` on the bits of error,
   so the largest error is searched for, not only sampled;
2. *largest*: the same search, failing at the first input whose error reaches
   the largest found, so hypothesis shrinks it to the simplest input with an
   error that large (the "threshold problem" of shrinking, hypothesis#2180:
   the minimal failing input alone shows an error just over the tolerance);
3. *minimal*: failing at the first input over the tolerance, shrunk, then each
   input replaced by the simplest value that still fails.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from identities.errors import IdentitiesError, IdentityFileError, InvalidArgument, UserCodeError
from identities.evaluate.usercode import NUMERICAL
from identities.language.tolerance import Tolerance
from identities.numbers.formats import FloatFormat, float64, get_format
from identities.numbers.metrics import bits

__all__ = ["Exact", "ExprReference", "MpmathReference", "Accuracy", "Search", "parse_vars", "UNKNOWN"]

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
MP_PRECISIONS = (128, 256, 512, 1024, 2048, 4096)


_MPMATH_LOCK = threading.RLock()  # mpmath.mp's precision is one global of the process


@dataclass(frozen=True)
class Exact:
    """A true value: rounded to the format under test (ulps are counted against it), to float64 (relative
    and absolute errors), and as 20 significant digits (for people)."""

    value: float
    approx: float
    text: str


def parse_vars(vars: object, assume: Sequence[str] = ()) -> tuple[tuple[tuple[str, Any], ...], tuple[Any, ...]]:
    """``{"x": "real[-30, 30]"}`` -> ((name, Domain), ...) and the parsed ``assume`` comparisons."""
    from identities.draws.inputs import parse_domain
    from identities.language.expr import RESERVED, Cmp, Logic, parse

    if not isinstance(vars, Mapping) or not vars:
        raise InvalidArgument(
            f"vars={vars!r} must be a non-empty mapping of name to domain, like {{'x': 'real[-30, 30]'}}"
        )
    out: list[tuple[str, Any]] = []
    for name, text in vars.items():
        if not isinstance(name, str) or not name.isidentifier() or name in RESERVED:
            raise InvalidArgument(
                f"vars={dict(vars)!r}: {name!r} is not a usable variable name (an identifier, "
                f"not a function or constant)"
            )
        try:
            out.append((name, parse_domain(text, [n for n, d in out if d.size is None], var=name)))
        except IdentityFileError as exc:
            raise InvalidArgument(f"vars={dict(vars)!r}: {exc.message}") from None
    if isinstance(assume, str):
        assume = [assume]
    checks = []
    for a in assume:
        try:
            e = parse(
                a,
                {n for n, d in out if d.size is None},
                allow_compare=True,
                vectors={n: d.size for n, d in out if d.size is not None},
            )
        except IdentityFileError as exc:
            raise InvalidArgument(f"assume={list(assume)!r}: {exc.message}") from None
        if not isinstance(e, (Cmp, Logic)):
            raise InvalidArgument(f"assume={list(assume)!r}: {a!r} is not a comparison (or and/or/not of them)")
        checks.append(e)
    return tuple(out), tuple(checks)


class ExprReference:
    """An expression string (or its derivative in ``wrt``), evaluated by the oracle."""

    def __init__(
        self,
        text: str,
        names: Sequence[str],
        *,
        wrt: str | None = None,
        argname: str = "reference",
        vectors: Mapping[str, int] | None = None,
    ):
        from identities.language.expr import parse
        from identities.language.vectors import ShapeError, shape

        vectors = dict(vectors or {})
        op = "grad" if wrt in vectors else "diff"  # d/dx of a scalar in a vector x: the gradient
        source = text if wrt is None else f"{op}({text}, {wrt})"
        try:
            self.expr = parse(source, set(names) - set(vectors), vectors=vectors)
            self.size = shape(self.expr)
        except IdentityFileError as exc:
            raise InvalidArgument(f"{argname}={text!r}: {exc.message}") from None
        except ShapeError as exc:
            raise InvalidArgument(f"{argname}={text!r}: {exc}") from None
        self.text = text if wrt is None else f"{'∇' if op == 'grad' else 'd/d'}{wrt} {text}"

    def __call__(self, inputs: Mapping[str, Any], fmt: FloatFormat) -> Exact | None:
        from identities.oracle.scalar import DEFAULT_ORACLE, OutOfRange

        try:
            t = DEFAULT_ORACLE.evaluate(self.expr, inputs)
        except (LookupError, OutOfRange, IdentitiesError):
            return UNKNOWN
        if t is None:
            return None
        if isinstance(t.value, tuple):  # a vector: one Exact per component
            from identities.oracle.scalar import Truth

            return tuple(_exact(Truth(c), fmt) for c in t.value)  # type: ignore[return-value]
        return _exact(t, fmt)


def _exact(t: Any, fmt: FloatFormat) -> Exact:
    return Exact(t.to_float(fmt), t.to_float(float64), str(t))


def _real(v: Any) -> Any:
    """An mpmath (or Python) number as a finite mpf; None where it is not a finite real."""
    import mpmath

    if isinstance(v, (mpmath.mpc, complex)):
        if v.imag != 0:
            return None
        v = v.real
    v = mpmath.mpf(v)
    return v if mpmath.isfinite(v) else None


def _fraction(v: Any) -> Fraction:
    """A finite mpf as an exact Fraction, clamped far outside the double range (exp(1e10) must not build
    a ten-billion-bit integer): still rounds to the right infinity or zero."""
    sign, man, exp, _ = v._mpf_  # (man_exp would drop the sign)
    if not man:
        return Fraction(0)
    top = int(exp) + int(man).bit_length()
    if top > 1100:
        q = Fraction(2) ** 1100
    elif top < -1200:
        q = Fraction(1, 2**1200)
    else:
        q = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -q if sign else q


class MpmathReference:
    """A callable of mpmath numbers, evaluated at rising precision until two precisions round alike;
    with ``wrt``, its derivative in that argument (a central difference at high precision, see ``_derivative``).

    Point values at two precisions can agree on a wrong answer when both lost
    everything to cancellation (``mpmath.exp(x) - 1`` at x = 1e-300 is exactly 0
    at 128 and at 256 bits), so an exact zero, and "undefined" (a log or a
    division of such a zero), are believed only at the last precision.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        names: Sequence[str],
        *,
        wrt: str | None = None,
        vectors: Mapping[str, int] | None = None,
    ):
        self.fn = fn
        self.names = tuple(names)
        self.index = None if wrt is None else self.names.index(wrt)
        self.gradient = wrt is not None and wrt in (vectors or {})
        label = getattr(fn, "__name__", None) or repr(fn)
        self.text = label if wrt is None else f"{'∇' if self.gradient else 'd/d'}{wrt} {label}"

    def _at(self, args: list[Any], prec: int) -> Any:
        if self.index is None:
            return self.fn(*args)
        if not self.gradient:
            return _derivative(self.fn, args, self.index, prec)
        i, vec = self.index, list(args[self.index])
        out = []
        for j in range(len(vec)):  # one partial derivative per component: the gradient

            def along(t: Any, j: int = j) -> Any:
                return self.fn(*args[:i], [*vec[:j], t, *vec[j + 1 :]], *args[i + 1 :])

            out.append(_derivative(along, [vec[j]], 0, prec))
        return out

    def __call__(self, inputs: Mapping[str, Any], fmt: FloatFormat) -> Exact | None:
        # the reference calls the global ``mpmath.mp`` at the precision set here: one thread at a time
        with _MPMATH_LOCK:
            return self._exact(inputs, fmt)

    def _exact(self, inputs: Mapping[str, Any], fmt: FloatFormat) -> Exact | None:
        import mpmath

        previous: Any = None
        for prec in MP_PRECISIONS:
            with mpmath.workprec(prec):
                args = [_mp_arg(v) for v in (inputs[n] for n in self.names)]
                try:
                    out = self._at(args, prec)
                    vector = _is_sequence(out)
                    reals = [_real(c) for c in (out if vector else [out])]
                except (ValueError, ZeroDivisionError, ArithmeticError):
                    reals, vector = [None], False
                if any(r is None for r in reals):  # undefined here, or a cancellation to 0 fed a log or a division
                    previous = None
                    continue
                qs = [_fraction(r) for r in reals]
                texts = [mpmath.nstr(r, 20) for r in reals]
            rounded = [(fmt.round(q), float64.round(q)) for q in qs]
            if rounded == previous and (all(q != 0 for q in qs) or prec == MP_PRECISIONS[-1]):
                exact = [Exact(r[0], r[1], t) for r, t in zip(rounded, texts)]
                return tuple(exact) if vector else exact[0]  # type: ignore[return-value]
            previous = rounded
        return None if previous is None else UNKNOWN


def _mp_arg(v: Any) -> Any:
    import mpmath

    if isinstance(v, tuple):  # a vector: a list of mpf
        return [mpmath.mpf(c) for c in v]
    return v if isinstance(v, int) else mpmath.mpf(v)


def _is_sequence(v: Any) -> bool:
    return isinstance(v, (list, tuple)) or (
        hasattr(v, "__len__") and hasattr(v, "__getitem__") and not isinstance(v, str)
    )


def _derivative(fn: Callable[..., Any], args: list[Any], i: int, prec: int) -> Any:
    """d fn / d args[i] by one central difference, with a step and a working precision that keep ``prec`` bits.

    The step is relative to |x| (absolute below 1), so x + h still differs
    from x; the truncation error, h**2 relative, is far below 2**-prec. The
    difference f(x + h) - f(x - h) ~ 2 h f'(x) cancels about
    log2(|f| / (h |f'|)) bits, so the working precision is raised by that
    much, measured, and the difference taken again while it is short.
    """
    import mpmath

    x = args[i]
    at = lambda t: fn(*args[:i], t, *args[i + 1 :])
    mag_h = min(mpmath.mag(x), 0) - prec - 16 if x else -prec - 16
    h = mpmath.ldexp(1, mag_h)
    wp = prec + 32 + max(0, (mpmath.mag(x) if x else 0) - mag_h)
    d = None
    for _ in range(4):
        with mpmath.workprec(wp):
            mag_f = max(mpmath.mag(at(x + h)), mpmath.mag(at(x - h)))
            d = (at(x + h) - at(x - h)) / (2 * h)
        if not mpmath.isfinite(d):
            return d
        # a zero difference: lost below the absolute resolution, or truly zero; the caller believes
        # zero only at its last precision, where this resolves down past the smallest subnormal
        mag_d = mpmath.mag(d) if d else -1100 - prec
        need = prec + 32 + max(0, mag_f - mag_h - mag_d)
        if need <= wp:
            break
        wp = need
    assert d is not None
    return +d  # rounded to the caller's precision


@dataclass
class Point:
    """One input: the function's value, the truth, the error, and what kind of example it is."""

    inputs: dict[str, Any]
    kind: str  # ok | fail | raised | undefined | unknown
    value: float = math.nan
    exact: Exact | None = None
    ulps: float = 0.0
    rel: float = 0.0
    abs: float = 0.0
    error: BaseException | None = None
    component: int | None = None  # a vector result: the worst component (its value and exact are those above)
    components: tuple[float, ...] = ()  # a vector result: ulps of each component


@dataclass(frozen=True)
class Accuracy:
    """What ``assert_accurate`` measured when it passed: the largest error found and where."""

    examples: int
    max_ulps: float
    max_bits: float
    max_rel: float
    worst: Mapping[str, Any] = field(default_factory=dict)
    skipped: int = 0
    notes: tuple[str, ...] = ()  # how the inputs were passed; a result wider than the format


def _error_measures(value: float, exact: Exact, fmt: FloatFormat) -> tuple[float, float, float]:
    if value == exact.value or (math.isnan(value) and math.isnan(exact.value)):
        return 0.0, 0.0, 0.0
    if not (math.isfinite(value) and math.isfinite(exact.value)):
        return math.inf, math.inf, math.inf
    ulps = fmt.ulp_distance(value, exact.value)
    d = abs(value - exact.approx)
    rel = d / abs(exact.approx) if exact.approx else math.inf
    return ulps, rel, d


class Search:
    """The three hypothesis runs over one function, reference, domain and tolerance."""

    def __init__(
        self,
        func: Callable[..., Any],
        reference: Any,
        variables: Sequence[tuple[str, Any]],
        assume: Sequence[Any],
        tolerance: Tolerance,
        backend: str,
        examples: int,
        seed: int,
        as_list: bool = False,
    ):
        self.func, self.reference, self.variables, self.assume = func, reference, variables, assume
        self.tolerance, self.examples, self.seed = tolerance, examples, seed
        self.fmt = get_format(backend)
        self.cache: dict[tuple, Point] = {}
        self.points: list[Point] = []
        self.convert = _converter(self.fmt)
        self.as_list = as_list
        self.returned: str | None = None  # the type of the first result, as a format or a Python type
        self.wider: str | None = None  # the sentence when that type is wider than the format

    def arguments(self, inputs: Mapping[str, Any]) -> list[Any]:
        """The inputs as the function receives them: format scalars; a vector as a numpy array of the format's
        dtype (a list of format scalars with ``as_list``); integers as Python ints."""
        import numpy as np

        out: list[Any] = []
        for v in inputs.values():
            if isinstance(v, tuple):
                items = [self.convert(c) for c in v]
                out.append(items if self.as_list else np.array(items, dtype=_dtype(self.fmt)))
            else:
                out.append(v if isinstance(v, int) else self.convert(v))
        return out

    def passed(self) -> str:
        """How the inputs were passed and what came back, for messages."""
        scalar = {64: "Python floats", 32: "numpy.float32 scalars", 16: "numpy.float16 scalars"}[self.fmt.width]
        vector = any(d.size is not None for _, d in self.variables)
        vec = ""
        if vector:
            vec = f", vectors as {'lists of those' if self.as_list else f'numpy arrays of {_dtype(self.fmt).__name__}'}"
        back = f"; it returned {self.returned}" if self.returned else ""
        return f"inputs passed as {scalar}{vec}, integers as Python ints{back}"

    def evaluate(self, inputs: dict[str, Any]) -> Point:
        key = tuple(inputs.items())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        exact = self.reference(inputs, self.fmt)
        if exact is UNKNOWN or exact is None:
            p = Point(dict(inputs), "unknown" if exact is UNKNOWN else "undefined")
        else:
            args = self.arguments(inputs)
            try:
                out = self.func(*args)
            except UserCodeError:
                raise
            except Exception as exc:  # the function under test crashed at an admissible input
                if not isinstance(exc, NUMERICAL):  # not a numerical outcome: an error in the code, at once
                    raise _Stop(_code_error(self.func, inputs, exc)) from exc
                p = Point(dict(inputs), "raised", exact=exact, ulps=math.inf, rel=math.inf, abs=math.inf, error=exc)
            else:
                self._note_type(out)
                p = self._compare(inputs, out, exact)
        if len(self.cache) < 100_000:
            self.cache[key] = p
        return p

    def _note_type(self, out: Any) -> None:
        if self.returned is not None:
            return
        from identities.evaluate.usercode import type_name, wider_text

        self.returned = type_name(out)
        first = out
        if _is_sequence(out) and not hasattr(out, "dtype") and len(out):
            first = out[0]
            self.returned = f"a {type(out).__name__} of {type_name(first)}"
        self.wider = wider_text(_name(self.func), first, self.fmt)

    def _compare(self, inputs: Mapping[str, Any], out: Any, exact: Any) -> Point:
        if not isinstance(exact, tuple):
            value = self.fmt.round(_as_float(out, self.func, inputs))
            ulps, rel, d = _error_measures(value, exact, self.fmt)
            ok = self.tolerance.passes(value, exact.value, self.fmt) or (math.isnan(value) and math.isnan(exact.value))
            return Point(dict(inputs), "ok" if ok else "fail", value, exact, ulps, rel, d)
        values = _as_floats(out, len(exact), self.func, inputs)
        per = []
        for v, e in zip(values, exact):
            v = self.fmt.round(v)
            ulps, rel, d = _error_measures(v, e, self.fmt)
            ok = self.tolerance.passes(v, e.value, self.fmt) or (math.isnan(v) and math.isnan(e.value))
            per.append((v, e, ulps, rel, d, ok))
        i = max(range(len(per)), key=lambda j: (not per[j][5], _rank(per[j][2]), per[j][3]))
        v, e, ulps, rel, d, _ = per[i]
        ok = all(q[5] for q in per)
        comps = tuple(q[2] for q in per)
        return Point(dict(inputs), "ok" if ok else "fail", v, e, ulps, rel, d, component=i, components=comps)

    def _run(self, stop: Callable[[Point], bool] | None, shrink: bool) -> Point | None:
        from hypothesis import Phase, given, target
        from hypothesis import seed as h_seed
        from hypothesis.errors import Unsatisfiable

        from identities.check.search import (  # as the engine: draws depend on the seed only
            isolated_constants,
            settings_for,
        )
        from identities.draws.inputs import inputs_strategy

        class Found(Exception):
            def __init__(self, point: Point):
                self.point = point

        def body(inputs: dict[str, Any]) -> None:
            p = self.evaluate(inputs)
            if stop is None:
                self.points.append(p)
            elif stop(p):
                raise Found(p)
            if p.kind in ("ok", "fail") and math.isfinite(p.ulps):
                target(bits(p.ulps), label="bits of error")

        phases = (Phase.generate, Phase.target) + ((Phase.shrink,) if shrink else ())
        test = given(inputs=inputs_strategy(self.variables, self.fmt, self.assume))(body)
        test = h_seed(self.seed)(settings_for(self.examples, phases)(test))
        try:
            with isolated_constants():
                test()
        except Found as found:
            return found.point
        except _Stop as stop:  # raised as the test sees it: the summary, the user's exception chained
            err = stop.error
            raise UserCodeError(err.summary, err.original, err.summary) from err.original
        except Unsatisfiable:
            if stop is None and not self.points:
                raise InvalidArgument("no admissible input: every draw was rejected by vars or assume") from None
        return None

    def search(self) -> list[Point]:
        self._run(None, shrink=False)
        return self.points

    def largest(self, worst: Point) -> Point:
        """The simplest input whose error is at least the largest found."""
        if worst.kind == "raised":
            found = self._run(lambda p: p.kind == "raised", shrink=True)
        else:
            found = self._run(lambda p: p.kind == "fail" and p.ulps >= worst.ulps, shrink=True)
        return found or worst

    def minimal(self, fallback: Point) -> Point:
        """The simplest failing input: shrunk by hypothesis, then made readable (1.0 rather than 1.0000000000000002)."""
        found = self._run(lambda p: p.kind == "fail", shrink=True) or fallback
        return self._humanize(found)

    def _humanize(self, p: Point) -> Point:
        from identities.check.simplify import simpler
        from identities.draws.inputs import admissible

        admits = admissible(self.variables, self.fmt, self.assume)
        current = p
        for name in [n for n in p.inputs if not isinstance(p.inputs[n], tuple)]:  # vectors: as hypothesis shrank
            for cand in simpler(current.inputs[name], self.fmt)[:60]:
                trial = {**current.inputs, name: cand}
                if admits(trial) and (q := self.evaluate(trial)).kind == p.kind:
                    current = q
                    break
        return current


def _converter(fmt: FloatFormat) -> Callable[[float], Any]:
    """Inputs as the function under test receives them: float for float64, numpy scalars for narrower."""
    if fmt.width == 64:
        return float
    import numpy as np

    return {32: np.float32, 16: np.float16}[fmt.width]


class _Stop(BaseException):
    """An error in the code under test: a BaseException, so hypothesis stops at once rather than shrink it."""

    def __init__(self, error: UserCodeError):
        super().__init__(str(error))
        self.error = error


def _dtype(fmt: FloatFormat) -> Any:
    import numpy as np

    return {64: np.float64, 32: np.float32, 16: np.float16}[fmt.width]


def _rank(u: float) -> float:
    return math.inf if math.isnan(u) else u


def _name(func: Any) -> str:
    return getattr(func, "__name__", None) or repr(func)


def _code_error(func: Any, inputs: Mapping[str, Any], exc: BaseException) -> Any:
    from identities.evaluate.usercode import failure

    where = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
    return failure(_name(func), f"{_name(func)}({where})", exc)


def _as_floats(out: Any, n: int, func: Any, inputs: Mapping[str, Any]) -> list[float]:
    """A vector result as n floats, component by component."""
    try:
        values = [float(c) for c in out]
    except (TypeError, ValueError):
        values = []
    if len(values) != n:
        where = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
        raise InvalidArgument(
            f"{_name(func)} returned {out!r} at {where}; the reference is a vector of {n} components, so it must "
            f"return {n} real numbers (a list or an array)"
        )
    return values


def _as_float(out: Any, func: Any, inputs: Mapping[str, Any]) -> float:
    try:
        return float(out)
    except (TypeError, ValueError):
        where = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
        raise InvalidArgument(
            f"{getattr(func, '__name__', func)} returned {out!r} at {where}; it must return one real number"
        ) from None
