"""The assertion helpers inside a pytest session: the defaults they take from its configuration, and where
their results go.

The pytest plugin activates a ``Session`` around each test when the session
has something for the helpers: a configured default (``identities_examples``,
``identities_seed``, ``identities_backends``, ``identities_tolerance``, in
the ini file or on the command line) or an output (``--identities-json``,
``--identities-report``, ``--identities-summary``). Outside pytest, or when
nothing is configured, there is none: the helpers keep their own defaults and
record nothing.

A default applies only where the call does not give the argument: an explicit
``examples=``, ``seed=``, ``backends=`` or ``tolerance=`` always wins, so a
test that states its numbers means the same under every configuration. What a
helper took from the session is named in its failure text
(``examples=1000 from identities_examples in pytest.ini``).

This module imports nothing but the standard library: the plugin loads it in
projects that may never call a helper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Session", "current", "activate", "deactivate", "record", "take", "ALL"]

ALL = "*"  # the key of a tolerance for every format


class Session:
    """What one pytest session configured for the helpers, and where they record their results.

    ``backends``, ``examples``, ``seed``: None where not configured;
    ``tolerance``: format name (or ``ALL``) to tolerance text, empty where not
    configured; ``sources``: setting name (``examples``...) to where it was set
    (``identities_examples in pytest.ini``, ``--identities-seed``);
    ``record``: called with each helper's Result record (None: not recorded);
    ``test``: the node id of the running test.
    """

    def __init__(
        self,
        *,
        backends: tuple[str, ...] | None = None,
        examples: int | None = None,
        seed: int | None = None,
        tolerance: Mapping[str, str] | None = None,
        sources: Mapping[str, str] | None = None,
        record: Callable[[Any], None] | None = None,
        test: str = "",
    ):
        self.backends = backends
        self.examples = examples
        self.seed = seed
        self.tolerance = dict(tolerance or {})
        self.sources = dict(sources or {})
        self.record = record
        self.test = test

    def tolerance_for(self, fmt: str) -> str | None:
        """The configured tolerance for a float format (its own entry, else the one for every format)."""
        return self.tolerance.get(fmt, self.tolerance.get(ALL))

    def __repr__(self) -> str:
        return (
            f"Session(backends={self.backends!r}, examples={self.examples!r}, seed={self.seed!r}, "
            f"tolerance={self.tolerance!r}, test={self.test!r})"
        )


_ACTIVE: list[Session] = []  # a stack: pytester runs a session inside a test of another


def current() -> Session | None:
    """The innermost active session, or None outside pytest (or when it configured nothing)."""
    return _ACTIVE[-1] if _ACTIVE else None


def activate(session: Session) -> None:
    _ACTIVE.append(session)


def deactivate(session: Session) -> None:
    if session in _ACTIVE:
        _ACTIVE.remove(session)


def record(result: Any) -> None:
    """Give a helper's Result record to the active session, if it keeps them (no-op otherwise)."""
    s = current()
    if s is not None and s.record is not None:
        s.record(result)


def take(name: str, given: Any, fallback: Any, notes: list[str], fmt: str | None = None) -> Any:
    """``given`` if the call gave it, else the session's setting ``name`` (``backends``, ``examples``, ``seed``,
    or ``tolerance`` for the format ``fmt``) if configured, with ``name=value from SOURCE`` appended to
    ``notes``, else ``fallback``."""
    if given is not None:
        return given
    s = current()
    if s is None:
        return fallback
    value = s.tolerance_for(fmt or "") if name == "tolerance" else getattr(s, name)
    if value is None:
        return fallback
    shown = f'"{value}"' if isinstance(value, str) else (",".join(value) if isinstance(value, tuple) else value)
    notes.append(f"{name}={shown} from {s.sources.get(name, 'the pytest configuration')}")
    return value
