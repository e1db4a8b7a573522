"""Inputs drawn from domains and function spaces: hypothesis strategies, admissibility, the float sources."""

__all__: list[str] = []
