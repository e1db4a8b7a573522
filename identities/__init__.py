"""identities: property-based verification of mathematical identities, in floats and exactly.

The public API is re-exported here and loaded lazily, so ``import identities``
costs almost nothing: hypothesis, numpy, mpmath and python-flint load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Identity",
    "Registry",
    "Result",
    "Counterexample",
    "ResultList",
    "results_frame",
    "Tolerance",
    "Oracle",
    "IdentitiesError",
    "IdentityFileError",
    "InvalidArgument",
    "LimitExceeded",
    "UserCodeError",
    "ImportRefused",
    "identity",
    "implementation",
    "accuracy",
    "load",
    "loads",
    "loads_fpcore",
    "to_fpcore",
    "builtin",
    "verify",
    "verify_all",
    "BACKENDS",
    "__version__",
]

__version__ = "0.1.0"

_LAZY = {
    "Identity": "identities.registry.files",
    "Registry": "identities.registry.files",
    "identity": "identities.registry.files",
    "accuracy": "identities.registry.files",
    "load": "identities.registry.files",
    "loads": "identities.registry.files",
    "loads_fpcore": "identities.registry.files",
    "to_fpcore": "identities.registry.fpcore_out",
    "builtin": "identities.registry.files",
    "Result": "identities.check.results",
    "Counterexample": "identities.check.results",
    "ResultList": "identities.check.display",
    "results_frame": "identities.check.display",
    "Tolerance": "identities.language.tolerance",
    "Oracle": "identities.oracle.scalar",
    "verify": "identities.check.engine",
    "verify_all": "identities.check.engine",
    "BACKENDS": "identities.backends",
    "IdentitiesError": "identities.errors",
    "IdentityFileError": "identities.errors",
    "InvalidArgument": "identities.errors",
    "LimitExceeded": "identities.errors",
    "UserCodeError": "identities.errors",
    "ImportRefused": "identities.errors",
    "implementation": "identities.language.usercode",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'identities' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
