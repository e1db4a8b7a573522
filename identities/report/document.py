"""The report as data: analyses of every Result, the summary, the baseline diff, the JSON document.

The JSON is the ``identities-report/1`` document of ``identities check --json``
(so every reader of that schema reads this one), extended: each result gains an
``analysis`` object and the top level a ``report`` object. The schema file
beside this module describes both; the tests validate against it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from identities.check.causes import Cause
from identities.check.results import Result, json_value, report
from identities.registry.files import Identity
from identities.report.analysis import Analysis, Point, analyze
from identities.report.baseline import BaselineDiff, diff_baseline, load_baseline
from identities.report.mathtext import identity_text

__all__ = ["ReportData", "build", "to_json", "SCHEMA_PATH", "TOP_LOSSES", "verdict_counts", "stop_reason"]

SCHEMA_PATH = Path(__file__).resolve().parent / "identities-report-1.schema.json"
TOP_LOSSES = 10


@dataclass
class ReportData:
    """Everything the three writers need."""

    analyses: list[Analysis]
    seed: int
    examples: int
    backends: list[str]
    incomplete: bool | str  # a string says why the run stopped early
    diff: BaselineDiff | None
    top: list[Analysis]
    counts: dict[str, dict[str, int]]
    plots_missing: str = ""  # why plots are missing (Ctrl-C while drawing, no matplotlib), for a banner


def verdict_counts(results: Sequence[Result]) -> dict[str, dict[str, int]]:
    """{backend: {verdict: n}} in the order backends first appear."""
    out: dict[str, dict[str, int]] = {}
    for r in results:
        row = out.setdefault(r.backend, {})
        row[r.verdict] = row.get(r.verdict, 0) + 1
    return out


def build(
    results: Sequence[Result],
    *,
    registry: Mapping[str, Identity],
    seed: int,
    examples: int,
    backends: Sequence[str],
    baseline: str | Path | Mapping[str, Any] | None = None,
    incomplete: bool | str = False,
) -> ReportData:
    """Analyse every Result and compare with the baseline (a path or an already loaded document)."""
    diff = None
    if baseline is not None:
        doc = baseline if isinstance(baseline, Mapping) else load_baseline(baseline)
        diff = diff_baseline(results, doc, "" if isinstance(baseline, Mapping) else str(baseline))
    analyses = [_analyze(r, registry.get(r.identity), examples) for r in results]
    ranked = [
        a for a in analyses if a.is_float and a.result.verdict in ("holds", "precision_failure") and a.bits_lost > 0
    ]
    # failing identities first: 60 bits lost where a tolerance allows them (a derivative near 0) matter less
    ranked.sort(
        key=lambda a: (a.result.verdict == "holds", -(a.bits_lost if not math.isnan(a.bits_lost) else math.inf))
    )
    return ReportData(
        analyses, seed, examples, list(backends), incomplete, diff, ranked[:TOP_LOSSES], verdict_counts(results)
    )


def _analyze(r: Result, ident: Identity | None, examples: int) -> Analysis:
    """analyze(), but a Result whose analysis fails still gets its row and says why: no result is lost."""
    try:
        return analyze(r, ident, examples=examples)
    except Exception as exc:
        from identities.backends import get_backend

        a = Analysis(result=r, ident=ident, is_float=bool(getattr(get_backend(r.backend), "is_float", False)))
        a.notes.append(f"the report could not analyse this result ({type(exc).__name__}: {exc}); please report it")
        return a


def _cause_json(c: Cause) -> dict[str, Any]:
    return {"label": c.label, "side": c.side, "node": c.node, "detail": c.detail, "bits": json_value(c.bits)}


def _point_json(p: Point) -> dict[str, Any]:
    return {
        "inputs": {k: json_value(v) for k, v in p.inputs.items()},
        "lhs": json_value(p.lhs),
        "rhs": json_value(p.rhs),
        "truth": {"lhs": json_value(p.truth_lhs), "rhs": json_value(p.truth_rhs)},
        "ulps": json_value(p.ulps),
        "bits": json_value(p.bits),
        "error_ulps": {"lhs": json_value(p.lhs_ulps), "rhs": json_value(p.rhs_ulps)},
        "causes": [_cause_json(c) for c in p.causes],
        "command": p.command,
    }


def analysis_json(a: Analysis) -> dict[str, Any]:
    ident = a.ident
    out: dict[str, Any] = {
        "math": identity_text(ident.lhs, ident.rhs, ident.one_sided) if ident else None,
        "lhs": str(ident.lhs) if ident else None,
        "rhs": str(ident.rhs) if ident else None,
        "domain": {n: str(d) for n, d in ident.variables} if ident else {},
        "assume": [str(e) for e in ident.assume] if ident else [],
        "source": ident.source if ident else "",
        "samples": len(a.result.samples),
        "error": {k: v.to_json() for k, v in a.stats.items()} if a.stats else None,
        "culprit": a.cause.culprit if a.cause else None,
        "cause": None,
        "needed_tolerance": {"ulp": a.needed["ulp"], "abs": a.needed["abs"]} if a.needed else None,
        "tolerance_note": a.tolerance_note,
        "confidence": None,
        "worst": [_point_json(p) for p in a.worst],
        "minimal": _point_json(a.minimal) if a.minimal else None,
        "reproduce": a.check,
        "finite_differences": a.fd.to_json() if a.fd is not None else None,
    }
    if a.cause:
        c = a.cause
        out["cause"] = {
            "label": c.label,
            "node": c.node,
            "detail": c.detail,
            "counts": dict(c.counts),
            "diagnosed": c.diagnosed,
        }
    if a.confidence:
        k = a.confidence
        out["confidence"] = {"n": k.n, "alpha": k.alpha, "p": k.p, "statement": k.statement}
    return out


def stop_reason(incomplete: bool | str) -> str:
    """Why an incomplete run stopped, as a clause: "the run was interrupted", or the reason it was given."""
    return f"the run stopped early ({incomplete})" if isinstance(incomplete, str) else "the run was interrupted"


def to_json(data: ReportData) -> dict[str, Any]:
    """The extended ``identities-report/1`` document."""
    doc = report(
        [a.result for a in data.analyses],
        seed=data.seed,
        examples=data.examples,
        backends=data.backends,
        incomplete=data.incomplete,
    )
    for row, a in zip(doc["results"], data.analyses):
        row["analysis"] = analysis_json(a)
    from identities import __version__

    doc["report"] = {
        "generator": f"identities {__version__}",
        "by_backend": data.counts,
        "top_losses": [
            {
                "identity": a.result.identity,
                "backend": a.result.backend,
                "bits": json_value(a.bits_lost),
                "culprit": a.cause.culprit if a.cause else None,
                "cause": a.cause.label if a.cause else None,
            }
            for a in data.top
        ],
        "baseline": data.diff.to_json() if data.diff is not None else None,
    }
    return doc
