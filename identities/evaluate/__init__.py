"""What every evaluator shares: compiled trees, environments, the ``UNDEFINED`` value, vector contexts.

Backends and the oracle both build on this stage; neither imports the other.
"""

__all__: list[str] = []
