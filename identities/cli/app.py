"""The ``identities`` command: ``list``, ``check``, ``sweep`` (``identities.cli.sweep``), ``report`` and
``explain`` (``identities.cli.report``), ``export`` (``identities.cli.export``).

Exit status: 0 when every verdict equals its expectation, 1 when one does not,
2 for a usage or identity-file error (the message names the file, the line,
the identity and what is wrong), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


DEFAULT_DATABASE = ".hypothesis/examples"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"identities: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from identities.check.engine import BOUND_SECONDS, DEFAULT_BACKENDS, DEFAULT_EXAMPLES, DEFAULT_SCREEN, DEFAULT_SEED
    from identities.language.limits import EXAMPLE_SECONDS, IDENTITY_SECONDS

    p = _Parser(prog="identities", description="Verify mathematical identities in IEEE floats and exactly.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lp = sub.add_parser("list", help="list identities (the built-in library when no FILES)")
    lp.add_argument("files", nargs="*", metavar="FILES")
    lp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")

    cp = sub.add_parser("check", help="verify identities and print a verdict for each identity and backend")
    cp.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    cp.add_argument(
        "--backend",
        default=None,
        help=f"comma-separated backends (default: {','.join(DEFAULT_BACKENDS)}; an FPCore with no --backend: "
        "its :precision and mpmath)",
    )
    cp.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"examples per identity and backend (default: {DEFAULT_EXAMPLES})",
    )
    cp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    cp.add_argument("--json", metavar="PATH", help="write the identities-report/1 JSON here")
    cp.add_argument("--select", action="append", default=[], metavar="GLOB", help="only names matching GLOB")
    cp.add_argument("-v", "--verbose", action="store_true", help="show the counterexample of every non-holds verdict")
    cp.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        metavar="DIR",
        help=f"where counterexamples are kept and replayed first next time (default: {DEFAULT_DATABASE})",
    )
    cp.add_argument("--no-database", action="store_true", help="neither read nor write the example database")
    cp.add_argument(
        "--example-timeout",
        type=float,
        default=EXAMPLE_SECONDS,
        metavar="S",
        help=f"wall-time limit per example (default: {EXAMPLE_SECONDS:g} s)",
    )
    cp.add_argument(
        "--identity-timeout",
        type=float,
        default=IDENTITY_SECONDS,
        metavar="S",
        help=f"wall-time limit per identity and backend (default: {IDENTITY_SECONDS:g} s)",
    )
    cp.add_argument(
        "--bound-seconds",
        type=float,
        default=BOUND_SECONDS,
        metavar="S",
        help=f"budget of the proven round-off bounds per identity and float backend, 0 for none "
        f"(default: {BOUND_SECONDS:g} s)",
    )
    cp.add_argument(
        "--screen",
        type=int,
        default=DEFAULT_SCREEN,
        metavar="N",
        help=f"points per identity and float backend screened on whole arrays before the search, 0 for none "
        f"(default: {DEFAULT_SCREEN})",
    )
    cp.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="verify in N local processes (default: 1, in this process); same results",
    )
    cp.add_argument(
        "--max-memory",
        type=float,
        default=None,
        metavar="MB",
        help="address-space limit of each worker process, in MB (runs in worker processes even with --workers 1); "
        "an identity over it is an error row naming the limit",
    )

    from identities.cli.common import add_allow_import

    add_allow_import(cp)

    from identities.cli.sweep import add_parser

    add_parser(sub)

    from identities.cli.export import add_parser as add_export

    add_export(sub)

    from identities.cli.report import add_commands

    add_commands(
        sub,
        {
            "backends": ",".join(DEFAULT_BACKENDS),
            "examples": DEFAULT_EXAMPLES,
            "seed": DEFAULT_SEED,
            "database": DEFAULT_DATABASE,
            "example_seconds": EXAMPLE_SECONDS,
            "identity_seconds": IDENTITY_SECONDS,
            "screen": DEFAULT_SCREEN,
        },
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from identities.cli.check import run_check, run_list
    from identities.cli.common import Usage
    from identities.errors import IdentitiesError

    try:
        if args.command == "list":
            return run_list(args)
        if args.command == "sweep":
            from identities.cli.sweep import run

            return run(args)
        if args.command == "export":
            from identities.cli.export import run as run_export

            return run_export(args)
        if args.command in ("report", "explain"):
            from identities.cli.report import run_explain, run_report

            return run_report(args) if args.command == "report" else run_explain(args)
        return run_check(args)
    except (IdentitiesError, Usage) as exc:
        from identities.cli.common import terminal_text

        print(f"identities: error: {terminal_text(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("identities: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `identities check | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
