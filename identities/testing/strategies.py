"""Domains as hypothesis strategies, for users' own ``@given`` tests.

``values("positive[1e-3, 1e3]", width=64)`` draws what an identity's variable
of that domain draws: values of the format (``width`` 16, 32 or 64, as Python
floats) spread over the binades, subnormals and the bounds included, never nan
or inf, shrinking toward simple numbers; ``integer`` domains draw ints
(``integer`` alone: [-100, 100]). ``inputs({"x": "real", "n": "integer[0, 10]"})``
draws a dict, where a bound may use earlier variables.

Arguments are checked when the strategy is made, not when it first draws, and
the strategies are immutable values whose repr is the call that made them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from identities.errors import IdentityFileError, InvalidArgument
from identities.numbers.formats import FloatFormat, get_format

__all__ = ["values", "inputs"]


def _format(width: object) -> FloatFormat:
    if width not in (16, 32, 64) or isinstance(width, bool):
        raise InvalidArgument(f"width={width!r} must be 16, 32 or 64")
    return get_format(f"float{width}")


@lru_cache(maxsize=256)
def _sampler(domain: str, width: int) -> Callable[[Any], Any]:
    """``draw -> value`` for one domain (cached: building a sampler parses and compiles bounds)."""
    from identities.draws.inputs import EMPTY, Plan, parse_domain

    fmt = _format(width)
    if not isinstance(domain, str):
        raise InvalidArgument(f"domain={domain!r} must be a string like 'real[-1, 1]'")
    try:
        d = parse_domain(domain, (), var="value")
    except IdentityFileError as exc:
        hint = "; a bound may use other variables only in inputs()" if "undeclared" in exc.message else ""
        raise InvalidArgument(f"domain={domain!r}: {exc.message}{hint}") from None
    sampler = Plan("value", d, fmt).sampler({})
    if sampler is EMPTY:
        raise InvalidArgument(f"domain={domain!r} holds no {fmt.name} value")
    return sampler


def _draw_value(draw: Callable[[Any], Any], domain: str, *, width: int = 64) -> Any:
    return _sampler(domain, width)(draw)


_draw_value.__name__ = _draw_value.__qualname__ = "values"  # so the strategy's repr is the public call
_values = st.composite(_draw_value)


def values(domain: str, *, width: int = 64) -> st.SearchStrategy[Any]:
    """Values of one domain (``"real"``, ``"positive[1e-3, 1e3]"``, ``"integer[0, 10]"``...) in one format."""
    if not isinstance(domain, str):
        raise InvalidArgument(f"domain={domain!r} must be a string like 'real[-1, 1]'")
    _sampler(domain, width)  # check now: a bad domain is an error at the call, not at the first draw
    return _values(domain, width=width)


@lru_cache(maxsize=64)
def _inputs_strategy(items: tuple[tuple[str, str], ...], width: int, assume: tuple[str, ...]) -> Any:
    from identities.draws.inputs import inputs_strategy
    from identities.testing.accuracy import parse_vars

    variables, checks = parse_vars(dict(items), assume)
    return inputs_strategy(variables, _format(width), checks)


def _draw_inputs(
    draw: Callable[[Any], Any], vars: Mapping[str, str], *, width: int = 64, assume: tuple[str, ...] = ()
) -> dict[str, Any]:
    return draw(_inputs_strategy(tuple(vars.items()), width, assume))


_draw_inputs.__name__ = _draw_inputs.__qualname__ = "inputs"
_inputs = st.composite(_draw_inputs)


def inputs(vars: Mapping[str, str], *, width: int = 64, assume: Iterable[str] = ()) -> st.SearchStrategy[dict]:
    """A dict of values, one per variable, drawn in order: bounds may use earlier variables, ``assume``
    (comparisons such as ``"x != y"``) filters the draws."""
    if not isinstance(vars, Mapping):
        raise InvalidArgument(f"vars={vars!r} must be a mapping of name to domain, like {{'x': 'real'}}")
    checks = (assume,) if isinstance(assume, str) else tuple(assume)
    _inputs_strategy(tuple(vars.items()), width, checks)  # check now
    return _inputs(dict(vars), width=width, assume=checks) if checks else _inputs(dict(vars), width=width)
