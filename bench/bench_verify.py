"""verify() against a hand-written hypothesis test doing the same work, in one run.

The hand-written test draws two floats, evaluates log(x*y) and log(x) + log(y)
in float64, decides the identity at the point with arb balls at 256 bits (as
the oracle's first step does), measures ULPs and targets bits of error.
``verify`` does that plus its own bookkeeping (bit-pattern draws, per-side
truths, the verdict rules). Target: at most 1.3x.

    python bench/bench_verify.py [--examples 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import struct
import time

from flint import arb, ctx
from hypothesis import HealthCheck, Phase, given, settings, target
from hypothesis import seed as h_seed
from hypothesis import strategies as st

from identities import builtin, verify


def ordinal(x: float) -> int:
    b = struct.unpack("<q", struct.pack("<d", x))[0]
    return b if b >= 0 else -(b & 0x7FFFFFFFFFFFFFFF)


def hand_written(examples: int, seed: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.target),
    )
    @h_seed(seed)
    @given(st.floats(2, 1000), st.floats(2, 1000))
    def test(x: float, y: float) -> None:
        lhs = math.log(x * y)
        rhs = math.log(x) + math.log(y)
        with ctx.workprec(256):
            L = (arb(x) * arb(y)).log()
            R = arb(x).log() + arb(y).log()
            d = L - R
            assert not (d > 0 or d < 0)
            truth = float(L.mid())
        ulps = abs(ordinal(lhs) - ordinal(rhs))
        assert ulps <= 4 or truth != truth
        target(math.log2(1 + ulps), label="bits of error")

    test()


def timed(fns, repeat: int) -> list[float]:
    """Best time of each function, runs interleaved (a, b, a, b, ...) so a change of machine
    load mid-run hits both alike."""
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--examples", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    ident = builtin()["log_product_moderate"]
    verify(ident, "float64", examples=20)  # warm caches and imports for both
    hand_written(20, 0)
    ours, base = timed(
        [lambda: verify(ident, "float64", examples=args.examples), lambda: hand_written(args.examples, 0)], args.repeat
    )
    print(f"verify(log_product_moderate, float64, examples={args.examples}): {ours:.3f} s")
    print(f"hand-written hypothesis test, same work:                    {base:.3f} s")
    print(f"ratio: {ours / base:.2f}x (target <= 1.3x)")
    full = builtin()["log_product"]
    t = time.perf_counter()
    r = verify(full, "float64", examples=args.examples)
    print(f"verify(log_product, float64) with shrinking of its {r.verdict}: {time.perf_counter() - t:.3f} s")


if __name__ == "__main__":
    main()
