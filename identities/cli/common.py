"""What the sub-commands share: loading files or the library, the usage error, Ctrl-C that is not lost,
the checked verify options, and the table rows and details of results."""

from __future__ import annotations

import argparse
import math
import signal
from collections.abc import Sequence
from typing import Any

from identities.cli.style import PLAIN, VERDICT_SGR, Style

__all__ = [
    "add_allow_import",
    "Usage",
    "Interrupts",
    "load_registry",
    "verify_arguments",
    "backends_for",
    "plan_header",
    "row",
    "result_row",
    "detail",
    "fmt_ulps",
    "summary",
    "proven_cell",
    "check_outputs",
    "stop_text",
    "terminal_text",
    "stopped_status",
    "memory_limit",
]


def load_registry(
    files: Sequence[str], select: Sequence[str], allow_import: bool | None = None, say: Any = None
) -> Any:
    """The files (a directory: the identity files under it, as the pytest plugin collects them) or the library,
    refused when empty, then ``--select``.

    ``allow_import``: None for commands that run nothing (``list``); False refuses, before any work, a file
    whose ``[[function]]`` names an implementation to import, saying where and how to allow it. ``say``
    receives a line naming the files read.
    """
    from pathlib import Path

    from identities.registry.discovery import PATTERNS, discover
    from identities.registry.files import builtin, load

    paths: list[Path] = []
    for f in files:
        p = Path(f)
        if p.is_dir():
            found = discover(p)
            if not found:
                raise Usage(f"{f}: no identity files under it (files named {' or '.join(PATTERNS)})")
            paths.extend(found)
        else:
            paths.append(p)
    import sys

    registry = load(*paths, allow_import=bool(allow_import)) if files else builtin()
    for refusal in registry.refused:  # FPCores that cannot be expressed: said, and the rest goes on
        print(f"identities: warning: {refusal}", file=sys.stderr)
    if not len(registry):
        not_loaded = f"; {len(registry.refused)} FPCores refused" if registry.refused else ""
        raise Usage(
            f"{', '.join(files)}: no identities (an identity file holds [[identity]] tables, "
            f"an FPCore file (FPCore ...) forms{not_loaded})"
        )
    if say is not None and files:
        say(f"files: {', '.join(str(p) for p in paths)}")
    chosen = registry.select(*select)
    if select and not len(chosen):
        raise Usage(f"--select {' '.join(select)} matches none of the {len(registry)} identities")
    if allow_import is False:
        to_import = chosen.implementations()
        if to_import:
            where = "; ".join(
                f"{fn.file}:{fn.line}: function {fn.name!r} names {fn.implementation!r}" for fn in to_import
            )
            raise Usage(
                f"{where}: checking it imports and runs that Python code, which the command does only with "
                f"--allow-import (see SECURITY.md)"
            )
    return chosen


def add_allow_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-import",
        action="store_true",
        help="import and run the Python implementations that [[function]] tables name (module:attribute); "
        "without it such files are refused (see SECURITY.md)",
    )


class Usage(Exception):
    pass


