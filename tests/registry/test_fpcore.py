"""FPCore in: the s-expression reader, the translation of FPCore 1.x/2.0 into identities, and refusals."""

from __future__ import annotations

from fractions import Fraction

import pytest

from identities.check.engine import verify
from identities.errors import IdentityFileError
from identities.language.expr import Bin, Call, Const, Neg, Num, Var, parse
from identities.registry.files import load, loads_fpcore
from identities.registry.fpcore import read_fpcore
from identities.registry.fpcore_syntax import fraction_text, number_value
from identities.registry.sexpr import Atom, SList, Str, read_all

MAX_TEXT_CHARS = 10_000


def table(text: str):  # type: ignore[no-untyped-def]
    tables, refused = read_fpcore(text, "t.fpcore")
    assert refused == [], refused
    assert len(tables) == 1
    return tables[0]


def refusal(text: str):  # type: ignore[no-untyped-def]
    tables, refused = read_fpcore(text, "t.fpcore")
    assert tables == [] and len(refused) == 1, (tables, refused)
    return refused[0]


# -- the reader ---------------------------------------------------------------------------------------


def test_the_reader_keeps_text_lines_brackets_and_strings() -> None:
    text = (
        '; a comment (with parens)\n(FPCore (x)\n  :name "a \\"quoted\\" name"\n'
        "  #| block\n comment |#\n  [let ([y 1]) y])"
    )
    (form,) = read_all(text)
    assert isinstance(form, SList) and form.line == 2 and form.end == 6
    assert form.items[0] == Atom("FPCore", 2)
    assert form.items[3] == Str('a "quoted" name', 3)
    body = form.items[4]
    assert isinstance(body, SList) and body.line == 6 and body.items[0] == Atom("let", 6)


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("(FPCore (x)\n  (+ x 1)", 1, "'(' opened here is never closed"),
        ("(FPCore (x) x))", 1, "unbalanced ')'"),
        ("(FPCore (x)\n [+ x 1))", 2, "')' closes the '[' opened at line 2"),
        ('(FPCore (x) :name "open\n x)', 1, "unterminated string"),
        ("#| never closed\n(FPCore (x) x)", 1, "unterminated block comment"),
    ],
)
def test_a_syntax_error_names_the_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(IdentityFileError) as exc:
        read_fpcore(text, "bad.fpcore")
    assert exc.value.file == "bad.fpcore" and exc.value.line == line
    assert message in exc.value.message


def test_nesting_is_limited_without_recursion() -> None:
    text = "(FPCore (x) " + "(- " * 100_000 + "x" + ")" * 100_001
    with pytest.raises(IdentityFileError, match="nest deeper than 256"):
        read_fpcore(text)


def test_a_file_must_hold_fpcore_forms() -> None:
    with pytest.raises(IdentityFileError, match=r"t.fpcore:2: expected \(FPCore ...\), got \(define ...\)"):
        read_fpcore("(FPCore (x) x)\n(define x 1)", "t.fpcore")


# -- numbers and constants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.1", Fraction(1, 10)),
        ("-.985", Fraction(-985, 1000)),
        ("10e-6", Fraction(1, 100_000)),
        ("+3", Fraction(3)),
        ("1/3", Fraction(1, 3)),
        ("-6/4", Fraction(-3, 2)),
        ("0x1.8p1", Fraction(3)),
        ("-0x.4", Fraction(-1, 4)),
        ("0x1p-1074", Fraction(1, 2**1074)),
    ],
)
def test_literals_are_exact(text: str, value: Fraction) -> None:
    assert number_value(text) == value


def test_exact_decimals_of_binary_fractions() -> None:
    assert fraction_text(Fraction(3, 8)) == "375e-3"
    assert fraction_text(Fraction(1, 3)) is None
    tiny = fraction_text(Fraction(1, 2**1074))
    assert tiny is not None and Fraction(tiny) == Fraction(1, 2**1074)


