"""Proven round-off bounds: small cases pinned by hand, the reasons for no bound, and soundness at points."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from identities.backends import get_backend
from identities.bounds import bound_expr, bound_identity, model_for
from identities.bounds.build import build_form
from identities.language.domains import parse_domain
from identities.language.expr import parse
from identities.language.tolerance import parse_tolerance
from identities.oracle.scalar import DEFAULT_ORACLE
from identities.registry.files import identity


def bound(text: str, backend: str = "float64", **domains: str):
    variables = [(n, parse_domain(d)) for n, d in domains.items()]
    return bound_expr(parse(text, set(domains)), variables, backend, seconds=1.0)


def test_one_rounding_of_a_sum_in_2_4():
    # x + y on [1, 2]^2 is in [2, 4]: one rounding, whose error is at most u*4 = 2**-51 under v*(1 + d),
    # and half an ulp of [2, 4), 2**-52, once the model knows 4 itself is not rounded
    variables = [("x", parse_domain("real[1, 2]")), ("y", parse_domain("real[1, 2]"))]
    e = parse("x + y", {"x", "y"})
    assert bound_expr(e, variables, "float64").abs == 2.0**-52
    assert bound_expr(e, variables, model_for("float64").plain()).abs == 2.0**-51


def test_a_library_function_uses_the_model_figure():
    # exp within 1 ulp (glibc): on [0, 0.5] exp is in [1, 1.65), one ulp is 2**-52; on [0, 1] it reaches
    # [2, e], where one ulp is 2**-51
    b = bound("exp(x)", x="real[0, 0.5]")
    assert b.abs == 2.0**-52
    assert "exp within 1 ulp (glibc" in b.model
    assert bound("exp(x)", x="real[0, 1]").abs == 2.0**-51
    # float32: numpy's exp, assumed within 3 ulp (measured): 3 ulps of [1, 2) in float32
    assert bound("exp(x)", "float32", x="real[0, 0.5]").abs == 3 * 2.0**-23
    wrong = bound_expr(
        parse("exp(x)", {"x"}), [("x", parse_domain("real[0, 1]"))], model_for("float64").with_entry("exp", 0)
    )
    assert wrong.abs == 0.0


def test_a_literal_carries_its_own_rounding_and_integers_none():
    exact = abs(Fraction(0.1) - Fraction(1, 10))
    b = bound("0.1")
    assert exact <= Fraction(b.abs) <= exact * (1 + Fraction(1, 2**50))
    assert bound("3*n + 1", n="integer[0, 10]").abs == 0.0
    assert bound("2*x - x", x="real[1, 2]").abs == 2.0**-53 * 2  # 2*x exact, the difference in [1, 3]: u*2
    # halving is exact but where the result may be subnormal: half the smallest subnormal
    assert bound("0.5*x", x="real[-1, 1]").abs == 2.0**-1075


@pytest.mark.parametrize(
    ("text", "domains", "reason"),
    [
        ("log(x)", {"x": "positive"}, "x unbounded above"),
        ("x + 1", {"x": "real[-inf, 3]"}, "x unbounded below"),
        ("log(x)", {"x": "real[0, 1]"}, "log has a pole at x = 0 in the domain"),
        ("sqrt(x - 1)", {"x": "real[0, 0.5]"}, "sqrt is undefined where x - 1 < 0 in the domain"),
        ("sqrt(x - 1)", {"x": "real[1, 2]"}, "sqrt has a branch point at x - 1 = 0 in the domain"),
        ("1/(x - 1)", {"x": "real[0, 2]"}, "division by x - 1, which reaches 0 in the domain"),
        ("diff(sin(x), x)", {"x": "real[0, 1]"}, "diff is not bounded"),
        ("lgamma(x)", {"x": "real[1, 2]"}, "lgamma has no error figure in the float64 model"),
        ("exp(x)", {"x": "real[0, 1000]"}, "exp(x) may overflow float64"),
    ],
)
def test_no_bound_says_why(text, domains, reason):
    b = bound(text, **domains)
    assert b.abs is None
    assert reason in b.reason


def test_generated_functions_and_vectors_have_no_bound():
    ident = identity("chain", "diff(f(x), x)", "D(f)(x)", vars={"x": "real[-1, 1]"}, functions={"f": "elementary"})
    assert bound_identity(ident, "float64").reason == "lhs: generated functions are not bounded"
    vec = identity("v", "2*x", "x + x", vars={"x": "vector[3] real[-1, 1]"})
    assert "vectors are not bounded" in bound_identity(vec, "float64").reason


CASES = [
    ("4.0*x/(1 + x/1.11)", {"x": (0.1, 0.3)}),
    ("x*x*x - 0.3*x + pi", {"x": (-2.0, 2.0)}),
    ("exp(x)*sin(y) - log1p(x*y)", {"x": (0.0, 2.0), "y": (0.5, 3.0)}),
    ("sqrt(x*x + y*y) / (1 + x)", {"x": (0.25, 4.0), "y": (-3.0, 3.0)}),
    ("atan2(y, x) + x**3 + cosh(y)", {"x": (0.5, 2.0), "y": (-1.0, 1.0)}),
    ("(n*x + 1)/3", {"x": (-1.0, 1.0), "n": (0, 20)}),
]


@pytest.mark.parametrize("backend", ["float64", "float32"])
@pytest.mark.parametrize(("text", "ranges"), CASES)
def test_the_bound_at_a_point_covers_the_real_error_there(text, ranges, backend):
    """Soundness where it is sharpest: at a point the bound is nearly the error itself."""
    be = get_backend(backend)
    fmt = be.format
    e = parse(text, set(ranges))
    integers = frozenset(n for n, r in ranges.items() if isinstance(r[0], int))
    form = build_form(e, model_for(backend), integers)
    f = be.compile(e)
    rng = random.Random(1)
    for _ in range(150):
        x = {n: rng.randint(*r) if n in integers else fmt.round(rng.uniform(*r)) for n, r in ranges.items()}
        got = be.to_float(f({n: be.convert_input(v) for n, v in x.items()}))
        exact = DEFAULT_ORACLE.evaluate(e, x).to_fraction()
        error = abs(Fraction(got) - exact)
        point = form.evaluate({n: (float(v), float(v)) for n, v in x.items()})
        assert Fraction(point.error) >= error, (x, point.error, float(error))


def test_identity_bound_sums_the_sides_and_proves_a_tolerance():
    ident = identity("swap", "x + y", "y + x", vars={"x": "real[1, 2]", "y": "real[1, 2]"})
    b = bound_identity(ident, "float64")
    assert b.abs == 2 * 2.0**-52
    assert b.lhs.abs == b.rhs.abs == 2.0**-52
    assert b.ulps == b.lhs.ulps + b.rhs.ulps
    assert b.proves(parse_tolerance("4 ulp"))
    assert not b.proves(parse_tolerance("1e-17 abs"))
    assert b.sufficient() == f"{int(b.ulps)} ulp"


DOPPLER = "-(331.4 + 0.6*T)*v/((331.4 + 0.6*T + u)*(331.4 + 0.6*T + u))"


def test_branch_and_bound_is_sound_when_cut_short():
    variables = [
        ("u", parse_domain("real[-100, 100]")),
        ("v", parse_domain("real[20, 20000]")),
        ("T", parse_domain("real[-30, 50]")),
    ]
    e = parse(DOPPLER, {"u", "v", "T"})
    full = bound_expr(e, variables, "float64", seconds=2.0, ulps=False)
    short = bound_expr(e, variables, "float64", seconds=0.001, ulps=False)  # 50 boxes
    assert full.complete and not short.complete
    assert math.isfinite(short.abs) and short.abs >= full.abs
    again = bound_expr(e, variables, "float64", seconds=0.001, ulps=False)  # a budget of boxes: deterministic
    assert (again.abs, again.where, again.boxes) == (short.abs, short.where, short.boxes)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_a_user_function_has_no_bound():
    ident = identity(
        "user",
        "sigmoid(x) + sigmoid(-x)",
        "1",
        vars={"x": "real[-8, 8]"},
        functions={"sigmoid": (_sigmoid, "1/(1 + exp(-x))")},
    )
    b = bound_identity(ident, "float64")
    assert b.abs is None
    assert b.reason == "lhs: user function sigmoid (Python code, no error model) is not bounded"
