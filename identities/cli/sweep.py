"""``identities sweep``: error profiles over many points, in parallel.

Same table, details, JSON and exit status as ``identities check`` (0 when
every verdict equals its expectation, 1 when one does not, 2 for a usage or
identity-file error, 130 when interrupted), measured over ``--points`` points
drawn uniformly over the bit patterns of each domain.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

__all__ = ["add_parser", "run"]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def add_parser(sub: Any) -> None:
    from identities.backends.arrays import FUNCTION_MODES
    from identities.check.engine import DEFAULT_SEED
    from identities.sweep.runner import DEFAULT_POINTS, DEFAULT_SWEEP_BACKENDS

    sp = sub.add_parser("sweep", help="the error profile of identities over many points, in parallel")
    sp.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    from identities.cli.common import add_allow_import

    add_allow_import(sp)
    sp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")
    sp.add_argument(
        "--points",
        type=int,
        default=DEFAULT_POINTS,
        metavar="N",
        help=f"points per identity and backend (default: {DEFAULT_POINTS:,})",
    )
    sp.add_argument(
        "--backend",
        default=",".join(DEFAULT_SWEEP_BACKENDS),
        help=f"comma-separated backends (default: {','.join(DEFAULT_SWEEP_BACKENDS)}); mpmath is evaluated per point",
    )
    sp.add_argument(
        "--workers",
        type=int,
        default=_cpus(),
        metavar="N",
        help="local processes (default: the usable CPUs, here %(default)s); results do not depend on it",
    )
    sp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    sp.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="N",
        help="points per chunk (default: from --points); part of what fixes the points drawn",
    )
    sp.add_argument(
        "--functions",
        choices=FUNCTION_MODES,
        default="numpy",
        help="numpy: numpy's array functions (fast, default); scalar: the scalar backends' own, bit-identical to check",
    )
    sp.add_argument("--json", metavar="PATH", help="write the identities-report/1 JSON (with each profile) here")
    sp.add_argument("--output", metavar="PATH", help="write the report (identities.report; .html, .md or .json)")
    sp.add_argument(
        "--max-memory",
        type=float,
        default=None,
        metavar="MB",
        help="address-space limit of each worker process, in MB (runs in worker processes even with --workers 1)",
    )
    sp.add_argument("-v", "--verbose", action="store_true", help="details and notes for every result")


def run(args: argparse.Namespace) -> int:
    from identities.backends import BACKENDS
    from identities.check.results import report, write_json
    from identities.cli.common import (
        Interrupts,
        Usage,
        check_outputs,
        detail,
        load_registry,
        memory_limit,
        result_row,
        row,
        stop_text,
        stopped_status,
        summary,
        terminal_text,
    )
    from identities.cli.progress import Progress
    from identities.cli.style import Style, colour_wanted
    from identities.errors import InvalidArgument
    from identities.sweep.runner import sweep_all, sweepable

    check_outputs(json=args.json, output=args.output)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown or not backends:
        raise Usage(f"unknown backend {unknown[0] if unknown else args.backend!r}; known: {', '.join(BACKENDS)}")
    for flag, value in (("--points", args.points), ("--workers", args.workers), ("--chunk-size", args.chunk_size)):
        if value is not None and value < 1:
            raise Usage(f"{flag} must be at least 1, got {value}")
    writer = _report_writer() if args.output else None
    max_memory = memory_limit(args)
    registry = load_registry(args.files, args.select, allow_import=args.allow_import, say=print)
    skipped = [n for n, ident in registry.items() if not sweepable(ident)]
    if skipped:
        from identities.registry.files import Registry

        registry = Registry(ident for ident in registry.values() if sweepable(ident))
        print(
            f"identities sweep: skipped {len(skipped)} with function or vector variables (check them with "
            f"'identities check'): {', '.join(skipped)}"
        )
    print(
        f"identities sweep: {len(registry)} identities x {', '.join(backends)}; points={args.points:,} "
        f"seed={args.seed} workers={args.workers} functions={args.functions}"
    )
    width = max([len(n) for n in registry] + [8])
    print(row(width, "identity", "backend", "verdict", "max ulp", "bits", "exact", "needed", "  mean bits lhs/rhs"))
    bar = Progress("sweep", "points")
    results: list[Any] = []
    style = Style(colour_wanted())

    def show(r: Any) -> None:
        results.append(r)
        bar.clear()
        print(result_row(width, r, style) + terminal_text(_means(r)), flush=True)
        ctrl_c.check()

    stopped: BaseException | None = None
    started = time.perf_counter()
    ctrl_c = Interrupts()  # a Ctrl-C swallowed by a gc callback still stops the run
    pool = None
    try:
        with ctrl_c:
            if max_memory:  # worker processes even for --workers 1: the limit is theirs, not this process's
                from identities.sweep.runner import local_executor

                pool = local_executor(args.workers, max_memory=max_memory)
            sweep_all(
                registry,
                backends,
                points=args.points,
                seed=args.seed,
                workers=args.workers,
                executor=pool,
                chunk_size=args.chunk_size,
                functions=args.functions,
                progress=bar,
                on_result=show,
            )
            ctrl_c.check()
    except InvalidArgument:  # a bad argument found when the work starts: a usage error (exit 2), nothing ran
        raise
    except (KeyboardInterrupt, Exception) as exc:  # whatever stops the run, the results so far are written
        stopped = exc
    finally:
        bar.clear()
        if pool is not None:
            pool.shutdown(wait=stopped is None, cancel_futures=True)
    elapsed = time.perf_counter() - started
    incomplete = stop_text(stopped) if stopped is not None else False
    if args.json:
        doc = report(results, seed=args.seed, examples=args.points, backends=backends, incomplete=incomplete)
        doc["sweep"] = {
            "points": args.points,
            "chunk_size": args.chunk_size,
            "functions": args.functions,
            "workers": args.workers,
            "seconds": round(elapsed, 3),
        }
        write_json(args.json, doc)
    if writer is not None:
        writer(
            args.output,
            results,
            registry=registry,
            seed=args.seed,
            examples=args.points,
            backends=backends,
            incomplete=incomplete,
        )
    for r in results:
        if not r.ok or args.verbose:
            print()
            holds = terminal_text(f"{r.identity} [{r.backend}]: holds")
            print(detail(r, style) if r.verdict != "holds" or not r.ok else holds)
            for note in r.notes if args.verbose else ():
                print(terminal_text(f"  note: {note}"))
    bad = sum(not r.ok for r in results)
    done = sum(r.examples for r in results)
    print()
    print(
        summary(results, style)
        + f"; {done:,} points in {elapsed:.1f} s"
        + (f"; JSON report in {args.json}" if args.json else "")
        + (f"; report in {args.output}" if args.output else "")
    )
    if stopped is not None:
        return stopped_status(stopped, len(results), bool(args.json or args.output))
    return 1 if bad else 0


def _means(r: Any) -> str:
    p = getattr(r, "profile", None)
    if p is None:
        return ""
    lhs, rhs = p.mean_bits.get("lhs"), p.mean_bits.get("rhs")
    if lhs is None or rhs is None or lhs != lhs or rhs != rhs:
        return ""
    return f"  {lhs:.2f}/{rhs:.2f}"


def _report_writer() -> Any:
    """``identities.report.write_report``, or a usage error saying it is not installed."""
    from identities.cli.common import Usage

    try:
        from identities.report import write_report  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise Usage(
            "--output needs the report writer (identities.report), which this installation does not "
            f"have ({exc}); use --json PATH for the data"
        ) from None
    return write_report
