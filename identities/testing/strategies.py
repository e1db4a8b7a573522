"""Domains as hypothesis strategies, for users' own ``@given`` tests.

``values("positive[1e-3, 1e3]", width=64)`` draws what an identity's variable
of that domain draws: values of the format (``width`` 16, 32 or 64, or
``format="bfloat16"``, ``"float8_e4m3fn"``, ``"float8_e5m2"`` or any format name;
as Python floats) spread over the binades, subnormals and the bounds included,
never nan or inf, shrinking toward simple numbers; ``integer`` domains draw ints
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
from identities.numbers.dtypes import as_format
from identities.numbers.formats import FloatFormat, get_format

__all__ = ["values", "inputs"]


def _format(width: object, format: object = None) -> FloatFormat:
    """The format from ``width`` (16, 32, 64) or ``format`` (a name such as ``"bfloat16"``, or a dtype)."""
    if format is not None:
        fmt = as_format(format, "format")
        if width is not None and (width not in (16, 32, 64) or get_format(f"float{width}") is not fmt):
            raise InvalidArgument(f"width={width!r} and format={format!r} disagree; give one of them")
        return fmt
    if width is None:
        return get_format("float64")
    if width not in (16, 32, 64) or isinstance(width, bool):
        raise InvalidArgument(f"width={width!r} must be 16, 32 or 64 (or give format='bfloat16' and the like)")
    return get_format(f"float{width}")


@lru_cache(maxsize=256)
def _sampler(domain: str, fmt: FloatFormat) -> Callable[[Any], Any]:
    """``draw -> value`` for one domain (cached: building a sampler parses and compiles bounds)."""
    from identities.draws.inputs import EMPTY, Plan, parse_domain

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


def _draw_value(draw: Callable[[Any], Any], domain: str, *, width: int = 64, format: str | None = None) -> Any:
    return _sampler(domain, _format(None if format else width, format))(draw)


_draw_value.__name__ = _draw_value.__qualname__ = "values"  # so the strategy's repr is the public call
_values = st.composite(_draw_value)


def values(domain: str, *, width: int | None = None, format: Any = None) -> st.SearchStrategy[Any]:
    """Values of one domain (``"real"``, ``"positive[1e-3, 1e3]"``, ``"integer[0, 10]"``...) in one format:
    ``width`` 16, 32 or 64 (the default), or ``format`` by name (``"bfloat16"``, ``"float8_e4m3fn"``...)."""
    if not isinstance(domain, str):
        raise InvalidArgument(f"domain={domain!r} must be a string like 'real[-1, 1]'")
    fmt = _format(width, format)
    _sampler(domain, fmt)  # check now: a bad domain is an error at the call, not at the first draw
    if format is not None:
        return _values(domain, format=fmt.name)
    return _values(domain, width=64 if width is None else width)


@lru_cache(maxsize=64)
def _inputs_strategy(items: tuple[tuple[str, str], ...], fmt: FloatFormat, assume: tuple[str, ...]) -> Any:
    from identities.draws.inputs import inputs_strategy
    from identities.testing.accuracy import parse_vars

    variables, checks = parse_vars(dict(items), assume)
    return inputs_strategy(variables, fmt, checks)


def _draw_inputs(
    draw: Callable[[Any], Any],
    vars: Mapping[str, str],
    *,
    width: int = 64,
    format: str | None = None,
    assume: tuple[str, ...] = (),
) -> dict[str, Any]:
    return draw(_inputs_strategy(tuple(vars.items()), _format(None if format else width, format), assume))


_draw_inputs.__name__ = _draw_inputs.__qualname__ = "inputs"
_inputs = st.composite(_draw_inputs)


def inputs(
    vars: Mapping[str, str], *, width: int | None = None, format: Any = None, assume: Iterable[str] = ()
) -> st.SearchStrategy[dict]:
    """A dict of values, one per variable, drawn in order: bounds may use earlier variables, ``assume``
    (comparisons such as ``"x != y"``) filters the draws; ``width`` or ``format`` as in ``values``."""
    if not isinstance(vars, Mapping):
        raise InvalidArgument(f"vars={vars!r} must be a mapping of name to domain, like {{'x': 'real'}}")
    checks = (assume,) if isinstance(assume, str) else tuple(assume)
    fmt = _format(width, format)
    _inputs_strategy(tuple(vars.items()), fmt, checks)  # check now
    how: dict[str, Any] = {"format": fmt.name} if format is not None else {"width": 64 if width is None else width}
    return _inputs(dict(vars), **how, assume=checks) if checks else _inputs(dict(vars), **how)