@pytest.mark.parametrize(
    "body, ours",
    [
        ("(+ x 0.1)", "x + 0.1"),
        ("(* x 1/3)", "x*(1/3)"),
        ("(+ x 0x1.8p1)", "x + 3"),
        ("(* x (digits 3 -2 10))", "x*3e-2"),
        ("(* x (digits 5 -3 2))", "x*625e-3"),
        ("(- x)", "-x"),
        ("(- (* x x))", "-(x*x)"),
        ("(pow x 2)", "x**2"),
        ("(pow (- x) (- 2))", "(-x)**(-2)"),
        ("(fabs (tgamma x))", "abs(gamma(x))"),
        ("(* x PI)", "x*pi"),
        ("(+ x E)", "x + e"),
        ("(* x LOG2E)", "x*(1/log(2))"),
        ("(* x SQRT1_2)", "x*sqrt(0.5)"),
        ("(* x M_2_SQRTPI)", "x*(2/sqrt(pi))"),
        ("(- x MAXFLOAT)", f"x - {(2**53 - 1) * 2**971}"),
        ("(+ x y 1)", "x + y + 1"),
        ("(atan2 y x)", "atan2(y, x)"),
    ],
)
def test_expressions_translate_to_our_language(body: str, ours: str) -> None:
    t = table(f"(FPCore (x y) {body})")
    assert str(t.lhs) == ours
    assert parse(ours, {"x", "y"}) == t.lhs  # what our parser builds from that text


def test_constants_and_literals_keep_their_exact_values() -> None:
    t = table("(FPCore (x) :spec (* x PI_2) (* x 0.1))")
    assert t.lhs == Bin("*", Var("x"), Num(Fraction(1, 10), "0.1"))
    assert t.rhs == Bin("*", Var("x"), Bin("/", Const("pi"), Num(2, "2")))


def test_let_binds_in_parallel_and_let_star_in_sequence() -> None:
    assert str(table("(FPCore (x) (let ([x 2] [y x]) (+ x y)))").lhs) == "2 + x"
    assert str(table("(FPCore (x) (let* ([x 2] [y x]) (+ x y)))").lhs) == "2 + 2"
    assert str(table("(FPCore (x) (let ([t (* x x)]) (let ([t (+ t 1)]) (/ t 2))))").lhs) == "(x*x + 1)/2"


def test_annotations_keep_precision_and_ignore_the_rest() -> None:
    t = table(
        "(FPCore (x) :precision binary32 (! :precision binary32 :math-library fast (+ x (! :precision integer 1))))"
    )
    assert str(t.lhs) == "x + 1" and t.precision == "binary32" and t.tags == ["fpcore", "binary32"]


def test_fpcore_2_identifiers_are_called_by_inlining() -> None:
    tables, refused = read_fpcore(
        '(FPCore sq (a) (* a a))\n(FPCore (x y) :name "norm" (sqrt (+ (sq x) (sq y))))\n(FPCore (x) (sq x x))'
    )
    assert [str(t.lhs) for t in tables] == ["a*a", "sqrt(x*x + y*y)"]
    assert [(r.line, r.message) for r in refused] == [(3, "FPCore 'sq' takes 1 arguments, got 2")]


def test_calls_cannot_recurse() -> None:
    tables, refused = read_fpcore("(FPCore f (a) (f a))")
    assert tables == [] and "unknown operator 'f'" in refused[0].message


# -- names, properties, preconditions ------------------------------------------------------------------


def test_names_are_sanitised_unique_and_the_original_is_the_source() -> None:
    tables, refused = read_fpcore(
        '(FPCore (x) :name "Rump\'s example, with pow" :spec x x)\n'
        '(FPCore (x) :name "Rump\'s example, with POW" :spec x x)\n(FPCore (x) :spec x x)',
        "dir/My Suite.fpcore",
    )
    assert refused == []
    assert [t.name for t in tables] == ["rump_s_example_with_pow", "rump_s_example_with_pow-2", "my_suite-3"]
    assert tables[0].source == "Rump's example, with pow"


def test_the_description_joins_the_source() -> None:
    tables, _ = read_fpcore(
        '(FPCore (x) :name "Odometry" :description "Wheels." :spec x x)\n'
        '(FPCore (x) :name "odometry" :description "Written by export." :spec x x)'
    )
    assert [t.source for t in tables] == ["Odometry: Wheels.", "Written by export."]


