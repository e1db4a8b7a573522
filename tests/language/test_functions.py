"""Function variables: parsing, substitution, generation, rules that hold and wrong rules refuted."""

import pytest

from identities import IdentityFileError, identity, loads, verify
from identities.draws.functions import Checker
from identities.language.expr import Apply, Diff, parse, walk
from identities.language.functions import (
    Function,
    FunctionSpace,
    parse_function,
    parse_space,
    requirements,
    substitute,
)
from identities.oracle.scalar import Oracle

F = {"f": "elementary", "g": "elementary"}
X = {"x": "real[-3, 3]"}


def fn(text):
    return parse_function(text)


def size(f: Function) -> int:
    return sum(1 for _ in walk(f.body))


def test_notation_parses_and_renders():
    e = parse("D(f)(g(x))*diff(g(x), x)", {"x"}, functions={"f", "g"})
    assert str(e) == "D(f)(g(x))*diff(g(x), x)"
    apps = [n for n in walk(e) if isinstance(n, Apply)]
    assert [(a.fn, a.order) for a in apps] == [("f", 1), ("g", 0), ("g", 0)]
    assert parse("D(D(f))(x)", {"x"}, functions={"f"}) == parse("D(f, 2)(x)", {"x"}, functions={"f"})
    assert str(parse("D(f, 3)(x)", {"x"}, functions={"f"})) == "D(f, 3)(x)"


def test_substitution_composes_and_differentiates_at_a_point():
    fns = {"f": fn("sin(x)"), "g": fn("x**2 + 1")}
    chain = substitute(parse("f(g(x))", {"x"}, functions={"f", "g"}), fns)
    assert str(chain) == "sin(x**2 + 1)"
    at = substitute(parse("D(f)(g(x))", {"x"}, functions={"f", "g"}), fns)
    assert isinstance(at, Diff) and at.var == "x" and str(at.at) == "x**2 + 1" and str(at.body) == "sin(x)"
    # f'(g(x)) = cos(x**2 + 1), evaluated exactly by the oracle at x = 0.5
    truth = Oracle().evaluate(at, {"x": 0.5})
    assert abs(truth.approx() - __import__("math").cos(1.25)) < 1e-15


def test_requirements_count_enclosing_derivatives():
    lhs = parse("diff(f(g(x)), x)", {"x"}, functions={"f", "g"})
    rhs = parse("D(f)(g(x))*diff(g(x), x)", {"x"}, functions={"f", "g"})
    need = {(f, str(a)): k for f, a, k in requirements(lhs, rhs)}
    assert need == {("f", "g(x)"): 1, ("g", "x"): 1}


def test_checker_rejects_where_a_function_is_not_differentiable():
    sides = (parse("diff(f(x), x)", {"x"}, functions={"f"}), parse("0", {"x"}))
    check = Checker(sides, Oracle())
    assert check({"f": fn("sqrt(x)"), "x": 1.0})
    assert not check({"f": fn("sqrt(x)"), "x": 0.0})  # defined, not differentiable
    assert not check({"f": fn("log(x)"), "x": -1.0})  # not defined
    assert not check({"f": fn("exp(exp(x))"), "x": 3.0})  # e**20: too large to be a well-scaled draw


def test_spaces():
    assert parse_space("elementary", {}) == FunctionSpace("elementary", 3, text="elementary")
    assert parse_space("elementary[2]", {}).depth == 2
    inv = parse_space("inverse(f)", {"f": parse_space("invertible", {})})
    assert inv.kind == "inverse" and inv.of == "f"
    with pytest.raises(ValueError, match='declared before it as "invertible"'):
        parse_space("inverse(f)", {"f": parse_space("elementary", {})})
    with pytest.raises(ValueError, match="depth"):
        parse_space("elementary[9]", {})
    with pytest.raises(ValueError, match="function space must be"):
        parse_space("polynomial", {})


def test_rules_hold_in_the_oracle():
    rules = [
        identity("product", "diff(f(x)*g(x), x)", "diff(f(x), x)*g(x) + f(x)*diff(g(x), x)", vars=X, functions=F),
        identity("chain", "diff(f(g(x)), x)", "D(f)(g(x))*diff(g(x), x)", vars=X, functions=F),
        identity("inverse", "D(g)(f(x))", "1/D(f)(x)", vars=X, functions={"f": "invertible", "g": "inverse(f)"}),
    ]
    for rule in rules:
        r = verify(rule, "mpmath", examples=60)
        assert r.verdict == "holds" and r.counts["ok"] >= 55, (rule.name, r.counts, r.message)


def test_wrong_product_rule_is_refuted_with_the_simplest_pair():
    wrong = identity("wrong_product", "diff(f(x)*g(x), x)", "diff(f(x), x)*diff(g(x), x)", vars=X, functions=F)
    for backend in ("mpmath", "float64"):
        r = verify(wrong, backend, examples=60)
        c = r.counterexample
        assert r.verdict == "refuted" and c.culprit == "identity"
        assert (str(c.inputs["f"]), str(c.inputs["g"])) == ("x", "x") and c.inputs["x"] == 0.0
        # (x*x)' = 2x = 0 at 0, while 1*1 = 1
        assert c.truth_decimal == ("0", "1")
    assert r.counterexample.inputs_text() == 'f="x", g="x", x=0.0'  # pasteable into examples


def test_chain_rule_missing_its_inner_derivative_is_refuted_with_a_small_pair():
    wrong = identity("wrong_chain", "diff(f(g(x)), x)", "D(f)(g(x))", vars=X, functions=F)
    r = verify(wrong, "mpmath", examples=60)
    c = r.counterexample
    assert r.verdict == "refuted"
    assert size(c.inputs["f"]) + size(c.inputs["g"]) <= 3, c.inputs
    # and the pair really refutes it: (f o g)' != f'(g) at that point, by the oracle
    assert c.truth_decimal[0] != c.truth_decimal[1]


