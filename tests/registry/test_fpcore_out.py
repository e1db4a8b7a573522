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
    "a sum": 5,
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


def same(a: Identity, b: Identity) -> None:
    assert [(v, d.is_integer) for v, d in a.variables] == [(v, d.is_integer) for v, d in b.variables]
    assert precondition(a) == precondition(b)  # the same domains and assumptions, as constraints
    assert plain(a.lhs) == plain(b.lhs) and plain(a.rhs) == plain(b.rhs)
    assert [plain(x) for x in a.assume] == [plain(x) for x in b.assume]
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
        ("sum(x**k, k, 0, 3)", {"x": "real"}, "a sum"),
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
