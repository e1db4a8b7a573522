"""The assertion helpers: verdicts, measured errors, shrunk inputs and the exact messages."""

import math

import mpmath
import numpy as np
import pytest

from identities.check.engine import verify
from identities.check.failures import explain
from identities.errors import InvalidArgument
from identities.numbers.formats import float32, float64
from identities.registry.files import identity
from identities.testing.asserts import assert_accurate, assert_close, assert_derivative, assert_identity

pytest_plugins = ["pytester"]


# -- assert_close ---------------------------------------------------------------------------------


def test_assert_close_passes_within_tolerance_and_on_special_values():
    x = np.linspace(-3, 3, 101)
    assert_close(x, x)
    assert_close(np.nextafter(x, np.inf), x, "1 ulp")
    assert_close([0.0, np.nan, np.inf, -np.inf], [-0.0, np.nan, np.inf, -np.inf], "0 ulp")
    assert_close(1.0 + 1e-9, 1.0, "1e-8 rel")
    assert_close(np.ones((2, 3)), 1.0)  # broadcasting
    assert_close(np.float32(0.1), 0.1, "0 ulp")  # expected is rounded to actual's format


def test_assert_close_message_float32():
    x = np.float32([1e-3, 0.1, 1.0, 10.0])
    with pytest.raises(AssertionError) as info:
        assert_close(np.log1p(x), np.log(1 + x))
    assert str(info.value) == (
        "assert_close: 1 of 4 elements (25%) not within 4 ulp (float32, shape (4,))\n"
        "  worst at index 0:\n"
        "    actual   = 0.0009995004 (0x1.060356p-10)\n"
        "    expected = 0.0009995472 (0x1.06067ap-10)\n"
        "    402 ulp (8.7 bits), rel error 4.68e-05, abs error 4.68e-08\n"
        '  would pass with tolerance="402 ulp" (or "4.7e-05 rel", or "4.7e-08 abs")'
    )
    for suggested in ("402 ulp", "4.7e-05 rel", "4.7e-08 abs"):
        assert_close(np.log1p(x), np.log(1 + x), suggested)  # the suggestions do pass
    with pytest.raises(AssertionError):
        assert_close(np.log1p(x), np.log(1 + x), "401 ulp")


def test_assert_close_counts_ulps_of_the_actual_dtype():
    x16 = np.float16([0.5, 1.5, 3.0])
    bumped = (x16.view(np.int16) + np.int16(3)).view(np.float16)
    assert_close(bumped, x16, "3 ulp")
    with pytest.raises(AssertionError, match=r"3 of 3 elements .* not within 2 ulp \(float16, shape \(3,\)\)"):
        assert_close(bumped, x16, "2 ulp")
    # the same values compared as float64 are 3 * 2**42 float64 ulps apart
    with pytest.raises(AssertionError, match=r"would pass with tolerance=\"13194139533312 ulp\""):
        assert_close(bumped.astype(np.float64), x16)


def test_assert_close_many_mismatches_lists_the_first_and_the_maximum():
    a = np.arange(1.0, 101.0)
    b = a * (1 + 3e-15)
    b[37] = a[37] * (1 + 1e-12)
    with pytest.raises(AssertionError) as info:
        assert_close(a, b, "2 ulp")
    text = str(info.value)
    assert text.startswith("assert_close: ")
    lines = text.splitlines()
    assert lines[1] == "  worst at index 37:"
    assert lines[2] == "    actual   = 38.0 (0x1.3p+5)"
    assert lines[5].startswith("  first mismatches (5 of ")
    worst = float64.ulp_distance(38.0, float(b[37]))
    assert f"max over mismatches: {worst:.0f} ulp" in text
    assert text.endswith(f'would pass with tolerance="{worst:.0f} ulp" (or "1e-12 rel", or "3.8e-11 abs")')


