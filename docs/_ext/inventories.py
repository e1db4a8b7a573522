"""The intersphinx inventories this site links into, read from files shipped with it (``docs/_inventories/``),
so the build works without network. See ``docs/_inventories/README.md`` for where each file comes from.

numpy's inventory is written here at build time from ``numpy.txt``, a short plain list of the numpy objects
these pages cite."""

from __future__ import annotations

import zlib
from pathlib import Path

__all__ = ["intersphinx_mapping", "numpy_inventory"]

INVENTORIES = Path(__file__).resolve().parent.parent / "_inventories"


def numpy_inventory(build_dir: Path) -> str:
    """Write an objects.inv (version 2) from ``numpy.txt`` (lines ``name domain:role priority uri dispname``)."""
    lines = [ln for ln in (INVENTORIES / "numpy.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    header = (
        "# Sphinx inventory version 2\n# Project: NumPy\n# Version: 2\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress(("\n".join(lines) + "\n").encode())
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "numpy-objects.inv"
    path.write_bytes(header.encode() + body)
    return str(path)


intersphinx_mapping = {
    "hypothesis": ("https://hypothesis.readthedocs.io/en/latest/", str(INVENTORIES / "hypothesis.inv")),
    "pytest": ("https://docs.pytest.org/en/stable/", str(INVENTORIES / "pytest.inv")),
    "mpmath": ("https://mpmath.org/doc/current/", str(INVENTORIES / "mpmath.inv")),
    "numpy": ("https://numpy.org/doc/stable/", numpy_inventory(INVENTORIES.parent / "_build" / "inventories")),
}
