"""The ``identities report`` and ``identities explain`` commands (registered by ``identities.cli.app``).

``report`` runs the engine with samples kept and writes the report; an
interrupted run (Ctrl-C) still writes the results finished so far, marked
incomplete, and exits 130. ``explain`` evaluates one identity at one input and
says, subexpression by subexpression, where each side lost its accuracy; for an
identity with ``diff`` it prints the notebook's finite-difference table.
Usage errors raise ``InvalidArgument``, which the CLI turns into exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from identities.errors import InvalidArgument

__all__ = ["add_commands", "run_report", "run_explain", "parse_at"]


def add_commands(sub: Any, defaults: Mapping[str, Any]) -> None:
    """Add the two sub-commands to the CLI's sub-parsers."""
    rp = sub.add_parser("report", help="verify identities and write the float-precision report (HTML, Markdown, JSON)")
    rp.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    from identities.cli.common import add_allow_import

    add_allow_import(rp)
    rp.add_argument(
        "--backend",
        default=None,
        help=f"comma-separated backends (default: {defaults['backends']}; an FPCore: its :precision and mpmath)",
    )
    rp.add_argument(
        "--examples",
        type=int,
        default=defaults["examples"],
        help=f"examples per identity and backend (default: {defaults['examples']})",
    )
    rp.add_argument("--seed", type=int, default=defaults["seed"], help=f"random seed (default: {defaults['seed']})")
    rp.add_argument(
        "--screen",
        type=int,
        default=defaults["screen"],
        metavar="N",
        help=f"points per identity and float backend screened before the search, 0 for none "
        f"(default: {defaults['screen']})",
    )
    rp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")
    rp.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="PATH",
        help="where to write the report; the format follows the suffix: .html, .md or .json",
    )
    rp.add_argument("--baseline", metavar="PATH", help="a previous JSON report to compare with")
    rp.add_argument(
        "--database",
        default=defaults["database"],
        metavar="DIR",
        help=f"counterexample database, as for check (default: {defaults['database']})",
    )
    rp.add_argument("--no-database", action="store_true", help="neither read nor write the example database")
    rp.add_argument(
        "--example-timeout",
        type=float,
        default=defaults["example_seconds"],
        metavar="S",
        help=f"wall-time limit per example (default: {defaults['example_seconds']:g} s)",
    )
    rp.add_argument(
        "--identity-timeout",
        type=float,
        default=defaults["identity_seconds"],
        metavar="S",
        help=f"wall-time limit per identity and backend (default: {defaults['identity_seconds']:g} s)",
    )

    ep = sub.add_parser(
        "explain", help="show where an identity loses accuracy at one input (and the finite-difference table for diff)"
    )
    ep.add_argument("name", metavar="NAME", help="the identity's name")
    ep.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    add_allow_import(ep)
    ep.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="VAR=VALUE[,VAR=VALUE]",
        help="the input, e.g. --at x=1 or --at x=0.2,y=8 (default: the identity's first example)",
    )
    ep.add_argument(
        "--backend",
        default="float64",
        help="a float backend: float64, float32, float16, bfloat16, float8_e4m3fn, float8_e5m2, torch-*, jax-*",
    )
    ep.add_argument("--plot", metavar="PATH", help="also write the plot of error against h (PNG) here")


def _registry(files: Sequence[str], select: Sequence[str] = (), allow_import: bool = False) -> Any:
    from identities.cli.common import load_registry  # the files or the library, refused when empty, then --select

    return load_registry(files, select, allow_import=allow_import)


def run_report(args: argparse.Namespace) -> int:
    from identities.check.engine import verify
    from identities.report import PlotsInterrupted, report_format, write_report
    from identities.report.baseline import load_baseline

    report_format(args.output)  # an unknown suffix fails before minutes of work, not after
    from identities.cli.common import (
        backends_for,
        check_outputs,
        plan_header,
        stop_text,
        terminal_text,
        verify_arguments,
    )

    check_outputs(output=args.output)

    backends, options = verify_arguments(args)
    if args.baseline:
        load_baseline(args.baseline)  # a bad baseline fails now, not after the run
    registry = _registry(args.files, args.select, args.allow_import)
    plan = {ident.name: backends_for(ident, backends) for ident in registry.values()}
    total = sum(len(bs) for bs in plan.values())
    print(
        f"identities report: {plan_header(registry.identities(), backends)}; examples={args.examples} seed={args.seed}",
        flush=True,
    )
    results = []
    interrupted = False
    stopped = ""
    started = time.perf_counter()
    from identities.cli.common import Interrupts, summary
    from identities.cli.style import Style, colour_wanted

    style = Style(colour_wanted())

    try:
        with Interrupts() as ctrl_c:  # a Ctrl-C swallowed by a gc callback still stops the run
            for ident in registry.values():
                for b in plan[ident.name]:
                    r = verify(ident, b, examples=args.examples, seed=args.seed, keep_samples=True, **options)
                    results.append(r)
                    flag = "" if r.ok else "  " + style.unexpected(f"UNEXPECTED (expected {r.expected})")
                    bits = "" if r.verdict == "error" or not r.samples else f"  {r.max_error.bits:.1f} bits"
                    shown = style.verdict(r.verdict)
                    name = terminal_text(f"{r.identity} {r.backend}")
                    print(f"  [{len(results)}/{total}] {name}: {shown}{bits}{flag}", flush=True)
                    ctrl_c.check()
    except KeyboardInterrupt:
        interrupted = True
        stopped = stop_text(KeyboardInterrupt())
        print(f"identities: interrupted; writing the {len(results)} results finished so far", file=sys.stderr)
    except Exception as exc:  # an engine crash: the results so far are still written, marked incomplete
        stopped = stop_text(exc)
        print(
            f"identities: the run stopped early ({terminal_text(stopped)}); writing the {len(results)} results "
            "finished so far",
            file=sys.stderr,
        )
    checked = time.perf_counter()
    try:
        write_report(
            args.output,
            results,
            registry=registry,
            seed=args.seed,
            examples=args.examples,
            backends=sorted({b for bs in plan.values() for b in bs}),
            baseline=args.baseline,
            incomplete=stopped if interrupted or stopped else False,
        )
    except PlotsInterrupted:
        print(
            f"identities: interrupted while drawing; {args.output} holds every result, with the plots drawn "
            "before that",
            file=sys.stderr,
        )
        return 130
    bad = sum(not r.ok for r in results)
    print(
        summary(results, style) + f"; report in {args.output} "
        f"(checking {checked - started:.1f} s, writing {time.perf_counter() - checked:.1f} s)"
    )
    if interrupted:
        return 130
    return 1 if bad or stopped else 0


