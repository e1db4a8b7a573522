"""Does gmpy2 speed up the mpmath backend here? mpmath uses gmpy2 when it is installed;
``MPMATH_NOGMPY=1`` turns that off. Each measurement runs in a fresh interpreter, with and without.

    pip install gmpy2 && python bench/bench_gmpy2.py [--examples 300] [--points 5000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = r"""
import sys, time
import mpmath
from identities import builtin, verify
from identities.backends import get_backend
import numpy as np
examples, points = int(sys.argv[1]), int(sys.argv[2])
lib = builtin()
be = get_backend("mpmath")
rows = []
for name in ("log_product_moderate", "exp_sum", "binomial_pmf_total"):
    ident = lib[name]
    verify(ident, "mpmath", examples=10)
    t = time.perf_counter(); verify(ident, "mpmath", examples=examples); v = time.perf_counter() - t
    lhs, rhs = be.compile(ident.lhs), be.compile(ident.rhs)
    rng = np.random.default_rng(0)
    env = [{n: (int(rng.integers(1, 40)) if d.is_integer else float(rng.uniform(0.01, 0.99)))
            for n, d in ident.variables} for _ in range(points)]
    t = time.perf_counter()
    for e in env:
        c = {k: be.convert_input(x) for k, x in e.items()}
        lhs(c); rhs(c)
    p = time.perf_counter() - t
    rows.append(f"{name}: verify({examples}) {v:.3f} s; evaluation {points / p:,.0f} points/s")
print(mpmath.libmp.BACKEND, "|", " ; ".join(rows))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=300)
    ap.add_argument("--points", type=int, default=5000)
    args = ap.parse_args()
    for label, extra in (("without gmpy2 (MPMATH_NOGMPY=1)", {"MPMATH_NOGMPY": "1"}), ("with gmpy2 if installed", {})):
        env = dict(os.environ, **extra)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.examples), str(args.points)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"{label}: {out}")


if __name__ == "__main__":
    main()
