"""The user's own functions: a name, its arguments, an exact definition, and a Python implementation.

An identity file may declare them beside its identities::

    [[function]]
    name = "sigmoid"
    args = ["x"]
    definition = "1/(1 + exp(-x))"      # what the oracle (and mpmath) evaluates: exact
    implementation = "numutil:sigmoid"  # what float backends call: the user's code
    vectorized = false                  # true: takes numpy arrays (called once per batch in sweeps)

and identities then use the name, ``sigmoid(-x) == 1 - sigmoid(x)``: every
float backend calls ``numutil.sigmoid`` with values of its own format, the
oracle evaluates the definition. From Python the implementation is the
callable itself (``identities.implementation``, or a ``(callable,
definition)`` pair).

Nothing is imported when a file is loaded. ``module:attribute`` is resolved
on first use, the way pytest imports a test module (the first directory
upward from the file with no ``__init__.py`` goes first on ``sys.path``), and
only when importing was allowed by whoever loaded the file
(``load(..., allow_import=True)``; the pytest plugin allows it, the command
wants ``--allow-import``); otherwise ``ImportRefused`` names the file, the
line and the function.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from identities.errors import IdentityFileError, ImportRefused
from identities.language.expr import DERIVATIVES, RESERVED, Expr, Sum, UserCall, Var, free_vars, parse, walk
from identities.language.functions import transform

__all__ = ["UserFunction", "implementation", "user_functions", "exact", "used_functions", "SPEC", "import_root"]

SPEC = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class UserFunction:
    """One function of the user's. ``implementation`` is ``"module:attribute"`` (from a file) or the callable."""

    name: str
    params: tuple[str, ...]
    definition: Expr
    implementation: str | Callable[..., Any] = field(compare=True)
    vectorized: bool = False
    root: str = ""  # the directory ``module`` is imported from (put first on sys.path)
    allow_import: bool = False
    file: str = "<string>"
    line: int = 0

    @property
    def label(self) -> str:
        """How the implementation is named in messages: ``numutil:sigmoid`` or the callable's qualified name."""
        impl = self.implementation
        if isinstance(impl, str):
            return impl
        module = getattr(impl, "__module__", None)
        qual = getattr(impl, "__qualname__", None) or getattr(impl, "__name__", None) or repr(impl)
        return f"{module}:{qual}" if module else qual

    @property
    def needs_import(self) -> bool:
        return isinstance(self.implementation, str)

    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"

    def call(self, args: tuple[Expr, ...]) -> UserCall:
        """The node for ``name(args)``: the definition with each parameter replaced by its argument."""
        bound = {n.var for n in walk(self.definition) if isinstance(n, Sum)}
        captured = bound & set().union(*(free_vars(a) for a in args)) if args else set()
        if captured:
            k = sorted(captured)[0]
            raise ValueError(
                f"{self.name}() is defined with a sum over {k!r}, and its argument uses a variable {k!r}; "
                f"rename the sum's index in the definition"
            )
        mapping = dict(zip(self.params, args))
        body = transform(self.definition, lambda n: mapping.get(n.name) if type(n) is Var else None)
        return UserCall(self.name, args, body, self)

    def resolve(self) -> Callable[..., Any]:
        """The implementation as a callable; imports ``module`` on first use, if importing was allowed."""
        impl = self.implementation
        if not isinstance(impl, str):
            return impl
        where = f"{self.file}:{self.line}" if self.line else self.file
        if not self.allow_import:
            raise ImportRefused(
                f"{where}: function {self.name!r}: implementation = {impl!r} would import Python code; "
                f"importing is opt-in: pass --allow-import to the command, or load(..., allow_import=True)"
            )
        module_name, _, attr = impl.partition(":")
        if self.root and self.root not in sys.path:
            sys.path.insert(0, self.root)
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise ImportRefused(
                f"{where}: function {self.name!r}: cannot import {module_name!r} (from {self.root or 'sys.path'}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise ImportRefused(f"{where}: function {self.name!r}: {impl!r}: module has no {part!r}") from None
        if not callable(obj):
            raise ImportRefused(f"{where}: function {self.name!r}: {impl!r} is {type(obj).__name__}, not callable")
        return obj

    def __repr__(self) -> str:
        return f"<UserFunction {self.signature()} = {self.definition} ({self.label})>"


def import_root(file: str) -> str:
    """The directory a file's ``module:attribute`` is imported from: as pytest's default (``prepend``) import
    mode does for a test module, the first directory upward from the file that has no ``__init__.py``."""
    p = Path(file).resolve().parent
    while (p / "__init__.py").exists() and p.parent != p:
        p = p.parent
    return str(p)


def implementation(
    func: Callable[..., Any], definition: str, *, args: Any = None, vectorized: bool = False
) -> tuple[Callable[..., Any], str, tuple[str, ...] | None, bool]:
    """A function of the user's for the Python API (``assert_identity(..., functions={name: implementation(...)})``).

    ``args`` names the arguments as the definition uses them; by default the
    callable's own positional parameters. ``vectorized`` says it takes numpy
    arrays (called once per batch in sweeps).
    """
    return (func, definition, tuple(args) if args is not None else None, bool(vectorized))


def _params_of(func: Callable[..., Any], name: str) -> tuple[str, ...]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        raise ValueError(f"cannot read the arguments of {name}'s implementation {func!r}; give args=[...]") from None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = tuple(p.name for p in sig.parameters.values() if p.kind in kinds and p.default is p.empty)
    if not params:
        raise ValueError(f"{name}'s implementation {func!r} takes no positional arguments; give args=[...]")
    return params


def user_functions(
    table: Mapping[str, Any], *, file: str = "<string>", line: int = 0, taken: frozenset[str] = frozenset()
) -> dict[str, UserFunction]:
    """The Python API's ``functions=`` mapping as UserFunction records (in order: a definition may call an
    earlier one). A value is ``(callable, definition)`` or ``implementation(...)``."""
    out: dict[str, UserFunction] = {}
    for name, value in table.items():
        if not isinstance(value, tuple) or len(value) not in (2, 4) or not callable(value[0]):
            raise ValueError(
                f"functions[{name!r}] = {value!r} must be (callable, definition) or implementation(callable, "
                f"definition, args=..., vectorized=...)"
            )
        func, definition = value[0], value[1]
        params = value[2] if len(value) == 4 else None
        vectorized = bool(value[3]) if len(value) == 4 else False
        out[name] = make_function(
            name,
            params if params is not None else _params_of(func, name),
            definition,
            func,
            vectorized=vectorized,
            earlier=out,
            taken=taken,
            file=file,
            line=line,
        )
    return out


def make_function(
    name: Any,
    params: Any,
    definition: Any,
    impl: Any,
    *,
    vectorized: Any = False,
    earlier: Mapping[str, UserFunction] | None = None,
    taken: frozenset[str] | set[str] = frozenset(),
    root: str = "",
    allow_import: bool = False,
    file: str = "<string>",
    line: int = 0,
) -> UserFunction:
    """Check one declaration and parse its definition; ``ValueError`` says what is wrong."""
    earlier = earlier or {}
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"function name {name!r} is not a plain identifier")
    if name in RESERVED:
        raise ValueError(f"function name {name!r} is reserved (a built-in function or constant)")
    if name in earlier:
        raise ValueError(f"function {name!r} is declared twice")
    if name in taken:
        raise ValueError(f"function name {name!r} is also a variable")
    if isinstance(params, str) or not isinstance(params, (list, tuple)) or not params:
        raise ValueError(f'args of {name!r} must be a non-empty list of argument names, like ["x"], got {params!r}')
    for p in params:
        if not isinstance(p, str) or not _NAME.match(p) or p in RESERVED or p in earlier:
            raise ValueError(f"argument {p!r} of {name!r} is not a usable name (an identifier, not a function)")
    if len(set(params)) != len(params):
        raise ValueError(f"args of {name!r} repeat a name: {list(params)!r}")
    if isinstance(impl, str):
        if not SPEC.match(impl):
            raise ValueError(f'implementation of {name!r} must be "module:attribute", got {impl!r}')
    elif not callable(impl):
        raise ValueError(f'implementation of {name!r} must be "module:attribute" or a callable, got {impl!r}')
    if not isinstance(vectorized, bool):
        raise ValueError(f"vectorized of {name!r} must be true or false, got {vectorized!r}")
    try:
        body = parse(definition, set(params), file=file, line=line, user=earlier)
    except IdentityFileError as exc:
        raise ValueError(f"definition of {name!r}: {exc.message}") from None
    if any(isinstance(n, DERIVATIVES) for n in walk(body)):
        raise ValueError(f"definition of {name!r} may not use diff, grad or vjp")
    return UserFunction(
        name,
        tuple(params),
        body,
        impl,
        vectorized=vectorized,
        root=root,
        allow_import=allow_import,
        file=file,
        line=line,
    )


def exact(expr: Expr) -> Expr:
    """``expr`` with every call of a user's function replaced by its definition: what exact evaluators compute."""
    if not any(isinstance(n, UserCall) for n in walk(expr)):
        return expr
    return transform(expr, lambda n: exact(n.exact) if isinstance(n, UserCall) else None)


def used_functions(*exprs: Expr) -> tuple[UserFunction, ...]:
    """The user's functions called in the expressions (their definitions' calls included), in order met."""
    seen: dict[str, UserFunction] = {}

    def visit(e: Expr) -> None:
        for n in walk(e):
            if isinstance(n, UserCall) and isinstance(n.function, UserFunction) and n.fn not in seen:
                seen[n.fn] = n.function
                visit(n.function.definition)

    for e in exprs:
        visit(e)
    return tuple(seen.values())
