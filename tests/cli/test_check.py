import json
import subprocess
import sys

import pytest

from identities.cli import main
from tests.conftest import ACCEPTANCE

CASES = ACCEPTANCE / "cases.toml"


def run(*args):
    return subprocess.run([sys.executable, "-m", "identities", *args], capture_output=True, text=True, timeout=600)


def test_check_writes_the_json_schema(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        [
            "check",
            str(CASES),
            "--backend",
            "float64,mpmath",
            "--examples",
            "40",
            "--json",
            str(out),
            "--select",
            "sqrt_of_square_false",
            "--select",
            "pythagorean_trig",
            "--no-database",
        ]
    )
    assert code == 1  # sqrt_of_square_false is refuted, expected holds
    doc = json.loads(out.read_text())
    assert doc["schema"] == "identities-report/1" and doc["seed"] == 0 and doc["examples"] == 40
    assert doc["backends"] == ["float64", "mpmath"]
    assert doc["summary"] == {"total": 4, "as_expected": 2, "unexpected": 2, "verdicts": {"holds": 2, "refuted": 2}}
    rows = {(r["identity"], r["backend"]): r for r in doc["results"]}
    refuted = rows[("sqrt_of_square_false", "float64")]
    assert refuted["verdict"] == "refuted" and refuted["expected"] == "holds"
    assert set(refuted) >= {
        "identity",
        "backend",
        "verdict",
        "expected",
        "examples",
        "tolerance",
        "exact_rate",
        "max_error",
        "needed_tolerance",
        "counterexample",
    }
    assert refuted["counterexample"]["inputs"] == {"x": -1.0}
    assert refuted["counterexample"]["truth"] == {"lhs": 1.0, "rhs": -1.0}
    assert "counterexample" not in rows[("pythagorean_trig", "float64")]
    assert rows[("pythagorean_trig", "mpmath")]["tolerance"] is None
    text = capsys.readouterr().out
    assert "UNEXPECTED (expected holds)" in text and "minimal counterexample: x=-1.0" in text


def test_exit_zero_when_all_as_expected(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(
        '[[identity]]\nname = "sq"\nlhs = "sqrt(x**2)"\nrhs = "x"\nvars = { x = "real[-4, 4]" }\n'
        'expect = { float64 = "refuted", mpmath = "refuted" }\n'
    )
    assert main(["check", str(f), "--backend", "float64,mpmath", "--examples", "20", "--no-database"]) == 0


def test_bad_files_exit_2_with_located_message():
    for path in sorted((ACCEPTANCE / "bad").glob("*.toml")):
        r = run("check", str(path))
        assert r.returncode == 2, path
        assert path.name in r.stderr and "Traceback" not in r.stderr
        assert r.stderr.startswith("identities: error: ")


def test_usage_errors_exit_2(capsys):
    assert main(["check", "--backend", "float80"]) == 2
    assert "unknown backend 'float80'" in capsys.readouterr().err
    assert main(["check", "--select", "no_such_identity_*"]) == 2
    assert "matches none" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_broken_pipe_is_quiet(tmp_path):
    many = tmp_path / "many.toml"  # enough output to fill the pipe after the reader has gone
    many.write_text(
        "".join(
            f'[[identity]]\nname = "i{i}"\nlhs = "x + {i}"\nrhs = "{i} + x"\nvars = {{ x = "real" }}\n'
            for i in range(3000)
        )
    )
    r = subprocess.run(
        f"{sys.executable} -m identities list {many} | head -1", shell=True, capture_output=True, text=True, timeout=120
    )
    assert r.stdout.count("\n") == 1 and "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr


def test_list(capsys):
    assert main(["list", "--select", "notebook_log2_*"]) == 0
    out = capsys.readouterr().out
    assert "notebook_log2_product" in out and "log(8*2, 2) == log(2, 2) + log(8, 2)" in out
    assert out.strip().endswith("4 identities")


def test_list_shows_one_expectation_for_every_backend(tmp_path, capsys):
    f = tmp_path / "point.toml"
    f.write_text(
        '[[identity]]\nname = "binomial_point"\nlhs = "3*.6**2*.4"\nrhs = "0.432"\ntolerance = "0 ulp"\n'
        'expect = "precision_failure"\n'
    )
    assert main(["list", str(f)]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("[(a point identity)]  expect precision_failure")
    # float64 rounds 3*.6**2*.4 to 0.43200000000000005, one ulp off; float32 happens to round to 0.432 exactly
    assert main(["check", str(f), "--backend", "float64,mpmath"]) == 0
    assert main(["check", str(f), "--backend", "float32"]) == 1


def test_a_file_without_identities_and_an_example_outside_its_domain_are_errors(tmp_path, capsys):
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n")
    assert main(["check", str(empty)]) == 2
    assert f"{empty}: no identities" in capsys.readouterr().err
    outside = tmp_path / "outside.toml"
    outside.write_text(
        '[[identity]]\nname = "a"\nlhs = "x"\nrhs = "x"\nvars = { x = "real[0, 1]" }\nexamples = [{ x = 5 }]\n'
    )
    assert main(["check", str(outside)]) == 2
    assert (
        f"{outside}:6: identity 'a': example {{'x': 5.0}} is outside the declared domains (x: real[0, 1])"
        in capsys.readouterr().err
    )
