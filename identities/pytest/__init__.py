"""The pytest plugin's collector, items and outputs (``identities.pytest_plugin`` is the light entry point)."""

__all__: list[str] = []
