"""The engine: hypothesis search, shrinking, simplification, diagnosis of causes, and the Result records."""

__all__: list[str] = []
