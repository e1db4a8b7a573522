"""``identities report`` and ``identities explain``: output, usage errors (exit 2), interruption (exit 130)."""

import json
import math

import pytest

import identities.check.engine
from identities.cli import main

TOML = """
[[identity]]
name = "exp_minus_1"
lhs = "exp(x) - 1"
rhs = "expm1(x)"
vars = { x = "real[-1e-3, 1e-3]" }
expect = { float64 = "precision_failure" }

[[identity]]
name = "squares"
lhs = "x*x"
rhs = "x**2"
vars = { x = "real[-4, 4]" }

[[identity]]
name = "third"
lhs = "x/3"
rhs = "x*(1/3)"
vars = { x = "real[1, 2]" }
tolerance = { float64 = "2 ulp" }
"""


@pytest.fixture
def ids(tmp_path):
    f = tmp_path / "ids.toml"
    f.write_text(TOML)
    return str(f)


def test_report_writes_json_and_exits_by_expectation(tmp_path, ids, capsys):
    out = tmp_path / "r.json"
    code = main(["report", ids, "--no-database", "--backend", "float64", "--examples", "15", "--output", str(out)])
    assert code == 0  # exp_minus_1 fails as expected, the others hold
    doc = json.loads(out.read_text())
    assert [r["identity"] for r in doc["results"]] == ["exp_minus_1", "squares", "third"]
    assert doc["summary"]["as_expected"] == 3 and "incomplete" not in doc
    printed = capsys.readouterr().out
    assert "[1/3] exp_minus_1 float64: precision_failure" in printed and f"report in {out}" in printed