def test_variables_get_plain_unreserved_names() -> None:
    t = table("(FPCore (sr* e gamma x-y lambda) (+ sr* e gamma x-y lambda))")
    assert list(t.vars) == ["sr_star", "e_", "gamma_", "x_y", "lambda_"]
    assert str(t.lhs) == "sr_star + e_ + gamma_ + x_y + lambda_"


def test_interval_preconditions_become_domains() -> None:
    t = table("(FPCore (a b c d n) :pre (and (<= 1 a 9) (< 0 b) (< b 1) (> c -2.5) (<= -10 d (* 2 PI)) (<= 0 n a)) a)")
    assert t.vars == {
        "a": "real[1, 9]",
        "b": "positive[0, 1]",
        "c": "real[-2.5, inf]",
        "d": "real[-10, 2*pi]",
        "n": "real[0, a]",
    }
    assert [str(a) for a in t.assume] == ["b < 1", "c > -2.5"]


def test_other_conditions_become_assumptions_and_unbounded_infinity_is_dropped() -> None:
    t = table(
        "(FPCore (a b c) :pre (and (<= (- INFINITY) a INFINITY) (< a c) (!= a b c) (> (+ a b) (+ c 0.1)) TRUE) a)"
    )
    assert t.vars == {"a": "real", "b": "real", "c": "real[a, inf]"}
    assert [str(a) for a in t.assume] == ["a != b", "a != c", "b != c", "a + b > c + 0.1", "c > a"]


def test_precondition_with_let_and_integer_arguments() -> None:
    t = table("(FPCore ((! :precision integer n) x) :pre (let ([k 3]) (and (<= 0 n k) (< x n))) x)")
    assert t.vars == {"n": "integer[0, 3]", "x": "real[-inf, n]"}
    assert [str(a) for a in t.assume] == ["x < n"]


def test_examples_complete_and_rational_are_kept() -> None:
    t = table("(FPCore (a b) :example ([a 77617] [b (/ 1 4)]) :example ((a 1)) (+ a b))")
    assert t.examples == [{"a": 77617.0, "b": 0.25}]


@pytest.mark.parametrize(
    "text, construct, line, message",
    [
        ("(FPCore (x)\n (while (< x 1) ([x x (+ x 1)]) x))", "while", 2, "a loop (while) cannot be expressed"),
        ("(FPCore (x)\n (for ([i 10]) ([s 0 (+ s i)]) s))", "for", 2, "a loop (for) cannot be expressed"),
        ("(FPCore ((v 3)) (ref v 0))", "argument", 1, "a tensor argument: (v 3)"),
        ("(FPCore (x) (+ x\n (tensor ([i 3]) i)))", "tensor", 2, "a tensor (tensor) cannot be expressed"),
        ("(FPCore (x) (cast x))", "cast", 1, "a precision cast (cast) cannot be expressed"),
        ("(FPCore (x) :pre (isnan (- x 1)) x)", "isnan", 1, "isnan of a computed value ((- x 1))"),
        ("(FPCore (x) (+ x NAN))", "NAN", 1, "NAN has no real value"),
        ("(FPCore (x) (+ x INFINITY))", "INFINITY", 1, "INFINITY has no real value"),
        ("(FPCore (x) (* x (digits 1 -1 3)))", "digits", 1, "(digits 1 -1 3) has no finite decimal (base 3)"),
        ("(FPCore (x) :precision posit16 x)", ":precision", 1, "precision posit16 has no backend here"),
        ("(FPCore (x) :precision (float 15 80) x)", ":precision", 1, "precision (float 15 80) has no backend"),
        ("(FPCore (x) :round toZero x)", ":round", 1, "rounding mode toZero"),
        ("(FPCore (x) (! :precision binary32 (+ x 1)))", "!", 1, "mixed precision: (! :precision binary32 ...)"),
        ("(FPCore (x) (! :round toPositive (+ x 1)))", "!", 1, "rounding mode toPositive"),
        ("(FPCore (x) (frobnicate x))", "frobnicate", 1, "unknown operator 'frobnicate'"),
        ("(FPCore (x) (__import__ x))", "__import__", 1, "unknown operator '__import__'"),
        ("(FPCore (x) (+ x y))", "variable", 1, "undefined variable 'y'"),
        ("(FPCore (x) (sin x x))", "sin", 1, "sin takes 1 argument, got 2"),
        ("(FPCore (x) (+ x (< x 1)))", "type", 1, "a condition where a number is needed"),
        ("(FPCore (x) :pre (and (< x 1) FALSE) x)", ":pre", 1, "the precondition is FALSE"),
        ("(FPCore (x) :pre (< x 1) :name x)", "FPCore", 1, "a property without a value"),
    ],
)
def test_what_cannot_be_expressed_is_refused_with_name_construct_and_line(
    text: str, construct: str, line: int, message: str
) -> None:
    r = refusal(text)
    assert (r.construct, r.line) == (construct, line)
    assert message in r.message
    assert str(r).startswith(f"t.fpcore:{line}: FPCore 't-1' refused: ")


