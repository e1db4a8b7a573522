"""The pytest plugin, through pytester: collection, node ids, expect as strict xfail, failure text, header,
summary, JSON, xdist."""

import json
import subprocess
import sys
import types

import pytest

import identities.backends.floats  # noqa: F401
import identities.backends.mpmath_backend  # noqa: F401
import identities.pytest.items  # noqa: F401
from identities import pytest_plugin
from identities.check import engine
from identities.cli import main as cli_main

# pytester's in-process runs drop the modules they imported when they end; numpy cannot be imported twice
# in one process, so everything an identity run loads is loaded here first, outside those runs

pytest_plugins = ["pytester"]

SAMPLE = """\
[[identity]]
name = "double_is_sum"
lhs = "2*x"
rhs = "x + x"
vars = { x = "real" }
tags = ["arithmetic"]

[[identity]]
name = "sqrt_square"
lhs = "sqrt(x**2)"
rhs = "x"
vars = { x = "real[-4, 4]" }

[[identity]]
name = "log_product"
lhs = "log(x*y)"
rhs = "log(x) + log(y)"
vars = { x = "positive", y = "positive" }
expect = { float64 = "precision_failure" }

[[identity]]
name = "square_binomial"
lhs = "(n + 1)**2"
rhs = "n**2 + 2*n + 1"
vars = { n = "integer[-100, 100]" }
expect = { float64 = "precision_failure" }
"""
ARGS = (
    "-p",
    "no:cacheprovider",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
    "--identities-backend",
    "float64,mpmath",
    "--identities-examples",
    "30",
)
NAMES = ["double_is_sum", "sqrt_square", "log_product", "square_binomial"]


@pytest.fixture
def sample(pytester):
    pytester.makefile(".toml", identities_sample=SAMPLE)
    return pytester


def test_defaults_agree_with_the_engine():
    assert pytest_plugin.DEFAULT_BACKENDS == engine.DEFAULT_BACKENDS
    assert pytest_plugin.DEFAULT_EXAMPLES == engine.DEFAULT_EXAMPLES
    assert pytest_plugin.DEFAULT_SEED == engine.DEFAULT_SEED


def test_collects_both_name_patterns_with_node_ids(pytester):
    pytester.makefile(".toml", identities_sample=SAMPLE)
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "more.identities.toml").write_text(SAMPLE.split("\n\n")[0] + "\n")
    (pytester.path / "config.toml").write_text("[tool]\nx = 1\n")  # not an identity file: ignored
    result = pytester.runpytest(*ARGS, "--collect-only", "-q")
    ids = [ln for ln in result.outlines if "::" in ln]
    assert ids == [f"identities_sample.toml::{n}[{b}]" for n in NAMES for b in ("float64", "mpmath")] + [
        "sub/more.identities.toml::double_is_sum[float64]",
        "sub/more.identities.toml::double_is_sum[mpmath]",
    ]


def test_reportinfo_gives_the_file_and_line(sample):
    items, _ = sample.inline_genitems(*ARGS)
    by_name = {item.name: item for item in items}
    path, line, name = by_name["log_product[mpmath]"].reportinfo()
    assert path == sample.path / "identities_sample.toml"
    assert SAMPLE.splitlines()[line] == "[[identity]]" and SAMPLE.splitlines()[line + 1] == 'name = "log_product"'
    assert name == "log_product[mpmath]"
    assert by_name["double_is_sum[float64]"].location == ("identities_sample.toml", 0, "double_is_sum[float64]")


