"""Proven round-off error bounds over a domain: Taylor forms on balls, an error model per backend."""

from identities.bounds.bound import Bound, IdentityBound, bound_expr, bound_identity
from identities.bounds.model import ErrorModel, model_for

__all__ = ["Bound", "IdentityBound", "bound_expr", "bound_identity", "ErrorModel", "model_for"]
