"""Vector variables, gradients, vjp and stop: parsing, shapes, values, and per-component verdicts."""

import json

import pytest

from identities import IdentityFileError, identity, loads, verify
from identities.backends import get_backend
from identities.draws.inputs import parse_domain
from identities.language.expr import Grad, VecVar, parse
from identities.language.vectors import ShapeError, Vec, shape
from identities.oracle.scalar import Oracle

V = {"x": "vector[4] real[-10, 10]"}
ARANGE = (0.0, 1.0, 2.0, 3.0)


def test_vector_domain():
    d = parse_domain("vector[4] real[-10, 10]")
    assert d.size == 4 and d.kind == "real" and str(d) == "vector[4] real[-10, 10]"
    assert parse_domain("vector[3]").kind == "real"
    for text, message in (
        ("vector[0] real", "from 1 to 64"),
        ("vector[n] real", "from 1 to 64"),
        ("vector[2] integer[0, 3]", "real components"),
        ("vector[2] real[0, y]", "constants"),
    ):
        with pytest.raises(IdentityFileError, match=message):
            parse_domain(text, ["y"], var="x")


def test_gradients_of_the_notebook_at_arange_in_every_scalar_backend():
    # torch.arange(4.0): x.grad of 2*x@x, of 2*x.sum(), of x*x with ones, of (x*x).detach()*x
    want = {
        "grad(2*dot(x, x), x)": [0, 4, 8, 12],
        "grad(2*total(x), x)": [2, 2, 2, 2],
        "vjp(x*x, x, ones(x))": [0, 2, 4, 6],
        "grad(total(stop(x*x)*x), x)": [0, 1, 4, 9],
    }
    for text, values in want.items():
        e = parse(text, vectors={"x": 4})
        exact = Oracle().evaluate(parse(f"dot({text}, ones(x))", vectors={"x": 4}), {"x": ARANGE})
        assert exact.approx() == sum(values), text  # the oracle, by Taylor arithmetic per component
        for name in ("float64", "mpmath"):
            be = get_backend(name)
            got = be.compile(e)({"x": Vec(be.convert_input(v) for v in ARANGE)})
            assert [float(g) for g in got] == pytest.approx(values, abs=1e-8), (name, text)


def test_stop_is_constant_for_every_derivative():
    held = identity("held", "diff(stop(x*x)*x, x)", "x*x", vars={"x": "real[-10, 10]"})
    free = identity("free", "diff(x*x*x, x)", "x*x", vars={"x": "real[-10, 10]"})
    for backend in ("float64", "mpmath"):
        assert verify(held, backend, examples=40).verdict == "holds", backend
        assert verify(free, backend, examples=40).verdict == "refuted", backend


def test_a_wrong_gradient_is_refuted_at_its_worst_component():
    wrong = identity("wrong_grad", "grad(total(x*x*x), x)", "x*x", vars=V)
    r = verify(wrong, "float64", examples=60)
    c = r.counterexample
    assert r.verdict == "refuted"
    assert c.inputs == {"x": (0.0, 0.0, 0.0, 1.0)} and c.component == 3  # 3*1 vs 1 there; 0 == 0 elsewhere
    assert (c.truth_lhs, c.truth_rhs) == (3.0, 1.0)
    # worst by verdict, not by ulps: the central difference of 0 is about 1e-11, 4e18 ulps from 0.0 but within
    # the difference quotient's tolerance, while component 3 is proven wrong
    assert len(c.component_ulps) == 4 and c.component_ulps[3] == c.ulps < max(c.component_ulps)
    assert c.inputs_text() == "x=[0.0, 0.0, 0.0, 1.0]"
    doc = json.loads(json.dumps(r.to_json()))
    assert doc["counterexample"]["inputs"] == {"x": [0.0, 0.0, 0.0, 1.0]} and doc["counterexample"]["component"] == 3


def test_vector_examples_and_sizes_are_checked():
    ident = identity("ex", "grad(2*total(x), x)", "2", vars=V, examples=[{"x": [0, 1, 2, 3]}])
    assert ident.examples[0]["x"] == ARANGE and ident.size == 4
    with pytest.raises(IdentityFileError, match="is not a list of 4 numbers"):
        identity("ex", "x", "x", vars=V, examples=[{"x": [0, 1]}])


def test_shapes():
    assert shape(parse("grad(dot(x, x), x)", vectors={"x": 3})) == 3
    assert shape(parse("total(x) + y", {"y"}, vectors={"x": 3})) is None
    assert isinstance(parse("x", vectors={"x": 3}), VecVar)
    assert isinstance(parse("grad(total(x), x)", vectors={"x": 3}), Grad)
    with pytest.raises(ShapeError, match="sizes 3 and 2"):
        shape(parse("x + y", vectors={"x": 3, "y": 2}))


@pytest.mark.parametrize(
    "lhs, message",
    [
        ("grad(x*x, x)", "grad of a vector expression"),
        ("vjp(total(x), x, ones(x))", "vjp of a scalar expression"),
        ("vjp(x*x, x, 1)", "vjp cotangent 1 has a scalar"),
        ("dot(y, y)", "dot() takes vectors"),
        ("total(y)", "total() takes vectors"),
        ("x + z", "sizes 4 and 2"),
        ("diff(x*x, y)", "diff of a vector expression"),
        ("diff(total(x), x)", "diff variable 'x' is a vector; use grad"),
        ("grad(y*y, y)", "grad variable 'y' is not a declared vector variable; use diff"),
        ("grad(grad(total(x), x), x)", "nested derivatives"),
        ("grad(total(x), 2)", "grad takes (expr, vector variable)"),
        ("stop(x, x)", "stop() takes 1 argument"),
        ("ones", "function 'ones' used as a value"),
    ],
)
def test_file_errors_name_the_problem(lhs, message):
    text = (
        '[[identity]]\nname = "bad"\nvars = { x = "vector[4] real", y = "real", z = "vector[2]" }\n'
        f'lhs = "{lhs}"\nrhs = "0"\n'
    )
    with pytest.raises(IdentityFileError) as info:
        loads(text, "grads.toml")
    err = info.value
    assert message in str(err) and err.file == "grads.toml" and err.identity == "bad" and err.line == 4


def test_sides_of_different_sizes_and_vector_comparisons_are_rejected():
    with pytest.raises(IdentityFileError, match="lhs is a vector of size 4, rhs of size 2"):
        identity("b", "x", "z", vars={"x": "vector[4]", "z": "vector[2]"})
    with pytest.raises(IdentityFileError, match="comparison of vectors"):
        identity("b", "x", "x", vars={"x": "vector[4]"}, assume=["x > 0"])
