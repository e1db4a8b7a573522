"""Proven round-off bounds against FPTaylor's published ones (bench/data/fptaylor-double.json).

The 11 benchmarks are FPBench's Rosa and FPTaylor programs in FPTaylor's operation order, with FPTaylor's
best published double-precision bound for exact inputs (its repository's benchmarks/real2float/results.txt,
config-b: improved rounding model, exact optimisation; see the "source" of each entry). For each one:
our bound, FPTaylor's, the ratio, the largest error a search finds (random and hill-climbing draws, each
evaluated in float64 and against the oracle's exact value) and the time our bound took.

Targets: every bound within 2x of FPTaylor's, at least half at or below it, each within 10 s.

Measured on the 2-core machine (8 s budget each, 1,000 search draws), all 11 converged:

    benchmark                    ours   FPTaylor  ratio      found   time
    doppler1                 9.99e-14   1.36e-13   0.73   4.14e-14    0.1
    doppler2                 1.86e-13   2.45e-13   0.76   6.52e-14    0.2
    doppler3                 5.75e-14   6.94e-14   0.83    2.4e-14    0.1
    rigidBody1               2.13e-13   2.95e-13   0.72   9.23e-14    0.0
    rigidBody2               2.27e-11   3.61e-11   0.63   5.74e-12    0.5
    verhulst                 1.77e-16    2.5e-16   0.71   1.67e-16    0.0
    predatorPrey             9.94e-17   1.59e-16   0.63   8.58e-17    0.0
    carbonGas_real2float     5.08e-09   8.27e-09   0.61   2.97e-09    0.0
    sine                     3.82e-16   4.43e-16   0.86    2.2e-16    1.1
    sineOrder3               4.44e-16   7.95e-16   0.56   2.34e-16    0.0
    sqroot                   4.72e-16   5.02e-16   0.94   3.91e-16    0.0

Every one at or below FPTaylor's. Where ours is lower it is mostly what FPTaylor's configuration does not
use: constants' rounding errors known exactly (331.4, 0.6, 1.11 ...), products by powers of two (2*x2) exact,
common subexpressions rounded once, and intermediate ranges with exact ends (the power-of-two model applied
to [0, 1] and not to [0, 1.0000001]). rigidBody1 checks by hand: roundings of results in [-225, 225],
[-450, 450] and three in [-705, 705] give u*(128 + 256 + 3*512) = 2.13e-13.

    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/bench_bounds.py [--seconds S] [--search N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from fractions import Fraction
from pathlib import Path

from identities.backends.floats import Float64Backend
from identities.bounds import bound_expr
from identities.language.domains import parse_domain
from identities.language.expr import parse
from identities.oracle.scalar import DEFAULT_ORACLE

DATA = Path(__file__).parent / "data" / "fptaylor-double.json"


def search_error(expr, names, ranges, n: int, seed: int = 0) -> float:
    """The largest |float64 - exact| found over n draws (uniform, and hill climbing from the best)."""
    rng = random.Random(seed)
    f = Float64Backend().compile(expr)
    best, best_x = 0.0, None

    def err(x: dict) -> float:
        value = f(x)
        exact = DEFAULT_ORACLE.evaluate(expr, x)
        return float(abs(Fraction(value) - exact.to_fraction()))

    for i in range(n):
        if best_x is not None and i % 2:
            x = {k: min(max(v * (1 + rng.gauss(0, 1e-3)), ranges[k][0]), ranges[k][1]) for k, v in best_x.items()}
        else:
            x = {k: rng.uniform(*ranges[k]) for k in names}
        e = err(x)
        if e > best:
            best, best_x = e, x
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="budget of each bound")
    parser.add_argument("--search", type=int, default=3000, help="draws of the search for the largest error")
    args = parser.parse_args()
    rows = json.loads(DATA.read_text())
    print(f"{'benchmark':22} {'ours':>10} {'FPTaylor':>10} {'ratio':>6} {'found':>10} {'time':>6}  complete")
    at_or_below = within = fast = 0
    for row in rows:
        names = list(row["vars"])
        variables = [(k, parse_domain(f"real[{lo!r}, {hi!r}]")) for k, (lo, hi) in row["vars"].items()]
        expr = parse(row["expression"], set(names))
        started = time.perf_counter()
        b = bound_expr(expr, variables, "float64", seconds=args.seconds, fraction=0.01, ulps=False)
        took = time.perf_counter() - started
        theirs = row["fptaylor_bound"]
        found = search_error(expr, names, row["vars"], args.search)
        ratio = b.abs / theirs if b.abs is not None else float("inf")
        at_or_below += ratio <= 1.0
        within += ratio <= 2.0
        fast += took <= 10.0
        shown = f"{b.abs:.3g}" if b.abs is not None else b.reason
        print(f"{row['name']:22} {shown:>10} {theirs:>10.3g} {ratio:6.2f} {found:10.3g} {took:6.1f}  {b.complete}")
    n = len(rows)
    print(f"\nwithin 2x of FPTaylor: {within}/{n}; at or below: {at_or_below}/{n}; within 10 s: {fast}/{n}")


if __name__ == "__main__":
    main()
