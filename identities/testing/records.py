"""``assert_accurate`` and ``assert_derivative`` as Result records, for the reports of a pytest session.

A helper's check is one-sided: the user's function against its exact
reference, as an ``[[accuracy]]`` check is an expression against its own
exact value. So the record is a one-sided Result: ``lhs`` is the function's
value, the truth is the reference's, the verdict ``holds`` or
``precision_failure`` (expected ``holds``), or ``error`` when the function
raised an error in the code or no example could be checked. The report and
``--identities-json`` read it like any other result; ``test`` says which test
made it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from identities.check.results import Counterexample, Result
from identities.numbers.metrics import ErrorStats

__all__ = ["accuracy_result", "error_result"]


def _counterexample(p: Any, kind: str) -> Counterexample:
    exact = p.exact
    value = p.value if p.kind != "raised" else f"raised {type(p.error).__name__}"
    return Counterexample(
        inputs=dict(p.inputs),
        lhs=value,
        rhs=exact.value,
        truth_lhs=exact.value,
        truth_rhs=exact.value,
        truth_decimal=(exact.text, exact.text),
        culprit="lhs",
        ulps=p.ulps,
        lhs_ulps=p.ulps,
        rhs_ulps=0.0,
        cause=f"raised {type(p.error).__name__}: {p.error}" if p.kind == "raised" else "",
        kind=kind,
        component=p.component,
        component_ulps=tuple(p.components) if p.component is not None else None,
    )


def accuracy_result(
    name: str,
    search: Any,
    points: Sequence[Any],
    *,
    needed: str | None,
    largest: Any = None,
    minimal: Any = None,
    note: str = "",
    source: str = "declared",
) -> Result:
    """The Result of one helper call: ``points`` are the search's examples; ``largest`` and ``minimal`` the
    failing points the message shows (None when it passed); ``needed`` the tolerance that would pass;
    ``source`` where the tolerance came from (declared: the call's; configured: the session's; default)."""
    decided = [p for p in points if p.kind in ("ok", "fail", "raised")]
    seen = [p for p in search.cache.values() if p.kind in ("ok", "fail", "raised")] or decided
    failing = largest is not None
    worst = max(seen, key=lambda p: (p.kind == "raised", p.ulps if not math.isnan(p.ulps) else math.inf, p.rel))
    ulps = worst.ulps
    stats = ErrorStats(
        ulps=ulps,
        bits=math.log2(1 + ulps) if not math.isnan(ulps) else math.inf,
        rel=max(p.rel for p in seen),
        abs=max(p.abs for p in seen),
    )
    counts = {
        "ok": sum(p.kind == "ok" for p in points),
        "precision_failure": sum(p.kind in ("fail", "raised") for p in points),
        "undefined": sum(p.kind == "undefined" for p in points),
        "unknown": sum(p.kind == "unknown" for p in points),
    }
    shown_worst = largest if failing else worst
    return Result(
        identity=name,
        backend=search.fmt.name,
        verdict="precision_failure" if failing else "holds",
        expected="holds",
        examples=len(points),
        tolerance=str(search.tolerance),
        exact_rate=sum(p.ulps == 0 for p in decided) / len(decided) if decided else 0.0,
        max_error=stats,
        needed_tolerance=needed,
        counterexample=_counterexample(minimal or largest, "precision_failure") if failing else None,
        worst=_counterexample(shown_worst, "precision_failure" if failing else "ok"),
        counts=counts,
        message=note,
        seed=search.seed,
        one_sided=True,
        side_errors={"lhs": stats},
        tolerance_source=source,
    )


def error_result(name: str, backend: str, tolerance: str, seed: int, message: str) -> Result:
    """The Result of a helper call that could not judge the function (an error in its code, no example)."""
    return Result(
        identity=name,
        backend=backend,
        verdict="error",
        expected="holds",
        examples=0,
        tolerance=tolerance,
        exact_rate=0.0,
        max_error=ErrorStats(),
        needed_tolerance=None,
        message=message,
        seed=seed,
        one_sided=True,
    )
