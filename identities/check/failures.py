"""The text of a verdict that is not the expected one: what a numerical analyst needs, and nothing else.

Shared by the pytest plugin and ``identities.testing.asserts.assert_identity``, so an
identity fails with the same words wherever it is checked: the verdict, the
minimal counterexample with every input in repr and hex (hex is exact, and
pastes back into ``float.fromhex``), both sides, the oracle's values, each
side's error in ulps and bits, the culprit, and how to reproduce it.
"""

from __future__ import annotations

import math
import shlex
from typing import Any

from identities.check.results import Counterexample, Result

__all__ = ["explain", "reproduce_command", "float_text", "hex_text", "tolerance_note"]


def hex_text(v: float) -> str:
    """``float.hex`` without trailing zero digits: ``0x1.99999ap-4`` for float32's 0.1."""
    h = v.hex()
    if "." not in h:
        return h
    mant, exp = h.split("p")
    return f"{mant.rstrip('0').rstrip('.')}p{exp}"


def float_text(v: Any, fmt: Any = None) -> str:
    """A value as ``repr (hex)`` when it is a float, plain otherwise (integers, mpmath strings, 'undefined')."""
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    if not math.isfinite(v):
        return repr(v)
    if fmt is not None and fmt.width != 64:
        from identities.numbers.formats import short_repr

        return f"{short_repr(v, fmt)} ({hex_text(v)})"
    return f"{v!r} ({hex_text(v)})"


def _ulps(u: float) -> str:
    """``6 ulp (2.8 bits)``: the error in both units a reader may think in."""
    if math.isnan(u) or math.isinf(u):
        return "inf ulp"
    n = f"{u:.3g}" if u >= 1e6 else f"{u:.0f}"
    return f"{n} ulp ({math.log2(1 + u):.1f} bits)"


def reproduce_command(result: Result, file: str | None, examples: int | None = None) -> str:
    """``identities check FILE --select NAME --backend B --seed S --examples N --no-database``; no FILE for the
    built-in library. ``--no-database``: the command must not try counterexamples saved by earlier runs first,
    since the run it reproduces did not."""
    parts = ["identities", "check"]
    if file:
        parts.append(file)
    parts += ["--select", result.identity, "--backend", result.backend, "--seed", str(result.seed)]
    if examples is not None:
        parts += ["--examples", str(examples)]
    return shlex.join([*parts, "--no-database"])


def _counterexample(label: str, c: Counterexample, fmt: Any, backend: str, one_sided: bool = False) -> list[str]:
    rows: list[tuple[str, str, str, str]] = []
    for name, v in c.inputs.items():
        rows.append((name, *_split(v, fmt), ""))
    sides = [("lhs", c.lhs, c.truth_decimal[0], c.lhs_ulps), ("rhs", c.rhs, c.truth_decimal[1], c.rhs_ulps)]
    for side, value, decimal, err in sides[:1] if one_sided else sides:
        side = "expr" if one_sided else side
        shown = _split(value, fmt) if backend != "mpmath" else (str(value), "")
        oracle = f"oracle {decimal}" if decimal is not None else "oracle: undefined in the reals"
        if decimal is not None and value != "undefined":
            oracle += f", error {_ulps(err)}"
        rows.append((side, *shown, oracle))
    w0, w1, w2 = (max(len(r[i]) for r in rows) for i in range(3))
    lines = [f"  {label}: {c.inputs_text(fmt) or '(no variables)'}"]
    lines += [f"    {a:<{w0}} = {b:<{w1}}  {h:<{w2}}  {o}".rstrip() for a, b, h, o in rows]
    cause = f": {c.cause}" if c.cause else ""
    if one_sided:  # the only side is the culprit
        lines.append(f"    {_ulps(c.ulps)} from the truth{cause}")
        return lines
    apart = f"{_ulps(c.ulps)} apart; " if c.kind in ("precision_failure", "ok") else ""
    lines.append(f"    {apart}culprit: {c.culprit}{cause}")
    return lines


def _split(v: Any, fmt: Any) -> tuple[str, str]:
    """(repr, hex) of a float; (text, '') of anything else."""
    if isinstance(v, bool) or not isinstance(v, float) or not math.isfinite(v):
        return (str(v) if not isinstance(v, float) else repr(v)), ""
    if fmt is not None and fmt.width != 64:
        from identities.numbers.formats import short_repr

        return short_repr(v, fmt), hex_text(v)
    return repr(v), hex_text(v)


