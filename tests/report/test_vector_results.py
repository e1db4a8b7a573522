"""A vector identity through the report, in every format: analysed, drawn and written without a TypeError."""

import json

import pytest

from identities.cli import main

FILE = """\
[[identity]]
name = "vec_expm1"
lhs = "exp(x) - 1"
rhs = "expm1(x)"
vars = { x = "vector[3] real[-1, 1]" }
expect = { float64 = "precision_failure" }

[[identity]]
name = "vec_scaled"
lhs = "x * a"
rhs = "a * x"
vars = { a = "real[1, 2]", x = "vector[2] real[-10, 10]" }
"""


@pytest.mark.parametrize("suffix", [".json", ".md", ".html"])
def test_vector_identities_are_reported(tmp_path, suffix, capsys):
    src = tmp_path / "identities_vec.toml"
    src.write_text(FILE)
    out = tmp_path / f"report{suffix}"
    code = main(["report", str(src), "--output", str(out), "--examples", "25", "--no-database", "--backend", "float64"])
    assert code == 0, capsys.readouterr()
    text = out.read_text()
    assert "could not" not in text and "please report it" not in text
    if suffix == ".json":
        doc = json.loads(text)
        verdicts = {r["identity"]: r["verdict"] for r in doc["results"]}
        assert verdicts == {"vec_expm1": "precision_failure", "vec_scaled": "holds"}
        [bad] = [r for r in doc["results"] if r["identity"] == "vec_expm1"]
        assert len(bad["counterexample"]["inputs"]["x"]) == 3
    else:
        assert "vec_expm1" in text and "x = (" in text  # a vector input shown whole
