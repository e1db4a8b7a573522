import subprocess
import sys

import identities


def test_all_is_exact_and_resolvable():
    assert sorted(identities.__all__) == sorted(set(identities.__all__))
    for name in identities.__all__:
        assert getattr(identities, name) is not None, name
    assert sorted(dir(identities)) == sorted(identities.__all__)


def test_import_is_light():
    code = ("import sys, identities; heavy = {'numpy', 'hypothesis', 'mpmath', 'flint', 'matplotlib', 'pytest'};"
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_modules_declare_all():
    import importlib

    for mod in ("errors", "expr", "formats", "domains", "registry", "oracle", "metrics", "tolerance", "engine",
                "results", "cli", "backends", "sweep", "sampling", "profile", "oracle_batch", "progress", "cli_sweep",
                "backends.arrays", "pytest_plugin", "testing", "strategies", "closeness", "accuracy", "failures",
                "_pytest_items"):
        m = importlib.import_module(f"identities.{mod}")
        assert hasattr(m, "__all__"), mod
        for name in m.__all__:
            assert hasattr(m, name), f"identities.{mod}.{name}"
