"""Which framework loses bits where: each side's error against the oracle, for the derivative identities.

For every built-in identity tagged ``derivative`` and every backend asked for,
the engine's own search runs (the same draws, hypothesis ``target`` included,
as ``identities check``), and for every example where the oracle says the
identity holds, each side's value is compared with the oracle's truth rounded
to the format. The table gives the maximum, in bits (log2(1 + ulps)), with
the side and the input where it happened. A vector identity counts its worst
component. ``diff`` is autograd on torch and jax, a central difference on
float32/float64 (so those columns measure the difference quotient).

    python bench/derivative_bits.py [--backend float32,torch-float32,jax-float32] [--examples 200]
                                    [--select GLOB] [--seed 0]

Prints a markdown table; a backend whose extra is not installed is skipped with a note.
"""

from __future__ import annotations

import argparse
import fnmatch
import math

from identities import builtin
from identities.backends import available, get_backend
from identities.engine import _Engine, _search, effective_tolerance
from identities.metrics import bits
from identities.oracle import DEFAULT_ORACLE


def side_errors(ident, backend: str, examples: int, seed: int) -> tuple[float, str, str, int]:
    """(max bits, side, inputs, examples judged) over the examples where the identity holds."""
    be = get_backend(backend)
    engine = _Engine(ident, be, DEFAULT_ORACLE, effective_tolerance(ident, be))
    samples, error = _search(engine, examples, seed)
    if error:
        return math.nan, "", error, 0
    worst = (-1.0, "", "", 0)
    judged = 0
    for s in samples:
        if s.kind not in ("ok", "precision_failure"):
            continue
        judged += 1
        c = engine.describe(s)
        for side, ulps in (("lhs", c.lhs_ulps), ("rhs", c.rhs_ulps)):
            b = bits(ulps)
            if b > worst[0]:
                where = c.inputs_text(be.format) + (f" [component {c.component}]" if c.component is not None else "")
                worst = (b, side, where, 0)
    return worst[0], worst[1], worst[2], judged


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="float32,torch-float32,jax-float32")
    p.add_argument("--examples", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--select", default="*")
    args = p.parse_args()
    backends = [b for b in args.backend.split(",") if b]
    missing = [b for b in backends if not available(b)]
    backends = [b for b in backends if b not in missing]
    lib = builtin()
    names = [n for n in lib if "derivative" in lib[n].tags and fnmatch.fnmatchcase(n, args.select)]
    print(f"max error in bits against the oracle (examples={args.examples}, seed={args.seed}); "
          "cell: bits (side, where)")
    if missing:
        print(f"skipped, extra not installed: {', '.join(missing)}")
    print()
    print("| identity | " + " | ".join(backends) + " |")
    print("|---|" + "---|" * len(backends))
    for name in names:
        cells = []
        for b in backends:
            worst, side, where, _ = side_errors(lib[name], b, args.examples, args.seed)
            cells.append("n/a" if math.isnan(worst) else f"{worst:.1f}" if worst <= 0 else
                         f"{worst:.1f} ({side}, {where})")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
