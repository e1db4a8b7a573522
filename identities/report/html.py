"""The HTML report: one self-contained file, plots embedded as data URIs, no network, no script.

A summary comes first (verdict counts, the identities that lose the most bits,
the changes against a baseline, an index), then one section per identity with
a sub-section per backend.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

from identities.report.analysis import Analysis, Point
from identities.report.document import ReportData, stop_reason
from identities.report.fdtable import own_diff
from identities.report.mathtext import identity_html
from identities.report.plots import COLORS
from identities.report.text import (
    CAUSE_WORDS,
    STAT_COLUMNS,
    STAT_ROWS,
    VERDICT_WORDS,
    bits_text,
    bound_lines,
    domain_text,
    fmt_of,
    headline,
    pct,
    stat_cells,
    ulps,
    value,
)

__all__ = ["render_html", "anchor"]

_VERDICT_COLORS = {
    "holds": "#1a7f37",
    "precision_failure": "#b35900",
    "refuted": "#cf222e",
    "domain_mismatch": "#8250df",
    "error": "#57606a",
}

_CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); margin: 0; background: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 6px; }
h4 { font-size: 15px; margin: 16px 0 4px; }
.meta, .muted { color: var(--muted); }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13.5px; max-width: 100%; }
table.points { width: 100%; table-layout: fixed; }
table.points td { overflow-wrap: anywhere; }
tr.point td { border-bottom: none; padding-top: 6px; }
tr.command td { padding-top: 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg2); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, .nw { white-space: nowrap; }
code, .cmd { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cmd { display: block; background: var(--bg2); border: 1px solid var(--line); border-radius: 6px;
       padding: 4px 10px; white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; margin: 2px 0 6px; }
.badge { display: inline-block; color: #fff; border-radius: 12px; padding: 1px 10px; font-size: 12.5px;
         font-weight: 600; white-space: nowrap; }
.unexpected { outline: 2px solid #cf222e; outline-offset: 1px; }
.flag { color: #cf222e; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 130px; }
.card .n { font-size: 26px; font-weight: 700; }
.math { font: 20px/1.6 "STIX Two Math", "Cambria Math", "Latin Modern Math", Georgia, serif;
        margin: 6px 0 4px; }
.math i { font-style: italic; }
.bigop { font-size: 1.2em; }
.bigop sub, .bigop sup { font-size: 0.6em; }
.backend { border-left: 4px solid var(--line); padding: 2px 0 4px 16px; margin: 14px 0 18px; }
.headline { font-weight: 600; margin: 4px 0 8px; }
.facts { margin: 4px 0 8px; padding-left: 20px; }
.facts li { margin: 2px 0; }
img.plot { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
.bar { display: inline-block; height: 10px; background: #cf222e; border-radius: 2px; vertical-align: middle; }
.side-lhs { color: LHS_COLOR; font-weight: 600; }
.side-rhs { color: RHS_COLOR; font-weight: 600; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
nav.index td { padding: 2px 8px; }
""".replace("LHS_COLOR", COLORS["lhs"]).replace("RHS_COLOR", COLORS["rhs"])


def anchor(name: str) -> str:
    return "id-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x0A,)}


def _e(s: Any) -> str:
    """User or report text as HTML text: markup escaped, control characters shown as ``\\x1b``."""
    return html.escape(str(s)).translate(_CONTROLS)


