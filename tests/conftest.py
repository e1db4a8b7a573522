import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

ROOT = Path(__file__).resolve().parent.parent
# the public acceptance cases, copied into the project (tests/data/acceptance) so the suite needs nothing beside it
ACCEPTANCE = ROOT / "tests" / "data" / "acceptance"


@pytest.fixture(scope="session")
def acceptance_cases():
    from identities import load

    return load(ACCEPTANCE / "cases.toml")