def test_a_refused_fpcore_leaves_the_rest_of_the_file() -> None:
    registry = loads_fpcore(
        '(FPCore (x) :name "loop" (while (< x 1) ([x x (+ x 1)]) x))\n'
        '(FPCore (x y) :name "hyp" :pre (and (<= 1 x 100) (<= 1 y 100)) :spec (hypot x y)\n'
        "  (sqrt (+ (* x x) (* y y))))",
        "t.fpcore",
    )
    assert list(registry) == ["hyp"]
    assert [(r.name, r.line, r.construct) for r in registry.refused] == [("loop", 1, "while")]
    ident = registry["hyp"]
    assert ident.lhs == parse("sqrt(x*x + y*y)", {"x", "y"})
    assert ident.rhs == Call("hypot", (Var("x"), Var("y")))
    assert [(v, str(d)) for v, d in ident.variables] == [("x", "real[1, 100]"), ("y", "real[1, 100]")]
    assert (ident.file, ident.line, ident.source, ident.tags) == ("t.fpcore", 2, "hyp", ("fpcore", "binary64"))


def test_spec_and_alternatives_make_one_identity_each() -> None:
    registry = loads_fpcore('(FPCore (x) :name "f" :spec (- x) :alt (* -1 x) :alt (- 0 x) (/ x -1))', "t.fpcore")
    assert list(registry) == ["f", "f.alt", "f.alt2"]
    assert registry["f"].rhs == Neg(Var("x"))
    assert registry["f.alt2"].lhs == Bin("/", Var("x"), Neg(Num(1, "1")))


def test_the_limits_of_toml_apply_after_substitution() -> None:
    lets = "".join(f"(let ([t{i + 1} (+ t{i} t{i})]) " for i in range(12))
    r = refusal(f"(FPCore (t0) {lets} t12{')' * 12})")
    assert r.construct == "limit" and "more than 2000 nodes" in r.message


def test_a_check_that_fails_after_translation_is_a_refusal_too() -> None:
    registry = loads_fpcore("(FPCore (x) :pre (<= 2 x 1) :spec x x)", "t.fpcore")
    assert len(registry) == 0
    (r,) = registry.refused
    assert r.construct == "check" and "inverted bounds" in r.message


def test_an_example_outside_the_precondition_is_dropped() -> None:
    registry = loads_fpcore("(FPCore (x) :pre (<= 0 x 1) :example ([x 5]) :spec x (+ x 0))", "t.fpcore")
    assert registry["t-1"].examples == ()


