"""The newer forms in the bounds: where, min, max, copysign, fma, the roundings to integers, the remainders,
exp2, sum/prod unrolled, integer-exact expressions; each either bounded (and the bound covers the largest
error a search finds on hard inputs) or refused with its reason."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from identities.backends import get_backend
from identities.bounds import bound_expr
from identities.bounds.build import MAX_TERMS
from identities.language.domains import parse_domain
from identities.language.expr import parse
from identities.oracle.scalar import DEFAULT_ORACLE


def bound(text: str, backend: str = "float64", seconds: float = 1.0, **domains: str):
    variables = [(n, parse_domain(d)) for n, d in domains.items()]
    return bound_expr(parse(text, set(domains)), variables, backend, seconds=seconds)


def largest_error(text: str, backend: str, points: list[dict[str, float | int]]) -> float:
    """The largest |float - exact| over the points (each input first rounded to the backend's format)."""
    be = get_backend(backend)
    e = parse(text, set(points[0]))
    f = be.compile(e)
    worst = Fraction(0)
    for x in points:
        x = {n: v if isinstance(v, int) else be.format.round(v) for n, v in x.items()}
        got = be.to_float(f({n: be.convert_input(v) for n, v in x.items()}))
        exact = DEFAULT_ORACLE.evaluate(e, x).to_fraction()
        assert math.isfinite(got), (text, x)
        worst = max(worst, abs(Fraction(got) - exact))
    return float(worst)


def near(values: list[float], count: int = 8) -> list[float]:
    """Hard inputs: each value and the floats right beside it."""
    out = []
    for v in values:
        a = b = v
        for _ in range(count):
            out += [a, b]
            a, b = math.nextafter(a, -math.inf), math.nextafter(b, math.inf)
    return out


def draws(ranges: dict[str, tuple[float, float]], n: int = 400, seed: int = 0, hard=()) -> list[dict]:
    rng = random.Random(seed)
    out = [
        {
            k: rng.randint(int(lo), int(hi)) if isinstance(lo, int) else rng.uniform(lo, hi)
            for k, (lo, hi) in ranges.items()
        }
        for _ in range(n)
    ]
    return out + list(hard)


BOUNDED = [
    # where: an exact condition; each branch bounded where it may be taken (the box clipped at 0.5)
    ("where(x > 0.5, log(x), x*1.1)", {"x": (-1.0, 1.0)}, [{"x": v} for v in near([0.5, 1.0, -1.0])]),
    ("where(x > 0, log(x), 0)", {"x": (-1.0, 1.0)}, [{"x": v} for v in near([0.0, 2.0**-1074, 1e-300])]),
    ("where(x < y, x + y, x - y)*0.1", {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, []),
    ("where(0 < x <= 1 and not x == 0.5, x*x, -x*x*x)", {"x": (-2.0, 2.0)}, [{"x": v} for v in near([0.5, 1.0, 0.0])]),
    # min and max: 1-Lipschitz, no rounding of their own
    ("min(x + y, x*y)", {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, [{"x": v, "y": 2.0} for v in near([-2.0])]),
    ("max(x*0.1, y/3) + 1", {"x": (0.0, 10.0), "y": (0.0, 3.0)}, [{"x": v, "y": 0.3} for v in near([1.0])]),
    ("copysign(x + 0.1, y)", {"x": (-1.0, 1.0), "y": (1.0, 2.0)}, [{"x": v, "y": 1.0} for v in near([-0.1])]),
    ("copysign(x*x, y - 3)", {"x": (-1.0, 1.0), "y": (-2.0, 2.0)}, []),
    # fma: one rounding
    ("fma(x, y, -1)", {"x": (0.5, 2.0), "y": (0.5, 2.0)}, [{"x": v, "y": 1 / v} for v in (3.0, 1.1, 1.7, 0.7)]),
    # roundings to integers and remainders, where the quotient keeps its integer part
    ("floor(x*0.1 + 0.5)*x", {"x": (1.0, 3.0)}, []),
    ("round(x) + x/3", {"x": (-3.0, 3.0)}, [{"x": v} for v in near([0.5, -0.5, 2.5])]),
    ("fmod(x*1.1, 2)", {"x": (1.0, 1.5)}, []),
    ("remainder(x*1.1, 2)", {"x": (1.0, 1.5)}, []),
    ("fmod(x, 0.75) + x", {"x": (1.0, 3.0)}, [{"x": v} for v in near([1.5, 2.25])]),
    ("exp2(x) - x", {"x": (-4.0, 4.0)}, []),
    # sums and products unrolled, constant bounds
    ("sum(x**k/(k + 1), k, 0, 6)", {"x": (0.0, 0.9)}, [{"x": 0.9}]),
    ("prod(1 + x/k, k, 1, 5)", {"x": (0.0, 0.5)}, [{"x": 0.5}]),
]


@pytest.mark.parametrize("backend", ["float64", "float32"])
@pytest.mark.parametrize(("text", "ranges", "hard"), BOUNDED)
def test_a_bounded_form_covers_the_largest_error_found(text, ranges, hard, backend):
    domains = {n: f"real[{lo!r}, {hi!r}]" for n, (lo, hi) in ranges.items()}
    b = bound(text, backend, **domains)
    assert b.abs is not None, b.reason
    found = largest_error(text, backend, draws(ranges, hard=hard))
    assert found <= b.abs, (found, b.abs)
    assert b.abs < 1e-4  # and it is a bound of the round-off, not of the values


def test_where_takes_each_branch_on_its_part_of_the_box():
    # log(x) alone fails on [-1, 1] (a pole at 0); under x > 0 the box is clipped to the positive floats,
    # where log(x) is within 1 ulp of values down to -744.4: 1 ulp of [512, 1024) is 2**-43
    assert "pole" in bound("log(x)", x="real[-1, 1]").reason
    assert bound("where(x > 0, log(x), 0)", x="real[-1, 1]").abs == 2.0**-43
    # the other branch alone: 0 is exact, x*1.1 rounds; on [-1, 0.5] only that branch is taken
    left = bound("where(x > 0.5, log(x), x*1.1)", x="real[-1, 0.5]")
    assert left.abs == bound("x*1.1", x="real[-1, 0.5]").abs


def test_min_and_max_add_no_error_and_pick_a_rounded_operand():
    assert bound("max(x, y)", x="real[-1, 1]", y="real[-1, 1]").abs == 0.0
    # min(x + y, 3) on [1, 2]^2: where x + y < 3 it is the sum (one rounding in [2, 3]: 2**-52)
    # (where the box cannot tell which is smaller each partial is the ball [0, 1], whose radius arb stores
    # rounded up by a few parts in 10**10)
    assert 2.0**-52 <= bound("min(x + y, 3)", x="real[1, 2]", y="real[1, 2]").abs <= 2.0**-52 * (1 + 1e-8)


def test_exact_forms_have_a_zero_bound_on_any_domain():
    for text, domains in [
        ("floor(x)", {"x": "real"}),
        ("fmod(x, y)", {"x": "real[1, 3]", "y": "real[0.5, 4]"}),
        ("where(x < 0, -x, x)", {"x": "real"}),
    ]:
        b = bound(text, **domains)
        assert (b.abs, b.ulps, b.complete) == (0.0, 0.0, True), (text, b)
        assert "exact" in b.model


def test_integer_results_are_rounded_once_to_the_format():
    # Python ints are exact, but a side's value is compared as a float of the format: below 2**53 that is
    # exact, above it rounded once, beyond the largest float an overflow
    for text, domains in [
        ("n*factorial(n - 1)", {"n": "integer[1, 18]"}),  # 18! < 2**53
        ("n**3 - 3*n", {"n": "integer[0, 60]"}),
        ("sum(comb(n, k), k, 0, n)", {"n": "integer[0, 50]"}),  # 2**50 at most
        ("2**n", {"n": "integer[0, 52]"}),  # an int to a power >= 0 stays an int
    ]:
        b = bound(text, **domains)
        assert (b.abs, b.ulps) == (0.0, 0.0), (text, b)
    assert "may overflow float64" in bound("factorial(n)", n="integer[1, 300]").reason
    big = bound("comb(n, 50)", n="integer[50, 100]")  # up to 1.0e29: half an ulp of [2**96, 2**97)
    assert big.abs == 2.0**43 and big.ulps == 1
    # with a negative exponent in the domain, 2**n is a float power (pow within 1 ulp)
    assert bound("2**n", n="integer[-3, 60]").ulps == 3
    # a sum of exact integers up to a bound that depends on n: one form per value of n
    row = bound("sum(comb(n, k), k, 0, n)", seconds=0.1, n="integer[0, 60]")
    assert row.abs == 64.0 and row.where.startswith(
        "n = 60"
    )  # half an ulp of [2**59, 2**60): 2**60 itself is not rounded


def test_fma_rounds_once():
    # x*y - 1 on [1, 2]^2 rounds the product (in [1, 4]: 2**-52 at most) then the difference (in [0, 3]: 2**-52);
    # fma rounds the result once: 2**-52 for a result in [0, 3]
    assert bound("x*y - 1", x="real[1, 2]", y="real[1, 2]").abs == 2.0**-51
    assert bound("fma(x, y, -1)", x="real[1, 2]", y="real[1, 2]").abs == 2.0**-52


def test_exp2_uses_its_model_figure():
    b = bound("exp2(x)", x="real[0, 0.5]")
    assert b.abs == 2.0**-52 and "exp2 within 1 ulp (glibc 2.36" in b.model
    assert bound("exp2(x)", "float32", x="real[0, 0.5]").abs == 2 * 2.0**-23  # measured 1.90: assumed 2


def test_a_sum_with_integer_variable_bounds_is_bounded_value_by_value():
    b = bound("sum(x**k, k, 0, n)", n="integer[0, 6]", x="real[0, 0.5]")
    assert b.abs is not None and b.where.startswith("n = ")
    worst = max(bound(f"sum(x**k, k, 0, {n})", x="real[0, 0.5]").abs for n in range(7))
    assert b.abs == worst
    points = [{"n": n, "x": x} for n in range(7) for x in (0.5, 0.49, 0.3, 0.1 + n / 100)]
    assert largest_error("sum(x**k, k, 0, n)", "float64", points) <= b.abs


@pytest.mark.parametrize(
    ("text", "domains", "reason"),
    [
        ("where(x*x > 0.5, 1, x)", {"x": "real[-1, 1]"}, "the condition of where is rounded in floats"),
        ("copysign(1, y)", {"y": "real[-1, 1]"}, "takes the sign of y = 0"),
        ("floor(x*0.1)", {"x": "real[-3, 3]"}, "floor(x*0.1) jumps where x*0.1 crosses an integer"),
        ("round(x/3)", {"x": "real[0, 3]"}, "round(x/3) jumps where x/3 crosses a half-integer"),
        ("fmod(x*1.1, 1)", {"x": "real[0, 3]"}, "jumps where x*1.1/1 crosses an integer"),
        ("fmod(x*1.1, y)", {"x": "real[0, 3]", "y": "real[-1, 1]"}, "fmod(x*1.1, y) is undefined where y = 0"),
        ("beta(x, 2)", {"x": "real[1, 2]"}, "beta is mpmath's at 53 bits, which states no error bound"),
        ("zeta(x)", {"x": "real[2, 3]"}, "zeta is mpmath's"),
        ("besselj(0, x)", {"x": "real[0, 3]"}, "besselj is mpmath's"),
        ("sum(x**k, k, 0, 1000)", {"x": "real[0, 0.5]"}, f"more than {MAX_TERMS} terms"),
        ("sum(x**k, k, 0, n)", {"n": "integer[0, 100]", "x": "real[0, 0.5]"}, "the bounds of sum depend on n"),
    ],
)
def test_no_bound_says_why(text, domains, reason):
    b = bound(text, **domains)
    assert b.abs is None
    assert reason in b.reason, b.reason


def test_the_refused_forms_really_can_go_wrong():
    """The refusals are not caution for its own sake: a rounded argument does cross the jump."""
    # x/49*49 is x exactly, but 1/49*49 is 0.9999999999999999 in floats: floor is off by a whole 1
    assert "floor(x/49*49) jumps where x/49*49 crosses an integer" in bound("floor(x/49*49)", x="real[0, 20]").reason
    assert math.floor(1.0 / 49 * 49) == 0  # exactly floor(1) = 1: an error of 1 from one rounding
    # copysign's sign of 0: -x at x = 0 is -0.0 in floats, +0 exactly
    assert "takes the sign of -x = 0" in bound("copysign(2, -x)", x="real[0, 1]").reason
    assert math.copysign(2.0, -0.0) == -2.0