def _badge(verdict: str, unexpected: bool = False, extra: str = "") -> str:
    color = _VERDICT_COLORS.get(verdict, "#57606a")
    cls = "badge unexpected" if unexpected else "badge"
    title = ' title="not the expected verdict"' if unexpected else ""
    return (
        f'<span class="{cls}" style="background:{color}"{title}>{_e(VERDICT_WORDS.get(verdict, verdict))}'
        f"{_e(extra)}</span>"
    )


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="plot" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], num_from: int = 99) -> str:
    """Cells are already HTML; columns from ``num_from`` on are right-aligned numbers."""
    h = "".join(f"<th{' class=num' if i >= num_from else ''}>{c}</th>" for i, c in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i >= num_from else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _summary(data: ReportData) -> str:
    rs = [a.result for a in data.analyses]
    totals: dict[str, int] = {}
    for r in rs:
        totals[r.verdict] = totals.get(r.verdict, 0) + 1
    bad = sum(not r.ok for r in rs)
    cards = "".join(
        f'<div class="card"><div class="n" style="color:{_VERDICT_COLORS[v]}">{totals[v]}</div>'
        f"{_e(VERDICT_WORDS[v])}</div>"
        for v in _VERDICT_COLORS
        if v in totals
    )
    cards += (
        f'<div class="card"><div class="n">{len(rs) - bad}</div>as expected</div>'
        f'<div class="card"><div class="n" style="color:{"#cf222e" if bad else "inherit"}">{bad}</div>'
        "unexpected</div>"
    )
    verdicts = [v for v in _VERDICT_COLORS if v in totals]
    by_backend = _table(
        ["backend"] + [_e(VERDICT_WORDS[v]) for v in verdicts] + ["total"],
        ([_e(b)] + [str(c.get(v, 0)) for v in verdicts] + [str(sum(c.values()))] for b, c in data.counts.items()),
        num_from=1,
    )
    out = [f'<section id="summary"><h2>Summary</h2><div class="cards">{cards}</div>', by_backend]
    if data.top:
        top = (
            max(a.bits_lost for a in data.top if math.isfinite(a.bits_lost))
            if any(math.isfinite(a.bits_lost) for a in data.top)
            else 64.0
        )
        rows = []
        for i, a in enumerate(data.top, 1):
            b = a.bits_lost
            width = 120 if not math.isfinite(b) else max(2, int(120 * b / max(top, 1)))
            cause = (
                (f"{_e(CAUSE_WORDS[a.cause.label])}" + (f" in {_node(a.cause.node)}" if a.cause.node else ""))
                if a.cause
                else ""
            )
            culprit = a.cause.culprit if a.cause else ""
            rows.append(
                [
                    str(i),
                    f'<a href="#{anchor(a.result.identity)}">{_e(a.result.identity)}</a>',
                    _e(a.result.backend),
                    _badge(a.result.verdict, not a.result.ok),
                    f'{bits_text(b)} <span class="bar" style="width:{width}px"></span>',
                    f'<span class="side-{culprit}">{_e(culprit)}</span>',
                    cause,
                ]
            )
        out.append(
            "<h3>Where floats lose the most bits</h3>"
            '<p class="muted">Bits of error of the worse side against the exact value, at the worst input '
            "found (searched for with hypothesis' target(), not only sampled); identities that fail their "
            "tolerance first.</p>"
        )
        out.append(_table(["#", "identity", "backend", "verdict", "bits lost", "culprit", "cause"], rows))
    if data.diff is not None:
        out.append(_baseline(data))
    out.append(_index(data))
    out.append("</section>")
    return "\n".join(out)


def _baseline(data: ReportData) -> str:
    d = data.diff
    assert d is not None
    out = [f"<h3>Changes against the baseline</h3><p class=muted>{_e(d.source or 'the baseline report')}</p>"]
    if d.empty:
        out.append("<p>No verdict changed and no error moved by a bit or more.</p>")
        return "".join(out)
    titles = {
        "newly_failing": "Newly failing",
        "newly_holding": "Newly holding",
        "verdict_changed": "Verdict changed",
        "error_grown": "Error grown",
        "error_shrunk": "Error shrunk",
        "added": "New in this run",
        "removed": "Not in this run",
    }
    for g in d.GROUPS:
        changes = getattr(d, g)
        if not changes:
            continue
        rows = [
            [
                f'<a href="#{anchor(c.identity)}">{_e(c.identity)}</a>',
                _e(c.backend),
                _badge(c.before) if c.before else "-",
                _badge(c.after) if c.after else "-",
                bits_text(c.bits_before),
                bits_text(c.bits_after),
            ]
            for c in changes
        ]
        out.append(f"<h4>{titles[g]} ({len(changes)})</h4>")
        out.append(_table(["identity", "backend", "before", "now", "bits before", "bits now"], rows, num_from=4))
    return "".join(out)


def _index(data: ReportData) -> str:
    backends = data.backends
    by_name: dict[str, dict[str, Analysis]] = {}
    for a in data.analyses:
        by_name.setdefault(a.result.identity, {})[a.result.backend] = a
    rows = []
    for name, per in by_name.items():
        any_a = next(iter(per.values()))
        i0 = any_a.ident
        math_html = identity_html(i0.lhs, i0.rhs, i0.one_sided) if i0 else ""
        cells = []
        for b in backends:
            found = per.get(b)
            if found is None:
                cells.append("")
                continue
            a = found
            extra = (
                f" · {bits_text(a.bits_lost)} bits"
                if a.is_float and a.result.verdict in ("holds", "precision_failure") and a.bits_lost
                else ""
            )
            cells.append(_badge(a.result.verdict, not a.result.ok, extra))
        rows.append([f'<a href="#{anchor(name)}">{_e(name)}</a>', math_html] + cells)
    return (
        '<h3>All identities</h3><p class="muted">An outlined badge is a verdict that is not the one the '
        "identity file expects.</p><nav class=index>"
        + _table(["identity", "identity in full"] + [_e(b) for b in backends], rows)
        + "</nav>"
    )


def _code_spans(text: str) -> str:
    """Escape a sentence and turn its `backtick` spans into <code>."""
    parts = text.split("`")
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def _node(node: str, limit: int = 48) -> str:
    if len(node) <= limit:
        return f"<code>{_e(node)}</code>"
    return f'<code title="{_e(node)}">{_e(node[: limit - 1])}…</code>'


def _point_rows(points: list[Point], backend: str) -> str:
    """One row per input (each side's value over its true value), then a full-width row with its command."""
    head = [
        "inputs",
        '<span class="side-lhs">lhs</span> / true',
        '<span class="side-rhs">rhs</span> / true',
        "ulps off<br>(lhs, rhs)",
        "ulps<br>apart",
        "cause",
    ]
    body = []
    f = fmt_of(backend)
    for p in points:
        inputs = "<br>".join(f'<span class="nw">{_e(k)} = {_e(value(v, f))}</span>' for k, v in p.inputs.items())
        causes = "<br>".join(
            f'<span class="side-{c.side}">{c.side}</span>: {_e(CAUSE_WORDS[c.label])}'
            + (f" in {_node(c.node)}" if c.node else "")
            for c in p.causes
            if c.label != "exact"
        )
        cells = [
            inputs,
            f"{_e(value(p.lhs, f))}<br><span class=muted>{_e(value(p.truth_lhs, f))}</span>",
            f"{_e(value(p.rhs, f))}<br><span class=muted>{_e(value(p.truth_rhs, f))}</span>",
            f"{ulps(p.lhs_ulps)}, {ulps(p.rhs_ulps)}",
            ulps(p.ulps),
            causes,
        ]
        body.append(
            '<tr class="point">'
            + "".join(f"<td{' class=num' if i in (3, 4) else ''}>{c}</td>" for i, c in enumerate(cells))
            + "</tr>"
        )
        body.append(f'<tr class="command"><td colspan="{len(head)}"><code class="cmd">{_e(p.command)}</code></td></tr>')
    h = "".join(f"<th{' class=num' if i in (3, 4) else ''}>{c}</th>" for i, c in enumerate(head))
    cols = "".join(f'<col style="width:{w}%">' for w in (21, 18, 18, 11, 8, 24))
    return (
        f'<table class="points"><colgroup>{cols}</colgroup><thead><tr>{h}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _fd(a: Analysis) -> str:
    t = a.fd
    tf = fmt_of(t.backend)
    rows = [
        [
            f"{r.h:.0e}",
            _e(value(r.forward, tf)),
            f"{r.forward_error:.1e}",
            _e(value(r.central, tf)),
            f"{r.central_error:.1e}",
        ]
        for r in t.rows
    ]
    at = ", ".join(f"{k} = {value(v, tf)}" for k, v in t.at.items())
    out = [
        f"<details open><summary>Finite differences of <code>{_e(t.diff)}</code> at {_e(at)}</summary>",
        f"<p>The oracle's derivative is {_e(value(t.truth, tf))}. Forward quotient (f(x+h) − f(x))/h and central "
        f"quotient (f(x+h) − f(x−h))/2h in {_e(t.backend)}, each with its error against it:</p>",
        _table(["h", "forward", "error", "central", "error"], rows, num_from=2),
    ]
    facts = []
    for name, best, theory, refined, rule in (
        ("forward", t.best_forward, t.theory_forward, t.refined_forward, f"eps<sup>1/{t.order + 1}</sup>"),
        ("central", t.best_central, t.theory_central, t.refined_central, f"eps<sup>1/{t.order + 2}</sup>"),
    ):
        if best is None:
            continue
        err = best.forward_error if name == "forward" else best.central_error
        more = ""
        if refined is not None:
            more = (
                "; from f and its derivatives: any h (no truncation error)"
                if math.isinf(refined)
                else f"; from f and its derivatives: {refined:.1e}"
            )
        facts.append(
            f"<li>best {name} step: h = {best.h:.0e} (error {err:.1e}); theory: {rule}·max(|x|, 1) = "
            f"{theory:.1e}{more}</li>"
        )
    facts.append(f"<li>{_e(t.backend)}'s own <code>diff</code> {own_diff(t.backend, t.engine_step)}</li>")
    out.append(f"<ul class=facts>{''.join(facts)}</ul>")
    if "fd" in a.plots:
        out.append(_img(a.plots["fd"], f"error of difference quotients against h for {t.diff}"))
    out.append("</details>")
    return "".join(out)


def _backend(a: Analysis) -> str:
    r = a.result
    exp = "" if r.ok else f' <span class="flag">expected {_e(VERDICT_WORDS.get(r.expected, r.expected))}</span>'
    out = [
        f'<div class="backend"><h3>{_e(r.backend)} {_badge(r.verdict, not r.ok)}{exp}</h3>',
        f'<p class="headline">{_code_spans(headline(a))}</p>',
    ]
    if r.verdict == "error":
        return "".join(out) + "</div>"
    if a.stats:
        rows = [
            [f'<span class="side-{k}">{label}</span>' if k != "between" else label] + stat_cells(a.stats[k])
            for k, label in STAT_ROWS
        ]
        out.append(
            _table(["over " + str(a.stats["between"].n) + " distinct inputs"] + list(STAT_COLUMNS), rows, num_from=1)
        )
    facts = []
    if a.is_float:
        facts.append(f"exact equality of the two sides: {pct(r.exact_rate)} of the examples")
        facts.append(f"tolerance: <code>{_e(r.tolerance)}</code>")
        if a.tolerance_note:
            facts.append(_e(a.tolerance_note))
    if a.needed:
        facts.append(
            f"tightest tolerance that would have passed: <code>{_e(a.needed['ulp'])}</code> or "
            f"<code>{_e(a.needed['abs'])}</code>"
        )
    if a.cause:
        c = a.cause
        counts = ", ".join(f"{_e(CAUSE_WORDS[k])} {n}" for k, n in c.counts.items())
        facts.append(
            f'culprit: <span class="side-{c.culprit}">{_e(c.culprit)}</span>; cause: '
            f"<b>{_e(CAUSE_WORDS[c.label])}</b>: {_code_spans(c.detail)} <span class=muted>(of {c.diagnosed} "
            f"diagnosed inputs: {counts})</span>"
        )
    if a.confidence:
        facts.append(
            f"confidence: {_e(a.confidence.statement)} <span class=muted>(zero-failure bound "
            f"p = α<sup>1/n</sup>, over inputs drawn as the search draws them)</span>"
        )
    for line in bound_lines(r):
        facts.append(f"proven: {_code_spans(line)}")
    for note in ([r.message] if r.message else []) + a.notes:
        facts.append(f"note: {_e(note)}")
    if facts:
        out.append("<ul class=facts>" + "".join(f"<li>{f}</li>" for f in facts) + "</ul>")
    if "error" in a.plots:
        out.append(_img(a.plots["error"], f"bits of error per side for {r.identity} in {r.backend}"))
    if a.minimal is not None:
        out.append("<h4>Minimal counterexample</h4>" + _point_rows([a.minimal], r.backend))
        out.append(f'<code class="cmd">{_e(a.check)}</code>')
    if a.worst:
        out.append("<h4>Worst inputs found</h4>" + _point_rows(a.worst, r.backend))
    if a.fd is not None:
        out.append(_fd(a))
    out.append("</div>")
    return "".join(out)


def _identity(name: str, analyses: list[Analysis]) -> str:
    a0 = analyses[0]
    ident = a0.ident
    out = [f'<section class="identity" id="{anchor(name)}"><h2>{_e(name)}</h2>']
    if ident is not None:
        out.append(f'<div class="math">{identity_html(ident.lhs, ident.rhs, ident.one_sided)}</div>')
        where = f"{ident.file}:{ident.line}" if ident.line else ident.file
        src = f" · {_e(ident.source)}" if ident.source else ""
        out.append(
            f'<p class="muted"><code>{_e(ident.statement)}</code> · {_e(domain_text(a0))}'
            f"{src} · <code>{_e(where)}</code></p>"
        )
    out += [_backend(a) for a in analyses]
    out.append("</section>")
    return "\n".join(out)


def render_html(
    data: ReportData, title: str = "identities: float-precision report", meta: Mapping[str, str] | None = None
) -> str:
    """The whole report as one HTML document."""
    groups: dict[str, list[Analysis]] = {}
    for a in data.analyses:
        groups.setdefault(a.result.identity, []).append(a)
    m = dict(meta or {})
    head = (
        f"{len(groups)} identities × {', '.join(data.backends)} · examples = {data.examples} · "
        f"seed = {data.seed}" + "".join(f" · {_e(k)} = {_e(v)}" for k, v in m.items())
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1><p class=meta>{head}</p>",
    ]
    if data.incomplete:
        parts.append(
            f'<p class="banner"><b>Incomplete:</b> {_e(stop_reason(data.incomplete))}; this report holds the '
            f"{len(data.analyses)} results finished before it stopped.</p>"
        )
    if data.plots_missing:
        parts.append(f'<p class="banner"><b>Plots missing:</b> {_e(data.plots_missing)}.</p>')
    parts.append(_summary(data))
    parts += [_identity(name, group) for name, group in groups.items()]
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
