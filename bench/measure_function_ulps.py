"""Measure the largest error, in ulps of the exact result, of numpy's float32 and float16 functions here.

The float32/float16 rows of the bound model (identities/bounds/model.py) rest on these figures: numpy's
scalar loops on this machine are what the float32 and float16 backends call, and no library documents
them. float16 unary functions are measured exhaustively (every finite float16 in the function's domain);
float32 ones and the two-argument functions on random inputs: uniform bit patterns over the domain plus
uniform values in [-4, 4] and near the ends of the domain. The exact value comes from python-flint's arb
at 128 bits; the ulp is that of the exact result (glibc's definition: ulp(y) = 2**(floor(log2|y|) + 1 - p),
the subnormal spacing below the normal range).

    PYTHONPATH=$PWD /work/main/.venv/bin/python bench/measure_function_ulps.py [--samples N] [--json PATH]
        [--only exp2,...]   (measure only these functions; with --json, update their rows in that file)
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from flint import arb, ctx

from identities.numbers.formats import float16, float32

UNARY = {
    "exp": (np.exp, arb.exp, (-100.0, 100.0)),
    "exp2": (np.exp2, lambda a: (a * arb(2).log()).exp(), (-150.0, 130.0)),
    "expm1": (np.expm1, arb.expm1, (-100.0, 100.0)),
    "log": (np.log, arb.log, (0.0, math.inf)),
    "log1p": (np.log1p, arb.log1p, (-1.0, math.inf)),
    "log2": (np.log2, lambda a: a.log() / arb(2).log(), (0.0, math.inf)),
    "log10": (np.log10, lambda a: a.log() / arb(10).log(), (0.0, math.inf)),
    "sin": (np.sin, arb.sin, (-1e4, 1e4)),
    "cos": (np.cos, arb.cos, (-1e4, 1e4)),
    "tan": (np.tan, arb.tan, (-1e4, 1e4)),
    "asin": (np.arcsin, arb.asin, (-1.0, 1.0)),
    "acos": (np.arccos, arb.acos, (-1.0, 1.0)),
    "atan": (np.arctan, arb.atan, (-math.inf, math.inf)),
    "sinh": (np.sinh, arb.sinh, (-90.0, 90.0)),
    "cosh": (np.cosh, arb.cosh, (-90.0, 90.0)),
    "tanh": (np.tanh, arb.tanh, (-math.inf, math.inf)),
    "asinh": (np.arcsinh, arb.asinh, (-math.inf, math.inf)),
    "acosh": (np.arccosh, arb.acosh, (1.0, math.inf)),
    "atanh": (np.arctanh, arb.atanh, (-1.0, 1.0)),
    "sqrt": (np.sqrt, arb.sqrt, (0.0, math.inf)),
    "cbrt": (np.cbrt, lambda a: a.root(3) if a >= 0 else -((-a).root(3)), (-math.inf, math.inf)),
}
BINARY = {
    "atan2": (np.arctan2, lambda y, x: arb.atan2(y, x), ((-1e4, 1e4), (-1e4, 1e4))),
    "hypot": (np.hypot, lambda x, y: (x * x + y * y).sqrt(), ((-1e4, 1e4), (-1e4, 1e4))),
    "pow": (np.power, lambda x, y: (y * x.log()).exp(), ((0.0, 100.0), (-8.0, 8.0))),
}


def ulp_error(computed: float, exact: arb, fmt) -> float:
    if not math.isfinite(computed):
        return math.inf
    y = abs(float(exact))
    if y == 0:
        return 0.0 if computed == 0 else math.inf
    e = max(math.frexp(y)[1] - 1, fmt.emin)
    ulp = 2.0 ** (e + 1 - fmt.precision)
    return float(abs(arb(computed) - exact).mid()) / ulp


def finite_in(fmt, dtype, lo: float, hi: float, limit: float) -> np.ndarray:
    bits = np.arange(2**fmt.width, dtype=np.uint64).astype({16: np.uint16, 32: np.uint32}[fmt.width])
    xs = bits.view(dtype).astype(np.float64)
    return xs[np.isfinite(xs) & (xs > lo) & (xs < hi) & (np.abs(xs) <= limit)]


def draws(rng, fmt, dtype, lo: float, hi: float, n: int) -> np.ndarray:
    top = float(fmt.max)
    lo_, hi_ = max(lo, -top), min(hi, top)
    u = rng.integers(0, 2 ** (fmt.width - 1), size=n, dtype=np.uint64).astype(np.uint32)
    mag = u.view(np.float32) if fmt.width == 32 else u.astype(np.uint16).view(np.float16)
    sign = rng.choice([-1.0, 1.0], size=n)
    xs = np.concatenate([sign * mag.astype(np.float64), rng.uniform(max(lo_, -4), min(hi_, 4), size=n)])
    for end in (lo_, hi_):
        if math.isfinite(end):
            xs = np.concatenate([xs, end + (end or 1) * rng.uniform(-1e-3, 1e-3, size=n // 4)])
    xs = xs.astype(dtype).astype(np.float64)
    return xs[np.isfinite(xs) & (xs > lo) & (xs < hi)]


def measure(samples: int, only: set[str] | None = None) -> dict:
    rng = np.random.default_rng(0)
    out: dict = {}
    with np.errstate(all="ignore"):
        for fmt, dtype in ((float32, np.float32), (float16, np.float16)):
            table: dict = {}
            for name, (fn, exact, (lo, hi)) in UNARY.items():
                if only is not None and name not in only:
                    continue
                xs = (
                    finite_in(fmt, dtype, lo, hi, 1e4 if name in ("sin", "cos", "tan") else math.inf)
                    if (fmt.width == 16)
                    else draws(rng, fmt, dtype, lo, hi, samples)
                )
                worst, at = 0.0, None
                for x in xs:
                    y = fn(dtype(x))
                    if not np.isfinite(y):
                        continue
                    err = ulp_error(float(y), exact(arb(float(x))), fmt)
                    if err > worst:
                        worst, at = err, float(x)
                table[name] = {
                    "max_ulps": round(worst, 4),
                    "at": at,
                    "inputs": int(len(xs)),
                    "exhaustive": fmt.width == 16,
                }
            for name, (fn, exact, ((a0, a1), (b0, b1))) in BINARY.items():
                if only is not None and name not in only:
                    continue
                xs = draws(rng, fmt, dtype, a0, a1, samples // 2)
                ys = draws(rng, fmt, dtype, b0, b1, samples // 2)
                n = min(len(xs), len(ys))
                worst, at = 0.0, None
                for x, y in zip(xs[:n], ys[:n]):
                    v = fn(dtype(x), dtype(y))
                    if not np.isfinite(v):
                        continue
                    err = ulp_error(float(v), exact(arb(float(x)), arb(float(y))), fmt)
                    if err > worst:
                        worst, at = err, (float(x), float(y))
                table[name] = {"max_ulps": round(worst, 4), "at": at, "inputs": int(n), "exhaustive": False}
            out[fmt.name] = table
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--json", default="")
    parser.add_argument("--only", default="", help="comma-separated functions to measure (default: all)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    ctx.prec = 128
    started = time.perf_counter()
    result = measure(args.samples, only)
    result["numpy"] = np.__version__
    result["samples"] = args.samples
    result["seconds"] = round(time.perf_counter() - started, 1)
    for fmt in ("float32", "float16"):
        print(fmt)
        for name, row in result[fmt].items():
            print(f"  {name:6} max {row['max_ulps']:8.4f} ulp over {row['inputs']:>7} inputs at {row['at']}")
    if args.json:
        if only is not None:  # update those rows of the existing file
            with open(args.json) as fh:
                old = json.load(fh)
            for fmt in ("float32", "float16"):
                old[fmt].update(result[fmt])
            result = old
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
