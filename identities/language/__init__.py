"""The language of identity files: expressions, domains, tolerances, function and vector variables, limits.

The lowest stage after ``numbers``: nothing here evaluates anything.
"""

__all__: list[str] = []