def test_load_reads_fpcore_files_and_directories(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.fpcore").write_text('(FPCore (x) :name "a" :spec x (+ x 0))')
    (tmp_path / "b.toml").write_text('[[identity]]\nname = "b"\nlhs = "x"\nrhs = "x"\nvars = { x = "real" }\n')
    (tmp_path / "c.txt").write_text("not read")
    assert list(load(tmp_path)) == ["a", "b"]
    assert list(load(tmp_path / "a.fpcore")) == ["a"]


# -- branches, the C functions, predicates -----------------------------------------------------------


def test_if_becomes_where() -> None:
    t = table("(FPCore (x) (if (and (< 0 x) (<= x 1)) (log x) (- x)))")
    assert str(t.lhs) == "where(0 < x and x <= 1, log(x), -x)"
    assert t.lhs == parse("where(0 < x and x <= 1, log(x), -x)", {"x"})


def test_an_if_choosing_conditions_is_a_condition() -> None:
    t = table("(FPCore (x y) :pre (if (< x 0) (< y 1) (> y 2)) x)")
    assert [str(a) for a in t.assume] == ["x < 0 and y < 1 or not x < 0 and y > 2"]


def test_fmin_fmax_fdim() -> None:
    t = table("(FPCore (x y) (+ (fmin x y) (fmax x y) (fdim x y)))")
    assert str(t.lhs) == "min(x, y) + max(x, y) + max(x - y, 0)"


def test_the_c_functions() -> None:
    t = table("(FPCore (x y) (fma (copysign x y) (floor x) (fmod (exp2 x) y)))")
    assert str(t.lhs) == "fma(copysign(x, y), floor(x), fmod(exp2(x), y))"


def test_disjunctions_in_preconditions_are_assumptions() -> None:
    t = table("(FPCore (x) :pre (or (< x -1) (not (< x 1))) x)")
    assert [str(a) for a in t.assume] == ["x < -1 or not x < 1"]


# FPCore 2.0's operators (FPBench's src/common.rkt, `operators`), with their arities; the predicates,
# nearbyint and the tensor operations and cast are tested on their own below
SCALAR_OPERATORS = {
    **dict.fromkeys("+ - * / fmod remainder fmax fmin fdim copysign hypot atan2 pow".split(), 2),
    **dict.fromkeys(
        "fabs exp exp2 expm1 log log10 log2 log1p sqrt cbrt sin cos tan asin acos atan sinh cosh tanh asinh "
        "acosh atanh erf erfc tgamma lgamma ceil floor trunc round nearbyint".split(),
        1,
    ),
    "fma": 3,
}


@pytest.mark.parametrize("op", sorted(SCALAR_OPERATORS))
def test_every_scalar_operator_of_fpcore_2_loads(op: str) -> None:
    args = " ".join("xyz"[: SCALAR_OPERATORS[op]])
    registry = loads_fpcore(f'(FPCore (x y z) :name "t" ({op} {args}))', "t.fpcore")
    assert registry.refused == () and registry["t"].one_sided


@pytest.mark.parametrize(
    "cond, ours",
    [
        ("(signbit x)", "copysign(1, x) < 0"),
        ("(isnormal x)", "abs(x) >= 2**(-1022)"),
        ("(and (< y 1) (not (isnan x)))", "y < 1"),  # an argument is never nan
        ("(or (isinf x) (< y 1))", "y < 1"),
        ("(and (isfinite x) (isfinite y) (!= x y))", "x != y"),
    ],
)
def test_float_predicates_of_arguments_and_signbit_are_exact(cond: str, ours: str) -> None:
    t = table(f"(FPCore (x y) :pre {cond} x)")
    assert [str(a) for a in t.assume] == [ours]


def test_isnormal_uses_the_precisions_smallest_normal() -> None:
    t = table("(FPCore (x) :precision binary32 :pre (isnormal x) x)")
    assert [str(a) for a in t.assume] == ["abs(x) >= 2**(-126)"]


@pytest.mark.parametrize("op", ["isnan", "isinf", "isfinite", "isnormal"])
def test_a_predicate_of_a_computed_value_is_refused(op: str) -> None:
    r = refusal(f"(FPCore (x)\n  (if ({op} (* x x))\n 0 x))")
    assert (r.construct, r.line) == (op, 2)
    assert r.message.startswith(f"{op} of a computed value ((* x x)): in floats it tests the rounded result")


def _float_values(backend: str, expr_text: str, xs: list) -> list[float]:  # type: ignore[type-arg]
    from identities.backends import get_backend

    ident = loads_fpcore(f'(FPCore (x) :name "t" {expr_text})', "t.fpcore")["t"]
    compiled = get_backend(backend).compile(ident.lhs)
    return [float(compiled({"x": x})) for x in xs]


TIES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999999999999994, 4503599627370495.5, 2.0**52 + 1, 1e300]
TIES += [-0.0, 0.0, 5e-324, -3.7, 3.2, 1234567.5, -1234568.5, 0.75, 8388607.5, 16777215.0, 3e38, -1e-40]


