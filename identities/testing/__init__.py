"""Assertion helpers for users' own tests: ``assert_close``, ``assert_identity``, ``assert_accurate``,
``assert_derivative``; ``identities.testing.strategies`` gives the domains as hypothesis strategies."""

from identities.testing.asserts import *  # noqa: F403
from identities.testing.asserts import __all__ as __all__
