"""IEEE formats (ordinals, exact rounding) and the error measures written once against them."""

__all__: list[str] = []
