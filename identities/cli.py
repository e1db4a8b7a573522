"""The ``identities`` command: ``list``, ``check``, ``sweep`` (``identities.cli_sweep``), ``report`` and
``explain`` (``identities.report.commands``).

Exit status: 0 when every verdict equals its expectation, 1 when one does not,
2 for a usage or identity-file error (the message names the file, the line,
the identity and what is wrong), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]



DEFAULT_DATABASE = ".hypothesis/examples"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"identities: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from identities.engine import DEFAULT_BACKENDS, DEFAULT_EXAMPLES, DEFAULT_SEED
    from identities.limits import EXAMPLE_SECONDS, IDENTITY_SECONDS

    p = _Parser(prog="identities", description="Verify mathematical identities in IEEE floats and exactly.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lp = sub.add_parser("list", help="list identities (the built-in library when no FILES)")
    lp.add_argument("files", nargs="*", metavar="FILES")
    lp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")

    cp = sub.add_parser("check", help="verify identities and print a verdict for each identity and backend")
    cp.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    cp.add_argument("--backend", default=",".join(DEFAULT_BACKENDS),
                    help=f"comma-separated backends (default: {','.join(DEFAULT_BACKENDS)})")
    cp.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                    help=f"examples per identity and backend (default: {DEFAULT_EXAMPLES})")
    cp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    cp.add_argument("--json", metavar="PATH", help="write the identities-report/1 JSON here")
    cp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")
    cp.add_argument("-v", "--verbose", action="store_true", help="show the counterexample of every non-holds verdict")
    cp.add_argument("--database", default=DEFAULT_DATABASE, metavar="DIR",
                    help=f"where counterexamples are kept and replayed first next time (default: {DEFAULT_DATABASE})")
    cp.add_argument("--no-database", action="store_true", help="neither read nor write the example database")
    cp.add_argument("--example-timeout", type=float, default=EXAMPLE_SECONDS, metavar="S",
                    help=f"wall-time limit per example (default: {EXAMPLE_SECONDS:g} s)")
    cp.add_argument("--identity-timeout", type=float, default=IDENTITY_SECONDS, metavar="S",
                    help=f"wall-time limit per identity and backend (default: {IDENTITY_SECONDS:g} s)")
    cp.add_argument("--workers", type=int, default=1, metavar="N",
                    help="verify in N local processes (default: 1, in this process); same results")

    from identities.cli_sweep import add_parser

    add_parser(sub)

    from identities.report.commands import add_commands

    add_commands(sub, {"backends": ",".join(DEFAULT_BACKENDS), "examples": DEFAULT_EXAMPLES, "seed": DEFAULT_SEED,
                       "database": DEFAULT_DATABASE, "example_seconds": EXAMPLE_SECONDS,
                       "identity_seconds": IDENTITY_SECONDS})
    return p


def _load(files: Sequence[str], select: Sequence[str]):  # type: ignore[no-untyped-def]
    from identities.registry import builtin, load

    registry = load(*files) if files else builtin()
    if not len(registry):
        raise _Usage(f"{', '.join(files)}: no identities (an identity file holds [[identity]] tables)")
    chosen = registry.select(*select)
    if select and not len(chosen):
        raise _Usage(f"--select {' '.join(select)} matches none of the {len(registry)} identities")
    return chosen


class _Usage(Exception):
    pass


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
    checked; a bad value is a usage error (exit 2) before any work."""
    from identities.backends import BACKENDS, get_backend
    from identities.errors import InvalidArgument

    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown or not backends:
        raise InvalidArgument(f"unknown backend {unknown[0] if unknown else args.backend!r}; "
                              f"known: {', '.join(BACKENDS)}")
    for b in backends:  # an autodiff backend without its extra (BackendUnavailable): now, not after the first rows
        get_backend(b)
    if args.examples < 1:
        raise InvalidArgument(f"--examples must be at least 1, got {args.examples}")
    for flag, value in (("--example-timeout", args.example_timeout), ("--identity-timeout", args.identity_timeout)):
        if not value > 0:
            raise InvalidArgument(f"{flag} must be a positive number of seconds, got {value}")
    options = {"database": None if args.no_database else args.database,
               "example_seconds": args.example_timeout, "identity_seconds": args.identity_timeout}
    return backends, options


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from identities.errors import IdentitiesError

    try:
        if args.command == "list":
            return _list(args)
        if args.command == "sweep":
            from identities.cli_sweep import run

            return run(args)
        if args.command in ("report", "explain"):
            from identities.report.commands import run_explain, run_report

            return run_report(args) if args.command == "report" else run_explain(args)
        return _check(args)
    except (IdentitiesError, _Usage) as exc:
        print(f"identities: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("identities: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `identities check | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _list(args: argparse.Namespace) -> int:
    from identities.registry import ALL

    registry = _load(args.files, args.select)
    width = max((len(n) for n in registry), default=8)
    for ident in registry.values():
        vars_ = ", ".join(f"{n}: {d}" for n, d in ident.variables) or "(a point identity)"
        expect = "  expect " + ", ".join(v if b == ALL else f"{b}={v}" for b, v in ident.expect.items()) \
            if ident.expect else ""
        print(f"{ident.name:<{width}}  {ident.lhs} == {ident.rhs}   [{vars_}]{expect}")
    print(f"{len(registry)} identities")
    return 0


def _check(args: argparse.Namespace) -> int:
    from identities.results import report, write_json

    backends, options = verify_arguments(args)
    if args.workers < 1:
        raise _Usage(f"--workers must be at least 1, got {args.workers}")
    registry = _load(args.files, args.select)
    print(f"identities check: {len(registry)} identities x {', '.join(backends)}; "
          f"examples={args.examples} seed={args.seed}" + (f" workers={args.workers}" if args.workers > 1 else ""))
    results: list = []
    interrupted = False
    width = max([len(n) for n in registry] + [8])
    bw = max(8, *(len(b) for b in backends))
    print(_row((width, bw), "identity", "backend", "verdict", "max ulp", "bits", "exact", "needed", ""))
    from identities.engine import verify_all
    from identities.progress import Progress

    bar = Progress("check", "results")
    total = len(registry) * len(backends)

    ctrl_c = Interrupts()

    def show(r) -> None:  # type: ignore[no-untyped-def]
        results.append(r)
        bar.clear()
        print(_result_row((width, bw), r), flush=True)
        bar.update(len(results), total)
        ctrl_c.check()

    pool = None
    try:
        with ctrl_c:
            if args.workers > 1:
                from identities.sweep import local_executor

                pool = local_executor(args.workers)
            verify_all(registry, backends, examples=args.examples, seed=args.seed, on_result=show, executor=pool,
                       **options)
            ctrl_c.check()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.clear()
        if pool is not None:
            pool.shutdown(wait=not interrupted, cancel_futures=True)
    if args.json:
        write_json(args.json, report(results, seed=args.seed, examples=args.examples, backends=backends,
                                     incomplete=interrupted))
    details = [r for r in results if not r.ok or (args.verbose and r.verdict != "holds")]
    for r in details:
        print()
        print(_detail(r))
    bad = sum(not r.ok for r in results)
    print()
    print(f"{len(results)} results: {len(results) - bad} as expected, {bad} unexpected"
          + (f"; JSON report in {args.json}" if args.json else ""))
    if interrupted:
        print("identities: interrupted; the results above are incomplete", file=sys.stderr)
        return 130
    return 1 if bad else 0


def _row(width: int | tuple[int, int], *cells: str) -> str:
    """One table row; width is the name column's, or (name column, backend column)."""
    width, bw = width if isinstance(width, tuple) else (width, 8)
    name, backend, verdict, ulps, bits, exact, needed, note = cells
    return f"{name:<{width}}  {backend:<{bw}} {verdict:<18} {ulps:>9} {bits:>5} {exact:>6}  {needed:<12}{note}"


def _fmt_ulps(u: float) -> str:
    if math.isinf(u) or math.isnan(u):
        return "inf"
    return f"{u:.3g}" if u >= 1e6 else str(int(u))


def _result_row(width: int | tuple[int, int], r) -> str:  # type: ignore[no-untyped-def]
    note = "" if r.ok else f"  UNEXPECTED (expected {r.expected})"
    if r.verdict == "error":
        return _row(width, r.identity, r.backend, r.verdict, "-", "-", "-", "-", note + f"  {r.message}")
    e = r.max_error
    bits = "inf" if math.isinf(e.bits) else f"{e.bits:.1f}"
    return _row(width, r.identity, r.backend, r.verdict, _fmt_ulps(e.ulps), bits, f"{100 * r.exact_rate:.0f}%",
                r.needed_tolerance or "-", note)


def _detail(r) -> str:  # type: ignore[no-untyped-def]
    from identities.backends import get_backend

    head = f"{r.identity} [{r.backend}]: {r.verdict}" + ("" if r.ok else f" (expected {r.expected})")
    lines = [head]
    if r.verdict == "error":
        lines.append(f"  {r.message}")
        return "\n".join(lines)
    for label, c in (("minimal counterexample", r.counterexample), ("worst example found", r.worst)):
        if c is None:
            continue
        fmt = get_backend(r.backend).format
        lines.append(f"  {label}: {c.inputs_text(fmt) or '(no variables)'}")
        for side, value, truth, err in (("lhs", c.lhs, c.truth_decimal[0], c.lhs_ulps),
                                         ("rhs", c.rhs, c.truth_decimal[1], c.rhs_ulps)):
            lines.append(f"    {side} = {value!r:<26} true {side} = {truth or 'undefined'}  ({_fmt_ulps(err)} ulp off)")
        lines.append(f"    {_fmt_ulps(c.ulps)} ulp apart; culprit: {c.culprit}; {c.cause}")
        if c.component is not None:
            per = ", ".join(_fmt_ulps(u) for u in c.component_ulps or ())
            lines.append(f"    component {c.component} (counting from 0) is the worst; ulp apart by component: {per}")
    if r.tolerance:
        lines.append(f"  tolerance {r.tolerance}; needed {r.needed_tolerance}")
    if r.message:
        lines.append(f"  note: {r.message}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
