"""Simplest counterexamples: each input replaced by the simplest value that keeps the failure.

Hypothesis shrinks toward small choice sequences, which for floats drawn by
bit pattern can mean the smallest subnormal or a bound's neighbour; a person
would rather paste ``x = 2`` than ``x = 2.0000000000000004``. Vectors are
simplified component by component; functions are left as hypothesis shrank
them (toward ``x``, constants, shallow trees).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from identities.formats import FloatFormat

__all__ = ["humanize", "short_repr"]


def _complexity(v: Any, fmt: FloatFormat) -> tuple[int, float]:
    """How hard a number is to write: significant digits of its shortest repr, then magnitude."""
    if isinstance(v, int):
        return (len(str(abs(v)).rstrip("0")) if v else 0, 0.0)
    if v == 0:
        return (0, 0.0)
    mantissa = short_repr(abs(v), fmt).split("e")[0].replace(".", "").strip("0")
    return (len(mantissa), abs(math.log10(abs(v))))


def short_repr(v: float, fmt: FloatFormat) -> str:
    """The shortest decimal that reads back as v in ``fmt`` (``0.4`` for float32's 0.4000000059604645)."""
    if fmt.width == 64 or not math.isfinite(v):
        return repr(v)
    import numpy as np

    return str({32: np.float32, 16: np.float16}[fmt.width](v))


_SIMPLE_FLOATS = {s * m * 10.0**k for s in (1, -1) for m in (1, 2, 3, 5, 1.5, 2.5) for k in range(-3, 4)} | {0.0}


def _simpler(v: Any, fmt: FloatFormat) -> list[Any]:
    """Candidate values simpler to write than v, simplest first."""
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
    mine = _complexity(v, fmt)
    ranked = sorted(((_complexity(c, fmt), c) for c in cands), key=lambda t: (t[0], t[1]))
    return [c for k, c in ranked if k < mine]


def humanize(engine: Any, sample: Any, admits: Callable[[Mapping[str, Any]], bool], rounds: int = 2) -> Any:
    """Replace each numeric input by the simplest value (1.0, 0.5, few digits) that keeps the failure.

    ``engine.evaluate`` judges a trial; ``admits`` says whether the strategy could have drawn it.
    """
    current = sample
    names = [k for k, v in sample.inputs.items() if isinstance(v, (int, float))]  # functions: hypothesis' own
    if len(names) == 2:
        # greedy per-variable steps miss pairs that only fail together (x = 0.2, y = 8 in exp(x + y))
        a, b = names
        pairs = [(ca, cb) for ca in _simpler(sample.inputs[a], engine.fmt)[:20]
                 for cb in _simpler(sample.inputs[b], engine.fmt)[:20]]
        pairs.sort(key=lambda p: tuple(x + y for x, y in zip(_complexity(p[0], engine.fmt),
                                                              _complexity(p[1], engine.fmt))))
        for ca, cb in pairs:
            trial = {**sample.inputs, a: ca, b: cb}
            if admits(trial) and engine.evaluate(trial).kind == sample.kind:
                current = engine.evaluate(trial)
                break
    for _ in range(rounds):
        changed = False
        for name, index in _numbers(current.inputs):
            old = current.inputs[name]
            for cand in _simpler(old if index is None else old[index], engine.fmt):
                trial = dict(current.inputs)
                trial[name] = cand if index is None else (*old[:index], cand, *old[index + 1:])
                if not admits(trial):
                    continue
                s = engine.evaluate(trial)
                if s.kind == sample.kind:
                    current, changed = s, True
                    break
        if not changed:
            break
    return current


def _numbers(inputs: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """The numeric inputs to simplify: (name, None), or (name, i) for each component of a vector."""
    out: list[tuple[str, int | None]] = []
    for name, v in inputs.items():
        if isinstance(v, tuple):
            out += [(name, i) for i in range(len(v))]
        elif isinstance(v, (int, float)):
            out.append((name, None))
    return out
