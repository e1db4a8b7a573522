"""The oracle: ball arithmetic at rising precision, the truth every verdict rests on.

``scalar`` decides one point at a time; ``batch`` many points per call, for sweeps.
"""

__all__: list[str] = []
