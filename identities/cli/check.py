"""``identities list`` and ``identities check``."""

from __future__ import annotations

import argparse

from identities.cli.common import (
    Interrupts,
    Usage,
    backends_for,
    check_outputs,
    detail,
    load_registry,
    memory_limit,
    plan_header,
    result_row,
    row,
    stop_text,
    stopped_status,
    summary,
    verify_arguments,
)
from identities.cli.style import Style, colour_wanted

__all__ = ["run_list", "run_check"]


def run_list(args: argparse.Namespace) -> int:
    from identities.registry.files import ALL

    registry = load_registry(args.files, args.select)
    width = max((len(n) for n in registry), default=8)
    for ident in registry.values():
        vars_ = ", ".join(f"{n}: {d}" for n, d in ident.variables) or "(a point identity)"
        expect = (
            "  expect " + ", ".join(v if b == ALL else f"{b}={v}" for b, v in ident.expect.items())
            if ident.expect
            else ""
        )
        what = f"{ident.lhs}   [{vars_}]  (accuracy)" if ident.one_sided else f"{ident.lhs} == {ident.rhs}   [{vars_}]"
        print(f"{ident.name:<{width}}  {what}{expect}")
    print(f"{len(registry)} identities")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from identities.check.results import report, write_json
    from identities.errors import InvalidArgument

    check_outputs(json=args.json)
    backends, options = verify_arguments(args)
    if args.workers < 1:
        raise Usage(f"--workers must be at least 1, got {args.workers}")
    max_memory = memory_limit(args)
    registry = load_registry(args.files, args.select, allow_import=args.allow_import, say=print)
    plan = {ident.name: backends_for(ident, backends) for ident in registry.values()}
    used = sorted({b for bs in plan.values() for b in bs})
    print(
        f"identities check: {plan_header(registry.identities(), backends)}; "
        f"examples={args.examples} seed={args.seed}"
        + (f" workers={args.workers}" if args.workers > 1 else "")
        + (f" max-memory={args.max_memory} MB" if max_memory else "")
    )
    results: list = []
    style = Style(colour_wanted())
    width = max([len(n) for n in registry] + [8])
    bw = max(8, *(len(b) for b in used))
    print(row((width, bw), "identity", "backend", "verdict", "max ulp", "bits", "exact", "needed", "proven", ""))
    from identities.check.engine import verify_all
    from identities.cli.progress import Progress

    bar = Progress("check", "results")
    total = sum(len(bs) for bs in plan.values())

    ctrl_c = Interrupts()

    def show(r) -> None:
        results.append(r)
        bar.clear()
        print(result_row((width, bw), r, style), flush=True)
        bar.update(len(results), total)
        ctrl_c.check()

    pool = None
    stopped: BaseException | None = None
    try:
        with ctrl_c:
            if args.workers > 1 or max_memory:
                from identities.sweep.runner import local_executor

                pool = local_executor(args.workers, max_memory=max_memory)
            plans = set(plan.values())
            verify_all(
                registry,
                next(iter(plans)) if len(plans) == 1 else (lambda ident: plan[ident.name]),  # one plan: a list
                examples=args.examples,
                seed=args.seed,
                on_result=show,
                executor=pool,
                **options,
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
    reason = stop_text(stopped) if stopped is not None else ""
    if args.json:
        write_json(
            args.json,
            report(results, seed=args.seed, examples=args.examples, backends=used, incomplete=reason or False),
        )
    details = [r for r in results if not r.ok or (args.verbose and r.verdict != "holds")]
    for r in details:
        print()
        print(detail(r, style))
    bad = sum(not r.ok for r in results)
    print()
    print(summary(results, style) + (f"; JSON report in {args.json}" if args.json else ""))
    return stopped_status(stopped, len(results), bool(args.json)) if stopped is not None else (1 if bad else 0)
