"""How results look in Jupyter and IPython, and as a pandas DataFrame.

``Result``, ``ResultList`` (what ``verify_all`` returns) and ``Registry`` render as HTML tables in a notebook
(``_repr_html_``: the verdict coloured, the counterexample, and a small inline SVG plot of each side's error
against the first input where the samples were kept, ``verify(..., keep_samples=True)``) and as aligned text
in IPython (``_repr_pretty_``). Every piece of text that comes from a user (names, expressions, inputs,
messages) is escaped. ``results_frame`` gives a DataFrame when pandas is installed (the ``pandas`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from identities.registry.display import CELL, escape, table_html, text_table

__all__ = [
    "VERDICT_COLOURS",
    "ResultList",
    "result_html",
    "results_html",
    "results_text",
    "error_svg",
    "results_frame",
    "pretty",
]

# colour-blind-safe enough, and readable on white and dark notebook themes (white text on each)
VERDICT_COLOURS = {
    "holds": "#1a7f37",
    "precision_failure": "#bc4c00",
    "refuted": "#cf222e",
    "domain_mismatch": "#8250df",
    "error": "#57606a",
}
LHS_COLOUR, RHS_COLOUR = "#1f77b4", "#ff7f0e"  # the report's: left side blue, right side orange
HEADERS = ["identity", "backend", "verdict", "expected", "max ulp", "bits", "exact", "needed", "counterexample"]


def _ulps(u: float) -> str:
    if math.isnan(u):  # no ulps for this backend (mpmath: it is judged in bits)
        return "-"
    if math.isinf(u):
        return "inf"
    return f"{u:.3g}" if u >= 1e6 else str(int(u))


def _cells(r: Any) -> list[str]:
    """The text of one result's row (the verdict and plot columns are drawn separately in HTML)."""
    c = r.counterexample if r.verdict != "holds" else None
    example = c.inputs_text() or "(no variables)" if c is not None else ""
    if r.verdict == "error":
        return [r.identity, r.backend, r.verdict, r.expected, "-", "-", "-", "-", r.message]
    e = r.max_error
    bits = "inf" if math.isinf(e.bits) else f"{e.bits:.1f}"
    return [
        r.identity,
        r.backend,
        r.verdict,
        r.expected,
        _ulps(e.ulps),
        bits,
        f"{100 * r.exact_rate:.0f}%",
        r.needed_tolerance or "-",
        example,
    ]


def _verdict_cell(r: Any) -> str:
    colour = VERDICT_COLOURS.get(r.verdict, "#57606a")
    mark = "" if r.ok else " (unexpected)"
    title = f"expected {r.expected}"
    return (
        f'<td style="{CELL}"><span title="{escape(title)}" style="background:{colour};color:#fff;'
        f'padding:1px 6px;border-radius:3px;white-space:nowrap">{escape(r.verdict)}</span>'
        f"{'<b>' + escape(mark) + '</b>' if mark else ''}</td>"
    )


def _numeric(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def error_svg(samples: Sequence[Any], *, width: int = 180, height: int = 54, points: int = 400) -> str | None:
    """Each side's error (bits, log2(1 + ulps) against the oracle) against the first scalar input, as an
    inline SVG of dots (lhs blue, rhs orange); None without samples or a scalar input to plot against.

    Inputs spanning many decades are drawn on a signed log scale (sign(x) * (1 + log10(|x|/t)), t the
    smallest non-zero |x|; 0 at 0), so that every binade the draws visit is visible.
    """
    if not samples:
        return None
    name = next(iter(samples[0].inputs), None)
    if name is None:
        return None
    data = []
    for s in samples:
        x = _numeric(s.inputs.get(name))
        if x is None:
            continue
        for side, u in (("lhs", s.lhs_ulps), ("rhs", s.rhs_ulps)):
            if not math.isnan(u):
                data.append((x, math.log2(1 + u) if math.isfinite(u) else math.inf, side))
    if not data:
        return None
    if len(data) > points:  # evenly thinned, in draw order
        step = len(data) / points
        data = [data[int(i * step)] for i in range(points)]
    xs = [d[0] for d in data]
    nonzero = [abs(x) for x in xs if x != 0]
    if nonzero and max(nonzero) / min(nonzero) > 1e3:
        lt = math.log10(min(nonzero))
        xs = [math.copysign(1 + math.log10(abs(x)) - lt, x) if x else 0.0 for x in xs]
        scale = "signed log scale"
    else:
        scale = "linear scale"
    finite = [d[1] for d in data if math.isfinite(d[1])]
    top = max([1.0, *finite]) * 1.05
    lo, hi = min(xs), max(xs)
    span = hi - lo or 1.0
    pad = 3

    def px(x: float) -> float:
        return pad + (x - lo) / span * (width - 2 * pad)

    def py(b: float) -> float:
        b = top if not math.isfinite(b) else b
        return height - pad - b / top * (height - 2 * pad)

    dots = "".join(
        f'<circle cx="{px(x):.1f}" cy="{py(b):.1f}" r="1.4" fill="{LHS_COLOUR if side == "lhs" else RHS_COLOUR}"/>'
        for x, (_, b, side) in zip(xs, data, strict=True)
    )
    title = f"bits of error of each side (lhs blue, rhs orange, up to {top / 1.05:.1f}) against {name}, {scale}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'style="background:#fff;border:1px solid #d0d7de"><title>{escape(title)}</title>'
        f'<line x1="0" y1="{height - pad}" x2="{width}" y2="{height - pad}" stroke="#d0d7de"/>{dots}</svg>'
    )


