"""Resource limits, numerical edge cases, reproducibility, nothing lost (issue 7)."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from identities import IdentityFileError, builtin, identity, verify
from identities.backends import get_backend
from identities.cli import main
from identities.language.limits import MAX_INT_BITS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed_verify(*args, **kwargs):
    t = time.monotonic()
    r = verify(*args, **kwargs)
    return r, time.monotonic() - t


# -- resource limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lhs, needle",
    [
        ("9**9**9**9", "9**387420489 would have about"),
        ("factorial(10**6)", "factorial(1000000)"),
        ("comb(10**6, 5*10**5)", "comb(1000000, 500000)"),
        ("sum(k, k, 0, 10**9)", "sum over 1000000001 terms, over the limit of 100000"),
        ("2**(2**30)", "2**1073741824"),
    ],
)
def test_integer_and_sum_limits_are_error_verdicts(lhs, needle):
    r, seconds = timed_verify(identity("limit", lhs, "1"), "float64", examples=5)
    assert r.verdict == "error" and "LimitExceeded" in r.message and needle in r.message
    assert seconds < 5


def test_int_limit_is_bits_of_the_result():
    assert MAX_INT_BITS == 1 << 17
    r = verify(identity("ok", "comb(10**6, 2)", "499999500000"), "float64", examples=1)
    assert r.verdict == "holds"  # a huge n is fine when the result is small


def test_time_limit_per_example():
    slow = identity("slow", "sum(sum(j*k, j, 0, 99999), k, 0, 99999)", "1", vars={})
    r, seconds = timed_verify(slow, "float64", examples=5, example_seconds=0.5)
    assert r.verdict == "error" and "time limit per example (0.5 s)" in r.message
    assert seconds < 5


def test_time_limit_per_identity():
    ident = identity("sums", "sum(sin(k*x), k, 0, 2000)", "sum(sin(k*x), k, 0, 2000)", vars={"x": "real[0, 1]"})
    r, seconds = timed_verify(ident, "float64", examples=10_000, identity_seconds=1.0)
    assert r.verdict == "error" and re.search(r"time limit per identity \(1 s\) reached after \d+ examples", r.message)
    assert seconds < 6


def test_expression_size_limits_at_load():
    def balanced(n):
        return "x" if n == 1 else f"({balanced(n // 2)} + {balanced(n - n // 2)})"

    with pytest.raises(IdentityFileError, match=r"more than 2000 nodes in '\(\(\(.{60,}\.\.\.'"):
        identity("big", balanced(1500), "x", vars={"x": "real"})
    identity("long_sum", " + ".join(["x"] * 150), "150*x", vars={"x": "real"})  # 150 terms nest 150 deep: fine
    with pytest.raises(IdentityFileError, match="longer than 10000 characters"):
        identity("long", "x" + " " * 10_001, "x", vars={"x": "real"})
    with pytest.raises(IdentityFileError, match="nests deeper than 200 levels"):
        identity("deep", "-" * 210 + "x", "x", vars={"x": "real"})
    with pytest.raises(IdentityFileError, match="diff order must be"):
        identity("d9", "diff(x**9, x, 9)", "x", vars={"x": "real"})


def test_a_limit_does_not_stop_the_run(tmp_path, capsys):
    f = tmp_path / "two.toml"
    f.write_text(
        '[[identity]]\nname = "huge"\nlhs = "9**9**9**9"\nrhs = "1"\n\n'
        '[[identity]]\nname = "fine"\nlhs = "2*x"\nrhs = "x + x"\nvars = { x = "real" }\n'
    )
    out = tmp_path / "r.json"
    assert main(["check", str(f), "--backend", "float64", "--examples", "20", "--json", str(out), "--no-database"]) == 1
    rows = {r["identity"]: r for r in json.loads(out.read_text())["results"]}
    assert rows["huge"]["verdict"] == "error" and "over the limit" in rows["huge"]["message"]
    assert rows["fine"]["verdict"] == "holds"


# -- numerical edge cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lhs, rhs, vars, backend, message",
    [
        ("sqrt(x)", "sqrt(x)", {"x": "negative"}, "float64", "no admissible input found after 40 tries"),
        ("sqrt(-1 - x**2)", "log(-1 - x**2)", {"x": "real"}, "mpmath", "40 undefined on both sides"),
        ("x", "x", {"x": "real[1e5, 1e6]"}, "float16", "'real[1e5, 1e6]', has no float16 values"),
        ("x", "x", {"x": "real[0, 1]"}, "float64", "rejected by the domains or 'assume'"),
    ],
)
def test_no_vacuous_pass(lhs, rhs, vars, backend, message):
    kwargs = {"assume": ["x > 2"]} if "rejected" in message else {}
    r = verify(identity("edge", lhs, rhs, vars=vars, **kwargs), backend, examples=40)
    assert r.verdict == "error" and message in r.message


def test_infinite_bounds_subnormals_and_single_values():
    r = verify(identity("inf", "x*1", "x", vars={"x": "real[-inf, inf]"}), "float64", examples=50)
    assert r.verdict == "holds" and r.examples == 50
    r = verify(identity("sub", "x*2", "x + x", vars={"x": "real[5e-324, 1e-310]"}), "float64", examples=50)
    assert r.verdict == "holds" and r.max_error.ulps == 0
    r = verify(identity("one", "comb(n, 1)", "n", vars={"n": "integer[3, 3]"}), "float64", examples=50)
    assert r.verdict == "holds" and r.examples == 1
    with pytest.raises(IdentityFileError, match="is empty"):
        identity("huge_bound", "x", "x", vars={"x": "real[1e400, inf]"})


# -- reproducibility --------------------------------------------------------------------------------


def _check_json(tmp_path, name, *extra):
    out = tmp_path / name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "identities",
            "check",
            "--select",
            "log_*",
            "--select",
            "binomial_*",
            "--examples",
            "30",
            "--seed",
            "3",
            "--json",
            str(out),
            "--no-database",
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=600,
    )
    return out.read_bytes()


def test_same_seed_byte_identical_report(tmp_path):
    a, b = _check_json(tmp_path, "a.json"), _check_json(tmp_path, "b.json")
    strip = re.compile(rb'\n "timings": \{.*?\n \}', re.S)
    assert b'"timings"' in a
    assert strip.sub(b"", a) == strip.sub(b"", b)


def test_database_replays_counterexamples_first(tmp_path):
    ident = identity("pi4", "cos(2*x)", "1 - 2*sin(x)**2", vars={"x": "real[-1, 1]"})
    db = str(tmp_path / "db")
    # without the screen (which finds it), too few draws to find it
    assert verify(ident, "float64", examples=20, seed=4, screen=0).verdict == "holds"
    first = verify(ident, "float64", examples=1000, seed=1, database=db)
    assert first.verdict == "precision_failure"
    again = verify(ident, "float64", examples=20, seed=4, database=db, screen=0)
    assert again.verdict == "precision_failure" and again.counterexample.inputs == first.counterexample.inputs
    assert verify(ident, "float64", examples=20, seed=4, database=None, screen=0).verdict == "holds"


def test_cli_database_flags(tmp_path):
    f = tmp_path / "pi4.toml"
    f.write_text(
        '[[identity]]\nname = "pi4"\nlhs = "cos(2*x)"\nrhs = "1 - 2*sin(x)**2"\n'
        'vars = { x = "real[-1, 1]" }\nexpect = { float64 = "precision_failure" }\n'
    )
    run = lambda *a: subprocess.run(
        [
            sys.executable,
            "-m",
            "identities",
            "check",
            str(f),
            "--backend",
            "float64",  # noqa: E731
            *a,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run("--examples", "1000", "--seed", "1").returncode == 0
    assert (tmp_path / ".hypothesis" / "examples").is_dir()
    # without the screen (which finds it anyway), only the database finds it in 20 examples
    assert run("--examples", "20", "--seed", "4", "--screen", "0").returncode == 0  # replayed from the database
    assert run("--examples", "20", "--seed", "4", "--no-database", "--screen", "0").returncode == 1
    assert run("--examples", "20", "--seed", "4", "--no-database").returncode == 0


# -- nothing lost -----------------------------------------------------------------------------------


def test_engine_crash_is_an_error_row(monkeypatch):
    be = get_backend("float64")

    def boom(*args):
        raise RuntimeError("boom")

    monkeypatch.setitem(be.table, "erf", boom)
    r = verify(identity("crash", "erf(x)", "erf(x)", vars={"x": "real"}), "float64", examples=5)
    assert r.verdict == "error" and r.message.endswith("RuntimeError: boom")


def test_a_swallowed_ctrl_c_is_not_lost():
    # Python raises KeyboardInterrupt wherever it is; inside a gc callback it is only printed
    # ("Exception ignored in ..."), so the command remembers it and stops at the next result
    from identities.cli.common import Interrupts

    with Interrupts() as ctrl_c:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        except KeyboardInterrupt:
            pass  # swallowed, as the gc machinery does
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _interrupted(tmp_path, args, row, rows):
    """Run the command, send Ctrl-C after ``rows`` result rows matching ``row``; its JSON report."""
    out = tmp_path / "partial.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "identities", *args, "--json", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = 0
    for line in proc.stdout:  # wait for a few result rows, then interrupt
        seen += bool(re.match(row, line))
        if seen >= rows:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err, (proc.returncode, err[-2000:])
    doc = json.loads(out.read_text())
    assert doc["incomplete"] is True
    return doc


def test_ctrl_c_writes_what_finished(tmp_path):
    doc = _interrupted(
        tmp_path, ["check", "--examples", "200", "--no-database"], r"^\w+\s+(float64|float32|mpmath)\s", 4
    )
    assert 0 < len(doc["results"]) < 3 * len(builtin())


def test_ctrl_c_during_a_sweep_writes_what_finished(tmp_path):
    doc = _interrupted(
        tmp_path, ["sweep", "--points", "20000", "--workers", "1", "--backend", "float64"], r"^\w+\s+float64\s", 2
    )
    assert 2 <= len(doc["results"]) < len(builtin())
    assert all(r["backend"] == "float64" for r in doc["results"])
