"""Number formatting and sentences shared by the HTML, Markdown and terminal writers."""

from __future__ import annotations

import math
from typing import Any

from identities.report.analysis import Analysis, ErrorSummary

__all__ = [
    "ulps",
    "bits_text",
    "value",
    "fmt_of",
    "pct",
    "headline",
    "VERDICT_WORDS",
    "CAUSE_WORDS",
    "STAT_ROWS",
    "STAT_COLUMNS",
    "stat_cells",
    "domain_text",
    "bound_lines",
]

VERDICT_WORDS = {
    "holds": "holds",
    "precision_failure": "precision failure",
    "refuted": "refuted",
    "domain_mismatch": "domain mismatch",
    "error": "error",
}
CAUSE_WORDS = {
    "cancellation": "cancellation",
    "overflow": "overflow",
    "underflow": "underflow",
    "undefined": "an undefined intermediate",
    "finite_difference": "finite-difference approximation",
    "implementation": "your implementation",
    "rounding": "rounding accumulation",
    "exact": "none (exact)",
    "unknown": "unknown",
}
STAT_ROWS = (("lhs", "lhs vs truth"), ("rhs", "rhs vs truth"), ("between", "lhs vs rhs"))
STAT_COLUMNS = ("mean ulps", "max ulps", "mean bits", "max bits", "> 0 ulp", "> 1 ulp", "> tolerance")


def ulps(u: float) -> str:
    if math.isnan(u):
        return "nan"
    if math.isinf(u):
        return "inf"
    if u >= 1e6:
        return f"{u:.3g}"
    return f"{u:.2f}".rstrip("0").rstrip(".") if u != int(u) else str(int(u))


def bits_text(b: float) -> str:
    if math.isnan(b):
        return "nan"
    return "inf" if math.isinf(b) else f"{b:.1f}"


def value(v: Any, fmt: Any = None) -> str:
    """A side's value or truth as shown: floats as the shortest decimal that reads back in ``fmt``."""
    if v is None:
        return "undefined"
    if isinstance(v, float):
        if fmt is None:
            return repr(v)
        from identities.numbers.formats import short_repr

        return short_repr(v, fmt)
    return str(v)


def fmt_of(backend: str) -> Any:
    """The float format of a backend's values (float64 for mpmath, whose inputs are doubles)."""
    from identities.numbers.formats import FORMATS

    return FORMATS.get(backend.rsplit("-", 1)[-1], FORMATS["float64"])  # torch-bfloat16 computes in bfloat16


def pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x in (0.0, 1.0) or 0.01 <= x <= 0.99 else f"{100 * x:.2g}%"


def stat_cells(s: ErrorSummary) -> list[str]:
    n = max(s.n, 1)
    return [
        ulps(s.mean_ulps),
        ulps(s.max_ulps),
        bits_text(s.mean_bits),
        bits_text(s.max_bits),
        f"{s.over_zero} ({pct(s.over_zero / n)})",
        f"{s.over_one} ({pct(s.over_one / n)})",
        f"{s.over_tolerance} ({pct(s.over_tolerance / n)})",
    ]


def domain_text(a: Analysis) -> str:
    if a.ident is None:
        return ""
    parts = [f"{n} ∈ {d}" for n, d in a.ident.variables]
    parts += [f"assume {e}" for e in a.ident.assume]
    return ", ".join(parts) or "a point identity (no variables)"


def headline(a: Analysis) -> str:
    """One sentence: what happened for this identity and backend."""
    r = a.result
    if r.verdict == "error":
        return f"Could not be evaluated: {r.message}"
    if not a.is_float:
        return {
            "holds": f"True at every one of the {r.examples} inputs the oracle decided.",
            "refuted": "False: the oracle proves the sides differ (see the counterexample).",
            "domain_mismatch": "One side is undefined in the reals where the other is defined.",
        }.get(r.verdict, VERDICT_WORDS.get(r.verdict, r.verdict))
    if r.verdict == "refuted":
        return "False in exact arithmetic: the oracle proves the sides differ, so no float result can hold."
    if r.verdict == "domain_mismatch":
        return "One side is undefined in the reals where the other is defined."
    lost = a.bits_lost
    side = a.cause.culprit if a.cause else ""
    who = {"lhs": "the left side", "rhs": "the right side", "both": "both sides"}.get(side, "a side")
    why = ""
    if a.cause and a.cause.label not in ("exact", "unknown"):
        why = f"; cause: {CAUSE_WORDS[a.cause.label]}" + (f" in `{a.cause.node}`" if a.cause.node else "")
    if r.verdict == "holds":
        if not lost:
            return "Holds: the two sides were equal at every input."
        return f"Holds within {r.tolerance}: {who} loses up to {bits_text(lost)} bits{why}."
    return f"Fails in {r.backend}: {who} loses up to {bits_text(lost)} bits{why}."


def bound_lines(r: Any) -> list[str]:
    """The proven bounds of a Result, per side ``found <= max error <= proven`` with the ratio and where the
    largest term comes from, then the tolerance proven sufficient; [] where no bound was computed."""
    b = getattr(r, "bound", None)
    if b is None:
        return []
    if not b.proven:
        return [f"none ({b.reason})"]
    out = []
    for side in ("lhs", "rhs"):
        sb = getattr(b, side)
        if sb.abs is None or sb.model == "exact":
            continue
        found = r.side_errors.get(side) if r.side_errors else None
        got = found.abs if found is not None else math.nan
        ratio = f" (ratio {sb.abs / got:.3g})" if got and math.isfinite(got) and got > 0 else ""
        units = f", {sb.ulps:.0f} ulp" if sb.ulps is not None else ""
        cut = "" if sb.complete else "; budget cut short, looser"
        out.append(
            f"{side}: found {got:.3g} <= max error <= proven {sb.abs:.3g} abs{units}{ratio}; where: {sb.where}{cut}"
        )
    sufficient = b.sufficient()
    proof = " (so holds is proven, not only sampled)" if getattr(r, "proof", "") == "bound" else ""
    out.append(f"a tolerance of {sufficient} is proven sufficient{proof}")
    out.append(f"assuming {b.lhs.model}")
    return out
