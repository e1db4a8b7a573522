"""The Markdown report: the HTML report's content as GitHub-flavoured Markdown, plots as PNG files.

The images go to a folder ``<stem>_files/`` beside the Markdown file and are
linked relatively, so the pair can be committed or attached together.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from identities.report.analysis import Analysis, Point
from identities.report.document import ReportData, stop_reason
from identities.report.fdtable import own_diff
from identities.report.mathtext import identity_text
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

__all__ = ["render_markdown", "slug", "md_text", "md_code", "md_prose"]


def slug(name: str) -> str:
    """GitHub's heading anchor for a heading that is just ``name``."""
    return "".join(c for c in name.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


_MD_ACTIVE = set("\\`*[]#|~$")  # what starts emphasis, code, links, images, headings, tables, strikeouts, math


def md_text(s: str) -> str:
    """User text (a name, a source, a path) as Markdown that shows it and does nothing else: HTML-significant
    characters as entities, Markdown's active punctuation backslash-escaped (``_`` unless inside a word, where
    it is inert), line breaks and other controls shown as ``\\x0a``."""
    s = str(s)
    out = []
    for i, ch in enumerate(s):
        if ch in "<>&":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[ch])
        elif ch in _MD_ACTIVE:
            out.append("\\" + ch)
        elif ch == "_":
            inside = 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
            out.append("_" if inside else "\\_")
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"\\\\x{ord(ch):02x}")  # shown as the text \x1b, never a raw control
        else:
            out.append(ch)
    return "".join(out)


