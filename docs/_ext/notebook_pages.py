"""Jupyter notebooks as pages, with the outputs they were saved with: each ``.ipynb`` is turned into MyST
Markdown (markdown cells as they are, code cells as Python blocks, outputs as text, HTML or PNG) and parsed
by MyST. Nothing is executed at build time; the tests execute the notebook and compare its saved outputs
(``tests/test_notebook.py``). Lighter than myst-nb or nbsphinx, which bring a kernel, a cache or pandoc."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from myst_parser.parsers.sphinx_ import MystParser

__all__ = ["notebook_to_myst", "NotebookParser", "setup"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fence(body: str, info: str) -> str:
    ticks = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`{3,}", body))])
    return f"{ticks}{info}\n{body.rstrip()}\n{ticks}\n"


def _output(out: dict[str, Any]) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        return _fence(_ANSI.sub("", _text(out.get("text", ""))), "text")
    if kind == "error":
        return _fence(_ANSI.sub("", "\n".join(out.get("traceback", []))), "text")
    data = out.get("data", {})
    if "text/html" in data:
        return _fence(_text(data["text/html"]), "{raw} html")
    if "image/png" in data:
        alt = html.escape(_text(data.get("text/plain", "a figure")), quote=True)
        png = _text(data["image/png"]).replace("\n", "")
        return _fence(f'<img alt="{alt}" src="data:image/png;base64,{png}">', "{raw} html")
    if "text/plain" in data:
        return _fence(_text(data["text/plain"]), "text")
    return ""


def notebook_to_myst(notebook: dict[str, Any]) -> str:
    """The notebook as MyST Markdown: cells in order, each code cell followed by its saved outputs."""
    parts = []
    for cell in notebook.get("cells", []):
        source = _text(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            parts.append(source.rstrip() + "\n")
        elif cell.get("cell_type") == "code":
            if source.strip():
                parts.append(_fence(source, "python"))
            parts.extend(_output(out) for out in cell.get("outputs", []))
    return "\n".join(p for p in parts if p)


class NotebookParser(MystParser):
    """MyST's parser, reading a notebook's JSON."""

    supported = ("ipynb",)

    def parse(self, inputstring: str, document: Any) -> None:
        super().parse(notebook_to_myst(json.loads(inputstring)), document)


def setup(app: Any) -> dict[str, Any]:
    app.add_source_suffix(".ipynb", "ipynb")
    app.add_source_parser(NotebookParser)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