def test_report_baseline_diff_in_the_document(tmp_path, ids):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run = ["report", ids, "--no-database", "--backend", "float64", "--examples", "10", "--output"]
    assert main([*run, str(first)]) == 0
    doc = json.loads(first.read_text())
    doc["results"][1]["verdict"] = "precision_failure"  # pretend squares used to fail
    doc["results"] = doc["results"][:2] + [dict(doc["results"][2], identity="old_one")]
    first.write_text(json.dumps(doc))
    main([*run, str(second), "--baseline", str(first)])
    diff = json.loads(second.read_text())["report"]["baseline"]
    assert [c["identity"] for c in diff["newly_holding"]] == ["squares"]
    assert [c["identity"] for c in diff["added"]] == ["third"] and [c["identity"] for c in diff["removed"]] == [
        "old_one"
    ]
    assert diff["newly_failing"] == [] and diff["source"] == str(first)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--output", "r.txt"], "unknown suffix '.txt'"),
        (["--output", "r.html", "--backend", "float80"], "unknown backend 'float80'"),
        (["--output", "r.html", "--examples", "0"], "--examples must be at least 1"),
        (["--output", "r.html", "--baseline", "nowhere.json"], "--baseline 'nowhere.json': cannot read it"),
        (["--output", "r.html", "--select", "nothing_*"], "--select nothing_* matches none"),
    ],
)
def test_report_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("identities: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_interrupted_report_keeps_the_finished_results(tmp_path, ids, monkeypatch, capsys):
    real = identities.check.engine.verify
    calls = []

    def interrupting(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(identities.check.engine, "verify", interrupting)
    out = tmp_path / "r.json"
    run = ["report", ids, "--no-database", "--backend", "float64", "--examples", "10", "--output"]
    assert main([*run, str(out)]) == 130
    doc = json.loads(out.read_text())
    assert doc["incomplete"] is True and [r["identity"] for r in doc["results"]] == ["exp_minus_1", "squares"]
    assert "writing the 2 results finished so far" in capsys.readouterr().err
    html = tmp_path / "r.html"
    calls.clear()
    assert main([*run, str(html)]) == 130
    assert "<b>Incomplete:</b>" in html.read_text()


def test_explain_tells_where_the_bits_went(capsys):
    assert main(["explain", "expm1_near_zero", "--at", "x=1e-10"]) == 0
    out = capsys.readouterr().out
    assert "expm1_near_zero: expm1(x) = exp(x) − 1" in out and "at x=1e-10 in float64" in out
    assert "rhs = 1.000000082740371e-10" in out  # exp(1e-10) - 1 in doubles
    assert "cause: cancellation: `exp(x) - 1` cancels" in out
    assert "exp(x) - 1" in out.split("subexpression")[-1]  # the node table of the right side


def test_explain_prints_the_notebook_table(tmp_path, capsys):
    plot = tmp_path / "h.png"
    assert main(["explain", "notebook_derivative_polynomial", "--at", "x=1", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    row = next(line for line in lines if line.strip().startswith("1e-01"))
    assert "2.3000000000000043" in row and "3.0e-01" in row  # the notebook's 2.30000
    assert "best forward step: h = 1e-08" in out and "eps^(1/2)" in out and "eps^(1/3)" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_explain_defaults_to_the_first_example_and_takes_files(ids, capsys):
    assert main(["explain", "exp_sum", "--backend", "float32", "--at", "x=0.2", "--at", "y=8"]) == 0
    assert "at x=0.2, y=8.0 in float32" in capsys.readouterr().out
    assert main(["explain", "notebook_binomial_point"]) == 0  # a point identity needs no --at
    assert main(["explain", "third", ids, "--at", "x=1.5"]) == 0
    assert "third: x/3 = x·(1/3)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["explain", "exp_summ", "--at", "x=1,y=2"], "no identity named 'exp_summ' in the built-in library"),
        (["explain", "exp_summ", "--at", "x=1,y=2"], "did you mean 'exp_sum'"),
        (["explain", "exp_sum", "--at", "x1"], "--at 'x1': expected VAR=VALUE"),
        (["explain", "exp_sum", "--at", "x=1,z=2"], "has no variable 'z' (its variables: x, y)"),
        (["explain", "exp_sum", "--at", "x=1"], "missing y"),
        (["explain", "exp_sum", "--at", "x=one,y=2"], "'one' is not a number"),
        (["explain", "exp_sum", "--at", "x=1,x=2,y=3"], "gives 'x' twice"),
        (["explain", "binomial_mean", "--at", "n=2.5,p=0.5"], "this variable is an integer"),
        (["explain", "exp_sum", "--at", "x=1,y=2", "--backend", "mpmath"], "--backend must be one of float64"),
        (["explain", "pythagorean_trig"], "give the input, e.g. --at x=..."),
        (["explain", "exp_sum", "--at", "x=1,y=2", "--plot", "h.png"], "has no diff(...)"),
        (["explain", "derivative_sin", "--at", "x=1", "--plot", "h.svg"], "give a path ending in .png"),
    ],
)
def test_explain_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("identities: error: ") and message in err, err


def test_report_verdicts_are_checks_verdicts(tmp_path):
    """Same seed, same draws: the report's results are the ones ``check --json`` writes, though ``report``
    imports more of the package (hypothesis would draw from their literals, were the engine not isolating it)."""
    import subprocess
    import sys

    a, b = tmp_path / "check.json", tmp_path / "report.json"
    common = [
        "--no-database",
        "--select",
        "log_*",
        "--select",
        "exp_sum",
        "--backend",
        "float64,float32",
        "--examples",
        "30",
    ]
    for cmd, out in (("check", ["--json", str(a)]), ("report", ["--output", str(b)])):
        r = subprocess.run(
            [sys.executable, "-m", "identities", cmd, *common, *out], capture_output=True, text=True, timeout=600
        )
        assert r.returncode in (0, 1), r.stderr
    checked, reported = json.loads(a.read_text()), json.loads(b.read_text())
    for row in reported["results"]:
        del row["analysis"]
    assert len(checked["results"]) == 16  # 7 log_* identities and exp_sum, in two backends
    assert reported["results"] == checked["results"] and reported["summary"] == checked["summary"]


ACCURACY = """
[[accuracy]]
name = "expm1_naive"
expr = "exp(x) - 1"
vars = { x = "real[-1e-3, 1e-3]" }
expect = { float64 = "precision_failure" }

[[identity]]
name = "expm1_good"
lhs = "expm1(x)"
vars = { x = "real[-1e-3, 1e-3]" }
"""


def test_one_sided_checks_through_list_check_report_and_explain(tmp_path, capsys):
    import jsonschema

    from identities.report.document import SCHEMA_PATH

    f = tmp_path / "acc.toml"
    f.write_text(ACCURACY)
    assert main(["list", str(f)]) == 0
    out = capsys.readouterr().out
    assert "expm1_naive  exp(x) - 1   [x: real[-1e-3, 1e-3]]  (accuracy)  expect float64=precision_failure" in out
    assert "expm1_good   expm1(x)   [x: real[-1e-3, 1e-3]]  (accuracy)" in out
    out_json = tmp_path / "check.json"
    args = [str(f), "--backend", "float64,mpmath", "--examples", "40"]
    assert main(["check", *args, "--json", str(out_json)]) == 0
    doc = json.loads(out_json.read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(doc, schema)
    verdicts = [(r["identity"], r["backend"], r["verdict"], r.get("one_sided")) for r in doc["results"]]
    assert verdicts == [
        ("expm1_naive", "float64", "precision_failure", True),
        ("expm1_naive", "mpmath", "holds", True),
        ("expm1_good", "float64", "holds", True),
        ("expm1_good", "mpmath", "holds", True),
    ]
    c = doc["results"][0]["counterexample"]
    x = c["inputs"]["x"]
    assert c["lhs"] == math.exp(x) - 1 and c["rhs"] == c["truth"]["lhs"] == math.expm1(x)  # expm1 is exact enough
    for suffix in ("html", "md", "json"):
        report = tmp_path / f"r.{suffix}"
        assert main(["report", *args, "-o", str(report)]) == 0
        text = report.read_text()
        assert "expm1_naive" in text and "exp(x) - 1" in text
        if suffix == "md":
            assert "`accuracy of exp(x) - 1`" in text
        if suffix == "json":
            jsonschema.validate(json.loads(text), schema)
    capsys.readouterr()
    assert main(["explain", "expm1_naive", str(f), "--at", "x=1e-10"]) == 0
    out = capsys.readouterr().out
    assert "  accuracy of exp(x) - 1\n" in out and "true value = 1.0000000000500000364e-10" in out
    assert "    rhs" not in out and "rhs:" not in out


def test_report_and_explain_in_bfloat16(tmp_path, capsys):
    pytest.importorskip("ml_dtypes")
    out = tmp_path / "r.md"
    argv = ["report", "--backend", "bfloat16", "--select", "log_product", "--examples", "60", "-o", str(out)]
    assert main(argv) == 0  # log_product's precision_failure is declared for bfloat16
    doc = out.read_text()
    assert "| bfloat16 | 1 | 1 |" in doc and "Fails in bfloat16" in doc
    assert "--backend bfloat16" in doc  # the reproduce commands name the format
    capsys.readouterr()
    # 9e-41 is the shortest decimal of bfloat16's smallest subnormal; x*y = 2**-134 is a tie, rounded to 0
    assert main(["explain", "log_product", "--at", "x=0.5,y=9e-41", "--backend", "bfloat16"]) == 0
    text = capsys.readouterr().out
    assert "note: y rounded to the nearest bfloat16" in text
    assert "lhs = -inf" in text and "rhs = -92.5" in text
