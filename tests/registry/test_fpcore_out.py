"""FPCore out: identities written as FPCore, and read back the same (the round trip over the library)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from identities.language.expr import Expr, Num
from identities.registry.files import Identity, builtin, identity, loads_fpcore
from identities.registry.fpcore_out import NotExpressible, precondition, to_fpcore

# what the library holds that FPCore cannot say, and why (the round trip covers every other identity)
NOT_EXPRESSIBLE = {
    "a sum (FPCore says it only as a loop, which is not read back)": 5,
    "comb() (no FPCore operator)": 3,
    "factorial() (no FPCore operator)": 2,
    "function variables (f, g)": 5,
    "a derivative (diff)": 17,
    "vector variable 'x' (FPCore tensors are not written)": 4,
    "log(x, b) (FPCore's log has one argument)": 7,
}


def plain(e: Expr) -> object:
    """An expression tree with literals compared by kind and value (``5.`` and ``5.0`` are one literal)."""
    if isinstance(e, Num):
        return ("num", type(e.value).__name__, Fraction(e.value))
    parts = [type(e).__name__]
    for f in dataclasses.fields(e):  # type: ignore[arg-type]
        v = getattr(e, f.name)
        if isinstance(v, Expr):
            parts.append(plain(v))
        elif isinstance(v, tuple) and v and isinstance(v[0], Expr):
            parts.append(tuple(plain(a) for a in v))
        else:
            parts.append(v)
    return tuple(parts)


def conjuncts(assume: tuple[Expr, ...]) -> list[object]:
    """Assumptions as FPCore's :pre says them: chains as the ``and`` of their links, each ``and`` split."""
    from identities.language.expr import Logic

    out: list[object] = []
    for a in map(chains, assume):
        out.extend(plain(x) for x in (a.args if isinstance(a, Logic) and a.op == "and" else (a,)))
    return out


def same(a: Identity, b: Identity) -> None:
    assert [(v, d.is_integer) for v, d in a.variables] == [(v, d.is_integer) for v, d in b.variables]
    # the same domains, as the constraints they stand for (nonnegative is real[0, inf])
    assert precondition(dataclasses.replace(a, assume=())) == precondition(dataclasses.replace(b, assume=()))
    assert plain(a.lhs) == plain(b.lhs) and plain(a.rhs) == plain(b.rhs)
    assert conjuncts(a.assume) == conjuncts(b.assume)
    assert a.examples == b.examples and b.source == (a.source or a.name)


def test_the_library_round_trips_through_fpcore() -> None:
    library = builtin()
    written, refused = [], {}
    for ident in library.values():
        try:
            written.append((ident, to_fpcore(ident)))
        except NotExpressible as exc:
            refused[str(exc)] = refused.get(str(exc), 0) + 1
    assert refused == NOT_EXPRESSIBLE
    assert len(written) == len(library) - sum(NOT_EXPRESSIBLE.values()) == 25
    back = loads_fpcore("\n\n".join(t for _, texts in written for t in texts), "library.fpcore")
    assert back.refused == ()
    for ident, _ in written:
        same(ident, back[ident.name])
        flipped = back[f"{ident.name}.rhs"]
        assert plain(flipped.lhs) == plain(ident.rhs) and plain(flipped.rhs) == plain(ident.lhs)


def test_what_is_written() -> None:
    ident = identity(
        "log_product",
        "log(x*y)",
        "log(x) + log(y)",
        vars={"x": "positive[1e-3, 1e3]", "y": "positive", "n": "integer[0, 10]", "p": "probability"},
        examples=[{"x": 2, "y": 8, "n": 1, "p": 0.5}],
        assume=["x != y"],
        source='the "product rule"',
    )
    lhs, rhs = to_fpcore(ident, "float32")
    assert lhs == (
        "(FPCore (x y (! :precision integer n) p)\n"
        '  :name "log_product"\n'
        "  :precision binary32\n"
        "  :pre (and (< 0 x) (<= 1e-3 x 1e3) (< 0 y) (<= 0 n 10) (<= 0 p 1) (!= x y))\n"
        "  :example ([x 2.0] [y 8.0] [n 1] [p 0.5])\n"
        '  :description "the \\"product rule\\""\n'
        "  :spec (+ (log x) (log y))\n"
        "  (log (* x y)))"
    )
    assert rhs.splitlines()[1] == '  :name "log_product.rhs"' and rhs.endswith("  (+ (log x) (log y)))")
    back = loads_fpcore(lhs, "t.fpcore")["log_product"]
    assert [(v, str(d)) for v, d in back.variables] == [
        ("x", "positive[1e-3, 1e3]"),
        ("y", "positive"),
        ("n", "integer[0, 10]"),
        ("p", "real[0, 1]"),
    ]
    assert back.tags == ("fpcore", "binary32")


