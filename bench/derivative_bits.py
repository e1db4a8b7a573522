"""Which framework loses bits where: each side's error against the oracle, for the derivative identities.

For every built-in identity tagged ``derivative`` and every backend asked for,
``verify(..., keep_samples=True)`` runs (the same draws, hypothesis ``target``
included, as ``identities check``) and keeps, for every example, each side's
error against the oracle's truth rounded to the format. The table gives the
largest over the examples where the oracle says the identity holds, in bits
(log2(1 + ulps)), with the side and the input where it happened (a vector
identity's example counts its worst component). ``diff`` is autograd on torch and jax, a central difference on
float32/float64 (so those columns measure the difference quotient).

    python bench/derivative_bits.py [--backend float32,torch-float32,jax-float32] [--examples 200]
                                    [--select GLOB] [--seed 0]

Prints a markdown table; a backend whose extra is not installed is skipped with a note.
"""

from __future__ import annotations

import argparse
import fnmatch
import math

from identities import builtin, verify
from identities.backends import available, get_backend
from identities.numbers.formats import short_repr
from identities.numbers.metrics import bits


def side_errors(ident, backend: str, examples: int, seed: int) -> tuple[float, str, str]:
    """(max bits, side, inputs) over the examples where the identity holds; nan when none could be judged."""
    r = verify(ident, backend, examples=examples, seed=seed, keep_samples=True)
    fmt = get_backend(backend).format
    worst = (math.nan, "", r.message)
    for s in r.samples:
        if s.kind not in ("ok", "precision_failure"):
            continue
        for side, ulps in (("lhs", s.lhs_ulps), ("rhs", s.rhs_ulps)):
            b = bits(ulps) if not math.isnan(ulps) else math.nan
            if not b <= worst[0]:  # also replaces the initial nan
                worst = (b, side, _where(s.inputs, fmt))
    return worst


def _where(inputs, fmt) -> str:
    def show(v):
        if isinstance(v, tuple):
            return "[" + ", ".join(show(c) for c in v) + "]"
        return short_repr(v, fmt) if isinstance(v, float) else repr(v)

    return ", ".join(f"{k}={show(v)}" for k, v in inputs.items())


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
    print(
        f"max error in bits against the oracle (examples={args.examples}, seed={args.seed}); cell: bits (side, where)"
    )
    if missing:
        print(f"skipped, extra not installed: {', '.join(missing)}")
    print()
    print("| identity | " + " | ".join(backends) + " |")
    print("|---|" + "---|" * len(backends))
    for name in names:
        cells = []
        for b in backends:
            worst, side, where = side_errors(lib[name], b, args.examples, args.seed)
            cells.append(
                "n/a" if math.isnan(worst) else f"{worst:.1f}" if worst <= 0 else f"{worst:.1f} ({side}, {where})"
            )
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
