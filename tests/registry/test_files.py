import re
from pathlib import Path

import pytest

from identities import IdentityFileError, builtin, identity, load, loads, verify
from tests.conftest import ACCEPTANCE

GOOD = """
[[identity]]
name = "log_product"
lhs = "log(x*y)"
rhs = "log(x) + log(y)"
vars = { x = "positive", y = "positive" }
examples = [{ x = 2, y = 8 }]
tolerance = { float64 = "4 ulp or 1e-15 abs" }
expect = { float64 = "precision_failure" }
tags = ["logarithm"]
source = "product rule"
"""


def test_load_good_file():
    reg = loads(GOOD, "good.toml")
    ident = reg["log_product"]
    assert str(ident.lhs) == "log(x*y)" and list(ident.vars) == ["x", "y"]
    assert ident.examples == ({"x": 2.0, "y": 8.0},)
    assert str(ident.tolerance["float64"]) == "4 ulp or 1e-15 abs"
    assert ident.expected("float64") == "precision_failure" and ident.expected("mpmath") == "holds"
    assert ident.file == "good.toml" and ident.line == 2
    with pytest.raises(KeyError, match="no identity named 'nope'"):
        reg["nope"]


def bad(text, path="bad.toml"):
    with pytest.raises(IdentityFileError) as info:
        loads(text, path)
    return info.value


def entry(**fields):
    base = {"name": '"demo"', "lhs": '"x"', "rhs": '"x"', "vars": '{ x = "real" }'}
    base.update(fields)
    return "[[identity]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v is not None)


@pytest.mark.parametrize(
    "fields, message, line",
    [
        ({"colour": '"red"'}, "unknown key 'colour'", 6),
        ({"vars": '{ x = "complex" }'}, "unknown domain kind 'complex'", 5),
        ({"vars": '{ x = "real[5, -5]" }'}, "inverted bounds", 5),
        ({"tolerance": '{ float64 = "4 ulps or" }'}, "is not 'N ulp'", 6),
        ({"tolerance": '{ float128 = "4 ulp" }'}, "unknown backend 'float128'", 6),
        ({"tolerance": '{ mpmath = "4 ulp" }'}, "mpmath takes no tolerance", 6),
        ({"expect": '{ float64 = "fine" }'}, "is not a verdict", 6),
        ({"expect": '{ mpmath = "precision_failure" }'}, "cannot be 'precision_failure'", 6),
        ({"expect": '"fine"'}, "expect = 'fine' is not a verdict", 6),
        ({"expect": '["holds"]'}, "or one value for every backend", 6),
        ({"tolerance": '"4 ulps or"'}, "is not 'N ulp'", 6),
        ({"lhs": '"x + y"'}, "undeclared variable 'y'", 3),
        ({"lhs": '"frobnicate(x)"'}, "unknown function 'frobnicate'", 3),
        ({"lhs": '"x.__class__"'}, "attribute access", 3),
        ({"lhs": '"(lambda: 1)()"'}, "only calls of whitelisted functions", 3),
        ({"lhs": None}, "missing 'lhs'", 1),  # without rhs it is a one-sided accuracy check
        ({"examples": '[{ x = "a" }]'}, "is not a number", 6),
        ({"examples": "[{ y = 1 }]"}, "lacks 'x'", 6),
        ({"vars": '{ pi = "real" }', "lhs": '"1"', "rhs": '"1"'}, "variable name 'pi' is reserved", 5),
        ({"name": '"Bad Name"'}, "may only contain", 2),
        ({"assume": '["x + 1"]'}, "is not a comparison", 6),
        ({"vars": '{ n = "integer" }', "lhs": '"diff(n**2, n)"', "rhs": '"2*n"'}, "integer variable", 3),
    ],
)
def test_bad_fields_are_located(fields, message, line):
    err = bad(entry(**fields))
    assert message in str(err)
    assert err.file == "bad.toml" and err.line == line
    if "name" not in fields:
        assert err.identity == "demo"


def test_duplicate_names():
    err = bad(entry() + entry())
    assert "duplicate name (first defined at bad.toml:1)" in str(err) and err.line == 6


def test_toml_syntax_error_names_the_line():
    err = bad("[[identity]\nname = 1\n")
    assert str(err).startswith("bad.toml:1:") and "not valid TOML" in str(err)


def test_unknown_top_level_table():
    assert "unknown top-level key 'identities'" in str(bad('[[identities]]\nname = "x"\n'))


