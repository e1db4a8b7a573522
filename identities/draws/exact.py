"""Domains and ``assume`` judged exactly, on an input as the backend sees it.

An input is a float of the backend's format (an example is rounded to it first), and the
question "is it inside the domain, does ``assume`` hold there" is asked of that exact value: in
float64, ``x*y != 1`` can be false where the exact product is not 1, and a bound ``1 - x`` rounds;
either way a verdict would rest on an input outside the identity's domain. So comparisons are decided
by the oracle's sign of ``a - b`` (a ball that excludes 0, or an exact value). Where the oracle cannot
tell the sign (undefined, or unresolved at its cap) the input is not admitted: no verdict rests on an
input that may lie outside.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flint import arb, fmpq, fmpz

from identities.language.expr import Bin, Cmp, Expr, Logic, Var
from identities.oracle.scalar import DEFAULT_ORACLE, Oracle, OutOfRange

__all__ = ["exact_sign", "exact_condition", "exact_at_least", "VALUE"]

VALUE = "__value__"  # the variable a bound check binds the value under (no parsed name has underscores first)


def exact_sign(expr: Expr, env: Mapping[str, Any], oracle: Oracle = DEFAULT_ORACLE) -> int | None:
    """The sign (-1, 0, 1) of ``expr``'s exact value at ``env``; None where undefined or undecided."""
    try:
        t = oracle.evaluate(expr, env)
    except (LookupError, OutOfRange, ValueError, ZeroDivisionError):
        return None
    if t is None:
        return None
    v = t.value
    if isinstance(v, (int, fmpz, fmpq)):
        return (v > 0) - (v < 0)
    if isinstance(v, arb):
        if v > 0:
            return 1
        if v < 0:
            return -1
        if v.is_zero():
            return 0
    return None


_TEST: dict[str, Callable[[int], bool]] = {
    "<": lambda s: s < 0,
    "<=": lambda s: s <= 0,
    ">": lambda s: s > 0,
    ">=": lambda s: s >= 0,
    "==": lambda s: s == 0,
    "!=": lambda s: s != 0,
}


def exact_condition(cond: Expr, oracle: Oracle = DEFAULT_ORACLE) -> Callable[[Mapping[str, Any]], bool]:
    """An ``assume`` entry (a chained comparison, or ``and``/``or``/``not`` of them) as an exact predicate of the
    inputs: true only where the oracle decides it true; a comparison it cannot decide admits nothing."""
    decide = _three_valued(cond, oracle)
    return lambda env: decide(env) is True


def _three_valued(cond: Expr, oracle: Oracle) -> Callable[[Mapping[str, Any]], bool | None]:
    """True, False, or None where a comparison in it cannot be decided (Kleene's logic for and/or/not)."""
    if isinstance(cond, Logic):
        parts = [_three_valued(a, oracle) for a in cond.args]
        if cond.op == "not":
            (inner,) = parts
            return lambda env: None if (v := inner(env)) is None else not v
        absorbing = cond.op == "or"  # True decides an 'or', False an 'and'

        def combined(env: Mapping[str, Any]) -> bool | None:
            unknown = False
            for p in parts:
                v = p(env)
                if v is None:
                    unknown = True
                elif v is absorbing:
                    return absorbing
            return None if unknown else not absorbing

        return combined
    if not isinstance(cond, Cmp):  # pragma: no cover - the parser allows only conditions in assume
        raise TypeError(f"assume must be a comparison, got {cond!r}")
    pairs = [(Bin("-", a, b), _TEST[op]) for op, a, b in zip(cond.ops, cond.operands, cond.operands[1:])]

    def holds(env: Mapping[str, Any]) -> bool | None:
        unknown = False
        for diff, test in pairs:
            s = exact_sign(diff, env, oracle)
            if s is None:
                unknown = True
            elif not test(s):
                return False
        return None if unknown else True

    return holds


def exact_at_least(
    bound: Expr, upper: bool, oracle: Oracle = DEFAULT_ORACLE
) -> Callable[[Any, Mapping[str, Any]], bool]:
    """``value >= bound`` (``value <= bound`` when ``upper``), exactly, with earlier inputs in env."""
    diff = Bin("-", Var(VALUE), bound) if not upper else Bin("-", bound, Var(VALUE))

    def inside(value: Any, env: Mapping[str, Any]) -> bool:
        s = exact_sign(diff, {**env, VALUE: value}, oracle)
        return s is not None and s >= 0

    return inside
