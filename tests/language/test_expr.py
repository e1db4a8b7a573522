from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identities.errors import IdentityFileError
from identities.language.expr import FUNCTIONS, Bin, Call, Diff, Num, Sum, Var, parse, uses_diff
from tests.strategies import expressions

XY = {"x", "y"}


def test_decimal_literal_is_exact():
    e = parse("0.6")
    assert isinstance(e, Num) and e.value == Fraction(3, 5) and e.text == "0.6"
    assert parse("1e-300").value == Fraction(1, 10**300)
    assert parse("3").value == 3 and isinstance(parse("3").value, int)


def test_structure_and_precedence():
    e = parse("-x**2 + 3*y", XY)
    assert isinstance(e, Bin) and e.op == "+"
    assert str(e) == "-x**2 + 3*y"
    assert str(parse("(-x)**2", XY)) == "(-x)**2"
    assert str(parse("x - (y - 1)", XY)) == "x - (y - 1)"
    assert str(parse("2**3**2")) == "2**3**2"


@given(expressions())
def test_render_reparses_to_the_same_tree(text):
    e = parse(text, XY)
    assert parse(str(e), XY) == e


@pytest.mark.parametrize(
    "text, message",
    [
        ("x.real", "attribute access (.real) is not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("lambda: 1", "Lambda is not allowed"),
        ("[x for x in y]", "ListComp is not allowed"),
        ("x[0]", "subscripts are not allowed"),
        ("'abc'", "is not a number"),
        ("log(x, base=2)", "keyword arguments are not allowed"),
        ("frobnicate(x)", "unknown function 'frobnicate'"),
        ("x + z", "undeclared variable 'z'"),
        ("sin(x, y)", "sin() takes 1 argument, got 2"),
        ("x ^ 2", "use ** for powers"),
        ("x < y", "comparisons are only allowed in 'assume'"),
        ("1j", "is not a number"),
        ("x if y else 1", "'a if cond else b' is not allowed; write where(cond, a, b)"),
        ("(x := 3)", "NamedExpr is not allowed"),
        ("f'{x}'", "JoinedStr is not allowed"),
        ("sin", "function 'sin' used as a value"),
        ("1e99999", "exponent beyond"),
        ("x +", "syntax error"),
        ("", "expression is empty"),
    ],
)
def test_rejections_name_the_problem(text, message):
    with pytest.raises(IdentityFileError) as info:
        parse(text, XY, file="f.toml", line=7, identity="demo")
    err = info.value
    assert message in str(err)
    assert err.file == "f.toml" and err.line == 7 and err.identity == "demo"
    assert str(err).startswith("f.toml:7: identity 'demo':")


def test_deep_nesting_is_refused_not_crashing():
    with pytest.raises(IdentityFileError, match="nests deeper|too deeply|too many nested"):
        parse("(" * 300 + "x" + ")" * 300, XY)
    with pytest.raises(IdentityFileError, match="nests deeper|too deeply"):
        parse("-" * 5000 + "x", XY)


def test_diff_forms():
    d = parse("diff(x*sin(x), x)", XY)
    assert isinstance(d, Diff) and d.var == "x" and d.order == 1
    assert parse("diff(diff(sin(x), x), x)", XY) == parse("diff(sin(x), x, 2)", XY)
    assert uses_diff(parse("1 + diff(x**3, x, 3)", XY)) == 3
    with pytest.raises(IdentityFileError, match="nested diff"):
        parse("diff(x*diff(sin(x), x), x)", XY)
    with pytest.raises(IdentityFileError, match="not a declared variable"):
        parse("diff(sin(x), t)", XY)
    with pytest.raises(IdentityFileError, match="order must be an integer literal"):
        parse("diff(sin(x), x, 0)", XY)


def test_sum_binds_a_new_index():
    s = parse("sum(comb(n, k), k, 0, n)", {"n"})
    assert isinstance(s, Sum) and s.var == "k" and isinstance(s.hi, Var)
    assert isinstance(s.body, Call)
    with pytest.raises(IdentityFileError, match="must be a new name"):
        parse("sum(x, x, 0, 3)", XY)
    with pytest.raises(IdentityFileError, match="undeclared variable 'k'"):
        parse("sum(k, k, 0, 3) + k", XY)


def test_every_function_parses_with_its_arity():
    for name, (lo, hi) in FUNCTIONS.items():
        for n in range(lo, hi + 1):
            e = parse(f"{name}({', '.join(['x'] * n)})", XY)
            assert isinstance(e, Call) and e.fn == name and len(e.args) == n


@given(st.text(max_size=40))
def test_arbitrary_text_is_parsed_or_rejected_cleanly(text):
    try:
        parse(text, XY)
    except IdentityFileError:
        pass


def test_new_forms_parse_render_and_reparse():
    from identities.language.expr import Logic, Where

    xs = {"x", "y", "n"}
    for text in (
        "where(x > 0 and not (x < -1 or x == 2), log(x), 0)",
        "where(0 < x <= 1, x, -x)",
        "prod(k, k, 1, floor((n - 1)/2))",
        "fma(x, y, -1) + min(x, y) - max(x, y)*copysign(1, y)",
        "besselj(2, x) + bessely(0, x) + lambertw(x) + zeta(y) + digamma(x) + beta(x, y)",
    ):
        e = parse(text, xs)
        assert str(e) == text and parse(str(e), xs) == e
    e = parse("where(x > 0 and y > 0, 1, 2)", xs)
    assert isinstance(e, Where) and isinstance(e.cond, Logic) and e.cond.op == "and"
    assert str(parse("pow(x, 2) + tgamma(x)", xs)) == "x**2 + gamma(x)"  # other spellings of ** and gamma
    assert str(parse("x > 0 and (y < 1 or not n == 2)", xs, allow_compare=True)) == "x > 0 and (y < 1 or not n == 2)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("where(x, 1, 2)", "'x' is not a condition"),
        ("where(x > 0, 1)", "where takes (condition, value if true, value if false), got 2"),
        ("x and y", "'and', 'or' and 'not' are only allowed in 'assume' and in the condition of where"),
        ("where(x > 0, y < 1, 2)", "comparisons are only allowed in 'assume' and in the condition of where"),
        ("prod(x, x, 1, 3)", "prod index 'x' must be a new name"),
        ("fma(x, y)", "fma() takes 3 arguments, got 2"),
        ("pow(x)", "pow() takes 2 arguments, got 1"),
    ],
)
def test_new_forms_rejections(text, message):
    with pytest.raises(IdentityFileError) as info:
        parse(text, XY)
    assert message in str(info.value)
