"""pytest's start-up on an empty test directory, with and without the identities plugin.

The plugin is loaded in every pytest run of every project that has
``identities`` installed, so it must cost (almost) nothing there. Each round
runs ``python -m pytest -q -p no:cacheprovider EMPTY`` twice in random order:
once as installed (the ``pytest11`` entry point loads ``identities.pytest_plugin``)
and once with ``-p no:identities``, which blocks the entry point (pytest then
never imports the module, exactly as if the plugin were not installed).
Reported: the median and minimum CPU time (user + system) and wall time of
each, and the plugin's overhead as a percentage of the run without it (target:
under 10%). CPU time is the figure to trust on a shared machine: wall time
moves by more than the plugin costs whenever another job runs.

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


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one pytest process; CPU time (user + system, from wait4) is what the plugin
    costs, and unlike wall time it barely moves when other jobs share the machine."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 5:  # 5: no tests collected, as expected in an empty directory
        raise SystemExit(f"unexpected exit status {proc.returncode}:\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime


def heavy_modules(cwd: Path) -> str:
    """The heavy modules a pytest run with the plugin imports (should be none)."""
    code = (
        "import sys, pytest; code = pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:hypothesispytest', "
        "'.']); assert code == 5 and 'identities.pytest_plugin' in sys.modules, code; "
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=ENV)
    if out.returncode:
        raise SystemExit(f"the check failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


def import_cost(cwd: Path, rounds: int = 15) -> float:
    """Median microseconds of ``import identities.pytest_plugin`` after pytest (``-X importtime``): the part
    of the overhead that is the plugin's own, free of the noise of a whole pytest run."""
    costs = []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import pytest, identities.pytest_plugin"],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=ENV,
        ).stderr
        line = next(ln for ln in out.splitlines() if ln.rstrip().endswith("| identities.pytest_plugin"))
        costs.append(int(line.split("|")[1]))
    return statistics.median(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "pytest.ini").write_text("[pytest]\n")  # the empty directory is its own rootdir
        variants = {"with plugin": base + ["."], "without plugin": base + ["-p", "no:identities", "."]}
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
        for v in variants.values():  # warm the file system and the bytecode caches
            run(v, cwd)
        for _ in range(args.rounds):
            order = list(variants)
            random.shuffle(order)
            for k in order:
                times[k].append(run(variants[k], cwd))
        print(
            f"pytest start-up on an empty directory, {args.rounds} rounds each (seconds; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        for k, ts in times.items():
            wall, cpu = [t[0] for t in ts], [t[1] for t in ts]
            print(
                f"  {k:<15} wall median {statistics.median(wall):.4f} min {min(wall):.4f}   "
                f"cpu median {statistics.median(cpu):.4f} min {min(cpu):.4f}"
            )
        for i, what in ((1, "cpu"), (0, "wall")):
            with_ = [t[i] for t in times["with plugin"]]
            without = [t[i] for t in times["without plugin"]]
            med = statistics.median(with_) / statistics.median(without) - 1
            best = min(with_) / min(without) - 1
            print(
                f"  plugin overhead ({what} time): {100 * med:+.1f}% (medians), {100 * best:+.1f}% (minima); "
                f"target < 10%"
            )
        print(f"  import identities.pytest_plugin (after pytest): {import_cost(cwd) / 1000:.1f} ms (median)")
        print(
            f"  heavy modules imported by a run with the plugin (hypothesis' own plugin blocked): {heavy_modules(cwd)}"
        )


if __name__ == "__main__":
    main()
