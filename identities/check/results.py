"""Result records and the JSON report (schema ``identities-report/1``).

Values that are not finite JSON numbers (inf, nan, undefined, mpmath values,
integers beyond 2**53) are written as strings.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from identities.numbers.metrics import ErrorStats

__all__ = ["Counterexample", "Result", "SCHEMA", "report", "write_json", "write_atomic", "json_value"]

SCHEMA = "identities-report/1"


def json_value(v: Any) -> Any:
    """A value as JSON: finite floats and small ints as numbers, everything else as a string."""
    if v is None or isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        if abs(v) <= 2**53:
            return v
        return str(v) if v.bit_length() < 4000 else f"{'-' if v < 0 else ''}~2**{abs(v).bit_length() - 1}"
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (tuple, list)):  # a vector input, or per-component errors
        return [json_value(c) for c in v]
    return str(v)  # includes a function input: its expression in x


@dataclass(frozen=True)
class Counterexample:
    """One input where the identity does not hold in a backend, with everything needed to judge it.

    ``lhs``/``rhs`` are the backend's values ("undefined" where a side is not
    defined); ``truth_lhs``/``truth_rhs`` the oracle's, rounded to the
    backend's format, and ``truth_decimal`` the same to 20 digits.
    ``lhs_ulps``/``rhs_ulps`` are each side's error against its truth.
    For a vector-valued identity the values are those of the worst component,
    ``component`` its index and ``component_ulps`` the ulps between the sides
    in every component.
    """

    inputs: Mapping[str, Any]
    lhs: Any
    rhs: Any
    truth_lhs: Any
    truth_rhs: Any
    truth_decimal: tuple[str | None, str | None]
    culprit: str
    ulps: float
    lhs_ulps: float
    rhs_ulps: float
    cause: str = ""
    kind: str = ""
    component: int | None = None
    component_ulps: tuple[float, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": {k: json_value(v) for k, v in self.inputs.items()},
            "lhs": json_value(self.lhs),
            "rhs": json_value(self.rhs),
            "truth": {"lhs": json_value(self.truth_lhs), "rhs": json_value(self.truth_rhs)},
            "truth_decimal": {"lhs": self.truth_decimal[0], "rhs": self.truth_decimal[1]},
            "culprit": self.culprit,
            "cause": self.cause,
            "kind": self.kind,
            "ulps": json_value(self.ulps),
            "error_ulps": {"lhs": json_value(self.lhs_ulps), "rhs": json_value(self.rhs_ulps)},
            **(
                {"component": self.component, "component_ulps": json_value(self.component_ulps)}
                if self.component is not None
                else {}
            ),
        }

    def inputs_text(self, fmt: Any = None) -> str:
        """``x=0.4, n=3``: each float as the shortest decimal that reads back in ``fmt``; a vector as
        ``[1.0, 2.5]`` and a function as ``"sin(x)"``, as they are written in ``examples``."""
        from identities.numbers.formats import short_repr

        def show(v: Any) -> str:
            if isinstance(v, tuple):
                return "[" + ", ".join(show(c) for c in v) + "]"
            return short_repr(v, fmt) if fmt is not None and isinstance(v, float) else repr(v)

        return ", ".join(f"{k}={show(v)}" for k, v in self.inputs.items())


@dataclass(frozen=True)
class Result:
    """The verdict for one identity on one backend, with its evidence."""

    identity: str
    backend: str
    verdict: str
    expected: str
    examples: int
    tolerance: str | None
    exact_rate: float
    max_error: ErrorStats
    needed_tolerance: str | None
    counterexample: Counterexample | None = None
    worst: Counterexample | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    message: str = ""
    seed: int = 0
    elapsed: float = 0.0
    # per-example records (identities.check.samples.Sample), only from verify(..., keep_samples=True);
    # not part of the identities-report/1 core unless to_json(samples=True) asks for them
    samples: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    one_sided: bool = False  # a one-sided accuracy check: lhs against its exact value (JSON "one_sided": true)
    # each side's largest error against its exact value, over every decided example (float backends)
    side_errors: Mapping[str, ErrorStats] = field(default_factory=dict)
    # proven bounds of each side's round-off error and of their difference (identities.bounds.IdentityBound)
    bound: Any = None
    # how a `holds` is known: "bound" (the proven bounds fit the tolerance everywhere) or "sampled"
    proof: str = ""
    # where the tolerance came from: declared | configured | central-difference | default ("" without one)
    tolerance_source: str = ""
    # the sides evaluated with a difference quotient (diff in a float backend without autograd)
    quotient_sides: tuple[str, ...] = ()
    # the pytest node id of the test whose assertion helper made this Result ("" elsewhere)
    test: str = ""

    @property
    def ok(self) -> bool:
        """The verdict is the expected one."""
        return self.verdict == self.expected

    def _repr_html_(self) -> str:
        """Jupyter: the row, the counterexamples against the truth, a plot where samples were kept."""
        from identities.check.display import result_html

        return result_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython: the row and the counterexample as text, not the dataclass's one long line."""
        from identities.check.display import pretty, results_text

        text = results_text([self]).rsplit("\n", 1)[0]
        for label, c in (("minimal counterexample", self.counterexample), ("worst example found", self.worst)):
            if c is not None and not (label.startswith("minimal") and self.verdict == "holds"):
                text += f"\n{label}: {c.inputs_text() or '(no variables)'}: lhs {c.lhs!r}, rhs {c.rhs!r}, "
                text += f"{c.ulps:g} ulp apart; culprit: {c.culprit}" + (f"; {c.cause}" if c.cause else "")
        if self.message:
            text += f"\nnote: {self.message}"
        pretty(text, p, cycle)

    def to_json(self, *, samples: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "identity": self.identity,
            "backend": self.backend,
            "verdict": self.verdict,
            "expected": self.expected,
            "examples": self.examples,
            "tolerance": self.tolerance,
            "exact_rate": json_value(self.exact_rate),
            "max_error": _stats_json(self.max_error),
            "needed_tolerance": self.needed_tolerance,
            "counts": dict(self.counts),
            "message": self.message,
        }
        if self.one_sided:
            out["one_sided"] = True
        if self.proof:
            out["proof"] = self.proof
        if self.tolerance_source:
            out["tolerance_source"] = self.tolerance_source
        if self.quotient_sides:
            out["quotient_sides"] = list(self.quotient_sides)
        if self.test:
            out["test"] = self.test
        if self.side_errors:
            out["side_errors"] = {side: _stats_json(e) for side, e in self.side_errors.items()}
        if self.bound is not None:
            out["bound"] = self.bound.to_json()
        if self.verdict != "holds" and self.counterexample is not None:
            out["counterexample"] = self.counterexample.to_json()
        if self.worst is not None:
            out["worst"] = self.worst.to_json()
        if samples and self.samples:
            out["samples"] = [s.to_json() for s in self.samples]
        return out


