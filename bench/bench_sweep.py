"""Sweep throughput against hand-written baselines, each ratio measured within one run.

    python bench/bench_sweep.py float   [--points 1000000] [--repeat 5]
    python bench/bench_sweep.py oracle  [--points 20000] [--repeat 3]
    python bench/bench_sweep.py workers [--points 400000] [--repeat 2]

- float: the float side of a sweep (both sides compiled by
  ``identities.backends.arrays``, on the sweep's columns) against the same
  expressions written by hand in numpy, on the same arrays. Target >= 0.5x.
- oracle: ``BatchOracle.compare`` against a hand-written loop calling
  python-flint directly (both sides as arb balls at 256 bits, the difference's
  sign, both sides' accuracy, their midpoints as doubles), the scalar
  ``Oracle.compare`` per point, and mpmath at the same precision (point values,
  no error bounds), on the same points. Target >= 0.8x the hand-written loop.
- workers: ``sweep(..., workers=2)`` against ``workers=1`` (in this process).
  Target >= 1.7x; meaningful only on an otherwise idle 2-core machine.
Timings are the best of ``--repeat`` runs; the load average is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable

import numpy as np

from identities import builtin

CASES = {
    "exp_sum": ("exp(x + y)", "exp(x)*exp(y)", lambda x, y: (np.exp(x + y), np.exp(x) * np.exp(y))),
    "log_product_moderate": ("log(x*y)", "log(x) + log(y)", lambda x, y: (np.log(x * y), np.log(x) + np.log(y))),
}


def best(fn: Callable[[], object], repeat: int) -> float:
    t = math.inf
    for _ in range(repeat):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    return t


def columns(name: str, n: int, fmt_name: str = "float64") -> dict[str, np.ndarray]:
    from identities.numbers.formats import get_format
    from identities.sweep.sampling import Sampler

    ident = builtin()[name]
    cols, _ = Sampler(ident.variables, get_format(fmt_name), ident.assume).draw(n, np.random.default_rng(0))
    return cols


def bench_float(points: int, repeat: int) -> None:
    from identities.backends import get_backend
    from identities.backends.arrays import compile_array

    for name, (_, _, hand) in CASES.items():
        for width in ("float64", "float32"):
            ident = builtin()[name]
            be = get_backend(width)
            cols = columns(name, points, width)
            pl, pr = compile_array(ident.lhs, be), compile_array(ident.rhs, be)
            x, y = cols["x"], cols["y"]

            def ours() -> None:
                pl(cols, points)
                pr(cols, points)

            def by_hand() -> None:
                with np.errstate(all="ignore"):
                    hand(x, y)

            a, b = best(ours, repeat), best(by_hand, repeat)
            print(
                f"float  {name:22} {width}: sweep {points / a / 1e6:6.1f} M points/s, numpy by hand "
                f"{points / b / 1e6:6.1f} M points/s, ratio {b / a:.2f}x (target >= 0.5x)"
            )


def bench_oracle(points: int, repeat: int) -> None:
    import mpmath
    from flint import arb, ctx

    from identities.oracle.batch import BatchOracle
    from identities.oracle.scalar import Oracle

    for name in CASES:
        ident = builtin()[name]
        cols = columns(name, points)
        xs, ys = cols["x"].tolist(), cols["y"].tolist()
        batch = BatchOracle(Oracle())
        log = "log" in name

        def ours() -> None:
            batch.compare(ident.lhs, ident.rhs, cols, points)

        def by_hand() -> None:
            out = []
            with ctx.workprec(256):
                for x, y in zip(xs, ys):
                    X, Y = arb(x), arb(y)
                    L, R = ((X * Y).log(), X.log() + Y.log()) if log else ((X + Y).exp(), X.exp() * Y.exp())
                    d = L - R
                    refuted = d > 0 or d < 0
                    narrow = L.rel_accuracy_bits() >= 200 and R.rel_accuracy_bits() >= 200
                    out.append((refuted, narrow, float(L.mid()), float(R.mid())))

        scalar_oracle = Oracle()
        few = min(points, 5000)

        def scalar() -> None:
            for x, y in zip(xs[:few], ys[:few]):
                scalar_oracle.compare(ident.lhs, ident.rhs, {"x": x, "y": y})

        mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp

        def with_mpmath() -> None:
            old = mp.prec
            mp.prec = 256
            try:
                for x, y in zip(xs[:few], ys[:few]):
                    X, Y = mp.mpf(x), mp.mpf(y)
                    L, R = (mp.log(X * Y), mp.log(X) + mp.log(Y)) if log else (mp.exp(X + Y), mp.exp(X) * mp.exp(Y))
                    float(L), float(R), L == R
            finally:
                mp.prec = old

        ours()  # compile the batch function once, as a sweep does once per process
        a, b = best(ours, repeat), best(by_hand, repeat)
        c = best(scalar, 1) * points / few
        m = best(with_mpmath, 1) * points / few
        print(
            f"oracle {name:22}: batch {points / a:9,.0f} points/s, flint by hand {points / b:9,.0f}/s "
            f"(ratio {b / a:.2f}x, target >= 0.8x), scalar Oracle.compare {points / c:9,.0f}/s, "
            f"mpmath {points / m:9,.0f}/s (backend {mpmath.libmp.BACKEND})"
        )


def bench_workers(points: int, repeat: int) -> None:
    from identities.sweep.runner import sweep

    ident = builtin()["exp_sum"]
    sweep(ident, "float64", points=2048)  # imports and compiles, for both

    def one() -> None:
        sweep(ident, "float64", points=points, workers=1)

    def two() -> None:
        sweep(ident, "float64", points=points, workers=2)

    a, b = best(one, repeat), best(two, repeat)
    print(
        f"workers exp_sum float64, {points:,} points: --workers 1 {a:.2f} s, --workers 2 {b:.2f} s "
        f"(pool start-up included): {a / b:.2f}x (target >= 1.7x)"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["float", "oracle", "workers", "all"])
    p.add_argument("--points", type=int)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; cpus {os.cpu_count()}")
    if args.what in ("float", "all"):
        bench_float(args.points or 1_000_000, max(args.repeat, 5))
    if args.what in ("oracle", "all"):
        bench_oracle(args.points or 20_000, args.repeat)
    if args.what in ("workers", "all"):
        bench_workers(args.points or 400_000, args.repeat)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
