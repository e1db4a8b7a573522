"""Error profiles over many points: vectorised draws, the batch oracle, histograms, local and Dask executors.

``from identities.sweep import sweep`` is the public entry point, as before the move into this folder.
"""

from identities.sweep.runner import *  # noqa: F403
from identities.sweep.runner import __all__ as __all__
