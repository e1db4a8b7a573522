"""The report's figures, drawn with matplotlib's Agg canvas into PNG bytes.

matplotlib is imported here, inside the functions, and only when a report is
written: ``import identities`` and every other command stay free of it. The
object-oriented API (``Figure`` + ``FigureCanvasAgg``) is used rather than
pyplot, so nothing global changes in a session that also plots for itself.

One colour per side everywhere: the left side blue, the right side orange,
lhs against rhs grey; forward differences green, central purple.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from identities.numbers.metrics import bits

__all__ = ["COLORS", "error_figure", "fd_figure", "moving_average", "spans_decades", "has_plots"]

COLORS = {"lhs": "#0072B2", "rhs": "#E69F00", "between": "#666666", "forward": "#009E73", "central": "#CC79A7"}
_DPI = 90
_PANEL = (4.6, 3.1)


def has_plots() -> bool:
    """Whether matplotlib can be imported (the ``report`` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(panels: int) -> Any:
    from matplotlib.figure import Figure

    # fixed margins, not constrained layout: the layout engine redraws the figure several times over
    fig = Figure(figsize=(_PANEL[0] * panels, _PANEL[1]), dpi=_DPI)
    fig.subplots_adjust(left=0.08 / panels + 0.02, right=0.99, bottom=0.27, top=0.82, wspace=0.3)
    return fig


def _png(fig: Any) -> bytes:
    """The figure as PNG, reduced to a palette (scatter plots compress five to ten times better)."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with warnings.catch_warnings():  # axis limits near the float range make numpy warn; the drawing is right
        warnings.simplefilter("ignore", RuntimeWarning)
        fig.savefig(buf, format="png", dpi=_DPI)
    try:
        from PIL import Image

        buf.seek(0)
        img = Image.open(buf).convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        img.save(out, format="PNG", optimize=True)
        return out.getvalue()
    except Exception:  # Pillow missing or failing: the plain PNG is still a PNG
        return buf.getvalue()


def moving_average(xs: Sequence[float], ys: Sequence[float], window: int) -> tuple[list[float], list[float]]:
    """Centred moving average of ys over points sorted by x (finite ys only), one value per point."""
    pts = sorted((x, y) for x, y in zip(xs, ys) if math.isfinite(y) and math.isfinite(x))
    if not pts:
        return [], []
    w = max(1, min(window, len(pts)))
    half = w // 2
    out_x, out_y = [], []
    for i in range(len(pts)):
        lo, hi = max(0, i - half), min(len(pts), i - half + w)
        lo = max(0, hi - w)
        chunk = pts[lo:hi]
        out_x.append(pts[i][0])
        out_y.append(sum(p[1] for p in chunk) / len(chunk))
    return out_x, out_y


def spans_decades(values: Sequence[float], decades: float = 3.0) -> bool:
    """Whether the non-zero magnitudes span at least ``decades`` powers of ten (then plot on a log scale)."""
    mags = [abs(v) for v in values if v != 0 and math.isfinite(v)]
    return len(mags) >= 2 and max(mags) / min(mags) >= 10.0**decades


def _scale_x(ax: Any, values: Sequence[float]) -> str:
    """Linear, log, or for signed values spanning decades a signed log scale; a few readable decade ticks.

    The ticks are set here rather than by matplotlib's log locators, which reach
    past 1e308 (and fail) on a domain like positive[1e-300, 1e300].
    """
    from matplotlib.ticker import NullLocator

    if not spans_decades(values):
        return "linear"
    mags = [abs(v) for v in values if v != 0]
    lo, hi = max(-307, math.floor(math.log10(min(mags)))), min(308, math.ceil(math.log10(max(mags))))
    step = max(1, math.ceil((hi - lo) / 4))
    if all(v > 0 for v in values):
        ax.set_xscale("log")
        ks = list(range(hi, lo - 1, -step))[::-1]
        ax.set_xticks([10.0**k for k in ks], [_tick(10.0**k) for k in ks], fontsize=7)
        ax.xaxis.set_minor_locator(NullLocator())
        return "log"
    ax.set_xscale("function", functions=_signed_log(10.0**lo))
    step = max(1, math.ceil((hi - lo) / 3))
    ks = [k for k in range(hi, lo - 1, -step) if k == hi or k - lo >= step / 2]  # none crowding 0
    neg, pos = any(v < 0 for v in values), any(v > 0 for v in values)
    ticks = ([-(10.0**k) for k in ks] if neg else []) + [0.0] + ([10.0**k for k in reversed(ks)] if pos else [])
    ax.set_xticks(ticks, [_tick(v) for v in ticks], fontsize=7)
    ax.xaxis.set_minor_locator(NullLocator())
    return "signed log"


def _tick(v: float) -> str:
    if v == 0:
        return "0"
    k = round(math.log10(abs(v)))
    text = f"{10.0**k:g}" if -3 <= k <= 3 else f"1e{k}"
    return ("−" if v < 0 else "") + text


def _signed_log(t: float) -> tuple[Any, Any]:
    """x -> sign(x)*(1 + log10(|x|/t)) beyond t, linear inside: a symlog that survives 600 decades."""
    import numpy as np

    lt = math.log10(t)

    def forward(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            a = np.abs(x)
            out = np.where(a >= t, np.sign(x) * (1 + np.log10(np.maximum(a, t)) - lt), x / t)
        return out

    def inverse(y: Any) -> Any:
        y = np.asarray(y, dtype=float)
        with np.errstate(all="ignore"):
            a = np.abs(y)
            out = np.where(a >= 1, np.sign(y) * np.power(10.0, np.minimum(a - 1 + lt, 308.25)), y * t)
        return out

    return forward, inverse


def error_figure(
    samples: Sequence[Any], variables: Sequence[str], title: str, fmt_name: str, integer_vars: Sequence[str] = ()
) -> bytes | None:
    """Histogram of bits of error per side, then bits of error against each variable, in one row.

    None when there is nothing to draw (no decided sample, or every one exact).
    """
    import warnings

    with warnings.catch_warnings():  # limits near the float range make numpy warn; the drawing is right
        warnings.simplefilter("ignore", RuntimeWarning)
        return _error_figure(samples, variables, title, fmt_name, integer_vars)


def _error_figure(
    samples: Sequence[Any], variables: Sequence[str], title: str, fmt_name: str, integer_vars: Sequence[str]
) -> bytes | None:
    decided = [s for s in samples if s.kind in ("ok", "precision_failure")]
    if not decided:
        return None
    lb = [bits(s.lhs_ulps) if not math.isnan(s.lhs_ulps) else math.inf for s in decided]
    rb = [bits(s.rhs_ulps) if not math.isnan(s.rhs_ulps) else math.inf for s in decided]
    finite = [b for b in lb + rb if math.isfinite(b)]
    if all(b <= 1 for b in lb + rb):  # every value within an ulp of the truth: nothing a plot would add
        return None
    fig = _figure(1 + len(variables))
    axes = fig.subplots(1, 1 + len(variables), squeeze=False)[0]
    top = max(finite) if finite else 1.0
    edges = [float(i) for i in range(int(math.ceil(top)) + 2)]
    ax = axes[0]
    for side, vals in (("lhs", lb), ("rhs", rb)):
        fin = [v for v in vals if math.isfinite(v)]
        nan = len(vals) - len(fin)
        label = f"{side} vs truth" + (f" ({nan} nan)" if nan else "")
        ax.hist(fin, bins=edges, histtype="step", linewidth=1.8, color=COLORS[side], label=label)
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter

    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"bits of error (log2(1 + ulps), {fmt_name})")
    ax.set_ylabel("samples")
    ax.set_title("error per side", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    window = max(5, len(decided) // 12)
    for ax, var in zip(axes[1:], variables):
        xs = [float(s.inputs[var]) for s in decided]
        for side, vals in (("lhs", lb), ("rhs", rb)):
            ys = [v if math.isfinite(v) else (top + 1) for v in vals]
            ax.scatter(xs, ys, s=12, alpha=0.55, color=COLORS[side], edgecolors="none", label=f"{side} at one input")
            mx, my = moving_average(xs, list(vals), window)
            if mx:
                ax.plot(mx, my, color=COLORS[side], linewidth=2, label=f"{side}, moving average of {window}")
        scale = "linear" if var in integer_vars else _scale_x(ax, xs)
        if scale != "linear":  # explicit limits: autoscaling margins past 1.8e308 would overflow
            lo, hi = min(xs), max(xs)
            if lo < hi:
                ax.set_xlim(lo, hi)
            ax.set_autoscalex_on(False)
        ax.set_xlabel(var + ("" if scale == "linear" else f" ({scale} scale)"), labelpad=1)
        ax.set_ylabel("bits of error")
        ax.set_ylim(-0.5, top + 1.5)
        ax.set_title(f"error against {var}", fontsize=10)
        ax.grid(alpha=0.3)
    if len(axes) > 1:
        fig.legend(*axes[1].get_legend_handles_labels(), fontsize=7, loc="lower center", ncols=4, frameon=False)
    fig.suptitle(title, fontsize=11)
    return _png(fig)


def fd_figure(table: Any) -> bytes:
    """Error of the forward and central difference quotients against h (log-log), with the error model."""
    fig = _figure(1)
    fig.set_size_inches(6.4, 4.4)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.25, top=0.92)
    ax = fig.subplots()
    hs = [r.h for r in table.rows]
    errs = [e for r in table.rows for e in (r.forward_error, r.central_error) if math.isfinite(e) and e > 0]
    floor = min(errs) / 10 if errs else 1e-18
    for key, label in (("forward", "forward (f(x+h) − f(x))/h"), ("central", "central (f(x+h) − f(x−h))/2h")):
        ys = [getattr(r, key + "_error") for r in table.rows]
        ax.loglog(
            hs,
            [max(y, floor) if math.isfinite(y) else math.nan for y in ys],
            marker="o",
            markersize=4,
            color=COLORS[key],
            label=label,
        )
    m = table.model
    if m and math.isfinite(m.get("f", math.nan)):
        eps, f = table.eps, max(m["f"], 1e-300)
        grid = [10 ** (-k / 4) for k in range(4, 65)]
        rounding = [2 * eps * f / h for h in grid]
        ax.loglog(grid, rounding, ":", color="#444444", linewidth=1, label="rounding ~ eps·|f|/h")
        if m.get("f2", 0) > 0:
            ax.loglog(
                grid,
                [m["f2"] * h / 2 for h in grid],
                "--",
                color=COLORS["forward"],
                linewidth=1,
                alpha=0.7,
                label="truncation ~ |f''|·h/2",
            )
        if m.get("f3", 0) > 0:
            ax.loglog(
                grid,
                [m["f3"] * h * h / 6 for h in grid],
                "--",
                color=COLORS["central"],
                linewidth=1,
                alpha=0.7,
                label="truncation ~ |f'''|·h²/6",
            )
    for value, key in ((table.theory_forward, "forward"), (table.theory_central, "central")):
        ax.axvline(value, color=COLORS[key], linestyle="-.", linewidth=1, alpha=0.8)
    top = max(errs) * 10 if errs else 1.0
    ax.set_ylim(floor / 2, top)
    ax.set_xlabel("step h (vertical lines: the steps theory predicts)")
    ax.set_ylabel("|quotient − derivative|")
    ax.set_title(
        f"{table.diff} at {', '.join(f'{k}={v!r}' for k, v in table.at.items())} ({table.backend})", fontsize=10
    )
    ax.grid(alpha=0.3, which="both")
    fig.legend(*ax.get_legend_handles_labels(), fontsize=7, loc="lower center", ncols=3, frameon=False)
    return _png(fig)
