"""The piecewise forms in a Taylor form: ``where``'s conditions, ``min``/``max``, ``copysign``, the roundings
to integers and the remainders, decided on a box.

None of these rounds: each returns one of its (already rounded) operands, or an integer, or an exact
remainder. What they do to a bound is through their jumps and kinks:

- ``min``, ``max`` are 1-Lipschitz in each argument: where the box cannot tell which is smaller, each partial
  derivative is taken in [0, 1] (the generalised gradient), so the mean value theorem still bounds the error.
- ``copysign(a, b)`` is ``+-|a|``; the sign is that of b, which must keep one sign on the box (in floats
  ``b`` may be ``-0.0`` where exactly it is 0, which counts as positive): a box where b may be 0 fails.
- ``floor``, ``ceil``, ``trunc``, ``round`` are exact on floats but jump at integers (``round`` at
  half-integers): where the argument is exact (no rounding below it) the result is exact; where it is
  rounded, the box must keep every value the rounded argument may take between two jumps (the result is then
  one integer there, with no error), else a rounding could move it across a jump: no bound.
- ``fmod(a, b) = a - b*trunc(a/b)`` and ``remainder(a, b) = a - b*n`` (n = a/b rounded half to even) are
  exact in floats and smooth where the quotient's integer part is fixed: the same rule, with partial
  derivatives (1, -q).
- ``where(cond, a, b)``: the condition is allowed only when its operands are exact in floats (nothing
  rounded below them), so floats take the branch the reals take; on a box where the condition is not
  decided, both branches are bounded, each on the part of the box where it may be taken (the box clipped by
  the condition where one side is a variable and the other a constant), and the larger is the bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flint import arb

from identities.bounds.balls import ends, upper
from identities.numbers.formats import FloatFormat

__all__ = ["Cond", "Piece", "PIECEWISE", "STEPS", "decide", "clip", "piecewise", "condition_operands"]

Range = tuple[float, float]


def _round_away(x: float) -> int:
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return t


STEPS: dict[str, Callable[[float], int]] = {
    "floor": math.floor,
    "ceil": math.ceil,
    "trunc": math.trunc,
    "round": _round_away,  # C's round: half away from zero
}
_QUOTIENT: dict[str, Callable[[float], int]] = {"fmod": math.trunc, "remainder": round}  # round: half to even
PIECEWISE = ("min", "max", "copysign", *STEPS, *_QUOTIENT)


@dataclass(frozen=True)
class Cond:
    """A condition over nodes of the form: ``cmp`` (a chain of ``ops`` between the nodes ``args``), or
    ``and``/``or``/``not`` of ``parts``."""

    op: str
    ops: tuple[str, ...] = ()
    args: tuple[int, ...] = ()
    parts: tuple[Cond, ...] = field(default_factory=tuple)


def condition_operands(c: Cond) -> list[int]:
    if c.op == "cmp":
        return list(c.args)
    return [i for p in c.parts for i in condition_operands(p)]


def _compare(op: str, a: Range, b: Range) -> bool | None:
    """Whether ``x op y`` for every x in a, y in b (True), for none (False), or it depends (None)."""
    if op in ("<", ">="):
        if a[1] < b[0]:
            return op == "<"
        if a[0] >= b[1]:
            return op == ">="
        return None
    if op in ("<=", ">"):
        if a[1] <= b[0]:
            return op == "<="
        if a[0] > b[1]:
            return op == ">"
        return None
    if a[0] == a[1] == b[0] == b[1]:
        return op == "=="
    if a[1] < b[0] or b[1] < a[0]:
        return op == "!="
    return None


def decide(c: Cond, rng: Sequence[Range]) -> bool | None:
    """The condition's value on the box (three-valued: None where the box holds points of both)."""
    if c.op == "cmp":
        out: bool | None = True
        for op, x, y in zip(c.ops, c.args, c.args[1:]):
            d = _compare(op, rng[x], rng[y])
            if d is False:
                return False
            if d is None:
                out = None
        return out
    values = [decide(p, rng) for p in c.parts]
    if c.op == "not":
        return None if values[0] is None else not values[0]
    if c.op == "and":
        return False if False in values else None if None in values else True
    return True if True in values else None if None in values else False


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def clip(
    c: Cond,
    choice: bool,
    box: dict[str, Range],
    variables: Mapping[int, str],
    points: Mapping[int, float],
    fmt: FloatFormat,
    integers: frozenset[str],
) -> dict[str, Range] | None:
    """The box narrowed to the inputs where the condition is ``choice`` (a superset of them); None where no
    input of the box has it. Only links between a variable (``variables``: node -> name) and a constant
    (``points``: node -> its value) narrow the box; anything else leaves it as it is, which is sound."""
    if c.op == "not":
        return clip(c.parts[0], not choice, box, variables, points, fmt, integers)
    if c.op in ("and", "or"):
        if (c.op == "and") != choice:  # a false "and" or a true "or": one of several ways, no narrowing
            return box
        out: dict[str, Range] | None = box
        for p in c.parts:
            out = clip(p, choice, out, variables, points, fmt, integers) if out is not None else None
        return out
    links = list(zip(c.ops, c.args, c.args[1:]))
    if not choice and len(links) > 1:
        return box
    out = dict(box)
    for op, x, y in links:
        if not choice:
            op = _NEGATE[op]
        if x in variables and y in points:
            name, value = variables[x], points[y]
        elif y in variables and x in points:
            name, value, op = variables[y], points[x], _FLIP[op]
        else:
            continue
        narrowed = _narrow(out[name], op, value, fmt, name in integers)
        if narrowed is None:
            return None
        out[name] = narrowed
    return out