def parse_at(items: Sequence[str], ident: Any) -> dict[str, Any]:
    """``["x=1,y=2"]`` -> {"x": 1.0, "y": 2.0}, checked against the identity's variables."""
    names = [n for n, _ in ident.variables]
    domains = dict(ident.variables)
    out: dict[str, Any] = {}
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            name, eq, text = part.partition("=")
            name, text = name.strip(), text.strip()
            if not eq or not name or not text:
                raise InvalidArgument(f"--at {part!r}: expected VAR=VALUE, e.g. --at x=1 or --at x=0.2,y=8")
            if name not in domains:
                have = ", ".join(names) or "none: it is a point identity"
                raise InvalidArgument(
                    f"--at {part!r}: identity {ident.name!r} has no variable {name!r} (its variables: {have})"
                )
            if name in out:
                raise InvalidArgument(f"--at gives {name!r} twice")
            out[name] = _number(text, part, domains[name].is_integer)
    missing = [n for n in names if n not in out]
    if missing:
        raise InvalidArgument(f"--at: give a value for every variable of {ident.name!r}; missing {', '.join(missing)}")
    return {n: out[n] for n in names}


def _number(text: str, part: str, integer: bool) -> Any:
    try:
        v = float(text)
    except ValueError:
        raise InvalidArgument(f"--at {part!r}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise InvalidArgument(f"--at {part!r}: inputs are finite numbers, not {text!r}")
    if integer:
        if v != int(v):
            raise InvalidArgument(f"--at {part!r}: this variable is an integer, not {text!r}")
        return int(v)
    return v


def _find(name: str, registry: Any, files: Sequence[str]) -> Any:
    if name in registry:
        return registry[name]
    where = "the built-in library" if not files else ", ".join(files)
    close = difflib.get_close_matches(name, list(registry), n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InvalidArgument(f"no identity named {name!r} in {where} ({len(registry)} identities){hint}")


def run_explain(args: argparse.Namespace) -> int:
    from identities.backends import FLOAT_BACKENDS, get_backend

    if args.backend not in FLOAT_BACKENDS:
        raise InvalidArgument(
            f"explain shows float rounding: --backend must be one of {', '.join(FLOAT_BACKENDS)}, not {args.backend!r}"
        )
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise InvalidArgument(f"--plot {args.plot!r}: the plot is a PNG; give a path ending in .png")
    from identities.cli.common import check_outputs

    check_outputs(plot=args.plot)
    registry = _registry(args.files, allow_import=args.allow_import)
    ident = _find(args.name, registry, args.files)
    if ident.functions or any(d.size is not None for _, d in ident.variables):
        raise InvalidArgument(
            f"explain walks scalar inputs through each subexpression; {ident.name!r} has function "
            f"or vector variables: 'identities check --select {ident.name} -v' names the input "
            "and, for a vector, every component"
        )
    backend = get_backend(args.backend)
    if args.at:
        at = parse_at(args.at, ident)
    elif not ident.variables:
        at = {}
    elif ident.examples:
        at = {n: ident.examples[0][n] for n, _ in ident.variables}
    else:
        names = ", ".join(f"{n}=..." for n, _ in ident.variables)
        raise InvalidArgument(f"{ident.name!r} has variables and no examples: give the input, e.g. --at {names}")
    from identities.report.explain import explain_text

    text, fd = explain_text(ident, backend, at)
    print(text)
    if args.plot:
        if fd is None:
            raise InvalidArgument(f"--plot: {ident.name!r} has no diff(...), so there is no error-against-h plot")
        from identities.check.results import write_atomic
        from identities.report.plots import fd_figure

        write_atomic(args.plot, fd_figure(fd))
        print(f"plot of error against h in {args.plot}")
    return 0
