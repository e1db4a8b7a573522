"""Draws that depend only on the seed: hypothesis' "local constants" kept out of identities' own runs.

Since 6.1xx, hypothesis draws about 5% of its choices from numeric literals
found in the *local* modules that happen to be imported (``sys.modules``, not
site-packages, not test files), and the pool only grows during a process. So
the same identity with the same seed drew different inputs in ``identities
check`` and in a pytest session of a project, in a serial run and on an xdist
worker that imported other modules, and from one test order to the next: a
printed seed did not reproduce a verdict. Inside ``isolated()`` the provider
sees no local constants (hypothesis' own global constants stay) and uses a
cache of its own, restored afterwards.

This reaches into hypothesis internals; if they move, ``isolated()`` does
nothing rather than fail (tests/test_accuracy.py checks it still works).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["isolated", "available"]

_STATE: dict[str, Any] = {}


def _setup() -> bool:
    """Find the internals once."""
    if "ok" not in _STATE:
        try:
            from hypothesis.internal.cache import LRUCache
            from hypothesis.internal.conjecture import providers

            _STATE["providers"] = providers
            _STATE["empty"] = providers.Constants()
            _STATE["cache"] = LRUCache(1024)
            _STATE["ok"] = callable(providers._get_local_constants) and hasattr(providers, "CONSTANTS_CACHE")
        except (ImportError, AttributeError, TypeError):
            _STATE["ok"] = False
    return bool(_STATE["ok"])


@contextmanager
def isolated() -> Iterator[None]:
    """Run hypothesis with no local constants (re-entrant; not meant for concurrent threads)."""
    if not available() or _STATE.get("active"):
        yield
        return
    providers = _STATE["providers"]
    saved = providers._get_local_constants, providers.CONSTANTS_CACHE
    empty = _STATE["empty"]
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE = _STATE["cache"]
    _STATE["active"] = True
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = saved
        _STATE["active"] = False


def available() -> bool:
    """Whether ``isolated()`` can reach the internals it needs in this hypothesis version."""
    return _setup()
