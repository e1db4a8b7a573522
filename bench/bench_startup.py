"""pytest's start-up on an empty test directory, with and without the identities plugin.

The plugin is loaded in every pytest run of every project that has
``identities`` installed, so it must cost (almost) nothing there. Each round
runs ``python -m pytest -q -p no:cacheprovider EMPTY`` twice in random order:
once as installed (the ``pytest11`` entry point loads ``identities.pytest_plugin``)
and once with ``-p no:identities``, which blocks the entry point (pytest then
never imports the module, exactly as if the plugin were not installed).
Reported: the median and minimum wall time of each, and the overhead of the
plugin as a percentage of the run without it (target: under 10%).

    python bench/bench_startup.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("numpy", "hypothesis", "mpmath", "flint")


# as installed packages run: with bytecode caches (pip compiles them; PYTHONDONTWRITEBYTECODE would make
# every run compile the plugin's source again)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - started
    if proc.returncode != 5:  # 5: no tests collected, as expected in an empty directory
        raise SystemExit(f"unexpected exit status {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def heavy_modules(cwd: Path) -> list[str]:
    """The heavy modules a pytest run with the plugin imports (should be none of ours)."""
    code = ("import sys, pytest; pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:hypothesispytest', '.']); "
            f"print(sorted(set({HEAVY!r}) & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=ENV).stdout
    return out.strip().splitlines()[-1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "pytest.ini").write_text("[pytest]\n")  # the empty directory is its own rootdir
        variants = {"with plugin": base + ["."], "without plugin": base + ["-p", "no:identities", "."]}
        times: dict[str, list[float]] = {k: [] for k in variants}
        for v in variants.values():  # warm the file system and the bytecode caches
            run(v, cwd)
        for _ in range(args.rounds):
            order = list(variants)
            random.shuffle(order)
            for k in order:
                times[k].append(run(variants[k], cwd))
        print(f"pytest start-up on an empty directory, {args.rounds} rounds each (wall time, seconds)")
        for k, ts in times.items():
            print(f"  {k:<15} median {statistics.median(ts):.4f}  min {min(ts):.4f}")
        with_, without = times["with plugin"], times["without plugin"]
        med = statistics.median(with_) / statistics.median(without) - 1
        best = min(with_) / min(without) - 1
        print(f"  plugin overhead: {100 * med:+.1f}% (medians), {100 * best:+.1f}% (minima); target < 10%")
        heavy = heavy_modules(cwd)
        print(f"  heavy modules imported by a run with the plugin (hypothesis' own plugin blocked): "
              f"{heavy[0] if heavy else '?'}")


if __name__ == "__main__":
    main()
