"""The user's functions in the language: declarations, calls, the exact definition substituted."""

import math

import pytest

from identities.errors import IdentityFileError, ImportRefused
from identities.language.expr import Bin, Call, UserCall, Var, parse
from identities.language.usercode import exact, implementation, make_function, used_functions, user_functions


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_a_call_holds_the_definition_with_its_arguments_substituted():
    fn = make_function("sig", ["x"], "1/(1 + exp(-x))", sigmoid)
    e = parse("sig(2*y) + 1", {"y"}, user={"sig": fn})
    call = e.left
    assert isinstance(call, UserCall) and call.fn == "sig" and call.function is fn
    assert str(call.exact) == "1/(1 + exp(-(2*y)))"
    assert str(e) == "sig(2*y) + 1"  # the float side: the call as written
    assert str(exact(e)) == "1/(1 + exp(-(2*y))) + 1"  # the oracle's side


def test_definitions_may_call_earlier_functions_and_exact_expands_them_all():
    fns = user_functions(
        {
            "sq": implementation(lambda t: t * t, "t*t", args=["t"]),
            "norm2": implementation(lambda a, b: a * a + b * b, "sq(a) + sq(b)", args=["a", "b"]),
        }
    )
    e = parse("norm2(x, 3)", {"x"}, user=fns)
    assert str(exact(e)) == "x*x + 3*3"
    assert [f.name for f in used_functions(e)] == ["norm2", "sq"]


def test_parameters_come_from_the_callable_signature():
    fns = user_functions({"sig": (sigmoid, "1/(1 + exp(-x))")})
    assert fns["sig"].params == ("x",)
    assert fns["sig"].label.endswith(":sigmoid")
    with pytest.raises(ValueError, match="give args"):
        user_functions({"f": (lambda *a: 0, "x")})


@pytest.mark.parametrize(
    ("args", "definition", "impl", "message"),
    [
        (["x"], "1/(1 + exp(-y))", "m:f", "undeclared variable 'y'"),
        (["x"], "diff(x**2, x)", "m:f", "may not use diff"),
        (["x", "x"], "x", "m:f", "repeat a name"),
        ("x", "x", "m:f", "non-empty list"),
        (["x"], "x", "m.f", 'must be "module:attribute"'),
        (["x"], "x", "m:f()", 'must be "module:attribute"'),
        (["exp"], "exp", "m:f", "not a usable name"),
    ],
)
def test_bad_declarations_say_what_is_wrong(args, definition, impl, message):
    with pytest.raises(ValueError, match=message):
        make_function("f", args, definition, impl)


def test_reserved_and_duplicate_names_are_refused():
    with pytest.raises(ValueError, match="reserved"):
        make_function("exp", ["x"], "x", "m:f")
    f = make_function("f", ["x"], "x", "m:f")
    with pytest.raises(ValueError, match="declared twice"):
        make_function("f", ["x"], "x", "m:f", earlier={"f": f})


def test_wrong_arity_and_bare_names_are_parse_errors():
    fn = make_function("sig", ["x"], "1/(1 + exp(-x))", sigmoid)
    with pytest.raises(IdentityFileError, match=r"sig\(\) takes 1 argument, got 2"):
        parse("sig(x, x)", {"x"}, user={"sig": fn})
    with pytest.raises(IdentityFileError, match="used as a value"):
        parse("sig + 1", {"x"}, user={"sig": fn})
    with pytest.raises(IdentityFileError, match="unknown function 'sig'"):
        parse("sig(x)", {"x"})  # not declared: the whitelist stands


def test_a_sum_index_that_would_capture_an_argument_is_refused():
    fn = make_function("geo", ["x"], "sum(x**k, k, 0, 3)", "m:f")
    with pytest.raises(IdentityFileError, match="rename the sum's index"):
        parse("geo(k + 1)", {"k"}, user={"geo": fn})
    assert str(exact(parse("geo(y)", {"y"}, user={"geo": fn}))) == "sum(y**k, k, 0, 3)"


def test_a_string_implementation_is_imported_only_when_allowed(tmp_path):
    fn = make_function("f", ["x"], "x", "json:dumps", file="f.toml", line=3)
    with pytest.raises(ImportRefused, match=r"f\.toml:3: function 'f': implementation = 'json:dumps' .*--allow-import"):
        fn.resolve()
    allowed = make_function("f", ["x"], "x", "json:dumps", allow_import=True)
    import json

    assert allowed.resolve() is json.dumps
    missing = make_function("f", ["x"], "x", "json:nothing_here", allow_import=True)
    with pytest.raises(ImportRefused, match="module has no 'nothing_here'"):
        missing.resolve()
    nomodule = make_function("f", ["x"], "x", "no_such_module_xyz:f", allow_import=True)
    with pytest.raises(ImportRefused, match="cannot import 'no_such_module_xyz'"):
        nomodule.resolve()


def test_calls_are_scalar_only():
    from identities.language.vectors import ShapeError, shape

    fn = make_function("sig", ["x"], "1/(1 + exp(-x))", sigmoid)
    e = parse("sig(v)", set(), user={"sig": fn}, vectors={"v": 3})
    with pytest.raises(ShapeError, match="takes scalars"):
        shape(e)
    assert shape(parse("sig(x)", {"x"}, user={"sig": fn})) is None


def test_exact_leaves_other_trees_alone():
    e = Bin("+", Var("x"), Call("exp", (Var("x"),)))
    assert exact(e) is e
