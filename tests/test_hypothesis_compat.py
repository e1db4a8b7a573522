"""Same seed, same draws: hypothesis' local-constants pool must not leak into identities' runs."""

import json
import subprocess
import sys

from identities import _hypothesis_compat

SCRIPT = """
import contextlib, json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "import":
    import user_code_with_constants  # local code full of literals, which hypothesis mines for constants
from identities import engine
from identities.registry import identity
if sys.argv[3] == "raw":
    engine.isolated = contextlib.nullcontext
ident = identity("log_product", "log(x*y)", "log(x) + log(y)", vars={"x": "real[0.5, 2]", "y": "real[0.5, 2]"})
print(json.dumps(engine.verify(ident, "float64", examples=150, seed=1).to_json()))
"""


def test_draws_do_not_depend_on_imported_local_modules(tmp_path):
    assert _hypothesis_compat.available()
    floats = ", ".join(f"{0.5 + k / 977:.17g}" for k in range(300))
    ints = ", ".join(str(k) for k in range(256))
    # byte strings of the sizes identities' float sampler draws (1, 7 and 9 bytes)
    blobs = ", ".join(repr(bytes([k * j % 256 for j in range(1, n + 1)])) for k in range(100) for n in (1, 7, 9))
    (tmp_path / "user_code_with_constants.py").write_text(f"F = [{floats}]\nI = [{ints}]\nB = [{blobs}]\n")

    def run(imported: str, mode: str) -> dict:
        out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), imported, mode], capture_output=True,
                             text=True, timeout=300, check=True)
        return json.loads(out.stdout)

    plain = run("no", "isolated")
    assert run("import", "isolated") == plain
    # the test can tell: without the isolation, the same seed draws differently once that module is loaded
    assert run("import", "raw") != plain