def _stats_json(e: ErrorStats) -> dict[str, Any]:
    """ulps null where they are not meaningful (mpmath: bits of its working precision)."""
    ulps = None if math.isnan(e.ulps) else json_value(e.ulps)
    return {"ulps": ulps, "bits": json_value(e.bits), "rel": json_value(e.rel), "abs": json_value(e.abs)}


def report(
    results: Iterable[Result], *, seed: int, examples: int, backends: Iterable[str], incomplete: bool | str = False
) -> dict[str, Any]:
    """The ``identities-report/1`` document; timings live under their own key.

    ``incomplete``: the run stopped before its end; a string says why (``incomplete_reason``).
    """
    rs = list(results)
    verdicts: dict[str, int] = {}
    for r in rs:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "seed": seed,
        "examples": examples,
        "backends": list(backends),
        "results": [r.to_json() for r in rs],
        "summary": {
            "total": len(rs),
            "as_expected": sum(r.ok for r in rs),
            "unexpected": sum(not r.ok for r in rs),
            "verdicts": dict(sorted(verdicts.items())),
        },
        "timings": {f"{r.identity}[{r.backend}]": round(r.elapsed, 4) for r in rs},
    }
    if incomplete:
        doc["incomplete"] = True
        if isinstance(incomplete, str):
            doc["incomplete_reason"] = incomplete
    return doc


def write_json(path: str | Path, doc: Mapping[str, Any]) -> None:
    """Write atomically: a temporary file beside the target, renamed into place."""
    write_atomic(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")


def _mode(path: Path) -> int:
    """The replaced file's permissions, else what ``open()`` would give under the current umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to a temporary file beside ``path``, then rename it into place.

    A reader, or a run interrupted half-way, sees the old file or the new one, never a torn one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, _mode(path))  # mkstemp makes 0600; a report is as readable as any file the user writes
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
