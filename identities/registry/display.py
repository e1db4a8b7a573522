"""How identities look in Jupyter and IPython: an HTML table (every piece of user text escaped) and an
aligned plain-text table for IPython's pretty printer. No dependency: the HTML is written by hand, with
inline styles only, so that it survives notebook viewers that drop ``<style>`` blocks."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["escape", "table_html", "text_table", "identity_cells", "registry_html", "registry_text"]

CELL = "padding:2px 8px;text-align:left;vertical-align:top;white-space:nowrap;border-bottom:1px solid #d0d7de"
HEAD = CELL + ";font-weight:bold;border-bottom:2px solid #57606a"


def escape(value: Any) -> str:
    """Any value as HTML text: ``<``, ``>``, ``&`` and both quotes escaped."""
    return html.escape(str(value), quote=True)


def table_html(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str = "", raw: Sequence[int] = ()
) -> str:
    """A table; every cell is escaped except the columns listed in ``raw`` (HTML this package wrote)."""
    out = ['<div style="overflow-x:auto"><table class="identities" style="border-collapse:collapse;font-size:90%">']
    if caption:
        out.append(f'<caption style="text-align:left;padding:2px 0">{escape(caption)}</caption>')
    out.append("<thead><tr>" + "".join(f'<th style="{HEAD}">{escape(h)}</th>' for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cells.append(cell if i in raw else f'<td style="{CELL}">{escape(cell)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def text_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart; the last column is not padded."""
    rows = [list(map(str, r)) for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = []
    for r in [list(headers), *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def identity_cells(ident: Any) -> list[str]:
    """name, identity, variables, expect, source (with file:line), as text."""
    vars_ = ", ".join(f"{n}: {d}" for n, d in ident.variables) or "(a point identity)"
    funcs = ", ".join(f"{n}: {s}" for n, s in ident.functions)
    expect = ", ".join(v if b == "*" else f"{b}={v}" for b, v in ident.expect.items()) or "holds"
    where = f"{Path(ident.file).name}:{ident.line}" if ident.line else ""
    source = "; ".join(s for s in (ident.source, where) if s)
    return [ident.name, ident.statement, vars_ + (f"; {funcs}" if funcs else ""), expect, source]


HEADERS = ["name", "identity", "variables", "expect", "source"]


def registry_html(identities: Iterable[Any], caption: str = "") -> str:
    return table_html(HEADERS, (identity_cells(i) for i in identities), caption=caption)


def registry_text(identities: Iterable[Any], caption: str = "") -> str:
    rows = [identity_cells(i)[:4] for i in identities]
    return (caption + "\n" if caption else "") + text_table(HEADERS[:4], rows)
