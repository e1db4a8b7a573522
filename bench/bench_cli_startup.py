"""What a terminal library would cost the command line's start-up (run by hand).

Measures, as the median wall time of fresh processes (interleaved rounds, so that load drifts hit every
variant alike):

- ``import identities`` and ``identities list docs/examples/quickstart.toml`` (the CLI's start-up and a
  small command), as they are;
- the same interpreter importing what the CLI would need of rich (``rich.console``, ``rich.table``,
  ``rich.progress``) or of tqdm (``tqdm``), on top of ``import identities``.

    python bench/bench_cli_startup.py [--rounds 30] [--python PATH]

``--python`` is an interpreter where rich and tqdm are installed besides identities' own dependencies (they
are not dependencies of identities: a variant whose module is missing is reported as such). The issue's bar:
adopt a library only if ``import identities`` stays light and the CLI's start-up grows by under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


LIBRARIES = {"rich (console, table, progress)": "rich.console, rich.table, rich.progress", "tqdm": "tqdm"}


def variants(python: str, libraries: str) -> dict[str, list[str]]:
    quickstart = str(ROOT / "docs" / "examples" / "quickstart.toml")
    out = {
        "python -c pass": [python, "-c", "pass"],
        "import identities": [python, "-c", "import identities"],
        "identities list quickstart.toml": [python, "-m", "identities", "list", quickstart],
    }
    for name, modules in LIBRARIES.items():
        out[f"import identities + {name}"] = [libraries, "-c", f"import identities, {modules}"]
    return out


def import_ms(python: str, modules: str) -> float | None:
    """The import time Python reports (-X importtime, cumulative) for what ``import {modules}`` loads: the sum
    over the modules imported at the top level (their dependencies are inside their cumulative time), less
    those the interpreter imports at start-up anyway."""

    def top_level(code: str) -> dict[str, int] | None:
        done = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True, text=True)
        if done.returncode:
            return None
        out = {}
        for line in done.stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
                out[parts[2].strip()] = int(parts[1])
        return out

    startup, imported = top_level("pass"), top_level(f"import {modules}")
    if startup is None or imported is None:
        return None
    return sum(us for name, us in imported.items() if name not in startup) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--python", default=sys.executable, help="an interpreter with rich and tqdm (and identities' deps)")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cases = variants(sys.executable, args.python)
    times: dict[str, list[float]] = {name: [] for name in cases}
    missing: set[str] = set()
    for _ in range(args.rounds):
        for name, cmd in cases.items():
            if name in missing:
                continue
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True)
            elapsed = time.perf_counter() - start
            if done.returncode:
                missing.add(name)
                continue
            times[name].append(elapsed)
    base = statistics.median(times["import identities"])
    print(f"{args.rounds} rounds, load {os.getloadavg()[0]:.1f}; median wall time of a fresh process")
    for name, ts in times.items():
        if name in missing:
            print(f"  {name:<55} (not installed)")
            continue
        med = statistics.median(ts)
        print(f"  {name:<55} {1000 * med:7.1f} ms   ({1000 * (med - base):+6.1f} ms vs import identities)")
    for name, modules in {"identities": "identities", **LIBRARIES}.items():
        runs = [import_ms(args.python, modules) for _ in range(5)]
        ms = None if None in runs else statistics.median(r for r in runs if r is not None)
        print(f"  -X importtime of {name} (median of 5): " + ("not installed" if ms is None else f"{ms:.1f} ms"))


if __name__ == "__main__":
    main()