def test_literals_keep_their_kind() -> None:
    ident = identity("lits", "x*2.0 + 5. + 1_000", "x*2 + 1e3 + 0.5e1", vars={"x": "real"})
    (text,) = to_fpcore(ident, sides=["lhs"])
    assert "(+ (+ (* x 2.0) 5.0) 1000)" in text and ":spec (+ (+ (* x 2) 1e3) 0.5e1)" in text
    same(ident, loads_fpcore(text)["lits"])


@pytest.mark.parametrize(
    "lhs, vars, why",
    [
        ("diff(sin(x), x)", {"x": "real"}, "a derivative (diff)"),
        ("sum(x**k, k, 0, 3)", {"x": "real"}, "a sum (FPCore says it only as a loop, which is not read back)"),
        (
            "prod(x + k, k, 1, 3)",
            {"x": "real"},
            "a product (prod) (FPCore says it only as a loop, which is not read back)",
        ),
        ("digamma(x)", {"x": "positive"}, "digamma() (no FPCore operator)"),
        ("lambertw(x)", {"x": "positive"}, "lambertw() (no FPCore operator)"),
        ("log(x, 2)", {"x": "positive"}, "log(x, b) (FPCore's log has one argument)"),
        ("comb(n, 2)", {"n": "integer[2, 9]"}, "comb() (no FPCore operator)"),
        ("total(v)", {"v": "vector[3] real"}, "vector variable 'v' (FPCore tensors are not written)"),
    ],
)
def test_what_fpcore_cannot_say_is_refused(lhs: str, vars: dict[str, str], why: str) -> None:
    with pytest.raises(NotExpressible) as exc:
        to_fpcore(identity("t", lhs, lhs, vars=vars))
    assert str(exc.value) == why


def test_a_one_sided_check_is_a_lone_body() -> None:
    from identities.registry.files import accuracy

    check = accuracy("plus_one", "x + 1", vars={"x": "real[0, 1]"})
    (text,) = to_fpcore(check)
    assert text == '(FPCore (x)\n  :name "plus_one"\n  :precision binary64\n  :pre (<= 0 x 1)\n  (+ x 1))'
    back = loads_fpcore(text)["plus_one"]
    assert back.one_sided
    same(check, back)


# every form the expression language gained that FPCore can say, in identities that are true
NEW_FORMS = [
    ("branch", "where(x > 0, log(x), 0)", "where(not x <= 0, log(x), 0*x)", {"x": "real"}, []),
    (
        "logic",
        "where(x > 1 and not x > 2 or x < -1, x, -x)",
        "where(x < -1 or 1 < x and x <= 2, x, -x)",
        {"x": "real"},
        ["x != 1 and (x > -5 or not x < 5)"],
    ),
    ("clamp", "min(max(x, 0), 1)", "max(min(x, 1), 0)", {"x": "real"}, []),
    ("sign", "copysign(x, y)", "where(y < 0, -abs(x), abs(x))", {"x": "real", "y": "nonzero"}, []),
    ("fused", "fma(x, y, z)", "x*y + z", {"x": "real[-9, 9]", "y": "real[-9, 9]", "z": "real[-9, 9]"}, []),
    ("steps", "floor(x) + ceil(x)", "trunc(x) + round(x) + 1", {"x": "real[0.25, 0.4]"}, []),
    (
        "remainders",  # remainder rounds x/2 to even, round away from zero: they differ at odd integers
        "fmod(x, 2) - remainder(x, 2)",
        "2*round(x/2) - 2*trunc(x/2)",
        {"x": "real[-9, 9]"},
        ["abs(remainder(x, 2)) != 1"],
    ),
    ("powers", "exp2(x)", "pow(2, x)", {"x": "real[-9, 9]"}, ["x != 0 or x == 0"]),
    ("gammas", "tgamma(x + 1)", "x*gamma(x)", {"x": "positive[0.5, 9]"}, []),
    ("accuracy_of_a_branch", "where(x < 1e-8, x, expm1(x))", None, {"x": "positive[0, 1]"}, []),
]


