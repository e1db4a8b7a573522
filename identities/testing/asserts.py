"""Assertion helpers for users' own numerical code, in the spirit of ``numpy.testing`` but in ulps.

- ``assert_close(actual, expected, tolerance="4 ulp")``: arrays or scalars of
  float16/32/64, vectorised; the message names the worst element, both values
  (repr and hex), its error in ulps, bits, relative and absolute terms, how many
  elements failed, and the tolerance that would have passed.
- ``assert_identity(lhs, rhs, vars=...)``: an ad-hoc identity, with the verdicts
  and failure text of a registry identity.
- ``assert_accurate(func, reference, vars=...)``: hypothesis drives ``func``
  against an exact reference (an expression string for the oracle, or an mpmath
  callable) and fails with the largest error found, shrunk, beside the minimal
  failing input.
- ``assert_derivative(function, derivative, vars=...)``: a float derivative
  against the exact derivative of ``function``.

Every failure is a self-contained ``AssertionError`` (no reliance on pytest's
assertion rewriting); the helpers hide their own frames from pytest tracebacks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from identities.errors import InvalidArgument, UserCodeError

__all__ = ["assert_close", "assert_identity", "assert_accurate", "assert_derivative"]

DEFAULT_EXAMPLES = 200
DEFAULT_TOLERANCE = "4 ulp"


def assert_close(actual: Any, expected: Any, tolerance: Any = None) -> None:
    """Assert every element of ``actual`` is within ``tolerance`` of ``expected``.

    ULPs are those of ``actual``'s dtype (float16, float32, float64, or ml_dtypes'
    bfloat16, float8_e4m3fn and float8_e5m2; integers and Python floats count as
    float64), with ``expected`` rounded to it; +0 and -0 are equal, nan equals
    nan, an infinity equals only itself. ``tolerance`` is ``"N ulp"``, ``"X rel"``
    (relative to the larger magnitude) or ``"X abs"``, joined by ``or``; None
    (the default) is ``"4 ulp"``, or inside a pytest session the configured
    ``identities_tolerance`` for that dtype. Shapes broadcast as in numpy. Torch
    tensors and jax arrays are read as they are (detached, moved to the CPU, in
    their own dtype: a bfloat16 tensor is compared in bfloat16's ulps), and the
    message says which framework it read.
    """
    __tracebackhide__ = True
    from identities.testing.closeness import as_tolerance, compare
    from identities.testing.tensors import as_numpy

    actual, read_actual = as_numpy(actual, "actual")
    expected, read_expected = as_numpy(expected, "expected")
    notes: list[str] = []
    if tolerance is None:
        tolerance = _session_tolerance(actual, notes)
    tol = as_tolerance(tolerance)
    mismatch = compare(actual, expected, tol)
    if mismatch is not None:
        lines = mismatch.message().split("\n")
        read = [f"actual from a {read_actual}"] if read_actual else []
        read += [f"expected from a {read_expected}"] if read_expected else []
        if read:
            lines.insert(1, f"  read {' and '.join(read)}")
        lines += [f"  {n}" for n in notes]
        raise AssertionError("\n".join(lines))


def _session_tolerance(actual: Any, notes: list[str]) -> str:
    """The configured tolerance for ``actual``'s format inside a pytest session, else 4 ulp."""
    from identities.testing.session import current, take

    if current() is None:
        return DEFAULT_TOLERANCE
    import numpy as np

    from identities.testing.closeness import format_of

    dtype = np.asarray(actual).dtype
    fmt = format_of(dtype).name if dtype.kind in "fV" else "float64"
    return str(take("tolerance", None, DEFAULT_TOLERANCE, notes, fmt=fmt))


def _check_count(examples: object, seed: object) -> None:
    if not isinstance(examples, int) or isinstance(examples, bool) or examples < 1:
        raise InvalidArgument(f"examples={examples!r} must be a positive integer")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgument(f"seed={seed!r} must be an integer")


def assert_identity(
    lhs: str,
    rhs: str,
    *,
    vars: Mapping[str, str] | None = None,
    backends: Sequence[str] | str | None = None,
    tolerance: Mapping[str, str] | str | None = None,
    examples: int | None = None,
    seed: int | None = None,
    expect: Mapping[str, str] | None = None,
    assume: Iterable[str] = (),
    name: str = "assert_identity",
    functions: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Assert an identity's verdict on each backend is its ``expect`` (default ``holds``).

    Built with ``identities.identity`` and checked with ``identities.verify``,
    so the verdicts and the failure text are those of the same identity in a
    file. Returns the Results (one per backend).

    ``backends``, ``examples`` (200), ``seed`` (0) and ``tolerance`` not given
    take, inside a pytest session, what its configuration sets
    (``identities_backends``, ``identities_examples``, ``identities_seed``,
    ``identities_tolerance``, or the ``--identities-*`` options), else the
    defaults; the failure text names what came from the session. There, the
    Results also go into ``--identities-json`` and ``--identities-report``.

    ``functions`` declares functions of yours that the sides call by name:
    ``{"sigmoid": (numutil.sigmoid, "1/(1 + exp(-x))")}`` (or
    ``identities.implementation(f, "definition", args=[...], vectorized=...)``):
    float backends call the Python function, the oracle evaluates the
    definition. An exception from your function that is not a numerical outcome
    (see ``identities.evaluate.usercode``) is raised at once, with its traceback.
    """
    __tracebackhide__ = True
    from identities.check.engine import DEFAULT_BACKENDS, verify
    from identities.check.failures import explain
    from identities.errors import UserCodeError
    from identities.registry.files import identity
    from identities.testing.session import record, take

    notes: list[str] = []
    examples = take("examples", examples, DEFAULT_EXAMPLES, notes)
    seed = take("seed", seed, 0, notes)
    _check_count(examples, seed)
    backends = take("backends", backends, DEFAULT_BACKENDS, notes)
    if isinstance(backends, str):
        backends = [b.strip() for b in backends.split(",") if b.strip()]
    ident = identity(name, lhs, rhs, vars=vars, tolerance=tolerance, expect=expect, assume=assume, functions=functions)
    results = []
    for b in backends:
        default = _session_default(b, notes) if tolerance is None else None
        try:
            r = verify(ident, b, examples=examples, seed=seed, raise_user_errors=True, default_tolerance=default)
        except UserCodeError as exc:
            from identities.testing.records import error_result

            record(error_result(name, b, "", seed, f"{type(exc).__name__}: {exc}"))
            raise
        record(r)
        results.append(r)
    bad = [r for r in results if not r.ok]
    if bad:
        call = _reproduce(seed, examples, notes, any(r.tolerance_source == "configured" for r in results))
        raise AssertionError(
            "\n\n".join(explain(r, ident, reproduce=call if i == len(bad) - 1 else None) for i, r in enumerate(bad))
        )
    return results


def _session_default(backend: str, notes: list[str]) -> Any:
    """The session's tolerance for a backend's format (a Tolerance), None where none is configured."""
    from identities.testing.session import current, take

    if current() is None:
        return None
    from identities.backends import get_backend
    from identities.language.tolerance import parse_tolerance

    be = get_backend(backend)
    if not getattr(be, "is_float", False):
        return None
    mine: list[str] = []
    text = take("tolerance", None, None, mine, fmt=be.format.name)
    if text is None:
        return None
    notes += [n for n in mine if n not in notes]
    return parse_tolerance(text)


def _reproduce(seed: int, examples: int, notes: list[str], tolerance: bool = True) -> str:
    """``the same call (seed=0, examples=200)``, and what came from the pytest session."""
    shown = [n for n in notes if tolerance or not n.startswith("tolerance=")]
    return f"the same call (seed={seed}, examples={examples})" + (
        f"; from the session: {', '.join(shown)}" if shown else ""
    )


def _reference(reference: Any, names: Sequence[str], wrt: str | None, argname: str, vectors: Mapping[str, int]) -> Any:
    from identities.testing.accuracy import ExprReference, MpmathReference

    if isinstance(reference, str):
        return ExprReference(reference, names, wrt=wrt, argname=argname, vectors=vectors)
    if callable(reference):
        return MpmathReference(reference, names, wrt=wrt, vectors=vectors)
    raise InvalidArgument(f"{argname}={reference!r} must be an expression string or an mpmath callable")


def assert_accurate(
    func: Callable[..., Any],
    reference: Any,
    *,
    vars: Mapping[str, str],
    tolerance: Any = None,
    examples: int | None = None,
    backend: str = "float64",
    seed: int | None = None,
    assume: Iterable[str] = (),
    as_list: bool = False,
) -> Any:
    """Assert ``func`` is within ``tolerance`` of the exact ``reference`` at every input hypothesis finds.

    ``func`` takes the variables of ``vars`` positionally, in order, as
    ``float`` (float64) or numpy scalars (float32, float16), integers as Python
    ints, and ``vector[n]`` variables as numpy arrays of the format's dtype
    (lists of its scalars with ``as_list=True``); its result is rounded to the
    backend's format. ``reference`` is an expression string
    (``"log(1 + exp(x))"``, exact by the oracle) or a callable of mpmath
    numbers (``lambda x: mpmath.log1p(mpmath.exp(x))``, at rising precision;
    a vector arrives as a list of mpf). A vector-valued reference (an
    expression over vectors, or a callable returning a list) is compared
    component by component with ``func``'s array or list. Inputs where the
    reference is undefined are skipped.

    ``ArithmeticError`` and ``ValueError`` from ``func`` count as a wrong value
    (nan) at that input; any other exception is raised at once, with its
    traceback (``identities.UserCodeError``). Returns an ``Accuracy`` record (the
    largest error found) when it passes; a result type wider than the format
    (a float32 test of a function that returns a double) is warned about.

    ``tolerance`` (``"4 ulp"``), ``examples`` (200) and ``seed`` (0) not
    given take, inside a pytest session, what its configuration sets
    (``identities_tolerance`` for the backend's format, ``identities_examples``,
    ``identities_seed``); ``backend`` never does (the format is part of what
    the test means). There the outcome also goes into ``--identities-json``
    and ``--identities-report``, as a one-sided result named
    ``assert_accurate(func)``.
    """
    __tracebackhide__ = True
    return _accuracy(func, reference, vars, None, tolerance, examples, backend, seed, assume, "reference", as_list)


def assert_derivative(
    function: Any,
    derivative: Callable[..., Any],
    *,
    vars: Mapping[str, str],
    wrt: str | None = None,
    tolerance: Any = None,
    examples: int | None = None,
    backend: str = "float64",
    seed: int | None = None,
    assume: Iterable[str] = (),
    as_list: bool = False,
) -> Any:
    """Assert ``derivative`` computes d ``function`` / d ``wrt`` to within ``tolerance``.

    ``function`` is an expression string (differentiated exactly by the
    oracle's Taylor arithmetic on balls) or a callable of mpmath numbers
    (differentiated by ``mpmath.diff`` at high precision): never by float
    finite differences. ``wrt`` names the variable (needed when there are
    several); for a ``vector[n]`` variable the derivative is the gradient, an
    array compared component by component. Otherwise as ``assert_accurate``.
    """
    __tracebackhide__ = True
    if isinstance(vars, Mapping) and wrt is None:
        if len(vars) != 1:
            raise InvalidArgument(
                f"wrt=None, but vars={dict(vars)!r} has {len(vars)} variables; say which "
                f"partial derivative with wrt='name'"
            )
        wrt = next(iter(vars))
    if isinstance(vars, Mapping) and wrt not in vars:
        raise InvalidArgument(f"wrt={wrt!r} is not one of vars={dict(vars)!r}")
    return _accuracy(derivative, function, vars, wrt, tolerance, examples, backend, seed, assume, "function", as_list)


def _accuracy(
    func: Any,
    reference: Any,
    vars: Any,
    wrt: str | None,
    tolerance: Any,
    examples: int | None,
    backend: str,
    seed: int | None,
    assume: Iterable[str],
    argname: str,
    as_list: bool = False,
) -> Any:
    __tracebackhide__ = True
    from identities.testing.accuracy import Accuracy, Search, parse_vars
    from identities.testing.closeness import as_tolerance
    from identities.testing.records import accuracy_result, error_result
    from identities.testing.session import record, take

    if not callable(func):
        raise InvalidArgument(f"{'derivative' if wrt else 'func'}={func!r} is not callable")
    if backend not in ("float64", "float32", "float16"):
        raise InvalidArgument(f"backend={backend!r} must be one of float64, float32, float16")
    notes: list[str] = []
    examples = take("examples", examples, DEFAULT_EXAMPLES, notes)
    seed = take("seed", seed, 0, notes)
    _check_count(examples, seed)
    given = tolerance is not None
    tolerance = take("tolerance", tolerance, DEFAULT_TOLERANCE, notes, fmt=backend)
    source = "declared" if given else ("configured" if any(n.startswith("tolerance=") for n in notes) else "default")
    tol = as_tolerance(tolerance)
    variables, checks = parse_vars(vars, list(assume) if not isinstance(assume, str) else [assume])
    names = [n for n, _ in variables]
    vectors = {n: d.size for n, d in variables if d.size is not None}
    ref = _reference(reference, names, wrt, argname, vectors)
    label = f"{'assert_derivative' if wrt else 'assert_accurate'}({_name(func)})"
    search = Search(func, ref, variables, checks, tol, backend, examples, seed, as_list=as_list)
    try:
        points = search.search()
    except UserCodeError as exc:
        record(error_result(label, backend, str(tol), seed, f"{type(exc).__name__}: {exc}"))
        raise
    decided = [p for p in points if p.kind in ("ok", "fail", "raised")]
    if not decided:
        skipped = {k: sum(p.kind == k for p in points) for k in ("undefined", "unknown")}
        message = (
            f"{_title(func, ref, wrt)}: no example could be checked in {len(points)} tries "
            f"({skipped['undefined']} where the reference is undefined, {skipped['unknown']} it "
            f"could not resolve); check vars={dict(vars)!r}"
        )
        record(error_result(label, backend, str(tol), seed, message))
        raise AssertionError(message)
    failing = [p for p in decided if p.kind != "ok"]
    worst = max(decided, key=lambda p: (p.kind == "raised", p.ulps if not math.isnan(p.ulps) else math.inf, p.rel))
    against = f"{_name(func)} against {ref.text}"
    if not failing:
        passed = (search.passed(),) + ((search.wider,) if search.wider else ())
        needed = needed_tolerance(tol, decided)
        record(accuracy_result(label, search, points, needed=needed, note="; ".join((against, *passed)), source=source))
        if search.wider:
            import warnings

            from identities.errors import WiderResultWarning

            warnings.warn(f"{_title(func, ref, wrt)}: {search.wider}; {search.passed()}", WiderResultWarning, 3)
        return Accuracy(
            examples=len(points),
            max_ulps=worst.ulps,
            max_bits=math.log2(1 + worst.ulps),
            max_rel=max(p.rel for p in decided),
            worst=dict(worst.inputs),
            skipped=len(points) - len(decided),
            notes=passed,
        )
    try:
        largest = search.largest(worst)
        fails = [p for p in failing if p.kind == "fail"]
        minimal = search.minimal(fails[0]) if fails else None
    except UserCodeError as exc:
        record(error_result(label, backend, str(tol), seed, f"{type(exc).__name__}: {exc}"))
        raise
    lines, needed = _message(
        search, func, ref, wrt, decided, failing, largest, minimal, len(points) - len(decided), notes
    )
    note = "; ".join(n for n in (against, search.passed(), search.wider) if n)
    record(
        accuracy_result(
            label, search, points, needed=needed, largest=largest, minimal=minimal, note=note, source=source
        )
    )
    raise AssertionError(lines) from largest.error


def _title(func: Any, ref: Any, wrt: str | None) -> str:
    kind = "assert_derivative" if wrt else "assert_accurate"
    return f"{kind}: {_name(func)} vs {ref.text}"


def _name(func: Any) -> str:
    return getattr(func, "__name__", None) or repr(func)


def _message(
    search: Any,
    func: Any,
    ref: Any,
    wrt: str | None,
    decided: list[Any],
    failing: list[Any],
    largest: Any,
    minimal: Any,
    skipped: int,
    notes: Sequence[str] = (),
) -> tuple[str, str | None]:
    """The failure text, and the tolerance that would have passed (None: none does)."""
    from identities.testing.closeness import ceil_sig

    fmt, n = search.fmt, len(decided)
    skip = f"; {skipped} more skipped, where the reference is undefined or unresolved" if skipped else ""
    head = (
        f"{_title(func, ref, wrt)}: not within {search.tolerance} in {fmt.name} at {len(failing)} of {n} "
        f"examples (seed {search.seed}{skip})"
    )
    lines = [head]
    lines += _point_lines(
        "largest error found (shrunk: the simplest input with an error this large)", largest, func, fmt
    )
    if minimal is not None and minimal.inputs != largest.inputs:
        lines += _point_lines("minimal failing input", minimal, func, fmt)
    # over everything evaluated (the shrinking runs too): the maximum found is what a tolerance must cover
    seen = [p for p in search.cache.values() if p.kind in ("ok", "fail", "raised")]
    tol = search.tolerance
    needed = needed_tolerance(tol, seen)
    if needed is not None and any(u != "ulp" for u, _ in tol.terms()):
        lines.append(f'  would pass with tolerance="{needed}"')
    elif needed is not None:
        rel = ceil_sig(max(p.rel for p in seen))
        alt = f' (or "{rel:.2g} rel")' if math.isfinite(rel) else ""
        lines.append(f'  would pass with tolerance="{needed}"{alt}')
    else:
        bad = sum(not math.isfinite(p.ulps) for p in seen)
        lines.append(
            f"  no tolerance passes: {bad} input{'s' if bad > 1 else ''} give nan, an infinity or an "
            f"exception where the exact value is finite (or the reverse)"
        )
    lines.append(f"  {search.passed()}")
    if search.wider:
        lines.append(f"  note: {search.wider}")
    lines.append(f"  reproduce: {_reproduce(search.seed, search.examples, list(notes))}")
    return "\n".join(lines), needed


def needed_tolerance(tol: Any, points: Sequence[Any]) -> str | None:
    """The tightest tolerance passing every point, in the units ``tol`` declares (ulps alone: ``N ulp``);
    None where no tolerance passes (a nan, an infinity or an exception against a finite value)."""
    if not points or not all(math.isfinite(p.ulps) for p in points):
        return None
    if any(u != "ulp" for u, _ in tol.terms()):
        return str(tol.scaled(max(tol.need_factor(p.ulps, p.rel, p.abs) for p in points)))
    return f"{max(p.ulps for p in points):.0f} ulp"


def _point_lines(label: str, p: Any, func: Any, fmt: Any) -> list[str]:
    from identities.check.failures import float_text

    call = f"{_name(func)}({', '.join(p.inputs)})"
    if p.component is not None:
        call += f"[{p.component}]"
    width = max(len(call), len("exact"))
    where = ", ".join(f"{k}={_input_text(v, fmt)}" for k, v in p.inputs.items())
    lines = [f"  {label}:", f"    at {where}"]
    if p.kind == "raised":
        lines.append(f"    {call:<{width}} raised {type(p.error).__name__}: {p.error}")
        lines.append(f"    {'exact':<{width}} = {p.exact.text}")
        return lines
    lines.append(f"    {call:<{width}} = {float_text(p.value, fmt)}")
    lines.append(f"    {'exact':<{width}} = {p.exact.text}  (rounds to {float_text(p.exact.value, fmt)})")
    ulps = "inf ulp" if math.isinf(p.ulps) else f"{p.ulps:.0f} ulp ({math.log2(1 + p.ulps):.1f} bits)"
    lines.append(f"    error {ulps}, rel {p.rel:.3g}, abs {p.abs:.3g}")
    if p.component is not None:
        per = ", ".join("inf" if not math.isfinite(u) else f"{u:.0f}" for u in p.components)
        lines.append(f"    component {p.component} (counting from 0) is the worst; ulps by component: [{per}]")
    return lines


def _input_text(v: Any, fmt: Any) -> str:
    from identities.check.failures import float_text

    if isinstance(v, tuple):  # a vector: its components, short
        from identities.numbers.formats import short_repr

        return "[" + ", ".join(short_repr(float(c), fmt) for c in v) + "]"
    return float_text(v, fmt)
