"""The loader against hostile input: every text is accepted and evaluable, or rejected with a
located IdentityFileError; never another exception, never executed (issue 7).

Budget: a fixed number of examples (well under two minutes in CI). A longer, coverage-guided
run: ``python fuzz/fuzz_loader.py`` with atheris installed.
"""

import ast
import builtins
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identities import IdentityFileError, LimitExceeded, loads
from identities.backends import get_backend
from identities.language.expr import FUNCTIONS, parse, walk
from identities.oracle.scalar import Oracle
from tests.strategies import expressions

FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
NAMES = ["x", "y", "k", "__import__", "__builtins__", "open", "eval", "os", "sin", "pi", "e", "diff", "sum"]


def exprs():
    """Python expression trees, including every node type the whitelist excludes."""
    leaf = st.one_of(
        st.sampled_from(NAMES).map(lambda n: ast.Name(n, ast.Load())),
        st.one_of(
            st.integers(-5, 10**30),
            st.floats(allow_nan=True),
            st.text(max_size=3),
            st.none(),
            st.booleans(),
            st.complex_numbers(max_magnitude=10),
            st.just(...),
            st.binary(max_size=3),
        ).map(ast.Constant),
    )

    def grow(kids):
        ops = st.sampled_from(
            [
                ast.Add(),
                ast.Sub(),
                ast.Mult(),
                ast.Div(),
                ast.Pow(),
                ast.Mod(),
                ast.BitXor(),
                ast.FloorDiv(),
                ast.MatMult(),
                ast.LShift(),
            ]
        )
        fn = st.sampled_from(sorted(FUNCTIONS) + ["diff", "sum", "eval", "exec", "getattr", "__import__"])
        return st.one_of(
            st.builds(ast.BinOp, kids, ops, kids),
            st.builds(ast.UnaryOp, st.sampled_from([ast.USub(), ast.UAdd(), ast.Not(), ast.Invert()]), kids),
            st.builds(
                lambda f, a, kw: ast.Call(ast.Name(f, ast.Load()), a, kw),
                fn,
                st.lists(kids, max_size=4),
                st.lists(st.builds(ast.keyword, st.sampled_from(["base", "x"]), kids), max_size=1),
            ),
            st.builds(lambda v, a: ast.Attribute(v, a, ast.Load()), kids, st.sampled_from(["real", "__class__"])),
            st.builds(lambda v, s: ast.Subscript(v, s, ast.Load()), kids, kids),
            st.builds(lambda b: ast.Lambda(ast.arguments([], [], None, [], [], None, []), b), kids),
            st.builds(
                lambda e, t: ast.ListComp(e, [ast.comprehension(ast.Name("x", ast.Store()), t, [], 0)]), kids, kids
            ),
            st.builds(
                ast.Compare,
                kids,
                st.lists(st.sampled_from([ast.Lt(), ast.Eq(), ast.In(), ast.Is()]), min_size=1, max_size=1),
                st.lists(kids, min_size=1, max_size=1),
            ),
            st.builds(ast.IfExp, kids, kids, kids),
            st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), kids, kids),
            st.builds(lambda a: ast.Tuple([a], ast.Load()), kids),
            st.builds(lambda a: ast.List([a], ast.Load()), kids),
            st.builds(lambda a: ast.Set([a]), kids),
            st.builds(lambda a, b: ast.Dict([a], [b]), kids, kids),
            st.builds(lambda a: ast.Starred(a, ast.Load()), kids),
            st.builds(lambda a: ast.JoinedStr([ast.FormattedValue(a, -1, None)]), kids),
            st.builds(lambda a: ast.NamedExpr(ast.Name("x", ast.Store()), a), kids),
        )

    return st.recursive(leaf, grow, max_leaves=20)


def unparse(tree):
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except Exception:  # some random trees cannot be written as text at all
        return None


ORACLE = Oracle(cap_bits=512)


def accepted_is_evaluable(text, names):
    e = parse(text, names)
    assert all(type(n).__name__ in {"Num", "Const", "Var", "Neg", "Bin", "Call", "Diff", "Sum"} for n in walk(e))
    env = {n: 0.75 for n in names}
    for b in ("float64", "float32", "mpmath"):
        be = get_backend(b)
        try:
            v = be.compile(e)({k: be.convert_input(v) for k, v in env.items()})
            assert v is not None
        except (LimitExceeded, ZeroDivisionError, OverflowError, ValueError) as exc:
            # mpmath may refuse some arithmetic (huge integer powers); limits are limits
            assert isinstance(exc, LimitExceeded) or b == "mpmath", (text, b, exc)
    try:
        ORACLE.compare(e, e, env)
    except LimitExceeded:
        pass


@FUZZ
@given(exprs())
def test_syntax_trees(tree):
    text = unparse(tree)
    if text is None:
        return
    try:
        accepted_is_evaluable(text, {"x", "y"})
    except IdentityFileError as err:
        assert err.file == "<string>" and str(err)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("xy()+-*/.,e1234567890 _[]'\"lambdsinqrtoufc:=<>!@#{}\\\n")), max_size=60))
def test_text(text):
    try:
        accepted_is_evaluable(text, {"x", "y"})
    except IdentityFileError:
        pass


@FUZZ
@given(expressions(max_leaves=16))
def test_whitelisted_expressions_evaluate_everywhere(text):
    accepted_is_evaluable(text, {"x", "y"})


TOML_VALUES = st.one_of(
    st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
    st.integers(-3, 3).map(str),
    st.just("[]"),
    st.just("{}"),
    st.just('{ x = "real" }'),
    st.just("[{ x = 1 }]"),
    st.just('{ float64 = "4 ulp" }'),
    st.just('"x"'),
    st.just("inf"),
    st.just('"real[5, -5]"'),
    st.just('["x > 1"]'),
)
TOML_KEYS = st.sampled_from(
    ["name", "lhs", "rhs", "vars", "examples", "tolerance", "expect", "tags", "source", "assume", "colour", "name"]
)


@FUZZ
@given(st.lists(st.lists(st.tuples(TOML_KEYS, TOML_VALUES), max_size=8), max_size=3), st.text(max_size=20))
def test_identity_files(tables, junk):
    text = "".join("[[identity]]\n" + "".join(f"{k} = {v}\n" for k, v in t) for t in tables) + junk
    try:
        reg = loads(text, "fuzz.toml")
    except IdentityFileError as err:
        assert str(err).startswith("fuzz.toml")
    else:
        for ident in reg.values():
            assert ident.file == "fuzz.toml"


def test_loader_never_calls_eval_exec_or_compile(monkeypatch):
    calls = []
    for name in ("eval", "exec", "compile", "__import__"):
        original = getattr(builtins, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            if _name != "__import__" or (args and args[0] in ("os", "subprocess", "shutil")):
                calls.append((_name, args[:1]))
            return _original(*args, **kwargs)

        monkeypatch.setattr(builtins, name, spy)
    hostile = [
        '__import__("os").system("true")',
        "open('/etc/passwd').read()",
        "(lambda: 1)()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "eval('1')",
        "x.__class__",
        "x[0]",
        "exec('import os')",
        "getattr(x, 'real')",
        "sin.__code__",
    ]
    for text in hostile:
        try:
            parse(text, {"x"})
        except IdentityFileError:
            continue
        raise AssertionError(f"accepted {text!r}")
    assert not [c for c in calls if c[0] in ("eval", "exec") or c[0] == "__import__"]
    assert math.isfinite(1.0)
