"""Sphinx configuration: MyST Markdown pages, the API reference from the docstrings, and intersphinx links
into hypothesis, numpy, mpmath and pytest read from inventories shipped in ``_inventories/`` (the build
needs no network). Build: ``docs/build`` (warnings are errors)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's own identities, for autodoc
sys.path.insert(0, str(HERE / "_ext"))

from inventories import intersphinx_mapping  # noqa: E402, F401

from identities import __version__  # noqa: E402

project = "identities"
author = "the identities authors"
copyright = "the identities authors"
release = version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "notebook_pages",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_inventories", "_ext", "examples/README.md"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

intersphinx_disabled_reftypes = ["*"]  # link only what is asked for with {external} / {py:...} roles
intersphinx_timeout = 5

html_theme = "furo"
html_title = f"identities {release}"
html_static_path: list[str] = []
