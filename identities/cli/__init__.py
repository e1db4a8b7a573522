"""The ``identities`` command: one module per sub-command, shared helpers in ``common``."""

from identities.cli.app import main

__all__ = ["main"]
