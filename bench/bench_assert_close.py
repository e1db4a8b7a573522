"""``assert_close`` against ``numpy.testing.assert_array_max_ulp`` on the same 10 million float64 pairs.

The pairs are values of every sign and magnitude, each 0 to 3 ulps from its
partner (so both assertions pass at "4 ulp"), a few +0/-0 pairs among them.
Each timing is the best of ``--repeat`` runs, the two interleaved in one
process, so both see the same machine load. Target: assert_close at most 1.5x
numpy's time. The failing path (one element 100 ulps off), which builds the
full report, is timed too, for information.

    python bench/bench_assert_close.py [--n 10000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from identities.testing.asserts import assert_close


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * np.exp2(rng.integers(-60, 60, n))
    steps = rng.integers(0, 4, n)
    b = a.view(np.int64).copy()
    b += np.where(a >= 0, steps, -steps)  # 0-3 ulps away from zero, same sign
    b = b.view(np.float64)
    a[:100], b[:100] = 0.0, -0.0
    return a, b


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    a, b = data(args.n)
    ours = lambda: assert_close(a, b, "4 ulp")
    numpy_ = lambda: np.testing.assert_array_max_ulp(a, b, maxulp=4)
    ours(), numpy_()  # warm up (imports, page faults)
    t_ours, t_numpy = [], []
    for _ in range(args.repeat):  # interleaved: both see the same load
        t_ours.append(best(ours, 1))
        t_numpy.append(best(numpy_, 1))
    bad = b.copy()
    bad[args.n // 2] = np.float64(b[args.n // 2]) * (1 + 100 * 2.0**-52)

    def failing() -> None:
        try:
            assert_close(a, bad, "4 ulp")
        except AssertionError:
            return
        raise SystemExit("assert_close passed on data that should fail")

    t_fail = best(failing, 3)
    print(f"{args.n:,} float64 pairs, best of {args.repeat}")
    print(f"  assert_close(a, b, '4 ulp')                 {min(t_ours):.3f} s")
    print(f"  numpy.testing.assert_array_max_ulp(a, b, 4)  {min(t_numpy):.3f} s")
    print(f"  ratio {min(t_ours) / min(t_numpy):.2f}x (target <= 1.5x)")
    print(f"  assert_close failing (full report)          {t_fail:.3f} s")


if __name__ == "__main__":
    main()
