"""``identities export NAME [FILES] --fpcore``: identities written as FPCore (``identities.registry.fpcore_out``).

Each side of each identity whose name matches NAME (a glob) becomes one FPCore on standard output (or
``--output``), with the domains as ``:pre``, ``--backend``'s format as ``:precision`` and the other side as
``:spec``: what Herbie (``herbie improve``) or FPTaylor take, to improve or bound the side that lost
accuracy. An identity FPCore cannot say is skipped with a warning; exit status 2 when nothing was written.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    from identities.registry.fpcore_out import FORMATS

    ep = sub.add_parser("export", help="write identities in another format (FPCore: --fpcore)")
    ep.add_argument("name", metavar="NAME", help="the identity's name, or a glob ('log_*', '*')")
    ep.add_argument("files", nargs="*", metavar="FILES", help="identity files or directories (default: built-in)")
    ep.add_argument("--fpcore", action="store_true", required=True, help="write FPCore 2.0 (FPBench's format)")
    ep.add_argument(
        "--backend",
        default=None,
        choices=sorted(FORMATS),
        help="the float format written as :precision (default: the identity's own, an FPCore's :precision; "
        "else float64, binary64)",
    )
    ep.add_argument(
        "--side",
        choices=("lhs", "rhs", "both"),
        default="both",
        help="which side is the body (the other is :spec; default: both, one FPCore each)",
    )
    ep.add_argument("-o", "--output", metavar="PATH", help="write to PATH instead of standard output")


def run(args: argparse.Namespace) -> int:
    from identities.cli.common import Usage, load_registry
    from identities.registry.fpcore_out import NotExpressible, to_fpcore

    registry = load_registry(args.files, [args.name])
    sides = ("lhs", "rhs") if args.side == "both" else (args.side,)
    texts: list[str] = []
    for ident in registry.values():
        try:
            texts.extend(to_fpcore(ident, args.backend, sides))
        except NotExpressible as exc:
            print(f"identities: warning: {ident.name}: not expressible in FPCore: {exc}", file=sys.stderr)
    if not texts:
        raise Usage(f"nothing to write: none of the {len(registry)} identities matching {args.name!r} is expressible")
    out = "\n\n".join(texts) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(out)
        print(f"{len(texts)} FPCores written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(out)
    return 0
