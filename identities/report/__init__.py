"""The float-precision report: where and why floats break identities that hold in mathematics.

``write_report(path, results, registry=..., seed=..., examples=..., backends=...)``
writes HTML (one self-contained file), Markdown (PNG plots in a folder beside
it) or JSON (``identities-report/1``, extended), by the path's suffix. Results
made with ``verify(..., keep_samples=True)`` get histograms and plots; others
get their summary statistics. matplotlib is imported only here, and only for
HTML and Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from identities.errors import InvalidArgument

__all__ = ["write_report", "FORMATS", "report_format", "PlotsInterrupted"]

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}


class PlotsInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the drawing of plots; the report was written with the plots drawn before it."""


def report_format(path: str | Path) -> str:
    """The format a path asks for; InvalidArgument naming the suffix when it is none of ours."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise InvalidArgument(
            f"report path {str(path)!r}: unknown suffix {suffix or '(none)'!r}; use .html, .md or .json"
        ) from None


def _attach_plots(data: Any) -> bool:
    """Draw every figure once, for the writers to embed or save; True if Ctrl-C stopped the drawing."""
    from identities.report.plots import has_plots

    if not has_plots():
        data.plots_missing = (
            "matplotlib is not installed, so this report has no plots: pip install 'identities[report]'"
        )
        return False
    try:
        _draw(data)
    except KeyboardInterrupt:
        data.plots_missing = "drawing the plots was interrupted; the figures drawn before that are included"
        return True
    return False


def _draw(data: Any) -> None:
    from identities.report.plots import error_figure, fd_figure

    for a in data.analyses:
        r = a.result
        try:
            if a.is_float and r.samples and a.ident is not None and a.ident.variables:
                names = [n for n, d in a.ident.variables if d.size is None]  # error against each scalar input
                ints = [n for n, d in a.ident.variables if d.is_integer]
                png = error_figure(r.samples, names, f"{r.identity} in {r.backend}", r.backend, ints)
                if png is not None:
                    a.plots["error"] = png
            if a.fd is not None:
                a.plots["fd"] = fd_figure(a.fd)
        except Exception as exc:  # a figure that cannot be drawn must not cost the report
            a.notes.append(f"a plot could not be drawn ({type(exc).__name__}: {exc}); please report it")


def write_report(
    path: str | Path,
    results: Sequence[Any],
    *,
    registry: Mapping[str, Any],
    seed: int,
    examples: int,
    backends: Sequence[str],
    baseline: str | Path | Mapping[str, Any] | None = None,
    incomplete: bool | str = False,
) -> None:
    """Write the report of ``results`` to ``path`` (format by suffix), atomically.

    ``registry`` maps identity names to Identity records (a Registry), for the
    readable form, domains and the diagnosis of causes; ``baseline`` is a
    previous JSON report (path or loaded document) to diff against;
    ``incomplete`` marks a run that stopped early (a string: why). Every file is written to a
    temporary name and renamed into place, so an existing report is replaced
    whole or not at all. Ctrl-C while the plots are drawn stops the drawing,
    writes the report with the plots drawn so far, then raises PlotsInterrupted
    (a KeyboardInterrupt).
    """
    from identities.check.results import write_atomic, write_json
    from identities.report.document import build, to_json

    path = Path(path)
    kind = report_format(path)
    data = build(
        list(results),
        registry=registry,
        seed=seed,
        examples=examples,
        backends=backends,
        baseline=baseline,
        incomplete=incomplete,
    )
    if kind == "json":
        write_json(path, to_json(data))
        return
    interrupted = _attach_plots(data)  # the slow part: Ctrl-C here still writes the report, without the rest
    if kind == "html":
        from identities.report.html import render_html

        write_atomic(path, render_html(data))
    else:
        from identities.report.markdown import render_markdown

        text, files = render_markdown(data, path)
        for name, png in files.items():  # images first: the Markdown never points at a missing file
            write_atomic(path.parent / name, png)
        write_atomic(path, text)
    if interrupted:
        raise PlotsInterrupted