def check_outputs(**paths: str | None) -> None:
    """Every output path the command was given (``json="out.json"``: the flag --json), checked before any work:
    its directory must exist and be writable (reports are written to a temporary file beside the target and
    renamed), and it must not be a directory. A bad one is a usage error (exit 2) now, not a traceback after
    an hour of checking."""
    import os

    for flag, path in paths.items():
        if not path:
            continue
        name = f"--{flag.replace('_', '-')} {path}"
        if os.path.isdir(path):
            raise Usage(f"{name}: is a directory; give a file name")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise Usage(f"{name}: the directory {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise Usage(f"{name}: the directory {folder} is not writable")
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise Usage(f"{name}: the file exists and is not writable")


def stop_text(exc: BaseException) -> str:
    """Why a run stopped early, for the report's ``incomplete_reason`` and the terminal."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return f"{type(exc).__name__}: {exc}"


def stopped_status(exc: BaseException, finished: int, written: bool) -> int:
    """Say on stderr that the run stopped early and why; the exit status: 130 for Ctrl-C, 1 otherwise."""
    import sys

    where = "; the results above are incomplete" + (" (and so is the report, which says so)" if written else "")
    if isinstance(exc, KeyboardInterrupt):
        print(f"identities: interrupted{where}", file=sys.stderr)
        return 130
    print(
        f"identities: the run stopped early after {finished} results: {terminal_text(stop_text(exc))}{where}",
        file=sys.stderr,
    )
    return 1


def memory_limit(args: argparse.Namespace) -> int | None:
    """``--max-memory MB`` in bytes (None without it); at least 64 MB."""
    mb = getattr(args, "max_memory", None)
    if mb is None:
        return None
    if mb < 64:
        raise Usage(f"--max-memory must be at least 64 (MB), got {mb}")
    return int(mb * 2**20)


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({0x09: "\\t", 0x0D: "\\r"})
del _CONTROL[0x0A]  # line breaks are the output's own structure (details span lines); every other control shown


def terminal_text(text: str) -> str:
    """Text with user text in it (names, sources, expressions, messages) as the terminal should see it: control
    characters (escape sequences, carriage returns, bells, C1 controls) shown as escapes, never sent; line
    breaks kept."""
    return text.translate(_CONTROL)


class Interrupts:
    """Ctrl-C that is not lost: the handler raises KeyboardInterrupt *and* remembers it.

    Python delivers the KeyboardInterrupt wherever the interpreter is; when that
    is a garbage-collector callback (hypothesis installs one), the exception is
    printed as "ignored" and the run would go on. ``check()`` between results
    raises it again, so the results so far are still written and the exit is 130.
    """

    def __init__(self) -> None:
        self.hit = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        self.hit = True
        raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: leave Python's handler alone
            self._previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def check(self) -> None:
        if self.hit:
            raise KeyboardInterrupt


def verify_arguments(args: argparse.Namespace) -> tuple[list[str], dict]:
    """The backends and verify options of ``check`` and ``report`` (examples, time limits, database),
    checked; a bad value is a usage error (exit 2) before any work. No ``--backend``: an empty list, and each
    identity is checked on ``backends_for(ident, [])``."""
    from identities.backends import BACKENDS, get_backend
    from identities.errors import InvalidArgument

    if args.backend is None:  # not given: each identity's own plan (``backends_for``)
        backends = []
    else:
        backends = [b.strip() for b in args.backend.split(",") if b.strip()]
        unknown = [b for b in backends if b not in BACKENDS]
        if unknown or not backends:
            raise InvalidArgument(
                f"unknown backend {unknown[0] if unknown else args.backend!r}; known: {', '.join(BACKENDS)}"
            )
    for b in backends:  # an autodiff backend without its extra (BackendUnavailable): now, not after the first rows
        get_backend(b)
    if args.examples < 1:
        raise InvalidArgument(f"--examples must be at least 1, got {args.examples}")
    for flag, value in (("--example-timeout", args.example_timeout), ("--identity-timeout", args.identity_timeout)):
        if not value > 0:
            raise InvalidArgument(f"{flag} must be a positive number of seconds, got {value}")
    options = {
        "database": None if args.no_database else args.database,
        "example_seconds": args.example_timeout,
        "identity_seconds": args.identity_timeout,
    }
    bound_seconds = getattr(args, "bound_seconds", None)
    if bound_seconds is not None:
        if not bound_seconds >= 0:
            raise InvalidArgument(f"--bound-seconds must be a number of seconds >= 0, got {bound_seconds}")
        options["bound_seconds"] = bound_seconds
    screen = getattr(args, "screen", None)
    if screen is not None:
        if screen < 0:
            raise InvalidArgument(f"--screen must be a number of points >= 0 (0: no screen), got {screen}")
        options["screen"] = screen
    return backends, options


def backends_for(ident: Any, chosen: Sequence[str]) -> tuple[str, ...]:
    """The backends one identity is checked on: those given with ``--backend``; without, an identity that
    records the format it was written for (an FPCore's ``:precision``) is checked on that format and on
    mpmath (a binary32 benchmark on float32, not on float64 where it was never meant to run), any other on
    the default backends."""
    from identities.check.engine import DEFAULT_BACKENDS

    if chosen:
        return tuple(chosen)
    precision = getattr(ident, "precision", None)
    return (precision, "mpmath") if precision else tuple(DEFAULT_BACKENDS)


def plan_header(identities: Sequence[Any], chosen: Sequence[str]) -> str:
    """What the header line says is checked: ``N identities x b1, b2``, or, when each identity has its own
    backends (no ``--backend``, some recording a precision), the formats and how many identities each."""
    from identities.check.engine import DEFAULT_BACKENDS

    n = len(identities)
    if chosen:
        return f"{n} identities x {', '.join(chosen)}"
    own: dict[str, int] = {}
    for ident in identities:
        if getattr(ident, "precision", None):
            own[ident.precision] = own.get(ident.precision, 0) + 1
    if not own:
        return f"{n} identities x {', '.join(DEFAULT_BACKENDS)}"
    formats = ", ".join(f"{f} for {k}" for f, k in sorted(own.items(), key=lambda item: -item[1]))
    others = n - sum(own.values())
    rest = f"; the other {others} x {', '.join(DEFAULT_BACKENDS)}" if others else ""
    return f"{n} identities, no --backend: each FPCore x its :precision ({formats}) and mpmath{rest}"


def row(width: int | tuple[int, int], *cells: str, style: Style = PLAIN) -> str:
    """One table row; width is the name column's, or (name column, backend column). The cells: name,
    backend, verdict, max ulp, bits, exact, needed, [proven,] note. With a style that paints, the verdict is
    coloured by its kind (the header is not)."""
    width, bw = width if isinstance(width, tuple) else (width, 8)
    name, backend, verdict, ulps, bits, exact, needed = cells[:7]
    proven = f" {cells[7]:<17}" if len(cells) == 9 else ""
    note = cells[-1]
    shown = style.verdict(verdict, 18) if verdict in VERDICT_SGR else f"{verdict:<18}"
    return f"{name:<{width}}  {backend:<{bw}} {shown} {ulps:>9} {bits:>5} {exact:>6}  {needed:<12}{proven}{note}"


def summary(results: Sequence[Any], style: Style = PLAIN) -> str:
    """``N results: A as expected, B unexpected``, the unexpected count in bold red when there are any."""
    bad = sum(not r.ok for r in results)
    unexpected = f"{bad} unexpected"
    return f"{len(results)} results: {len(results) - bad} as expected, " + (
        style.unexpected(unexpected) if bad else unexpected
    )


def proven_cell(r: Any) -> str:
    """The ``proven`` column: the tolerance proven sufficient on the whole domain, marked ``(proof)`` when it
    proves the ``holds``; ``-`` with no bound."""
    b = getattr(r, "bound", None)
    if b is None or not b.proven:
        return "-"
    text = b.sufficient() or "-"
    return text + (" (proof)" if r.proof == "bound" else "")


def fmt_ulps(u: float) -> str:
    if math.isinf(u) or math.isnan(u):
        return "inf"
    return f"{u:.3g}" if u >= 1e6 else str(int(u))


def result_row(width: int | tuple[int, int], r: Any, style: Style = PLAIN) -> str:
    note = "" if r.ok else "  " + style.unexpected(f"UNEXPECTED (expected {r.expected})")
    if r.verdict == "error":
        first = r.message.splitlines()[0] if r.message else ""  # a traceback, if any, is in the details below
        name, first = terminal_text(r.identity), terminal_text(first)  # user text: control characters shown
        return row(width, name, r.backend, r.verdict, "-", "-", "-", "-", "-", note + f"  {first}", style=style)
    e = r.max_error
    bits = "inf" if math.isinf(e.bits) else f"{e.bits:.1f}"
    return row(
        width,
        terminal_text(r.identity),  # user text: control characters shown, never sent
        r.backend,
        r.verdict,
        "-" if math.isnan(e.ulps) else fmt_ulps(e.ulps),  # nan: no ulps for this backend (mpmath)
        bits,
        f"{100 * r.exact_rate:.0f}%",
        r.needed_tolerance or "-",
        proven_cell(r),
        note,
        style=style,
    )


def detail(r: Any, style: Style = PLAIN) -> str:
    from identities.backends import get_backend

    head = f"{terminal_text(r.identity)} [{r.backend}]: {style.verdict(r.verdict)}" + (
        "" if r.ok else " " + style.unexpected(f"(expected {r.expected})")
    )
    lines = [head]
    if r.verdict == "error":
        lines.extend(f"  {terminal_text(line)}" for line in r.message.splitlines())
        return "\n".join(lines)
    for label, c in (("minimal counterexample", r.counterexample), ("worst example found", r.worst)):
        if c is None:
            continue
        fmt = get_backend(r.backend).format
        lines.append(f"  {label}: {c.inputs_text(fmt) or '(no variables)'}")
        sides = [("lhs", c.lhs, c.truth_decimal[0], c.lhs_ulps), ("rhs", c.rhs, c.truth_decimal[1], c.rhs_ulps)]
        for side, value, truth, err in sides[:1] if r.one_sided else sides:
            side = "expr" if r.one_sided else side
            lines.append(f"    {side} = {value!r:<26} true {side} = {truth or 'undefined'}  ({fmt_ulps(err)} ulp off)")
        if r.one_sided:
            lines.append(f"    {c.cause}")
        else:
            lines.append(f"    {fmt_ulps(c.ulps)} ulp apart; culprit: {c.culprit}; {c.cause}")
        if c.component is not None:
            per = ", ".join(fmt_ulps(u) for u in c.component_ulps or ())
            lines.append(f"    component {c.component} (counting from 0) is the worst; ulp apart by component: {per}")
    if r.tolerance:
        lines.append(f"  tolerance {r.tolerance}; needed {r.needed_tolerance}")
        from identities.check.failures import tolerance_note

        note = tolerance_note(r)
        if note:
            lines.append(f"  {note}")
    from identities.report.text import bound_lines

    lines += [f"  proven: {line}" for line in bound_lines(r)]
    if r.message:
        lines.append(f"  note: {r.message}")
    return "\n".join(lines[:1] + [terminal_text(line) for line in lines[1:]])  # user text shown, never sent