def test_assert_close_nan_and_shape_errors():
    with pytest.raises(AssertionError, match="no tolerance passes: at 1 element a nan or an infinity"):
        assert_close([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(AssertionError, match=r"shapes differ: actual \(3,\), expected \(4,\)"):
        assert_close(np.zeros(3), np.zeros(4))
    with pytest.raises(InvalidArgument, match="tolerance='four ulp'"):
        assert_close(1.0, 1.0, "four ulp")


def test_helpers_hide_their_frames(pytester):
    pytester.makepyfile(
        test_x="""
        import numpy as np
        from identities.testing.asserts import assert_close

        def test_it():
            assert_close(np.float32([1.0, 2.0]), [1.0, 2.1])
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert any(
        ln.startswith("E ")
        and ln.endswith("AssertionError: assert_close: 1 of 2 elements (50%) not within 4 ulp (float32, shape (2,))")
        for ln in result.outlines
    )
    assert "closeness.py" not in text and "def assert_close" not in text


# -- assert_identity ------------------------------------------------------------------------------


def test_assert_identity_has_the_verdicts_and_text_of_a_registry_identity():
    results = assert_identity("2*x", "x + x", vars={"x": "real"}, backends=["float64", "mpmath"], examples=30)
    assert [(r.backend, r.verdict) for r in results] == [("float64", "holds"), ("mpmath", "holds")]
    assert_identity(
        "log(x*y)",
        "log(x) + log(y)",
        vars={"x": "positive", "y": "positive"},
        backends="float64",
        examples=30,
        expect={"float64": "precision_failure"},
    )
    with pytest.raises(AssertionError) as info:
        assert_identity(
            "sqrt(x**2)", "x", vars={"x": "real[-4, 4]"}, backends="float64,mpmath", examples=30, name="sqrt_square"
        )
    ident = identity("sqrt_square", "sqrt(x**2)", "x", vars={"x": "real[-4, 4]"})
    expected = [explain(verify(ident, b, examples=30), ident) for b in ("float64", "mpmath")]
    expected[-1] += "\n  reproduce: the same call (seed=0, examples=30)"
    assert str(info.value) == "\n\n".join(expected)
    assert str(info.value).startswith("sqrt_square [float64]: refuted (expected holds)\n")


def test_assert_identity_bad_input():
    with pytest.raises(InvalidArgument, match="examples=0"):
        assert_identity("x", "x", vars={"x": "real"}, examples=0)
    with pytest.raises(ValueError, match="unknown domain kind 'posative'"):
        assert_identity("x", "x", vars={"x": "posative"})


# -- assert_accurate ------------------------------------------------------------------------------


def softplus(x):
    return math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x))


def softplus_naive(x):
    return math.log(1 + math.exp(x))


def test_assert_accurate_passes_and_reports_the_largest_error():
    acc = assert_accurate(softplus, "log(1 + exp(x))", vars={"x": "real[-30, 30]"}, examples=100)
    assert acc.examples == 100 and 0 < acc.max_ulps <= 4 and acc.max_bits == math.log2(1 + acc.max_ulps)
    x = acc.worst["x"]
    with mpmath.workdps(50):
        exact = float(mpmath.log1p(mpmath.exp(mpmath.mpf(x))))
    assert float64.ulp_distance(softplus(x), exact) == acc.max_ulps


def test_assert_accurate_fails_with_the_largest_error_shrunk_and_the_minimal_input():
    with pytest.raises(AssertionError) as info:
        assert_accurate(softplus_naive, "log(1 + exp(x))", vars={"x": "real[-30, 30]"}, examples=100)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("assert_accurate: softplus_naive vs log(1 + exp(x)): not within 4 ulp in float64 at ")
    assert lines[1] == "  largest error found (shrunk: the simplest input with an error this large):"
    # where log(1 + exp(x)) loses the most: at the bound, where 1 + exp(x) keeps the fewest digits of exp(x)
    at = float(lines[2].split("=")[1].split()[0])
    assert -30 <= at < -29.99 and float.fromhex(lines[2].split("(")[1].rstrip(")")) == at
    assert lines[3].startswith(f"    softplus_naive(x) = {softplus_naive(at)!r} (0x1.a4ffffffffea6p-44)")
    with mpmath.workdps(40):
        exact = mpmath.log1p(mpmath.exp(mpmath.mpf(at)))
        shown = mpmath.mpf(lines[4].split("=")[1].split()[0])  # 20 digits of the exact value
        assert lines[4].startswith("    exact             = ") and abs(shown / exact - 1) < 1e-18
    largest = float64.ulp_distance(softplus_naive(at), float(exact))
    assert largest > 7e12  # 42.8 bits of 53
    assert lines[5].startswith(f"    error {largest:.0f} ulp ({math.log2(1 + largest):.1f} bits)")
    assert lines[6] == "  minimal failing input:"
    x = float(lines[7].split("=")[1].split()[0])
    minimal = float64.ulp_distance(softplus_naive(x), float(mpmath.log1p(mpmath.exp(x))))
    assert 4 < minimal < largest  # the threshold problem: the minimal failure barely fails
    assert len(repr(x)) <= 5  # a value a person would write
    needed = float(lines[-3].split('"')[1].split()[0])
    assert needed >= largest and lines[-3].startswith(f'  would pass with tolerance="{needed:.0f} ulp" (or "0.001')
    assert (
        lines[-2] == "  inputs passed as Python floats, integers as Python ints; it returned float64 (a Python float)"
    )
    assert lines[-1] == "  reproduce: the same call (seed=0, examples=100)"


def test_assert_accurate_mpmath_reference_agrees_with_the_expression():
    def message(ref):
        with pytest.raises(AssertionError) as info:
            assert_accurate(softplus_naive, ref, vars={"x": "real[-30, 30]"}, examples=60)
        return str(info.value).splitlines()

    a = message("log(1 + exp(x))")
    b = message(lambda x: mpmath.log(1 + mpmath.exp(x)))
    assert a[0].replace("log(1 + exp(x))", "REF") == b[0].replace("<lambda>", "REF")
    assert a[1:] == b[1:]


def test_assert_accurate_float32_passes_numpy_scalars():
    seen = set()

    def expm1_32(x):
        seen.add(type(x))
        return np.expm1(x)

    assert_accurate(
        expm1_32, "expm1(x)", vars={"x": "real[-10, 10]"}, backend="float32", examples=50, tolerance="1 ulp"
    )
    assert seen == {np.float32}
    with pytest.raises(AssertionError, match="not within 4 ulp in float32"):
        assert_accurate(
            lambda x: np.exp(x) - np.float32(1), "expm1(x)", vars={"x": "real[-1, 1]"}, backend="float32", examples=50
        )


def test_assert_accurate_a_crash_is_a_failure_with_its_exception():
    def reciprocal(x):
        return 1 / x if x > 0.5 else 1 / (x - x)

    with pytest.raises(AssertionError) as info:
        assert_accurate(reciprocal, "1/x", vars={"x": "positive[0.1, 10]"}, examples=50)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert "reciprocal(x) raised ZeroDivisionError: float division by zero" in str(info.value)
    assert "no tolerance passes" in str(info.value)


def test_assert_accurate_bad_input_and_nothing_to_check():
    with pytest.raises(InvalidArgument, match=r"vars=None must be a non-empty mapping"):
        assert_accurate(math.exp, "exp(x)", vars=None)
    with pytest.raises(InvalidArgument, match=r"reference='exp\(y\)': undeclared variable 'y'"):
        assert_accurate(math.exp, "exp(y)", vars={"x": "real"})
    with pytest.raises(InvalidArgument, match=r"func=3 is not callable"):
        assert_accurate(3, "exp(x)", vars={"x": "real"})
    with pytest.raises(InvalidArgument, match=r"backend='float80'"):
        assert_accurate(math.exp, "exp(x)", vars={"x": "real"}, backend="float80")
    with pytest.raises(InvalidArgument, match=r"reference=42 must be an expression string or an mpmath callable"):
        assert_accurate(math.exp, 42, vars={"x": "real"})
    with pytest.raises(
        AssertionError,
        match=r"no example could be checked in 20 tries \(20 where the reference "
        r"is undefined",
    ):
        assert_accurate(math.log, "log(x)", vars={"x": "negative"}, examples=20)
    with pytest.raises(InvalidArgument, match=r"returned 'one' at x="):
        assert_accurate(lambda x: "one", "x", vars={"x": "real"}, examples=5)


# -- assert_derivative ----------------------------------------------------------------------------


def test_assert_derivative_exact_by_oracle_and_by_mpmath():
    def d_sin2(x):
        return 2 * math.sin(x) * math.cos(x)

    assert_derivative("sin(x)**2", d_sin2, vars={"x": "real[-10, 10]"}, examples=60)
    assert_derivative(lambda x: mpmath.sin(x) ** 2, d_sin2, vars={"x": "real[-10, 10]"}, examples=60)
    assert_derivative(
        "x*y**3",
        lambda x, y: 3 * x * y * y,
        vars={"x": "real[-5, 5]", "y": "real[-5, 5]"},
        wrt="y",
        examples=40,
        tolerance="4 ulp",
    )


def test_assert_derivative_fails_on_a_wrong_derivative():
    with pytest.raises(AssertionError) as info:
        assert_derivative("sin(x)**2", lambda x: math.sin(2 * x) * (1 + 1e-7), vars={"x": "real[-10, 10]"}, examples=40)
    text = str(info.value)
    assert text.startswith("assert_derivative: <lambda> vs d/dx sin(x)**2: not within 4 ulp in float64")
    assert "minimal failing input:\n    at x=1.0 (0x1p+0)" in text
    with pytest.raises(InvalidArgument, match=r"wrt=None, but vars=.* has 2 variables"):
        assert_derivative("x*y", lambda x, y: y, vars={"x": "real", "y": "real"})
    with pytest.raises(InvalidArgument, match=r"wrt='z' is not one of vars="):
        assert_derivative("x*y", lambda x, y: y, vars={"x": "real", "y": "real"}, wrt="z")


def test_derivative_is_never_a_float_difference_quotient():
    # at x = 1e-200, sin(x)**2 has derivative 2e-200; any float difference quotient of sin(x)**2 there is 0
    assert_derivative(
        "sin(x)**2", lambda x: math.sin(2 * x), vars={"x": "positive[1e-200, 1e-199]"}, examples=20, tolerance="1 ulp"
    )
    assert_derivative(
        lambda x: mpmath.sin(x) ** 2,
        lambda x: math.sin(2 * x),
        vars={"x": "positive[1e-200, 1e-199]"},
        examples=20,
        tolerance="1 ulp",
    )
    with pytest.raises(AssertionError):
        assert_derivative("sin(x)**2", lambda x: 0.0, vars={"x": "positive[1e-200, 1e-199]"}, examples=5)
    assert float32.round(2e-200) == 0.0  # (and in float32 the derivative underflows to 0)