def test_expect_is_a_strict_xfail_and_failures_say_what_an_analyst_needs(sample):
    out_json = sample.path / "r.json"
    result = sample.runpytest(*ARGS, "--identities-seed", "3", "--identities-json", str(out_json), "-rf")
    result.assert_outcomes(passed=5, failed=3)
    text = result.stdout.str()
    assert (
        "identities: seed=3, examples=30, backends=float64,mpmath (reproduce with --identities-seed=3 "
        "--identities-examples=30)"
    ) in result.outlines
    assert [ln.split(" - ")[0] for ln in result.outlines if ln.startswith("FAILED")] == [
        "FAILED identities_sample.toml::sqrt_square[float64]",
        "FAILED identities_sample.toml::sqrt_square[mpmath]",
        "FAILED identities_sample.toml::square_binomial[float64]",
    ]
    assert "FAILED identities_sample.toml::sqrt_square[float64] - refuted (expected holds)" in result.outlines
    # the refutation: verdict, the minimal input in repr and hex, both sides with the oracle, culprit, command
    assert "refuted (expected holds)\n  sqrt(x**2) == x   [x: real[-4, 4]]" in text
    assert "minimal counterexample: x=-1.0" in text
    assert "    x   = -1.0  -0x1p+0" in text
    assert "    lhs = 1.0   0x1p+0   oracle 1, error 0 ulp (0.0 bits)" in text
    assert "    rhs = -1.0  -0x1p+0  oracle -1, error 0 ulp (0.0 bits)" in text
    assert "culprit: identity: the sides differ in exact arithmetic (relative difference 2)" in text
    command = (
        "identities check identities_sample.toml --select sqrt_square --backend float64 --seed 3 "
        "--examples 30 --no-database"
    )
    assert f"reproduce: {command}" in text
    assert (
        "unexpectedly holds; update expect (expected precision_failure)\n"
        "  (n + 1)**2 == n**2 + 2*n + 1   [n: integer[-100, 100]]\n"
        "  tolerance 4 ulp; needed 0 ulp; max error 0 ulp (0.0 bits) over 30 examples (100% exact)"
    ) in text
    doc = json.loads(out_json.read_text())
    rows = [(r["identity"], r["backend"], r["verdict"], r["expected"]) for r in doc["results"]]
    assert rows == [
        ("double_is_sum", "float64", "holds", "holds"),
        ("double_is_sum", "mpmath", "holds", "holds"),
        ("sqrt_square", "float64", "refuted", "holds"),
        ("sqrt_square", "mpmath", "refuted", "holds"),
        ("log_product", "float64", "precision_failure", "precision_failure"),
        ("log_product", "mpmath", "holds", "holds"),
        ("square_binomial", "float64", "holds", "precision_failure"),
        ("square_binomial", "mpmath", "holds", "holds"),
    ]
    assert doc["seed"] == 3 and doc["examples"] == 30 and doc["backends"] == ["float64", "mpmath"]
    assert doc["summary"]["unexpected"] == 3
    assert doc["results"][2]["counterexample"]["inputs"] == {"x": -1.0}
    # the printed command reproduces the verdict outside pytest
    assert cli_main([*command.split()[1:], "--json", str(sample.path / "cli.json")]) == 1
    cli = json.loads((sample.path / "cli.json").read_text())["results"][0]
    assert cli["verdict"] == "refuted" and cli["counterexample"]["inputs"] == {"x": -1.0}


def test_summary_table_with_flag_or_verbose(sample):
    quiet = sample.runpytest(*ARGS, "-k", "double_is_sum or log_product")
    assert "identities summary" not in quiet.stdout.str()
    for flag in ("--identities-summary", "-v"):
        result = sample.runpytest(*ARGS, "-k", "double_is_sum or log_product", flag)
        lines = result.outlines
        start = next(i for i, ln in enumerate(lines) if "identities summary" in ln)
        table = [ln.split() for ln in lines[start + 1 : start + 6]]
        assert table[0] == ["identity", "backend", "verdict", "max", "ulp", "bits", "exact", "needed"]
        assert table[1] == ["double_is_sum", "float64", "holds", "0", "0.0", "100%", "0", "ulp"]
        assert table[2] == ["double_is_sum", "mpmath", "holds", "-", "0.0", "100%", "-"]  # no ulps for mpmath
        assert table[3][:3] == ["log_product", "float64", "precision_failure"] and float(table[3][4]) > 10
        assert table[4][:3] == ["log_product", "mpmath", "holds"]


def test_tags_select_with_k(sample):
    result = sample.runpytest(*ARGS, "--collect-only", "-q", "-k", "arithmetic")
    assert [ln for ln in result.outlines if "::" in ln] == [
        "identities_sample.toml::double_is_sum[float64]",
        "identities_sample.toml::double_is_sum[mpmath]",
    ]


def test_xdist_gives_the_serial_verdicts_and_every_result_once(sample):
    pytest.importorskip("xdist")
    serial, parallel = sample.path / "serial.json", sample.path / "parallel.json"
    sample.runpytest(*ARGS, "--identities-json", str(serial)).assert_outcomes(passed=5, failed=3)
    result = sample.runpytest_subprocess(*ARGS, "-n", "2", "--identities-json", str(parallel))
    result.assert_outcomes(passed=5, failed=3)
    assert "2 workers" in result.stdout.str()
    a, b = json.loads(serial.read_text()), json.loads(parallel.read_text())
    keys = [(r["identity"], r["backend"]) for r in b["results"]]
    assert len(keys) == len(set(keys)) == 8
    assert b["results"] == a["results"]  # same order, verdicts, errors and counterexamples
    assert b["summary"] == a["summary"]