def chains(e: Expr) -> Expr:
    """A chained comparison as the ``and`` of its links (what FPCore says, and what is read back)."""
    from identities.language.expr import Cmp, Logic

    if isinstance(e, Cmp) and len(e.ops) > 1:
        return Logic("and", tuple(Cmp((op,), (a, b)) for op, a, b in zip(e.ops, e.operands, e.operands[1:])))
    if not e.children():
        return e
    values = {f.name: getattr(e, f.name) for f in dataclasses.fields(e)}  # type: ignore[arg-type]
    for k, v in values.items():
        if isinstance(v, Expr):
            values[k] = chains(v)
        elif isinstance(v, tuple) and v and isinstance(v[0], Expr):
            values[k] = tuple(chains(a) for a in v)
    return type(e)(**values)


@pytest.mark.parametrize("name, lhs, rhs, vars, assume", NEW_FORMS, ids=[f[0] for f in NEW_FORMS])
def test_the_new_form_identities_are_true(name, lhs, rhs, vars, assume) -> None:  # type: ignore[no-untyped-def]
    from identities.check.engine import verify

    examples = [{"x": 1.0}, {"x": 3.0}] if name == "remainders" else []  # the ties the assumption excludes
    ident = identity(name, lhs, rhs, vars=vars, assume=assume, examples=examples)
    assert verify(ident, "mpmath", examples=40, seed=0).verdict == "holds"


@pytest.mark.parametrize("name, lhs, rhs, vars, assume", NEW_FORMS, ids=[f[0] for f in NEW_FORMS])
def test_every_new_form_round_trips_through_fpcore(name, lhs, rhs, vars, assume) -> None:  # type: ignore[no-untyped-def]
    ident = identity(name, lhs, rhs, vars=vars, assume=assume, source=f"new form: {name}")
    texts = to_fpcore(ident, "float32")
    back = loads_fpcore("\n\n".join(texts), "forms.fpcore")
    assert back.refused == ()
    again = back[name]
    assert again.precision == "float32" and again.one_sided == ident.one_sided
    same(ident, again)
    if not ident.one_sided:
        flipped = back[f"{name}.rhs"]
        assert plain(flipped.lhs) == plain(ident.rhs) and plain(flipped.rhs) == plain(ident.lhs)


def test_what_the_new_forms_are_written_as() -> None:
    ident = identity(
        "w", "where(x > 0 and not x > 1, min(x, 1), max(x, 0))", "x", vars={"x": "real"}, assume=["x < 2 or x > 3"]
    )
    (text,) = to_fpcore(ident, sides=["lhs"])
    assert "  :pre (or (< x 2) (> x 3))\n" in text
    assert text.endswith("  (if (and (> x 0) (not (> x 1))) (fmin x 1) (fmax x 0)))")


def test_a_chained_comparison_comes_back_as_the_and_of_its_links() -> None:
    ident = identity("c", "where(0 < x <= 1, x, 0)", "x*where(0 < x and x <= 1, 1, 0)", vars={"x": "real"})
    back = loads_fpcore("\n\n".join(to_fpcore(ident)), "c.fpcore")["c"]
    assert str(back.lhs) == "where(0 < x and x <= 1, x, 0)"
    assert plain(back.lhs) == plain(chains(ident.lhs)) != plain(ident.lhs)


def test_the_precision_travels_with_the_identity() -> None:
    bench = loads_fpcore('(FPCore (x) :name "h" :precision binary32 :pre (<= 1 x 2) :spec (/ x 2) (* x 0.5))')
    h = bench["h"]
    assert h.precision == "float32"
    (text,) = to_fpcore(h, sides=["lhs"])  # its own precision by default
    assert "  :precision binary32\n" in text
    assert loads_fpcore(text)["h"].precision == "float32"
    assert "  :precision binary64\n" in to_fpcore(h, "float64", sides=["lhs"])[0]


def test_a_nonzero_argument_is_the_nonzero_domain() -> None:
    back = loads_fpcore('(FPCore (x y) :name "q" :pre (and (!= x 0) (!= y 0) (<= y 1)) (/ 1 x))')["q"]
    assert [(v, str(d)) for v, d in back.variables] == [("x", "nonzero"), ("y", "real[-inf, 1]")]
    assert [str(a) for a in back.assume] == ["y != 0"]