def _narrow(r: Range, op: str, c: float, fmt: FloatFormat, integer: bool) -> Range | None:
    """[lo, hi] narrowed to the values v of the format (integers for an integer variable) with ``v op c``."""
    lo, hi = r
    if integer:
        below = float(math.ceil(c) - 1 if op == "<" else math.floor(c))
        above = float(math.floor(c) + 1 if op == ">" else math.ceil(c))
    else:
        down, up = fmt.round_down(c), fmt.round_up(c)
        below = fmt.next_down(c) if op == "<" and down == c else down
        above = fmt.next_up(c) if op == ">" and up == c else up
    if op in ("<", "<="):
        hi = min(hi, below)
    elif op in (">", ">="):
        lo = max(lo, above)
    elif op == "==":
        lo, hi = max(lo, above), min(hi, below)
    return (lo, hi) if lo <= hi else None


@dataclass
class Piece:
    """A piecewise node on a box: its value ball, the floats it produces, its partial derivatives."""

    value: arb = field(default_factory=lambda: arb(0))
    range: Range = (0.0, 0.0)
    slopes: tuple[arb, ...] = ()
    failure: str = ""


_UNIT = arb(0.5, 0.5)  # [0, 1]: a partial of min or max where the box cannot tell which argument is smaller


def _ends(v: arb, r: Range, exact: bool) -> Range:
    """The ends of a value: the exact float range where no rounding is below it, else the ball's."""
    return r if exact else ends(v)


def piecewise(
    op: str, text: str, args: Sequence[str], a: Sequence[arb], r: Sequence[Range], sites: Sequence[bool]
) -> Piece:
    """The node ``op`` on argument balls ``a`` (every value the perturbed arguments take), float ranges ``r``
    and whether each argument carries a rounding (``sites``)."""
    if op in ("min", "max"):
        x, y = a
        smaller = op == "min"
        if x.upper() < y.lower() or y.upper() < x.lower():
            first = (x.upper() < y.lower()) == smaller
            return Piece(x if first else y, r[0] if first else r[1], (arb(1), arb(0)) if first else (arb(0), arb(1)))
        pick = min if smaller else max
        value = x.min(y) if smaller else x.max(y)
        return Piece(value, (pick(r[0][0], r[1][0]), pick(r[0][1], r[1][1])), (_UNIT, _UNIT))
    if op == "copysign":
        x, s = a
        if not (s > 0 or s < 0) or not (r[1][0] > 0 or r[1][1] < 0):
            return Piece(
                failure=f"{text} takes the sign of {args[1]} = 0 (+0 exactly, maybe -0.0 in floats) in the domain"
            )
        sign = 1 if s > 0 else -1
        m = abs(x)
        lo, hi = r[0]
        mlo, mhi = (0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))), max(abs(lo), abs(hi))
        slope = arb(1) if x > 0 else arb(-1) if x < 0 else arb(0, 1)
        return Piece(m * sign, (mlo, mhi) if sign > 0 else (-mhi, -mlo), (slope * sign, arb(0)))
    if op in STEPS:
        step = STEPS[op]
        lo, hi = _ends(a[0], r[0], not sites[0])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return Piece(failure=f"{text} is not finite on part of the domain")
        k_lo, k_hi = step(lo), step(hi)
        if k_lo == k_hi:
            return Piece(arb(k_lo), (float(k_lo), float(k_hi)), (arb(0),))
        if not sites[0]:
            return Piece(arb.union(arb(k_lo), arb(k_hi)), (float(k_lo), float(k_hi)), (arb(0),))
        jump = "a half-integer" if op == "round" else "an integer"
        return Piece(failure=f"{text} jumps where {args[0]} crosses {jump}, and {args[0]} is rounded in floats")
    # fmod, remainder
    x, y = a
    if not (y > 0 or y < 0):
        return Piece(failure=f"{text} is undefined where {args[1]} = 0 in the domain")
    quotient = _QUOTIENT[op]
    q_lo, q_hi = ends(x / y)
    if not (math.isfinite(q_lo) and math.isfinite(q_hi)):
        return Piece(failure=f"{text} is not finite on part of the domain")
    n_lo, n_hi = quotient(q_lo), quotient(q_hi)
    if n_lo == n_hi:
        value = x - y * n_lo
        return Piece(value, ends(value), (arb(1), arb(-n_lo)))
    if not (sites[0] or sites[1]):
        top = upper(y)  # |fmod| < |b|, |remainder| <= |b|/2: a superset of the exact result
        return Piece(arb(0, top), (-top, top), (arb(0), arb(0)))
    jump = "an integer" if op == "fmod" else "a half-integer"
    return Piece(
        failure=f"{text} jumps where {args[0]}/{args[1]} crosses {jump}, and its arguments are rounded in floats"
    )
