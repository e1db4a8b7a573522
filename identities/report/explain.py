"""``identities explain``: one identity at one input, subexpression by subexpression.

For each side: its value in the backend and exactly, its error in ulps, the
cause of that error (``identities.check.causes``), and the table of every
subexpression, so a user sees where the bits went, as Herbie shows local error
for a single expression. For an identity with ``diff``, the notebook's
finite-difference table follows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from identities.check.causes import diagnose, node_rows, truth_text
from identities.numbers.metrics import bits
from identities.oracle.scalar import DEFAULT_ORACLE, HOLDS, REFUTED
from identities.registry.files import Identity
from identities.report.mathtext import identity_text
from identities.report.text import CAUSE_WORDS, ulps

__all__ = ["explain_text"]


def _show(v: float) -> str:
    return "nan (undefined in floats)" if isinstance(v, float) and math.isnan(v) else repr(v)


def explain_text(ident: Identity, backend: Any, at: Mapping[str, Any]) -> tuple[str, Any]:
    """The explanation as text, and the finite-difference table (None without diff)."""
    from identities.check.engine import effective_tolerance
    from identities.draws.inputs import admissible
    from identities.numbers.formats import short_repr
    from identities.report.fdtable import finite_difference_table

    fmt = backend.format
    exact = {k: (v if isinstance(v, int) else fmt.round(float(v))) for k, v in at.items()}
    shown = ", ".join(f"{k}={v if isinstance(v, int) else short_repr(v, fmt)}" for k, v in exact.items())
    out = [
        f"{ident.name}: {identity_text(ident.lhs, ident.rhs, ident.one_sided)}",
        f"  {ident.statement}",
        f"  at {shown or '(no variables)'} in {backend.name}",
    ]
    rounded = [k for k, v in at.items() if not isinstance(v, int) and exact[k] != float(v)]
    if rounded:
        out.append(f"  note: {', '.join(rounded)} rounded to the nearest {fmt.name}")
    if not admissible(ident.variables, fmt, ident.assume)(exact):
        out.append("  note: this input is outside the identity's domain or assumptions")
    point = DEFAULT_ORACLE.compare(ident.lhs, ident.rhs, exact)
    tol = effective_tolerance(ident, backend)
    sides: dict[str, tuple[float, Any]] = {}
    for side, expr in (("lhs", ident.lhs), ("rhs", ident.rhs)):
        rows = node_rows(expr, exact, backend)
        sides[side] = (rows[-1].value, rows[-1].truth_float)
    if ident.one_sided:  # the other side is the truth itself
        sides["rhs"] = (sides["lhs"][1] if sides["lhs"][1] is not None else math.nan, sides["lhs"][1])
    (lf, tl), (rf, tr) = sides["lhs"], sides["rhs"]
    verdict = {
        HOLDS: "the sides are equal in exact arithmetic here",
        REFUTED: "the sides DIFFER in exact arithmetic here: the identity is false at this input",
    }.get(point.status, f"oracle: {point.status.replace('_', ' ')}" + (f" ({point.note})" if point.note else ""))
    apart = fmt.ulp_distance(lf, rf)
    passes = tol.passes(lf, rf, fmt) if tol is not None else None
    within = "within" if passes else "EXCEEDED"
    if ident.one_sided:
        out += [
            "",
            f"  expr = {_show(lf):<26} true value = {truth_text(point.lhs, 20)}",
            f"  {ulps(apart)} ulp from the truth ({_bits(apart)} bits); tolerance {tol}: {within}",
        ]
    else:
        out += [
            "",
            f"  {verdict}",
            f"  lhs = {_show(lf):<26} true lhs = {truth_text(point.lhs, 20)}",
            f"  rhs = {_show(rf):<26} true rhs = {truth_text(point.rhs, 20)}",
            f"  the sides are {ulps(apart)} ulp apart ({_bits(apart)} bits); tolerance {tol}: {within}",
        ]
    checked = (("lhs", ident.lhs, tl),) if ident.one_sided else (("lhs", ident.lhs, tl), ("rhs", ident.rhs, tr))
    for side, expr, truth in checked:
        value = sides[side][0]
        err = fmt.ulp_distance(value, truth) if truth is not None else math.nan
        out += ["", f"{side}: {expr}"]
        if truth is None:
            out.append("  no true value here (undefined in the reals, or unresolved)")
            continue
        c = diagnose(expr, side, exact, backend)
        out.append(
            f"  {ulps(err)} ulp off the truth ({_bits(err)} bits); cause: {CAUSE_WORDS[c.label]}"
            + (f": {c.detail}" if c.label != "exact" else "")
        )
        rows = [r for r in node_rows(expr, exact, backend) if r.expr.children() or str(r.expr) == str(expr)]
        if len(rows) > 1 or (rows and rows[0].ulps):
            width = min(48, max(len(r.text) for r in rows))
            out.append(f"  {'subexpression':<{width}}  {backend.name + ' value':>24}  {'true value':>24}  ulps off")
            for r in rows:
                text = r.text if len(r.text) <= width else r.text[: width - 1] + "…"
                beyond = (
                    "  (its true value is beyond the format's range)"
                    if (r.truth_float is not None and math.isinf(r.truth_float))
                    else ""
                )
                out.append(
                    f"  {text:<{width}}  {_show(r.value):>24}  {truth_text(r.truth, 17):>24}  {ulps(r.ulps)}{beyond}"
                )
    fd = None
    if ident.diff_order:
        out.append("")
        try:
            fd = finite_difference_table(ident, backend, exact)
            out.append(fd.text())
        except ValueError as exc:
            out.append(f"no finite-difference table here: {exc}")
    return "\n".join(out), fd


def _bits(u: float) -> str:
    b = bits(u)
    return "inf" if math.isinf(b) else f"{b:.1f}"