def _proven(r: Result) -> list[str]:
    """What the proven bounds say: the tolerance that always passes, or why there is none."""
    b = r.bound
    if b is None:
        return []
    if not b.proven:
        return [f"  no proven bound: {b.reason}"]
    per_side = ", ".join(
        f"{side} <= {getattr(b, side).abs:.3g} abs" for side in ("lhs", "rhs") if getattr(b, side).model != "exact"
    )
    return [
        f"  a tolerance of {b.sufficient()} is proven sufficient (round-off bounds: {per_side}; assuming {b.lhs.model})"
    ]


def tolerance_note(r: Result) -> str:
    """Why the tolerance of an identity using ``diff`` is what it is, with the result's own numbers:
    ``within the central-difference tolerance 9.4e-09 rel or 9.4e-09 abs: 22.2 bits lost to the difference
    quotient (lhs), 30.8 of float64's 53 kept``; "" for any other tolerance, or a verdict it does not judge.

    The bits lost are the quotient side's largest error against its exact derivative, over every decided
    example (``side_errors``): what the difference quotient kept is what a float derivative rule can be
    held to, and the default tolerance (``identities.language.tolerance.default_tolerance``) allows it."""
    if r.tolerance_source != "central-difference" or not r.tolerance or r.verdict not in ("holds", "precision_failure"):
        return ""
    what = f"{'within' if r.verdict == 'holds' else 'not within'} the central-difference tolerance {r.tolerance}"
    sides = [s for s in r.quotient_sides if s in r.side_errors and math.isfinite(r.side_errors[s].bits)]
    if not sides:
        return f"{what} (the default where diff is a difference quotient)"
    side = max(sides, key=lambda s: r.side_errors[s].bits)
    lost = r.side_errors[side].bits
    from identities.backends import get_backend

    fmt = get_backend(r.backend).format
    kept = max(fmt.precision - lost, 0.0)
    where = "" if r.one_sided else f" ({side})"
    return (
        f"{what}: {lost:.1f} bits lost to the difference quotient{where}, "
        f"{kept:.1f} of {fmt.name}'s {fmt.precision} kept"
    )


def explain(result: Result, identity: Any = None, *, reproduce: str | None = None, name: bool = True) -> str:
    """The failure text of one Result whose verdict is not the expected one.

    ``identity`` (an Identity) adds the identity itself and its domains;
    ``reproduce`` is the one-line command (or call) that gives the same Result;
    ``name=False`` leaves the name and backend out of the first line, where
    the reader has them already (pytest's headers and short summary).
    """
    from identities.backends import get_backend

    r = result
    head = f"{r.identity} [{r.backend}]: " if name else ""
    if r.verdict == "holds" and r.expected != "holds":
        head += f"unexpectedly holds; update expect (expected {r.expected})"
    else:
        head += f"{r.verdict} (expected {r.expected})"
    lines = [head]
    if identity is not None:
        vars_ = ", ".join(f"{n}: {d}" for n, d in identity.variables) or "no variables"
        lines.append(f"  {identity.statement}   [{vars_}]")
    if r.verdict == "error":
        lines.append(f"  {r.message}")
    else:
        tol = f"tolerance {r.tolerance}; needed {r.needed_tolerance}; " if r.tolerance else ""
        if math.isnan(r.max_error.ulps):  # mpmath: bits of its working precision, no ulps
            err = f"{r.max_error.bits:.1f} bits of its working precision"
        else:
            err = _ulps(r.max_error.ulps)
        lines.append(f"  {tol}max error {err} over {r.examples} examples ({100 * r.exact_rate:.0f}% exact)")
        note = tolerance_note(r)
        if note:
            lines.append(f"  {note}")
        fmt = get_backend(r.backend).format
        if r.counterexample is not None and r.verdict != "holds":
            lines += _counterexample("minimal counterexample", r.counterexample, fmt, r.backend, r.one_sided)
        if r.worst is not None and r.verdict != "holds":
            w = r.worst
            if r.one_sided:
                lines.append(f"  worst example found: {w.inputs_text(fmt)}: {_ulps(w.ulps)} from the truth")
            else:
                lines.append(
                    f"  worst example found: {w.inputs_text(fmt)}: {_ulps(w.ulps)} apart "
                    f"(lhs error {_ulps(w.lhs_ulps)}, rhs error {_ulps(w.rhs_ulps)})"
                )
        lines += _proven(r)
        if r.message:
            lines.append(f"  note: {r.message}")
    if reproduce:
        lines.append(f"  reproduce: {reproduce}")
    return "\n".join(lines)
