"""``[[function]]`` tables in identity files: loaded as data, imported only on first use and only when allowed."""

import sys
import textwrap

import pytest

import identities
from identities.errors import IdentityFileError

FILE = """\
[[function]]
name = "softplus"
args = ["x"]
definition = "log(1 + exp(x))"
implementation = "{module}:softplus"

[[identity]]
name = "softplus_log1p"
lhs = "softplus(x)"
rhs = "log1p(exp(x))"
vars = {{ x = "real[-30, 30]" }}
"""

MODULE = """\
import math
IMPORTED = True
def softplus(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))
"""


@pytest.fixture
def project(tmp_path, request):
    module = f"usermod_{request.node.name.replace('[', '_').replace(']', '_').replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(MODULE)
    path = tmp_path / "identities_soft.toml"
    path.write_text(FILE.format(module=module))
    yield path, module
    sys.modules.pop(module, None)
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_nothing_is_imported_at_load_and_the_check_imports_when_allowed(project):
    path, module = project
    reg = identities.load(path, allow_import=True)
    ident = reg["softplus_log1p"]
    assert module not in sys.modules
    [fn] = ident.user_functions
    assert (fn.name, fn.params, str(fn.definition), fn.implementation) == (
        "softplus",
        ("x",),
        "log(1 + exp(x))",
        f"{module}:softplus",
    )
    assert fn.root == str(path.parent) and fn.line == 1
    assert reg.implementations() == [fn]
    r = identities.verify(ident, "float64", examples=60)
    assert r.verdict == "holds" and module in sys.modules


def test_without_permission_the_check_is_an_error_naming_the_file_and_line(project):
    path, module = project
    ident = identities.load(path)["softplus_log1p"]
    r = identities.verify(ident, "float64", examples=10)
    assert r.verdict == "error"
    assert f"{path}:1: function 'softplus': implementation = '{module}:softplus' would import Python code" in r.message
    assert "--allow-import" in r.message and module not in sys.modules


def test_mpmath_needs_no_import(project):
    path, module = project
    r = identities.verify(identities.load(path)["softplus_log1p"], "mpmath", examples=20)
    assert r.verdict == "holds" and module not in sys.modules


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('name = "f"\nargs = ["x"]\ndefinition = "x"\n', 2, "missing 'implementation'"),
        ('name = "f"\nargs = ["x"]\ndefinition = "x"\nimplementation = "m:f"\ncolor = 1\n', 7, "unknown key 'color'"),
        ('name = "f"\nargs = ["x"]\ndefinition = "log(y)"\nimplementation = "m:f"\n', 5, "undeclared variable 'y'"),
        ('name = "f"\nargs = ["x"]\ndefinition = "x"\nimplementation = "os.system"\n', 6, "module:attribute"),
        ('name = "exp"\nargs = ["x"]\ndefinition = "x"\nimplementation = "m:f"\n', 3, "reserved"),
    ],
)
def test_bad_function_tables_are_located(table, line, message):
    text = "# functions\n[[function]]\n" + table
    with pytest.raises(IdentityFileError, match=message) as info:
        identities.loads(text, "f.toml")
    assert info.value.line == line and info.value.file == "f.toml"


def test_an_identity_calling_an_undeclared_function_still_fails():
    text = textwrap.dedent(
        """\
        [[identity]]
        name = "a"
        lhs = "sigmoid(x)"
        rhs = "x"
        vars = { x = "real" }
        """
    )
    with pytest.raises(IdentityFileError, match="unknown function 'sigmoid'"):
        identities.loads(text, "f.toml")


def test_a_variable_named_like_a_function_is_refused():
    text = FILE.format(module="m").replace('vars = { x = "real[-30, 30]" }', 'vars = { softplus = "real" }')
    with pytest.raises(IdentityFileError, match="'softplus' is both a variable and a declared"):
        identities.loads(text, "f.toml")
