"""The sweeps' vectorised draws, which live in ``identities.draws.arrays`` (the engine's screen draws them too)."""

from __future__ import annotations

from identities.draws.arrays import NoAdmissibleInput, Sampler, dtype_of, from_ordinals, ordinals, ulp_distance

__all__ = ["Sampler", "ordinals", "from_ordinals", "ulp_distance", "dtype_of", "NoAdmissibleInput"]
