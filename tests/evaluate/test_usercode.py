"""Calling the user's code in float backends: values of the format in, the rule for exceptions, wider results."""

import math

import numpy as np
import pytest

import identities
from identities.backends import get_backend
from identities.errors import UserCodeError
from identities.evaluate.usercode import wider_result
from identities.evaluate.values import UNDEFINED
from identities.language.expr import parse
from identities.language.usercode import exact, user_functions


def compiled(backend, text, fns, names=("x",)):
    user = user_functions(fns)
    return get_backend(backend).compile(parse(text, set(names), user=user)), user


def test_each_backend_passes_values_of_its_format_and_rounds_the_result():
    seen = []

    def f(x):
        seen.append(type(x))
        return x * 3

    c64, _ = compiled("float64", "f(x) + 1", {"f": (f, "3*x")})
    assert c64({"x": 0.1}) == 0.1 * 3 + 1
    c32, _ = compiled("float32", "f(x)", {"f": (f, "3*x")})
    v = c32({"x": np.float32(0.1)})
    assert type(v) is np.float32 and v == np.float32(0.1) * np.float32(3)
    assert seen == [float, np.float32]


def test_integer_arguments_arrive_as_python_ints():
    got = []

    def pmf(k, n):
        got.append((k, n))
        return math.comb(n, k) / 2**n

    c, _ = compiled("float64", "pmf(k, n - 1)", {"pmf": (pmf, "comb(n, k)/2**n")}, ("k", "n"))
    assert c({"k": 2, "n": 5}) == 6 / 16
    assert got == [(2, 4)]


@pytest.mark.parametrize("exc", [OverflowError, ZeroDivisionError, ValueError, ArithmeticError, FloatingPointError])
def test_numerical_exceptions_are_undefined(exc):
    def f(x):
        raise exc("numerical")

    c, _ = compiled("float64", "f(x)", {"f": (f, "x")})
    assert c({"x": 1.0}) is UNDEFINED


def test_other_exceptions_stop_with_the_traceback():
    def helper(x):
        return undefined_name + x  # noqa: F821 - the bug under test

    def f(x):
        return helper(x)

    c, _ = compiled("float64", "f(x)", {"f": (f, "x")})
    with pytest.raises(UserCodeError) as info:
        c({"x": 0.5})
    err = info.value
    assert isinstance(err.original, NameError)
    text = str(err)
    assert text.startswith("f (") and "f(x=0.5) raised NameError: name 'undefined_name' is not defined" in text
    assert "in helper" in text and "return undefined_name + x" in text  # the user's frames
    assert "identities/evaluate/usercode.py" not in text  # our own frame is left out
    assert "count as undefined" in text


def test_a_result_that_is_not_a_number_is_an_error():
    c, _ = compiled("float64", "f(x)", {"f": (lambda x: None, "x")})
    with pytest.raises(UserCodeError, match=r"returned None \(NoneType\); it must return one real number"):
        c({"x": 0.5})


def test_the_oracle_and_mpmath_evaluate_the_definition_not_the_code():
    calls = []

    def wrong(x):
        calls.append(x)
        return 0.0

    user = user_functions({"f": (wrong, "x**2")})
    e = parse("f(x)", {"x"}, user=user)
    from identities.oracle.scalar import DEFAULT_ORACLE

    t = DEFAULT_ORACLE.evaluate(e, {"x": 3.0})
    assert t.to_float(identities.numbers.formats.float64) == 9.0
    mp = get_backend("mpmath").compile(e)
    assert float(mp({"x": get_backend("mpmath").convert_input(3.0)})) == 9.0
    assert calls == []
    assert str(exact(e)) == "x**2"


def test_wider_results_are_told_per_format():
    def in_double(x):
        return float(np.log1p(np.exp(float(x))))

    def in_format(x):
        return np.log1p(np.exp(x))

    wide = user_functions({"softplus": (in_double, "log(1 + exp(x))")})["softplus"]
    own = user_functions({"softplus": (in_format, "log(1 + exp(x))")})["softplus"]
    assert wider_result(wide, get_backend("float32")) == (
        "softplus returned float64 (a Python float) for float32 inputs: its float32 accuracy is not what is "
        "measured (the wider result is rounded to float32; compute in float32, or check it on float64)"
    )
    assert wider_result(wide, get_backend("float64")) is None
    assert wider_result(own, get_backend("float32")) is None
    assert "returned float32 for float16 inputs" in wider_result(
        user_functions({"g": (lambda x: np.float32(x), "x")})["g"], get_backend("float16")
    )


def test_verify_checks_the_code_against_the_definition():
    def naive(x):
        return math.log(1 + math.exp(x))

    def careful(x):
        return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))

    for impl, verdict in ((naive, "precision_failure"), (careful, "holds")):
        ident = identities.identity(
            "softplus_log1p",
            "softplus(x)",
            "log1p(exp(x))",
            vars={"x": "real[-30, 30]"},
            functions={"softplus": (impl, "log(1 + exp(x))")},
        )
        r = identities.verify(ident, "float64", examples=100)
        assert r.verdict == verdict, (impl, r)
    # the naive code's defect: log(1 + exp(x)) loses everything where exp(x) is below eps
    assert r.verdict == "holds" and r.max_error.ulps <= 2


def test_an_error_in_the_code_is_the_error_verdict_or_raised():
    ident = identities.identity(
        "arity",
        "f(x)",
        "x",
        vars={"x": "real[0, 1]"},
        functions={"f": identities.implementation(lambda a, b: a, "x", args=["x"])},
    )
    r = identities.verify(ident, "float64", examples=20)
    assert r.verdict == "error"
    assert "raised TypeError" in r.message and "missing 1 required positional argument: 'b'" in r.message
    with pytest.raises(UserCodeError, match="raised TypeError") as info:
        identities.verify(ident, "float64", examples=20, raise_user_errors=True)
    assert isinstance(info.value.__cause__, TypeError)
    assert "Traceback" not in str(info.value)  # raised: the traceback is the chained exception's own


def test_torch_like_backends_say_they_cannot_call_python_code():
    class NoUserCode:
        name = "elsewhere"

    from identities.errors import IdentitiesError
    from identities.evaluate.compiler import compile_expr

    e = parse("f(x)", {"x"}, user=user_functions({"f": (lambda x: x, "x")}))
    with pytest.raises(IdentitiesError, match="cannot call it"):
        compile_expr(e, NoUserCode())