def test_acceptance_bad_files_all_fail_with_located_messages():
    files = sorted((ACCEPTANCE / "bad").glob("*.toml"))
    assert files
    for path in files:
        with pytest.raises(IdentityFileError) as info:
            load(path)
        names = re.findall(r'^name\s*=\s*"([^"]+)"', path.read_text(), re.M)
        message = str(info.value)
        assert path.name in message
        if path.name != "not_toml.toml":
            assert names[0] in message


def test_missing_file():
    with pytest.raises(IdentityFileError, match="no such file"):
        load("/nonexistent/identities.toml")


def test_builtin_library():
    reg = builtin()
    assert len(reg) >= 40
    assert reg["log_product"].tags == ("logarithm",)
    topics = {t for i in reg.values() for t in i.tags}
    assert {"logarithm", "derivative", "binomial", "notebook", "trigonometric"} <= topics
    for ident in reg.values():
        for backend, verdict in ident.expect.items():
            assert verdict != "holds", f"{ident.name}: expect {backend} = holds is the default; omit it"


def test_select_and_merge():
    reg = builtin()
    logs = reg.select("log_*")
    assert len(logs) >= 5 and all(n.startswith("log_") for n in logs)
    assert len(reg.select("log_product", "exp_sum")) == 2
    with pytest.raises(IdentityFileError, match="duplicate"):
        reg + reg.select("log_product")


def test_one_tolerance_and_one_expectation_for_every_backend(tmp_path):
    # the notebook's 3*.6**2*.4: 0.43200000000000005 in float64, one ulp from 0.432; exactly 54/125 in the oracle
    f = tmp_path / "point.toml"
    f.write_text(
        entry(
            name='"binomial_point"',
            lhs='"3*.6**2*.4"',
            rhs='"0.432"',
            vars=None,
            tolerance='"0 ulp"',
            expect='"precision_failure"',
        )
        + entry(
            name='"false_everywhere"', lhs='"x + 1e-40"', rhs='"x"', vars='{ x = "real[-1, 1]" }', expect='"refuted"'
        )
    )
    reg = load(f)
    point = reg["binomial_point"]
    assert str(point.tolerance_for("float32")) == "0 ulp" and point.tolerance_for("mpmath") is not None
    assert [point.expected(b) for b in ("float64", "float16", "mpmath")] == ["precision_failure"] * 2 + ["holds"]
    assert [reg["false_everywhere"].expected(b) for b in ("float64", "mpmath")] == ["refuted", "refuted"]
    r64, rmp = verify(point, "float64"), verify(point, "mpmath")
    assert (r64.verdict, r64.max_error.ulps, r64.ok) == ("precision_failure", 1.0, True)
    assert (rmp.verdict, rmp.ok) == ("holds", True)
    assert verify(reg["false_everywhere"], "float64", examples=20).verdict == "refuted"


def test_python_factory_matches_file_checks():
    ident = identity("softplus", "log(1 + exp(x))", "log1p(exp(x))", vars={"x": "real[-50, 50]"}, tolerance="8 ulp")
    assert str(ident.tolerance_for("float64")) == "8 ulp" == str(ident.tolerance_for("torch-float32"))
    with pytest.raises(IdentityFileError, match="undeclared variable 'y'"):
        identity("bad", "x + y", "x", vars={"x": "real"})


def test_library_files_parse_individually():
    lib = Path(__file__).resolve().parents[2] / "identities" / "library"
    total = sum(len(load(p)) for p in lib.glob("*.toml"))
    assert total == len(builtin())


def test_assume_takes_and_or_not():
    from identities.draws.inputs import admissible

    ident = identity(
        "ring", "x", "x", vars={"x": "real[-4, 4]", "y": "real[-4, 4]"}, assume=["x > 1 and not (y < 0 or y > 2)"]
    )
    admits = admissible(ident.variables, __import__("identities.numbers.formats").numbers.formats.float64, ident.assume)
    assert admits({"x": 1.5, "y": 1.0}) and not admits({"x": 1.5, "y": 3.0}) and not admits({"x": 0.5, "y": 1.0})
    e = bad('[[identity]]\nname = "a"\nlhs = "x"\nrhs = "x"\nvars = { x = "real" }\nassume = ["x + 1"]\n')
    assert "assumption 'x + 1' is not a comparison (or and/or/not of comparisons)" in str(e) and e.line == 6
