"""Identity records and the Registry, and loading identity files into them with located errors.

``identities.registry.files`` reads TOML; every field is checked, expressions go through the safe parser,
examples are checked against their domains (which needs the draws' evaluation of bounds, so loading sits
above the language and the draws in the flow).
"""

from identities.registry.files import (
    ALL,
    KNOWN_BACKENDS,
    VERDICTS,
    Identity,
    Registry,
    builtin,
    identity,
    load,
    loads,
)

__all__ = ["Identity", "Registry", "load", "loads", "builtin", "identity", "VERDICTS", "KNOWN_BACKENDS", "ALL"]
