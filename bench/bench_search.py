"""How often a failure is found: hard cases at 20 seeds, at 50 and 200 examples, with and without the screen;
and the time of ``identities check`` on the library with and without it (run by hand).

    PYTHONPATH=. python bench/bench_search.py [--seeds 20] [--cases NAME,...] [--no-library]

Targets (issue 11): every case found at 20 seeds of 20 at 200 examples; the library check with the screen
at most 1.2x the time without it. A case is *found* when its verdict is the failure it has (each is checked
here against exact rationals or the oracle by the engine itself: a precision_failure is a point where the
backend's sides differ by more than the tolerance and the identity holds exactly).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from identities import identity, verify

CASES = {
    # (a + b) + c == a + (b + c) on [-1, 1]^3: fails where the sums round differently, rare among bit patterns
    "associativity": (
        identity("associativity", "(a + b) + c", "a + (b + c)", vars={v: "real[-1, 1]" for v in "abc"}),
        "float64",
        "precision_failure",
    ),
    "distributivity": (
        identity("distributivity", "a*(b + c)", "a*b + a*c", vars={v: "real[-1, 1]" for v in "abc"}),
        "float64",
        "precision_failure",
    ),
    # exp(x + y) == exp(x)*exp(y): needs both x and y of moderate size at once
    "exp_sum": (
        identity("exp_sum", "exp(x + y)", "exp(x)*exp(y)", vars={"x": "real[-10, 10]", "y": "real[-10, 10]"}),
        "float64",
        "precision_failure",
    ),
    # log(x**n) == n*log(x) near 1: x**n rounds, and log near 1 amplifies it
    "log_power_near_1": (
        identity("log_power_near_1", "log(x**n)", "n*log(x)", vars={"x": "real[0.9, 1.1]", "n": "integer[2, 9]"}),
        "float64",
        "precision_failure",
    ),
    # a float32 identity that fails only within 1e-3 of the bound +1: x*x - 1 cancels there, and its rounding
    # error is amplified by 1/(x - 1) (measured on 4 million points: at most 483 ulp for 1 - x in [5e-4, 1e-3],
    # 244 in [1e-3, 2e-3], 125 in [2e-3, 1e-2])
    "float32_near_bound_1": (
        identity(
            "float32_near_bound_1",
            "(x*x - 1)/(x - 1)",
            "x + 1",
            vars={"x": "real[0, 1]"},
            assume=["x != 1"],
            tolerance={"float32": "256 ulp"},
        ),
        "float32",
        "precision_failure",
    ),
    # sqrt(x*x + y*y) == hypot(x, y): overflow and underflow only at the ends of the exponent range
    "hypot_naive": (
        identity("hypot_naive", "sqrt(x*x + y*y)", "hypot(x, y)", vars={"x": "positive", "y": "positive"}),
        "float64",
        "precision_failure",
    ),
    # (x - 1)/(x**2 - 1) == 1/(x + 1) on [-2, 2], x != +-1: cancellation only near +-1
    "quotient_near_1": (
        identity(
            "quotient_near_1",
            "(x - 1)/(x**2 - 1)",
            "1/(x + 1)",
            vars={"x": "real[-2, 2]"},
            assume=["x != 1", "x != -1"],
        ),
        "float32",
        "precision_failure",
    ),
}


def found_rate(name: str, examples: int, screen: int, seeds: int) -> tuple[int, float]:
    ident, backend, kind = CASES[name]
    hits = 0
    started = time.perf_counter()
    for seed in range(seeds):
        r = verify(ident, backend, examples=examples, seed=seed, screen=screen, bound_seconds=0)
        hits += r.verdict == kind
    return hits, (time.perf_counter() - started) / seeds


def library_seconds(screen: int) -> float:
    """CPU seconds (user + sys of the child) of ``identities check`` on the library."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    before = os.times()
    subprocess.run(
        [sys.executable, "-m", "identities", "check", "--no-database", "--screen", str(screen)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--no-library", action="store_true")
    p.add_argument("--screen", type=int, default=None, help="the screen's points (default: the engine's)")
    args = p.parse_args()
    from identities.check.screen import DEFAULT_SCREEN

    on = args.screen if args.screen is not None else DEFAULT_SCREEN
    print(f"found at N of {args.seeds} seeds (mean seconds per verify), screen={on} points vs none")
    heads = ("50 ex, none", "50 ex, screen", "200 ex, none", "200 ex, screen")
    print(f"{'case':<22} {'backend':<8} " + " ".join(f"{h:>16}" for h in heads))
    for name in args.cases.split(","):
        cells = []
        for examples in (50, 200):
            for screen in (0, on):
                hits, secs = found_rate(name, examples, screen, args.seeds)
                cells.append(f"{hits:>2}/{args.seeds} ({secs:.2f}s)")
        print(f"{name:<22} {CASES[name][1]:<8} " + " ".join(f"{c:>16}" for c in cells), flush=True)
    if not args.no_library:
        # one run each, alternating twice, on a machine that may be shared: the ratio of the sums
        runs = {0: [], on: []}
        for screen in (0, on, on, 0):
            runs[screen].append(library_seconds(screen))
        off_s, on_s = sum(runs[0]), sum(runs[on])
        print(
            f"library check, CPU seconds: without the screen {runs[0]}, with it {runs[on]}; "
            f"ratio {on_s / off_s:.2f}x (target <= 1.2x)"
        )


if __name__ == "__main__":
    main()
