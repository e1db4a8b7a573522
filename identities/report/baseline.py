"""What changed against a previous JSON report (``--baseline PATH``).

Rows are matched on (identity, backend). A row is *failing* when its verdict is
not ``holds``: newly failing and newly holding rows are listed first, then
verdicts that changed between two failing kinds, then rows whose verdict stayed
the same while the largest error moved by at least ``GROWTH_BITS`` bits, then
rows that appeared or disappeared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from identities.check.results import SCHEMA, Result, json_value
from identities.errors import InvalidArgument

__all__ = ["BaselineDiff", "Change", "load_baseline", "diff_baseline", "GROWTH_BITS"]

GROWTH_BITS = 1.0


@dataclass(frozen=True)
class Change:
    identity: str
    backend: str
    before: str
    after: str
    bits_before: float
    bits_after: float

    def to_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "backend": self.backend,
            "before": self.before,
            "after": self.after,
            "bits_before": json_value(self.bits_before),
            "bits_after": json_value(self.bits_after),
        }


@dataclass(frozen=True)
class BaselineDiff:
    """The changes, grouped; ``source`` names the baseline file."""

    source: str
    newly_failing: list[Change] = field(default_factory=list)
    newly_holding: list[Change] = field(default_factory=list)
    verdict_changed: list[Change] = field(default_factory=list)
    error_grown: list[Change] = field(default_factory=list)
    error_shrunk: list[Change] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)

    GROUPS = ("newly_failing", "newly_holding", "verdict_changed", "error_grown", "error_shrunk", "added", "removed")

    @property
    def empty(self) -> bool:
        return not any(getattr(self, g) for g in self.GROUPS)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        for g in self.GROUPS:
            out[g] = [c.to_json() for c in getattr(self, g)]
        return out


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read and check a previous ``identities-report/1`` JSON file; InvalidArgument says what is wrong."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidArgument(f"--baseline {str(p)!r}: cannot read it ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"--baseline {str(p)!r}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("results"), list):
        raise InvalidArgument(
            f"--baseline {str(p)!r}: not an {SCHEMA} report (no 'schema': {SCHEMA!r} with a 'results' list)"
        )
    for i, row in enumerate(doc["results"]):
        if not isinstance(row, dict) or not {"identity", "backend", "verdict"} <= set(row):
            raise InvalidArgument(f"--baseline {str(p)!r}: results[{i}] lacks identity, backend or verdict")
    return doc


def _bits(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    try:
        return float(v)  # "inf", "nan"
    except (TypeError, ValueError):
        return math.nan


def _row_bits(row: Mapping[str, Any]) -> float:
    me = row.get("max_error") or {}
    return _bits(me.get("bits", math.nan)) if isinstance(me, Mapping) else math.nan


def diff_baseline(results: Iterable[Result], baseline: Mapping[str, Any], source: str = "") -> BaselineDiff:
    """Compare this run's Results with a baseline document (see the module docstring)."""
    before = {(r["identity"], r["backend"]): r for r in baseline["results"]}
    out = BaselineDiff(source)
    now_keys = set()
    for r in results:
        key = (r.identity, r.backend)
        now_keys.add(key)
        old = before.get(key)
        after_bits = r.max_error.bits
        if old is None:
            out.added.append(Change(r.identity, r.backend, "", r.verdict, math.nan, after_bits))
            continue
        b_bits = _row_bits(old)
        c = Change(r.identity, r.backend, str(old["verdict"]), r.verdict, b_bits, after_bits)
        was_holding, holds = old["verdict"] == "holds", r.verdict == "holds"
        if was_holding and not holds:
            out.newly_failing.append(c)
        elif holds and not was_holding:
            out.newly_holding.append(c)
        elif old["verdict"] != r.verdict:
            out.verdict_changed.append(c)
        elif _moved(b_bits, after_bits) > 0:
            out.error_grown.append(c)
        elif _moved(b_bits, after_bits) < 0:
            out.error_shrunk.append(c)
    for key, old in before.items():
        if key not in now_keys:
            out.removed.append(Change(key[0], key[1], str(old["verdict"]), "", _row_bits(old), math.nan))
    return out


def _moved(a: float, b: float) -> int:
    """+1 if the error grew by GROWTH_BITS or more (or became infinite), -1 if it shrank so, else 0."""
    if math.isnan(a) or math.isnan(b) or a == b:
        return 0
    if math.isinf(a) or math.isinf(b):
        return 1 if b > a else -1
    if b - a >= GROWTH_BITS:
        return 1
    if a - b >= GROWTH_BITS:
        return -1
    return 0
