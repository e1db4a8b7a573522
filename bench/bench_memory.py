"""A sweep of 10 million points runs in chunks and stays under 1 GiB peak resident memory.

    python bench/bench_memory.py [--points 10000000] [--workers 1] [--identity exp_sum]

Prints the peak RSS of this process and of the processes that ran chunks
(ru_maxrss from ``resource.getrusage``, reported with each chunk), the time
taken, and the verdict. With ``--workers 1`` everything runs in this process, so
``/usr/bin/time -v python bench/bench_memory.py --workers 1`` measures it from outside.
"""

from __future__ import annotations

import argparse
import resource
import time

from identities import builtin
from identities.sweep.runner import sweep


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--points", type=int, default=10_000_000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--identity", default="exp_sum")
    p.add_argument("--backend", default="float64")
    args = p.parse_args()
    started = time.perf_counter()
    r = sweep(builtin()[args.identity], args.backend, points=args.points, workers=args.workers)
    elapsed = time.perf_counter() - started
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = r.profile.peak_rss_mib  # reported by the processes that ran chunks (forkserver workers are not our children)
    print(
        f"{args.identity} [{args.backend}] {r.examples:,} points, workers={args.workers}: {r.verdict}, "
        f"max {r.max_error.ulps:.3g} ulp, {elapsed:.1f} s ({r.examples / elapsed:,.0f} points/s)"
    )
    print(f"peak RSS: this process {me:.0f} MiB, largest worker {kids:.0f} MiB (limit 1024 MiB)")
    print(f"time by stage (summed over chunks): { ({k: round(v, 1) for k, v in r.profile.seconds.items()}) }")


if __name__ == "__main__":
    main()
