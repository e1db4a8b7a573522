"""Lists and arrays in assert_accurate and assert_derivative: vector[n] inputs, vector results by component."""

import math

import mpmath
import numpy as np
import pytest

from identities.errors import UserCodeError, WiderResultWarning
from identities.testing.asserts import assert_accurate, assert_close, assert_derivative


def mean_array(x):
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == (4,)
    return float(np.sum(x) / 4)


def mean_list(x):
    assert isinstance(x, list) and all(type(c) is float for c in x)
    return math.fsum(x) / len(x)


def test_vectors_arrive_as_arrays_or_lists():
    a = assert_accurate(
        mean_array,
        "total(x)/4",
        vars={"x": "vector[4] real[-10, 10]"},
        examples=40,
        tolerance="1e-15 rel or 1e-300 abs",
    )
    assert a.examples == 40
    assert a.notes[0] == (
        "inputs passed as Python floats, vectors as numpy arrays of float64, integers as Python ints; "
        "it returned float64 (a Python float)"
    )
    b = assert_accurate(mean_list, "total(x)/4", vars={"x": "vector[4] real[-10, 10]"}, examples=40, as_list=True)
    assert b.max_ulps <= 1  # fsum, then one division: correctly rounded or one ulp


def test_a_vector_result_is_compared_component_by_component():
    def softmax_naive(x):
        e = np.exp(x)
        return e / e.sum()

    with np.errstate(all="ignore"), pytest.raises(AssertionError) as info:
        assert_accurate(softmax_naive, "exp(x)/total(exp(x))", vars={"x": "vector[3] real[-1000, 1000]"}, examples=100)
    text = str(info.value)
    lines = text.splitlines()
    assert lines[2].startswith("    at x=[")
    x = [float(c) for c in lines[2].split("[", 1)[1].rstrip("]").split(",")]
    with np.errstate(all="ignore"):
        assert np.isnan(softmax_naive(np.array(x))).any() and max(x) > 709.78  # exp overflowed: inf/inf
    assert "softmax_naive(x)[" in lines[3] and "= nan" in lines[3]
    assert "(counting from 0) is the worst; ulps by component: [" in text


def test_a_careful_vector_function_passes_with_a_tolerance_its_shift_explains():
    def softmax(x):
        e = np.exp(x - np.max(x))
        return e / e.sum()

    ref = lambda x: [mpmath.exp(c) / mpmath.fsum(mpmath.exp(d) for d in x) for c in x]  # noqa: E731
    a = assert_accurate(softmax, ref, vars={"x": "vector[3] real[-100, 100]"}, tolerance="5e-14 rel", examples=60)
    assert 0 < a.max_rel < 5e-14


def test_the_gradient_of_logsumexp_is_softmax():
    def softmax(x):
        e = np.exp(x - np.max(x))
        return e / e.sum()

    a = assert_derivative(
        "log(total(exp(x)))", softmax, vars={"x": "vector[3] real[-30, 30]"}, tolerance="2e-14 rel", examples=40
    )
    assert a.max_rel < 2e-14
    with pytest.raises(AssertionError, match=r"softmax_wrong vs ∇x log\(total\(exp\(x\)\)\)"):

        def softmax_wrong(x):
            return np.exp(x) / np.exp(x).sum() * 1.001

        assert_derivative("log(total(exp(x)))", softmax_wrong, vars={"x": "vector[3] real[-3, 3]"}, examples=20)


def test_a_wrong_length_result_says_so():
    with pytest.raises(Exception, match=r"the reference is a vector of 3 components, so it must return 3 real numbers"):
        assert_accurate(lambda x: x[:2], "2*x", vars={"x": "vector[3] real[-1, 1]"}, examples=5)


def test_a_programming_error_is_raised_at_once_not_a_verdict():
    def arity(x, y):
        return x

    with pytest.raises(
        UserCodeError, match=r"raised TypeError: .*arity\(\) missing 1 required positional argument"
    ) as info:
        assert_accurate(arity, "x", vars={"x": "real[0, 1]"}, examples=10)
    assert isinstance(info.value.__cause__, TypeError)


def test_a_numerical_exception_is_a_wrong_value():
    with pytest.raises(AssertionError, match="raised OverflowError"):
        assert_accurate(
            lambda x: math.exp(x) - 1, "expm1(x)", vars={"x": "real[700, 720]"}, tolerance="1 rel", examples=30
        )


def test_a_float32_test_of_code_that_computes_in_double_is_warned():
    def softplus_in_double(x):
        return math.log1p(math.exp(float(x)))

    with pytest.warns(WiderResultWarning, match="softplus_in_double returned float64 .* for float32 inputs") as w:
        a = assert_accurate(
            softplus_in_double, "log(1 + exp(x))", vars={"x": "real[-20, 20]"}, backend="float32", examples=30
        )
    assert "inputs passed as numpy.float32 scalars" in str(w[0].message)
    assert a.max_ulps == 0  # rounded once from a double: what the warning is about


def test_assert_close_takes_tuples_and_lists():
    assert_close((1.0, 2.0), [1.0, 2.0])
    with pytest.raises(AssertionError, match=r"1 of 2 elements \(50%\) not within 4 ulp .*\n  worst at index 1:"):
        assert_close((1.0, 2.0), (1.0, 2.5))