def test_nearbyint_is_ties_to_even_bit_for_bit() -> None:
    import numpy as np

    for backend, dtype in (("float64", np.float64), ("float32", np.float32)):
        xs = [
            dtype(x) for x in TIES if abs(x) < float(np.finfo(dtype).max)
        ]  # each value exactly as the format holds it
        got = _float_values(backend, "(nearbyint x)", xs)
        want = [float(np.rint(x)) for x in xs]
        assert [struct_bits(g) for g in got] == [struct_bits(w) for w in want], backend


def test_signbit_sees_negative_zero() -> None:
    import numpy as np

    xs = [-0.0, 0.0, -5e-324, 1.0, -2.5]
    got = _float_values("float64", "(if (signbit x) 1 0)", xs)
    assert got == [float(np.signbit(x)) for x in xs] == [1.0, 0.0, 1.0, 0.0, 1.0]


def struct_bits(v: float) -> bytes:
    import struct

    return struct.pack("<d", v)


# -- let expansions and the limits ------------------------------------------------------------------


def test_a_long_let_chain_is_limited_by_its_nodes_not_its_text() -> None:
    # 150 bindings of long names, each used once: 300 nodes, 150 deep, but 20,000 characters as text
    # a 40-character argument doubled 9 times: 1,023 nodes, 10 deep, 20,000 characters as text
    x = "the_horizontal_coordinate_of_the_point_x"
    binds = " ".join(f"[t{i + 1} (+ t{i} t{i})]" for i in range(9))
    t = table(f"(FPCore ({x}) (let* ([t0 {x}] {binds}) t9))")
    assert len(str(t.lhs)) > 2 * MAX_TEXT_CHARS
    e, depth = t.lhs, 0
    while isinstance(e, Bin):
        e, depth = e.left, depth + 1
    assert e == Var(x) and depth == 9
    assert t.lhs.left is t.lhs.right  # the binding is shared, not copied
    ident = loads_fpcore(f'(FPCore ({x}) :name "t" :pre (<= 0 {x} 1) (let* ([t0 {x}] {binds}) t9))')["t"]
    assert verify(ident, "float64", examples=30).verdict == "holds"  # 512*x is exact


def test_a_let_chain_deeper_than_the_limit_is_refused_without_recursing() -> None:
    binds = " ".join(f"[t{i + 1} (+ t{i} 1)]" for i in range(400))
    r = refusal(f"(FPCore (t0)\n (let* ({binds}) t400))")
    assert (r.construct, r.line) == ("limit", 2)
    assert r.message == "the expression nests deeper than 200 levels (let bindings substituted)"


def test_a_doubling_let_chain_is_refused_without_expanding_it() -> None:
    # t60 stands for 2**60 nodes: the condition, the bound and the body are all measured on the shared tree
    binds = " ".join(f"[t{i + 1} (+ t{i} t{i})]" for i in range(60))
    text = f"(FPCore (t0 y) :pre (let* ({binds}) (<= t60 y)) (let* ({binds}) (if (< t60 0) t60 y)))"
    r = refusal(text)
    assert r.construct == "limit" and "more than 2000 nodes" in r.message


def test_a_literal_beyond_the_exponent_limit_is_refused_not_computed() -> None:
    r = refusal("(FPCore (x) (+ x 1e99999999))")
    assert (r.construct, r.message) == ("number", "literal '1e99999999' has an exponent beyond 4000")


def test_a_lone_body_is_a_one_sided_check() -> None:
    registry = loads_fpcore('(FPCore (x) :name "plus one" :pre (<= 0 x 1) (+ x 1))', "t.fpcore")
    ident = registry["plus_one"]
    assert ident.one_sided and ident.lhs == ident.rhs == Bin("+", Var("x"), Num(1, "1"))
    assert ident.statement == "accuracy of x + 1"
