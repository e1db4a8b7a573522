"""Domains of variables: the grammar and the ``Domain`` record (the draws are ``identities.draws``).

Grammar: ``kind`` or ``kind[lo, hi]``, optionally prefixed ``vector[n]`` (n draws
of that domain, a vector variable: ``vector[4] real[-10, 10]``), with kind one of ``real``, ``positive``,
``negative``, ``nonnegative``, ``nonzero``, ``probability`` (real[0, 1]) and
``integer``. Bounds are inclusive expressions; a bound may use variables
declared before it (``integer[0, n]``, ``positive[1e-16*abs(x), abs(x)]``),
and ``inf`` / ``-inf`` mean unbounded. ``integer`` with no bounds draws from
[-100, 100].
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from identities.errors import IdentityFileError
from identities.language.expr import Expr, free_vars, parse

__all__ = ["Domain", "KINDS", "parse_domain", "kind_interval", "INTEGER_DEFAULT", "MAX_VECTOR_SIZE"]

KINDS = ("real", "positive", "negative", "nonnegative", "nonzero", "probability", "integer")
INTEGER_DEFAULT = (-100, 100)
MAX_VECTOR_SIZE = 64
_DOMAIN = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[(.*)\])?\s*$", re.S)
_VECTOR = re.compile(r"^\s*vector\s*\[([^\]]*)\]\s*(.*)$", re.S)
_INF = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


@dataclass(frozen=True)
class Domain:
    """A variable's domain: a kind and optional bound expressions (None: unbounded)."""

    kind: str
    lo: Expr | None = None
    hi: Expr | None = None
    text: str = ""
    size: int | None = None  # a vector of this many components, each drawn from the domain

    @property
    def is_integer(self) -> bool:
        return self.kind == "integer"

    @property
    def depends_on(self) -> set[str]:
        out: set[str] = set()
        for b in (self.lo, self.hi):
            if b is not None:
                out |= free_vars(b)
        return out

    def __str__(self) -> str:
        return self.text or self.kind


def _split_bounds(inner: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in inner:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_domain(
    text: object,
    earlier: Sequence[str] = (),
    *,
    file: str = "<string>",
    line: int = 0,
    identity: str | None = None,
    var: str = "?",
) -> Domain:
    """Parse a domain string; bounds may use the variables in ``earlier``."""
    where: dict[str, Any] = {"file": file, "line": line, "identity": identity}
    if not isinstance(text, str):
        raise IdentityFileError(f'domain of {var!r} must be a string like "real[-1, 1]", got {text!r}', **where)
    vector = _VECTOR.match(text)
    if vector:
        return _vector_domain(vector.group(1), vector.group(2), text, earlier, var, where)
    m = _DOMAIN.match(text)
    if not m:
        raise IdentityFileError(f"domain of {var!r} is not kind or kind[lo, hi]: {text!r}", **where)
    kind, inner = m.group(1), m.group(2)
    if kind not in KINDS:
        raise IdentityFileError(f"unknown domain kind {kind!r} for {var!r}; known: {', '.join(KINDS)}", **where)
    if inner is None:
        return Domain(kind, None, None, text.strip())
    parts = _split_bounds(inner)
    if len(parts) != 2:
        raise IdentityFileError(f"domain of {var!r} needs two bounds, [lo, hi]: {text!r}", **where)
    bounds: list[Expr | None] = []
    for i, part in enumerate(parts):
        p = part.strip().lower()
        if p in _INF:
            if (_INF[p] > 0) == (i == 0):  # +inf as the lower bound, -inf as the upper
                raise IdentityFileError(f"domain of {var!r} has inverted bounds: {text!r}", **where)
            bounds.append(None)
            continue
        bounds.append(parse(part.strip(), set(earlier), **where))
    lo, hi = bounds
    domain = Domain(kind, lo, hi, text.strip())
    return domain


def _vector_domain(size: str, rest: str, text: str, earlier: Sequence[str], var: str, where: dict[str, Any]) -> Domain:
    if not size.strip().isdigit() or not 1 <= int(size) <= MAX_VECTOR_SIZE:
        raise IdentityFileError(
            f"vector size of {var!r} must be an integer from 1 to {MAX_VECTOR_SIZE}: {text!r}", **where
        )
    d = parse_domain(rest.strip() or "real", earlier, var=var, **where)
    if d.is_integer:
        raise IdentityFileError(f"vector {var!r} must have real components, not {d.kind}: {text!r}", **where)
    if d.depends_on:
        raise IdentityFileError(f"bounds of vector {var!r} must be constants: {text!r}", **where)
    return Domain(d.kind, d.lo, d.hi, text.strip(), int(size))


def kind_interval(kind: str) -> tuple[float, float, bool]:
    """(lo, hi, zero allowed) of a kind before bounds; open ends at 0 are handled by zero."""
    return {
        "real": (-math.inf, math.inf, True),
        "positive": (0.0, math.inf, False),
        "negative": (-math.inf, 0.0, False),
        "nonnegative": (0.0, math.inf, True),
        "nonzero": (-math.inf, math.inf, False),
        "probability": (0.0, 1.0, True),
        "integer": (-math.inf, math.inf, True),
    }[kind]
