import subprocess
import sys

import identities


def test_all_is_exact_and_resolvable():
    assert sorted(identities.__all__) == sorted(set(identities.__all__))
    for name in identities.__all__:
        assert getattr(identities, name) is not None, name
    assert sorted(dir(identities)) == sorted(identities.__all__)


def test_import_is_light():
    code = (
        "import sys, identities; heavy = {'numpy', 'hypothesis', 'mpmath', 'flint', 'matplotlib', 'pytest'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_module_declares_all():
    """Every module of the package says what it exports, and exports what it says (the architecture guard in
    tests/test_architecture.py relies on shared names being public)."""
    import importlib
    import pkgutil

    import identities

    names = [m.name for m in pkgutil.walk_packages(identities.__path__, "identities.")]
    assert "identities.check.engine" in names and "identities.oracle.scalar" in names
    for mod in names:
        if mod.endswith(("torch_backend", "jax_backend", "__main__")) or mod == "identities.library":
            continue  # the autodiff modules need their extras (tests/backends/test_autodiff.py); the library is data
        m = importlib.import_module(mod)
        assert hasattr(m, "__all__"), mod
        for name in m.__all__:
            assert hasattr(m, name), f"{mod}.{name}"