def md_code(s: str) -> str:
    """User text as an inline code span (shown literally, no HTML, no Markdown): fenced by more backticks
    than it holds in a row, controls shown as escapes."""
    s = "".join(ch if ch >= " " and not 0x7F <= ord(ch) < 0xA0 else f"\\x{ord(ch):02x}" for ch in str(s))
    run = max((len(r) for r in re.findall("`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or run else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_prose(s: str) -> str:
    """Text this package wrote around user text (a cause, a note): its `code spans` kept, everything else
    made inert as ``md_text`` does (an expression or a value inside may come from an identity file)."""
    parts = re.split("(`[^`]*`)", str(s))
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1 else md_text(p) for p in parts)


def _link(target: str) -> str:
    """A link target that stays one: as it is when plain (names are [a-z0-9_.-]), else in angle brackets
    with the characters that would end it percent-escaped."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", target):
        return target
    return "<" + "".join(f"%{ord(c):02X}" if c in "<>\\ " or ord(c) < 0x20 else c for c in target) + ">"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]], num_from: int = 99, num_to: int = 99) -> str:
    """A GFM table; columns num_from..num_to-1 are right-aligned numbers."""
    align = ["---:" if num_from <= i < num_to else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(_cell(h) for h in head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _realign(table: str, numeric: set[int]) -> str:
    lines = table.split("\n")
    lines[1] = "| " + " | ".join("---:" if i in numeric else "---" for i in range(lines[1].count("|") - 1)) + " |"
    return "\n".join(lines)


def _v(verdict: str, ok: bool = True) -> str:
    w = VERDICT_WORDS.get(verdict, verdict)
    return f"**{w}**" if ok else f"**{w}** (unexpected)"


def _summary(data: ReportData) -> list[str]:
    rs = [a.result for a in data.analyses]
    bad = sum(not r.ok for r in rs)
    verdicts = [v for v in VERDICT_WORDS if any(r.verdict == v for r in rs)]
    out = [
        "## Summary",
        "",
        f"{len(rs)} results: {len(rs) - bad} as expected, {bad} unexpected.",
        "",
        _table(
            ["backend"] + [VERDICT_WORDS[v] for v in verdicts] + ["total"],
            [[b] + [str(c.get(v, 0)) for v in verdicts] + [str(sum(c.values()))] for b, c in data.counts.items()],
            num_from=1,
        ),
        "",
    ]
    if data.top:
        out += [
            "### Where floats lose the most bits",
            "",
            _table(
                ["#", "identity", "backend", "verdict", "bits lost", "culprit", "cause"],
                [
                    [
                        str(i),
                        f"[{md_text(a.result.identity)}](#{slug(a.result.identity)})",
                        a.result.backend,
                        _v(a.result.verdict, a.result.ok),
                        bits_text(a.bits_lost),
                        a.cause.culprit if a.cause else "",
                        (CAUSE_WORDS[a.cause.label] + (f" in {md_code(a.cause.node)}" if a.cause.node else ""))
                        if a.cause
                        else "",
                    ]
                    for i, a in enumerate(data.top, 1)
                ],
                num_from=4,
                num_to=5,
            ),
            "",
        ]
    if data.diff is not None:
        d = data.diff
        out += ["### Changes against the baseline", "", f"Baseline: {md_code(d.source or 'the baseline report')}.", ""]
        if d.empty:
            out += ["No verdict changed and no error moved by a bit or more.", ""]
        for g in d.GROUPS:
            changes = getattr(d, g)
            if changes:
                out += [
                    f"**{g.replace('_', ' ').capitalize()}** ({len(changes)})",
                    "",
                    _table(
                        ["identity", "backend", "before", "now", "bits before", "bits now"],
                        [
                            [
                                md_text(c.identity),
                                md_text(c.backend),
                                c.before or "-",
                                c.after or "-",
                                bits_text(c.bits_before),
                                bits_text(c.bits_after),
                            ]
                            for c in changes
                        ],
                        num_from=4,
                    ),
                    "",
                ]
    return out


def _points(points: list[Point], backend: str) -> list[str]:
    rows = []
    f = fmt_of(backend)
    for p in points:
        causes = "; ".join(
            f"{c.side}: {CAUSE_WORDS[c.label]}" + (f" in `{c.node}`" if c.node else "")
            for c in p.causes
            if c.label != "exact"
        )
        rows.append(
            [
                ", ".join(f"{k} = {value(v, f)}" for k, v in p.inputs.items()),
                value(p.lhs, f),
                value(p.truth_lhs, f),
                ulps(p.lhs_ulps),
                value(p.rhs, f),
                value(p.truth_rhs, f),
                ulps(p.rhs_ulps),
                ulps(p.ulps),
                causes,
            ]
        )
    out = [
        _table(
            ["inputs", "lhs", "true lhs", "lhs ulps off", "rhs", "true rhs", "rhs ulps off", "ulps apart", "cause"],
            rows,
        ),
        "",
        "Reproduce:",
        "",
        "```",
    ]
    out[0] = _realign(out[0], {3, 6, 7})
    out += [p.command for p in points] + ["```", ""]
    return out


def _fd(a: Analysis, images: dict[str, bytes], prefix: str) -> list[str]:
    t = a.fd
    tf = fmt_of(t.backend)
    at = ", ".join(f"{k} = {value(v, tf)}" for k, v in t.at.items())
    out = [
        f"#### Finite differences of `{t.diff}` at {at}",
        "",
        f"The oracle's derivative is {value(t.truth, tf)}; quotients in {t.backend}:",
        "",
        _table(
            ["h", "forward (f(x+h) − f(x))/h", "error", "central (f(x+h) − f(x−h))/2h", "error"],
            [
                [
                    f"{r.h:.0e}",
                    value(r.forward, tf),
                    f"{r.forward_error:.1e}",
                    value(r.central, tf),
                    f"{r.central_error:.1e}",
                ]
                for r in t.rows
            ],
            num_from=1,
        ),
        "",
    ]
    for name, best, theory, refined, k in (
        ("forward", t.best_forward, t.theory_forward, t.refined_forward, 1),
        ("central", t.best_central, t.theory_central, t.refined_central, 2),
    ):
        if best is None:
            continue
        err = best.forward_error if name == "forward" else best.central_error
        more = ""
        if refined is not None:
            more = "; from f and its derivatives: any h" if math.isinf(refined) else f"; refined: {refined:.1e}"
        out.append(
            f"- best {name} step h = {best.h:.0e} (error {err:.1e}); theory eps^(1/{t.order + k})·"
            f"max(|x|, 1) = {theory:.1e}{more}"
        )
    out += [f"- {t.backend}'s own `diff` {own_diff(t.backend, t.engine_step)}", ""]
    if "fd" in a.plots:
        name = f"{prefix}fd.png"
        images[name] = a.plots["fd"]
        out += [f"![error of difference quotients against h]({_link(name)})", ""]
    return out


def _backend(a: Analysis, images: dict[str, bytes], folder: str) -> list[str]:
    r = a.result
    exp = "" if r.ok else f" (expected {VERDICT_WORDS.get(r.expected, r.expected)})"
    out = [
        f"### {md_text(r.identity)} · {md_text(r.backend)}: {_v(r.verdict, r.ok)}{exp}",
        "",
        md_prose(headline(a)),
        "",
    ]
    if r.verdict == "error":
        return out
    if a.stats:
        out += [
            _table(
                [f"over {a.stats['between'].n} distinct inputs"] + list(STAT_COLUMNS),
                [[label] + stat_cells(a.stats[k]) for k, label in STAT_ROWS],
                num_from=1,
            ),
            "",
        ]
    if a.is_float:
        out.append(f"- exact equality of the two sides: {pct(r.exact_rate)} of the examples; tolerance `{r.tolerance}`")
        if a.tolerance_note:
            out.append(f"- {a.tolerance_note}")
    if a.needed:
        out.append(f"- tightest tolerance that would have passed: `{a.needed['ulp']}` or `{a.needed['abs']}`")
    if a.cause:
        c = a.cause
        counts = ", ".join(f"{CAUSE_WORDS[k]} {n}" for k, n in c.counts.items())
        out.append(
            f"- culprit: **{c.culprit}**; cause: **{CAUSE_WORDS[c.label]}**: {md_prose(c.detail)} "
            f"(of {c.diagnosed} diagnosed inputs: {counts})"
        )
    if a.confidence:
        out.append(f"- confidence: {a.confidence.statement}")
    for line in bound_lines(r):
        out.append(f"- proven: {line}")
    for note in ([r.message] if r.message else []) + a.notes:
        out.append(f"- note: {md_prose(note)}")
    out.append("")
    prefix = f"{folder}/{r.identity}.{r.backend}."
    if "error" in a.plots:
        name = f"{prefix}error.png"
        images[name] = a.plots["error"]
        out += [f"![bits of error per side for {md_text(r.identity)} in {md_text(r.backend)}]({_link(name)})", ""]
    if a.minimal is not None:
        out += ["#### Minimal counterexample", ""] + _points([a.minimal], r.backend)
        out += ["```", a.check, "```", ""]
    if a.worst:
        out += ["#### Worst inputs found", ""] + _points(a.worst, r.backend)
    if a.fd is not None:
        out += _fd(a, images, prefix)
    return out


def render_markdown(data: ReportData, path: Path) -> tuple[str, dict[str, bytes]]:
    """The Markdown text and the images it links, as {relative path: PNG bytes}."""
    folder = f"{path.stem}_files"
    images: dict[str, bytes] = {}
    groups: dict[str, list[Analysis]] = {}
    for a in data.analyses:
        groups.setdefault(a.result.identity, []).append(a)
    out = [
        "# identities: float-precision report",
        "",
        f"{len(groups)} identities × {', '.join(data.backends)} · examples = {data.examples} · seed = {data.seed}",
        "",
    ]
    if data.incomplete:
        out += [
            f"> **Incomplete:** {stop_reason(data.incomplete)}; this report holds the {len(data.analyses)} results "
            "finished before it stopped.",
            "",
        ]
    if data.plots_missing:
        out += [f"> **Plots missing:** {data.plots_missing}.", ""]
    out += _summary(data)
    for name, group in groups.items():
        ident = group[0].ident
        out += [f"## {md_text(name)}", ""]
        if ident is not None:
            where = f"{ident.file}:{ident.line}" if ident.line else ident.file
            out += [
                f"**{md_text(identity_text(ident.lhs, ident.rhs, ident.one_sided))}**",
                "",
                f"{md_code(ident.statement)} · {md_prose(domain_text(group[0]))}"
                + (f" · {md_text(ident.source)}" if ident.source else "")
                + (f" · tags: {', '.join(md_text(t) for t in ident.tags)}" if ident.tags else "")
                + f" · {md_code(where)}",
                "",
            ]
        for a in group:
            out += _backend(a, images, folder)
    return "\n".join(out) + "\n", images
