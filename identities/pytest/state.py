"""The plugin's shared state and constants: what both the light entry point (``identities.pytest_plugin``)
and the collector (``identities.pytest.items``) need, below both. Imports only pytest and the standard library."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

__all__ = [
    "PATTERNS",
    "DEFAULT_BACKENDS",
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "KNOWN_BACKENDS",
    "is_identity_file",
    "Options",
    "State",
    "STATE",
    "report_writer",
]

PATTERNS = ("identities_*.toml", "*.identities.toml", "identities_*.fpcore", "*.identities.fpcore")
# the engine's defaults (identities.check.engine), repeated here so that loading the plugin imports nothing;
# tests/pytest_plugin/test_plugin.py checks that they agree
DEFAULT_BACKENDS = ("float64", "float32", "mpmath")
DEFAULT_EXAMPLES = 200
DEFAULT_SEED = 0
KNOWN_BACKENDS = ("float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "mpmath")


def is_identity_file(path: Path) -> bool:
    """Whether pytest should collect ``path`` as an identity file (see ``PATTERNS``)."""
    name = path.name
    for suffix in (".toml", ".fpcore"):
        if name.endswith(suffix) and (name.startswith("identities_") or name.endswith(".identities" + suffix)):
            return True
    return False


class Options(NamedTuple):
    """The ``--identities-*`` options, checked once (a NamedTuple: dataclasses cost start-up time)."""

    backends: tuple[str, ...] = DEFAULT_BACKENDS
    examples: int = DEFAULT_EXAMPLES
    seed: int = DEFAULT_SEED
    json: Path | None = None
    report: Path | None = None
    summary: bool = False
    builtin: bool = False
    # the default tolerance of identities that declare none (and of the helpers): (format or "*", text) pairs
    tolerance: tuple[tuple[str, str], ...] = ()
    # the settings the user configured (ini file or command line), each with where: ("examples", "--identities-...")
    sources: tuple[tuple[str, str], ...] = ()

    def configured(self, name: str) -> str | None:
        """Where the setting ``name`` (backends, examples, seed, tolerance) was set; None for the built-in default."""
        return dict(self.sources).get(name)


class State:
    """Per-session state, in ``config.stash``: the options, the results seen so far by node id, and the
    lines to print at the end."""

    def __init__(self, options: Options):
        self.options = options
        self.results: dict[str, dict[str, Any]] = {}
        self.notes: list[str] = []
        self.positions: dict[str, int] | None = None  # node id -> index in the session's items (helper results)


STATE = pytest.StashKey[State]()


def report_writer() -> Any:
    try:
        from identities.report import write_report
    except ImportError as exc:
        raise pytest.UsageError(
            f"--identities-report needs identities.report.write_report, which this "
            f"installation of identities lacks ({exc})"
        ) from None
    return write_report
