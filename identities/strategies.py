"""The draws of identity variables as hypothesis strategies (kept at this path; the code is in
``identities.testing.strategies``)."""

from identities.testing.strategies import *  # noqa: F403
from identities.testing.strategies import __all__ as __all__