def test_given_functions_are_tried_first():
    ident = identity(
        "p",
        "diff(f(x)*g(x), x)",
        "diff(f(x), x)*diff(g(x), x)",
        vars=X,
        functions=F,
        examples=[{"f": "sin(x)", "g": "exp(x)", "x": 0.5}],
    )
    assert ident.examples[0]["f"] == fn("sin(x)")
    assert verify(ident, "mpmath", examples=1).verdict == "refuted"


def test_assume_may_use_the_functions():
    ident = identity(
        "q",
        "diff(f(x)/g(x), x)",
        "(diff(f(x), x)*g(x) - f(x)*diff(g(x), x))/g(x)**2",
        vars=X,
        functions=F,
        assume=["g(x) != 0"],
    )
    r = verify(ident, "mpmath", examples=40)
    assert r.verdict == "holds" and r.counts["undefined"] == 0


def test_oracle_keeps_the_derivatives_of_series_with_trailing_zeros():
    # found by the generated product rule: cos(x) at 0 is 1 + 0*x, and expm1/log1p/atan2 of it used
    # to cut the series to its nonzero length, losing every derivative after it
    o = Oracle()
    for text, want in (
        ("diff(expm1(cos(x))*x, x)", 1.718281828459045),
        ("diff(log1p(cos(x))*x, x)", 0.6931471805599453),
        ("diff(atan2(cos(x), 2)*x, x)", 0.4636476090008061),
    ):
        assert o.evaluate(parse(text, {"x"}), {"x": 0.0}).approx() == pytest.approx(want, rel=1e-15), text


@pytest.mark.parametrize(
    "body, message",
    [
        ('functions = { f = "polynomial" }\nlhs = "f(x)"', "function 'f': function space must be"),
        ('functions = { x = "elementary" }\nlhs = "x"', "function variable name 'x' is also a variable"),
        ('functions = { sin = "elementary" }\nlhs = "x"', "function variable name 'sin' is reserved"),
        ('functions = { f = "elementary" }\nlhs = "f"', "function variable 'f' must be applied to a point"),
        ('functions = { f = "elementary" }\nlhs = "f(x, x)"', "function variable 'f' takes 1 argument, got 2"),
        ('functions = { f = "elementary" }\nlhs = "D(f)"', "D(f) is a derivative to apply at a point"),
        ('functions = { f = "elementary" }\nlhs = "D(g)(x)"', "D() takes a declared function variable"),
        ('functions = { f = "elementary" }\nlhs = "D(sin)(x)"', "D() takes a declared function variable"),
        ('functions = { f = "elementary" }\nlhs = "D(f, 0)(x)"', "order must be an integer literal"),
        ('functions = { f = "elementary" }\nlhs = "D(f)(x, x)"', "is applied to one point"),
        ('functions = { f = "elementary" }\nlhs = "diff(D(f)(x), x)"', "nested diff"),
        ('functions = { f = "elementary" }\nlhs = "f(x)"\nexamples = [{ f = 3, x = 1 }]', "is not an expression"),
        (
            'functions = { f = "elementary" }\nlhs = "f(x)"\nexamples = [{ f = "diff(x, x)", x = 1 }]',
            "without diff or sum",
        ),
        (
            'functions = { f = "elementary" }\nlhs = "f(x)"\nexamples = [{ f = "__import__(x)", x = 1 }]',
            "unknown function '__import__'",
        ),
    ],
)
def test_file_errors_name_the_problem(body, message):
    text = f'[[identity]]\nname = "bad"\nvars = {{ x = "real" }}\nrhs = "0"\n{body}\n'
    with pytest.raises(IdentityFileError) as info:
        loads(text, "rules.toml")
    err = info.value
    assert message in str(err) and err.file == "rules.toml" and err.identity == "bad" and err.line > 0


def test_report_renders_the_notation():
    from identities.report.mathtext import to_html, to_text

    e = parse("diff(f(g(x)), x) - D(f)(g(x))*D(g, 2)(x)", {"x"}, functions={"f", "g"})
    assert to_text(e) == "d/dx f(g(x)) − f′(g(x))·g″(x)"
    assert "<i>f</i>′(<i>g</i>(<i>x</i>))" in to_html(e)


def test_sweeps_and_explain_leave_function_and_vector_identities_to_check():
    from identities.cli import main

    assert main(["explain", "rule_chain"]) == 2
    assert (
        main(["sweep", "--select", "rule_chain", "--select", "notebook_grad_dot", "--points", "100", "--workers", "1"])
        == 0
    )  # both skipped, nothing unexpected


def test_oracle_and_engine_survive_what_generated_functions_reach():
    import math

    from flint import arb

    from identities.backends import get_backend
    from identities.check.evaluation import _mp_truth, _rel
    from identities.oracle.scalar import Truth

    # tan(x) near its pole: flint's series division saw a ball that may hold 0 and raised; more bits decide
    o = Oracle()
    x = math.pi / 2 - 1e-17
    assert o.compare(parse("diff(tan(x), x)", {"x"}), parse("1/cos(x)**2", {"x"}), {"x": x}).status == "holds"
    # a truth like exp(-3.8e176) (g = expm1((pi - 2)/x) at x = -3e-177) has no room as an exact Fraction
    tiny = Truth(arb(2) ** -(10**8))
    mp = get_backend("mpmath")
    assert mp.ctx.mag(_mp_truth(mp, tiny)) == -(10**8) + 1
    assert _rel(tiny, Truth(0)) == 1.0