def _rows_html(results: Iterable[Any], plots: bool) -> list[list[str]]:
    rows = []
    for r in results:
        cells = _cells(r)
        row = [*cells[:2], _verdict_cell(r), *cells[3:-1]]
        if plots:  # before the counterexample, whose width varies
            svg = error_svg(r.samples) if r.samples else None
            row.append(f'<td style="{CELL}">{svg or ""}</td>')
        row.append(cells[-1])
        rows.append(row)
    return rows


def results_html(results: Sequence[Any], caption: str = "") -> str:
    """A table of results: one row each, the verdict coloured, a plot column where any kept samples."""
    plots = any(getattr(r, "samples", ()) for r in results)
    headers = HEADERS[:-1] + (["error against input"] if plots else []) + HEADERS[-1:]
    raw = (2, len(HEADERS) - 1) if plots else (2,)
    return table_html(headers, _rows_html(results, plots), caption=caption, raw=raw)


def _side_rows(c: Any) -> list[list[str]]:
    return [
        ["lhs", repr(c.lhs), c.truth_decimal[0] or "undefined", _ulps(c.lhs_ulps)],
        ["rhs", repr(c.rhs), c.truth_decimal[1] or "undefined", _ulps(c.rhs_ulps)],
    ]


def result_html(r: Any) -> str:
    """One result: its row, then the minimal counterexample and the worst example found, side by side with
    the truth, then the plot at a readable size."""
    parts = [results_html([r])]
    for label, c in (("minimal counterexample", r.counterexample), ("worst example found", r.worst)):
        if c is None or (label == "minimal counterexample" and r.verdict == "holds"):
            continue
        caption = f"{label}: {c.inputs_text() or '(no variables)'}; {_ulps(c.ulps)} ulp apart"
        detail = f"culprit: {c.culprit}" + (f"; {c.cause}" if c.cause else "")
        parts.append(table_html(["side", "value", "true value", "ulp off"], _side_rows(c), caption=caption))
        parts.append(f'<div style="font-size:90%">{escape(detail)}</div>')
    if r.message:
        parts.append(f'<div style="font-size:90%">note: {escape(r.message)}</div>')
    svg = error_svg(r.samples, width=360, height=120) if r.samples else None
    if svg:
        parts.append(svg)
    return "\n".join(parts)


def results_text(results: Sequence[Any]) -> str:
    """The aligned table IPython prints; a verdict that is not the expected one is marked."""
    rows = []
    for r in results:
        cells = _cells(r)
        cells[2] = cells[2] if r.ok else f"{cells[2]} (!)"
        rows.append(cells)
    unexpected = sum(not r.ok for r in results)
    return (
        text_table(HEADERS, rows)
        + f"\n{len(results)} results: {len(results) - unexpected} as expected"
        + (f", {unexpected} unexpected (!)" if unexpected else "")
    )


def pretty(text: str, p: Any, cycle: bool) -> None:
    """IPython's ``_repr_pretty_`` protocol: print ``text`` line by line."""
    for i, line in enumerate(text.splitlines()):
        if i:
            p.break_()
        p.text(line)


class ResultList(list):
    """A list of results (what ``verify_all`` returns), shown as one table in Jupyter and IPython."""

    def _repr_html_(self) -> str:
        return results_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        pretty("[...]" if cycle else results_text(self), p, cycle)


def results_frame(results: Iterable[Any]) -> Any:
    """The results as a pandas DataFrame, one row per identity and backend (needs pandas:
    ``pip install 'identities[pandas]'``).

    Columns: identity, backend, verdict, expected, ok, examples, max_ulps, max_bits, max_rel, max_abs,
    exact_rate, needed_tolerance, counterexample (the inputs, as ``examples`` takes them), culprit, cause,
    message, elapsed.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("results_frame needs pandas: pip install 'identities[pandas]'") from None
    rows = []
    for r in results:
        c = r.counterexample if r.verdict != "holds" else None
        rows.append(
            {
                "identity": r.identity,
                "backend": r.backend,
                "verdict": r.verdict,
                "expected": r.expected,
                "ok": r.ok,
                "examples": r.examples,
                "max_ulps": r.max_error.ulps,
                "max_bits": r.max_error.bits,
                "max_rel": r.max_error.rel,
                "max_abs": r.max_error.abs,
                "exact_rate": r.exact_rate,
                "needed_tolerance": r.needed_tolerance,
                "counterexample": c.inputs_text() if c is not None else None,
                "culprit": c.culprit if c is not None else None,
                "cause": c.cause if c is not None else None,
                "message": r.message,
                "elapsed": r.elapsed,
            }
        )
    columns = list(rows[0]) if rows else ["identity", "backend", "verdict", "expected", "ok"]
    return pd.DataFrame(rows, columns=columns)