def test_bad_options_are_usage_errors(sample):
    result = sample.runpytest(*ARGS, "--identities-backend", "float64,float80")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--identities-backend: unknown backend 'float80'" in result.stderr.str()
    result = sample.runpytest("--identities-examples", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--identities-examples must be at least 1, got 0" in result.stderr.str()


def test_report_option_needs_the_report_module(sample, monkeypatch):
    monkeypatch.setitem(sys.modules, "identities.report", None)  # as if the module were not installed
    result = sample.runpytest(*ARGS, "--identities-report", "out.html")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--identities-report needs identities.report.write_report" in result.stderr.str()


def test_report_option_calls_write_report(sample, monkeypatch):
    calls = []
    fake = types.ModuleType("identities.report")
    fake.write_report = lambda path, results, **kw: calls.append((path, results, kw))
    monkeypatch.setitem(sys.modules, "identities.report", fake)
    sample.runpytest(*ARGS, "--identities-seed", "5", "--identities-report", "out.md", "-k", "log_product")
    [(path, results, kw)] = calls
    assert path == sample.path / "out.md"
    assert [(r.identity, r.backend, r.verdict) for r in results] == [
        ("log_product", "float64", "precision_failure"),
        ("log_product", "mpmath", "holds"),
    ]
    assert kw["seed"] == 5 and kw["examples"] == 30 and kw["backends"] == ["float64", "mpmath"]
    assert list(kw["registry"]) == ["log_product"]
    assert str(kw["registry"]["log_product"].lhs) == "log(x*y)"
    # the float results carry their per-example samples, which the report's plots are drawn from
    f64 = results[0]
    assert len(f64.samples) >= 10 and {s.kind for s in f64.samples} >= {"ok", "precision_failure"}
    assert results[1].samples == ()  # mpmath keeps none


def test_report_samples_survive_xdist(sample, monkeypatch):
    pytest.importorskip("xdist")
    from identities.check.engine import verify
    from identities.pytest.items import from_wire, to_wire
    from identities.registry.files import identity

    r = verify(
        identity("t", "exp(x + y)", "exp(x)*exp(y)", vars={"x": "real[-9, 9]", "y": "real[-9, 9]"}),
        "float64",
        examples=20,
        keep_samples=True,
    )
    wire = to_wire(r, file="f.toml", order=("f.toml", 0, 0, 0))
    import json

    back = from_wire(json.loads(json.dumps(wire)))  # plain types only: what execnet can carry
    assert [s.to_json() for s in back.samples] == [s.to_json() for s in r.samples] and len(r.samples) >= 10


def test_a_bad_file_is_a_located_collection_error(pytester):
    pytester.makefile(
        ".toml", identities_bad='[[identity]]\nname = "oops"\nlhs = "x.real"\nrhs = "x"\nvars = { x = "real" }\n'
    )
    result = pytester.runpytest(*ARGS)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # collection errors stop the run
    assert (
        "identities: error: identities_bad.toml:3: identity 'oops': attribute access (.real) is not allowed in 'x.real'"
    ) in result.outlines
    assert any("ERROR collecting identities_bad.toml" in ln for ln in result.outlines)
    assert "Traceback" not in result.stdout.str()


def test_builtin_library_is_collected_on_request(pytester):
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--identities-builtin", "--collect-only", "-q", "-k", "notebook_log2_product"
    )
    assert [ln for ln in result.outlines if "::" in ln] == [
        f"identities/library/logarithms.toml::notebook_log2_product[{b}]" for b in ("float64", "float32", "mpmath")
    ]
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--identities-builtin",
        "--identities-backend",
        "float64",
        "--identities-examples",
        "20",
        "-k",
        "notebook_log2_product",
    )
    result.assert_outcomes(passed=1)


def test_loading_the_plugin_imports_nothing_heavy(tmp_path):
    # the plugin comes from its entry point; hypothesis' own plugin (which imports hypothesis) is blocked
    code = (
        "import sys, pytest; "
        "code = pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:hypothesispytest', '.']); "
        "print(int(code), 'identities.pytest_plugin' in sys.modules, "
        "sorted({'numpy', 'hypothesis', 'mpmath', 'flint'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "5 True []", out.stdout + out.stderr


def test_json_is_written_even_when_no_identity_ran(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest(*ARGS, "--identities-json", "r.json")
    result.assert_outcomes(passed=1)
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["results"] == [] and doc["summary"]["total"] == 0


def test_one_sided_accuracy_checks_are_collected_and_explained(pytester):
    pytester.makefile(
        ".toml",
        identities_acc="""\
[[accuracy]]
name = "log1p_naive"
expr = "log(1 + x)"
vars = { x = "positive[1e-300, 1e-10]" }

[[identity]]
name = "log1p_good"
lhs = "log1p(x)"
vars = { x = "positive[1e-300, 1e-10]" }
""",
    )
    result = pytester.runpytest(*ARGS, "-rf")
    result.assert_outcomes(passed=3, failed=1)
    text = result.stdout.str()
    failed = [ln.split(" - ")[0] for ln in result.outlines if ln.startswith("FAILED")]
    assert failed == ["FAILED identities_acc.toml::log1p_naive[float64]"]
    assert "accuracy of log(1 + x)   [x: positive[1e-300, 1e-10]]" in text
    assert "minimal counterexample: x=1e-300" in text
    assert "    expr = 0.0" in text and "oracle 1.0000000000000000251e-300" in text
