"""Simplifying a counterexample: the simplest inputs, to write, that keep the failure.

Hypothesis shrinks toward small choice sequences, which for floats drawn by
bit pattern can mean the smallest subnormal or a bound's neighbour; a person
would rather paste ``x = 2`` than ``x = 2.0000000000000004``. After
hypothesis has shrunk, each input (and, for two variables, each pair) is
replaced by the simplest candidate that keeps the same kind of failure:
short decimals and round binary fractions, one- and two-digit values, each
rounded into the backend's format and checked against the domains. A vector
is simplified component by component; functions are left as hypothesis
shrank them (toward ``x``, constants, shallow trees).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from identities.errors import LimitExceeded
from identities.language.limits import deadline
from identities.numbers.formats import FloatFormat, short_repr

if TYPE_CHECKING:  # pragma: no cover
    from identities.check.evaluation import Engine, Sample

__all__ = ["simplify", "simpler", "complexity"]


def complexity(v: Any, fmt: FloatFormat) -> tuple[int, float]:
    """How hard a number is to write: significant digits of its shortest repr, then magnitude."""
    if isinstance(v, int):
        return (len(str(abs(v)).rstrip("0")) if v else 0, 0.0)
    if v == 0:
        return (0, 0.0)
    mantissa = short_repr(abs(v), fmt).split("e")[0].replace(".", "").strip("0")
    return (len(mantissa), abs(math.log10(abs(v))))


_SIMPLE_FLOATS = {s * m * 10.0**k for s in (1, -1) for m in (1, 2, 3, 5, 1.5, 2.5) for k in range(-3, 4)} | {0.0}


def simpler(v: Any, fmt: FloatFormat) -> list[Any]:
    """Candidate values simpler to write than v, simplest first."""
    cands: set[Any]
    if isinstance(v, int):
        cands = {0, 1, -1, 2, -2, 10, -10}
        for k in range(1, len(str(abs(v)))):
            cands.add(int(round(v, -k)))
    else:
        cands = {float(round(v))} | _SIMPLE_FLOATS
        if math.isfinite(v) and v != 0:
            for k in range(1, 17):
                cands.add(float(f"{v:.{k}g}"))
            m, e = math.frexp(v)
            for k in range(1, fmt.precision):
                try:
                    cands.add(math.ldexp(round(m * 2**k), e - k))
                except OverflowError:
                    break
        cands = {fmt.round(c) for c in cands}
    mine = complexity(v, fmt)
    ranked = sorted(((complexity(c, fmt), c) for c in cands), key=lambda t: (t[0], t[1]))
    return [c for k, c in ranked if k < mine]


def simplify(engine: Engine, sample: Sample, rounds: int = 2) -> Sample:
    """Replace each input by the simplest value (1.0, 0.5, few digits) that keeps the failure.

    Raises LimitExceeded when a time limit cuts it short (see ``_trial``)."""
    from identities.check.search import admissible

    admits = admissible(engine)
    current = sample
    names = [k for k, v in sample.inputs.items() if isinstance(v, (int, float))]  # not vectors, functions
    if len(names) == 2:
        # greedy per-variable steps miss pairs that only fail together (x = 0.2, y = 8 in exp(x + y))
        a, b = names
        pairs = [
            (ca, cb)
            for ca in simpler(sample.inputs[a], engine.fmt)[:20]
            for cb in simpler(sample.inputs[b], engine.fmt)[:20]
        ]
        pairs.sort(
            key=lambda p: tuple(x + y for x, y in zip(complexity(p[0], engine.fmt), complexity(p[1], engine.fmt)))
        )
        for ca, cb in pairs:
            trial = {**sample.inputs, a: ca, b: cb}
            if admits(trial) and _trial(engine, trial).kind == sample.kind:
                current = _trial(engine, trial)
                break
    for _ in range(rounds):
        changed = False
        for name, index in _numbers(current.inputs):
            old = current.inputs[name]
            for cand in simpler(old if index is None else old[index], engine.fmt):
                trial = dict(current.inputs)
                trial[name] = cand if index is None else (*old[:index], cand, *old[index + 1 :])
                if not admits(trial):
                    continue
                s = _trial(engine, trial)
                if s.kind == sample.kind:
                    current, changed = s, True
                    break
        if not changed:
            break
    return current


def _trial(engine: Engine, inputs: Any) -> Sample:
    """One candidate, under the example's time limit; LimitExceeded once the identity's time is out
    (the caller keeps the counterexample it had: simplifying is a courtesy, never a reason to lose it)."""
    if time.monotonic() > engine.stop_at:
        raise LimitExceeded(f"time limit per identity ({engine.identity_seconds:g} s)")
    with deadline(engine.example_seconds, f"time limit per example ({engine.example_seconds:g} s)"):
        return engine.evaluate(inputs)


def _numbers(inputs: Any) -> list[tuple[str, int | None]]:
    """The numeric inputs to simplify: (name, None), or (name, i) for each component of a vector."""
    out: list[tuple[str, int | None]] = []
    for name, v in inputs.items():
        if isinstance(v, tuple):
            out += [(name, i) for i in range(len(v))]
        elif isinstance(v, (int, float)):
            out.append((name, None))
    return out
