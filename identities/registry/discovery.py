"""Which files under a directory are identity files: the ones the pytest plugin collects.

``identities check DIR`` and ``pytest`` agree: files named ``identities_*.toml``, ``*.identities.toml``,
``identities_*.fpcore`` or ``*.identities.fpcore``,
found recursively, skipping the directories pytest skips by default (hidden ones, ``build``, ``dist``,
``node_modules``, virtual environments, ``*.egg``...). Other TOML files (``pyproject.toml``) are not
identity files and are never read.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

__all__ = ["PATTERNS", "SKIPPED_DIRS", "is_identity_file", "discover"]

PATTERNS = ("identities_*.toml", "*.identities.toml", "identities_*.fpcore", "*.identities.fpcore")  # as the plugin's
SKIPPED_DIRS = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}", "__pycache__")


def is_identity_file(path: Path) -> bool:
    """Whether ``path`` is named like an identity file (see ``PATTERNS``)."""
    return any(fnmatch.fnmatchcase(path.name, p) for p in PATTERNS)


def _skipped(d: Path) -> bool:
    if any(fnmatch.fnmatchcase(d.name, p) for p in SKIPPED_DIRS):
        return True
    return (d / "pyvenv.cfg").exists()  # a virtual environment of any name, as pytest skips it


def discover(directory: Path) -> list[Path]:
    """The identity files under ``directory``, recursively, in sorted path order."""
    found: list[Path] = []

    def walk(d: Path) -> None:
        try:
            entries = sorted(d.iterdir())
        except OSError:
            return
        for p in entries:
            if p.is_dir():
                if not _skipped(p):
                    walk(p)
            elif is_identity_file(p):
                found.append(p)

    walk(directory)
    return found
