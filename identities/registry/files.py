"""Identity records, the Registry, and loading TOML files with located errors.

An identity file is data: ``tomllib`` reads it, every field is checked, and
expressions go through the safe parser. Any problem raises
``IdentityFileError`` naming the file, the line, the identity and what is
wrong.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from identities.backends import BACKENDS
from identities.draws.inputs import parse_domain
from identities.errors import IdentityFileError
from identities.language.domains import Domain
from identities.language.expr import RESERVED, Bin, Expr, free_vars, parse, uses_diff
from identities.language.functions import FunctionSpace
from identities.language.tolerance import Tolerance, parse_tolerance
from identities.language.usercode import UserFunction, used_functions
from identities.registry.fpcore import Refusal

__all__ = [
    "Identity",
    "Registry",
    "load",
    "loads",
    "loads_fpcore",
    "builtin",
    "identity",
    "accuracy",
    "VERDICTS",
    "KNOWN_BACKENDS",
    "SUFFIXES",
]

VERDICTS = ("holds", "precision_failure", "refuted", "domain_mismatch", "error")
ALL = "*"  # the key of a tolerance or expect given as one value for every backend: tolerance = "8 ulp"
KNOWN_BACKENDS = BACKENDS  # the backends an expect or tolerance table may name
SUFFIXES = (".toml", ".fpcore")  # what ``load`` reads: TOML identity files and FPCore files
_NAME = re.compile(r"^[a-z0-9_.-]+$")
_VAR = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEYS = ("name", "lhs", "rhs", "vars", "functions", "examples", "tolerance", "expect", "tags", "source", "assume")
# the keys of an [[accuracy]] table: one expression, checked against its own exact value
_ACCURACY_KEYS = ("name", "expr", *_KEYS[3:])
TABLES = ("identity", "accuracy")  # the top-level arrays of tables an identity file may hold


@dataclass(frozen=True, eq=False)
class Identity:
    """One identity: two expressions, the domains of their variables, expectations.

    Build one with ``identity(...)`` or load files with ``load``; the record
    itself is frozen and holds parsed expressions. A *one-sided* identity
    (``one_sided``, built by ``accuracy(...)``, an ``[[accuracy]]`` table or an
    ``[[identity]]`` with no ``rhs``) checks the float evaluation of ``lhs``
    against its own exact value; its ``rhs`` is the same expression, so code
    reading ``rhs`` keeps working.
    """

    name: str
    lhs: Expr
    rhs: Expr
    variables: tuple[tuple[str, Domain], ...] = ()
    examples: tuple[Mapping[str, Any], ...] = ()
    tolerance: Mapping[str, Tolerance] = field(default_factory=dict)
    expect: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    source: str = ""
    assume: tuple[Expr, ...] = ()
    file: str = "<string>"
    line: int = 0
    functions: tuple[tuple[str, FunctionSpace], ...] = ()  # function variables, drawn (identities.language.functions)
    one_sided: bool = False  # an accuracy check: lhs against its exact value (rhs is lhs)
    # the float format the identity was written for (an FPCore's :precision: float64, float32, float16), None
    # when it names none; with no --backend, ``identities check`` checks it on that format and mpmath
    precision: str | None = None

    def _repr_html_(self) -> str:
        """Jupyter: the identity as a one-row table, its text escaped."""
        from identities.registry.display import registry_html

        return registry_html([self])

    @property
    def vars(self) -> dict[str, Domain]:
        return dict(self.variables)

    @property
    def size(self) -> int | None:
        """The number of components of a vector-valued identity (None for a scalar one)."""
        from identities.language.vectors import shape

        return shape(Bin("-", self.lhs, self.rhs))

    @property
    def user_functions(self) -> tuple[UserFunction, ...]:
        """The user's functions (``[[function]]``, ``functions=``) this identity calls, in the order met."""
        return used_functions(self.lhs, self.rhs, *self.assume)

    @property
    def diff_order(self) -> int:
        return max(uses_diff(self.lhs), uses_diff(self.rhs))

    def expected(self, backend: str) -> str:
        if backend in self.expect:
            return self.expect[backend]
        verdict = self.expect.get(ALL, "holds")
        # one expectation for every backend: a precision failure is a float backend's verdict only
        return "holds" if verdict == "precision_failure" and backend == "mpmath" else verdict

    def tolerance_for(self, backend: str) -> Tolerance | None:
        """The declared tolerance for a float backend (its own entry, else the one for every backend)."""
        return self.tolerance.get(backend, self.tolerance.get(ALL))

    @property
    def statement(self) -> str:
        """What is checked, as text: ``lhs == rhs``, or ``accuracy of lhs`` for a one-sided check."""
        return f"accuracy of {self.lhs}" if self.one_sided else f"{self.lhs} == {self.rhs}"

    def __repr__(self) -> str:
        return f"<Identity {self.name}: {self.statement} ({self.file}:{self.line})>"


class Registry(Mapping[str, Identity]):
    """An ordered, name-indexed collection of identities.

    ``refused`` lists the FPCores of the files loaded that could not be expressed (``Refusal``: file, line,
    name, construct, why); they are not identities, and loading went on without them.
    """

    def __init__(self, identities: Iterable[Identity] = (), refused: Iterable[Refusal] = ()):
        self._items: dict[str, Identity] = {}
        self.refused: tuple[Refusal, ...] = tuple(refused)
        for ident in identities:
            self._add(ident)

    def _add(self, ident: Identity) -> None:
        if ident.name in self._items:
            first = self._items[ident.name]
            raise IdentityFileError(
                f"duplicate name (first defined at {first.file}:{first.line})",
                file=ident.file,
                line=ident.line,
                identity=ident.name,
            )
        self._items[ident.name] = ident

    def __getitem__(self, name: str) -> Identity:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no identity named {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def identities(self) -> list[Identity]:
        return list(self._items.values())

    def implementations(self) -> list[UserFunction]:
        """The user's functions whose implementation is imported by name (``module:attribute``), once each."""
        seen: dict[tuple[str, str, str], UserFunction] = {}
        for ident in self._items.values():
            for fn in ident.user_functions:
                if fn.needs_import:
                    seen.setdefault((fn.file, fn.name, str(fn.implementation)), fn)
        return list(seen.values())

    def select(self, *patterns: str) -> Registry:
        """The identities whose name matches any of the glob patterns (all if none given)."""
        pats = [p for p in patterns if p]
        if not pats:
            return self
        chosen = (i for n, i in self._items.items() if any(fnmatch.fnmatchcase(n, p) for p in pats))
        return Registry(chosen, self.refused)

    def __add__(self, other: Registry) -> Registry:
        return Registry([*self.identities(), *other.identities()], [*self.refused, *other.refused])

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} identities>"

    def _repr_html_(self) -> str:
        """Jupyter: a table of the identities (name, the identity, variables, expect, source)."""
        from identities.registry.display import registry_html

        return registry_html(self.values(), caption=f"{len(self)} identities")

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        from identities.registry.display import registry_text

        lines = registry_text(self.values(), caption=f"<Registry of {len(self)} identities>").splitlines()
        for i, line in enumerate(lines):
            if i:
                p.break_()
            p.text(line)


# ---------------------------------------------------------------------------------------------
# loading


class _Locator:
    """Line numbers inside a TOML text, which tomllib does not report."""

    def __init__(self, text: str, table: str = "identity"):
        self.lines = text.splitlines()
        pattern = re.compile(rf"^\s*\[\[\s*{table}\s*\]\]")
        starts = [i + 1 for i, ln in enumerate(self.lines) if re.match(r"^\s*\[\[\s*[A-Za-z_]", ln)]
        self.headers = [i + 1 for i, ln in enumerate(self.lines) if pattern.match(ln)]
        self.ends = [next((s - 1 for s in starts if s > h), len(self.lines)) for h in self.headers]

    def block(self, index: int) -> tuple[int, int]:
        if index < len(self.headers):
            return self.headers[index], self.ends[index]
        return 0, 0

    def key(self, index: int, key: str) -> int:
        start, end = self.block(index)
        if not start:
            return 0
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, end + 1):
            if pat.match(self.lines[n - 1]):
                return n
        return start


def _toml_error_line(exc: tomllib.TOMLDecodeError) -> int:
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else 0


def loads(text: str, path: str = "<string>", *, allow_import: bool = False, root: str | None = None) -> Registry:
    """Parse identity-file text; ``path`` is used in error messages (and, for ``[[function]]`` implementations,
    to find the directory their modules are imported from).

    Nothing is imported here. ``allow_import`` says whether the implementations
    the file names (``implementation = "module:attribute"``) may be imported
    when an identity is first checked; without it that check is the ``error``
    verdict saying so (``identities.errors.ImportRefused``). ``root`` is the
    file's real location when ``path`` is only how it is shown.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise IdentityFileError(f"not valid TOML: {msg}", file=path, line=_toml_error_line(exc)) from None
    extra = sorted(set(data) - set(TABLES) - {"function"})
    if extra:
        raise IdentityFileError(
            f"unknown top-level key {extra[0]!r}; an identity file holds [[identity]], [[accuracy]] and "
            f"[[function]] tables",
            file=path,
            line=_first_line(text, extra[0]),
        )
    user = _functions_from_tables(data.get("function", []), path, _Locator(text, "function"), allow_import, root)
    built = []
    for table in TABLES:
        entries = data.get(table, [])
        if not isinstance(entries, list):
            raise IdentityFileError(
                f"{table!r} must be an array of tables, written [[{table}]]", file=path, line=_first_line(text, table)
            )
        loc = _Locator(text, table)
        for index, entry in enumerate(entries):
            built.append(_identity_from_table(entry, path, index, loc, table, user))
    registry = Registry()
    for ident in sorted(built, key=lambda i: i.line):  # file order, [[identity]] and [[accuracy]] interleaved
        registry._add(ident)
    return registry


_FUNCTION_KEYS = ("name", "args", "definition", "implementation", "vectorized")


def _functions_from_tables(
    tables: Any, path: str, loc: _Locator, allow_import: bool, real: str | None = None
) -> dict[str, UserFunction]:
    """The file's ``[[function]]`` declarations, checked, in order (a definition may call an earlier function)."""
    from identities.language.usercode import import_root, make_function

    if not isinstance(tables, list):
        raise IdentityFileError("'function' must be an array of tables, written [[function]]", file=path, line=1)
    located = real or (path if not path.startswith("<") else None)
    root = import_root(located) if tables and located else ""
    out: dict[str, UserFunction] = {}
    for index, entry in enumerate(tables):
        header = loc.block(index)[0]
        if not isinstance(entry, dict):
            raise IdentityFileError("each [[function]] must be a table", file=path, line=header)
        name = entry.get("name")

        def fail(message: str, key: str | None = None) -> IdentityFileError:
            line = loc.key(index, key) if key else header
            shown = name if isinstance(name, str) else None
            return IdentityFileError(f"function {shown!r}: {message}" if shown else message, file=path, line=line)

        unknown = [k for k in entry if k not in _FUNCTION_KEYS]
        if unknown:
            raise fail(f"unknown key {unknown[0]!r}; allowed: {', '.join(_FUNCTION_KEYS)}", unknown[0])
        for key in ("name", "args", "definition", "implementation"):
            if key not in entry:
                raise fail(f"missing {key!r} ([[function]] holds {', '.join(_FUNCTION_KEYS)})")
        try:
            fn = make_function(
                name,
                entry["args"],
                entry["definition"],
                entry["implementation"],
                vectorized=entry.get("vectorized", False),
                earlier=out,
                root=root,
                allow_import=allow_import,
                file=path,
                line=header,
            )
        except ValueError as exc:
            key = next((k for k in ("definition", "implementation", "vectorized", "args") if k in str(exc)), "name")
            raise IdentityFileError(str(exc), file=path, line=loc.key(index, key)) from None
        out[fn.name] = fn
    return out


def _first_line(text: str, key: str) -> int:
    for i, ln in enumerate(text.splitlines()):
        if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", ln):
            return i + 1
    return 0


def load(*paths: str | Path, allow_import: bool = False) -> Registry:
    """Load identity files (TOML, or FPCore when the name ends in ``.fpcore``), or directories of them
    (``*.toml`` and ``*.fpcore``), into one Registry; FPCores that cannot be expressed are in ``refused``.

    ``allow_import``: see ``loads``; nothing is imported while loading."""
    registry = Registry()
    for p in paths:
        path = Path(p)
        files = sorted(f for f in path.iterdir() if f.suffix in SUFFIXES) if path.is_dir() else [path]
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise IdentityFileError("no such file", file=str(f)) from None
            except (OSError, UnicodeDecodeError) as exc:
                raise IdentityFileError(f"cannot read: {exc}", file=str(f)) from None
            registry = registry + (
                loads_fpcore(text, str(f), taken=set(registry))
                if f.suffix == ".fpcore"
                else loads(text, str(f), allow_import=allow_import)
            )
    return registry


def loads_fpcore(text: str, path: str = "<string>", *, taken: Collection[str] = ()) -> Registry:
    """Parse FPCore text (``identities.registry.fpcore``) into identities, with the same checks as TOML.

    An FPCore that cannot be expressed, or whose translation fails a check (an example outside its domain
    is dropped first), is a ``Refusal`` in the Registry's ``refused``; a file that is not FPCore at all
    raises ``IdentityFileError``. ``taken``: names in use already (FPBench's suite names ``logexp`` in two
    files); an FPCore whose name is taken is ``<name>-2``, as a repeated name in one file is.
    """
    from identities.registry.fpcore import read_fpcore
    from identities.registry.fpcore_syntax import PRECISIONS

    tables, refused = read_fpcore(text, path, taken)
    made: list[Identity] = []
    for t in tables:
        attempts = [t.examples, []] if t.examples else [[]]
        for n, examples in enumerate(attempts):
            try:
                ident = build_identity(
                    t.name,
                    t.lhs,
                    t.rhs,  # None: a one-sided accuracy check
                    vars=t.vars,
                    examples=examples,
                    tolerance={},
                    expect={},
                    tags=t.tags,
                    source=t.source,
                    assume=t.assume,
                    file=path,
                    line=t.line,
                    precision=PRECISIONS[t.precision][0],
                )
            except IdentityFileError as exc:
                if n + 1 < len(attempts) and "example" in exc.message:
                    continue
                refused.append(Refusal(path, t.line, t.fpcore, "check", exc.message))
                break
            made.append(ident)
            break
    return Registry(made, sorted(refused, key=lambda r: r.line))


def builtin() -> Registry:
    """The built-in library: every ``identities/library/*.toml``, in name order."""
    registry = Registry()
    lib = resources.files("identities") / "library"
    for entry in sorted(lib.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            registry = registry + loads(entry.read_text(encoding="utf-8"), f"identities/library/{entry.name}")
    return registry


def _identity_from_table(
    entry: Any,
    path: str,
    index: int,
    loc: _Locator,
    table: str = "identity",
    user: Mapping[str, UserFunction] | None = None,
) -> Identity:
    header = loc.block(index)[0]
    if not isinstance(entry, dict):
        raise IdentityFileError(f"each [[{table}]] must be a table", file=path, line=header)
    raw_name = entry.get("name")
    name = raw_name if isinstance(raw_name, str) else None

    def fail(message: str, key: str | None = None) -> IdentityFileError:
        line = loc.key(index, key) if key else header
        return IdentityFileError(message, file=path, line=line, identity=name)

    if name is None:
        raise fail(
            "missing 'name' (a string of a-z, 0-9, '_', '.', '-')"
            if raw_name is None
            else f"'name' must be a string, got {raw_name!r}",
            "name",
        )
    if not _NAME.match(name):
        raise fail(f"name {name!r} may only contain a-z, 0-9, '_', '.' and '-'", "name")
    keys = _KEYS if table == "identity" else _ACCURACY_KEYS
    unknown = [k for k in entry if k not in keys]
    if unknown:
        hint = {"lhs": " (an [[accuracy]] table takes 'expr')", "expr": " (an [[identity]] takes 'lhs' and 'rhs')"}
        raise fail(f"unknown key {unknown[0]!r}{hint.get(unknown[0], '')}; allowed: {', '.join(keys)}", unknown[0])
    first = "lhs" if table == "identity" else "expr"
    if first not in entry:
        raise fail(f"missing {first!r}")

    try:
        return build_identity(
            name,
            entry[first],
            entry.get("rhs"),
            vars=entry.get("vars", {}),
            functions=entry.get("functions", {}),
            examples=entry.get("examples", []),
            tolerance=entry.get("tolerance", {}),
            expect=entry.get("expect", {}),
            tags=entry.get("tags", []),
            source=entry.get("source", ""),
            assume=entry.get("assume", []),
            file=path,
            line=header,
            key_line=lambda key: loc.key(index, "expr" if key == "lhs" and table == "accuracy" else key),
            user=user,
        )
    except IdentityFileError:
        raise


def identity(
    name: str,
    lhs: str,
    rhs: str | None,
    *,
    vars: Mapping[str, str] | None = None,
    examples: Iterable[Mapping[str, Any]] = (),
    tolerance: Mapping[str, str] | str | None = None,
    expect: Mapping[str, str] | str | None = None,
    tags: Iterable[str] = (),
    source: str = "",
    assume: Iterable[str] = (),
    functions: Mapping[str, Any] | None = None,
) -> Identity:
    """Build an identity from Python values, with the same checks as a file.

    ``rhs=None`` makes a one-sided accuracy check of ``lhs`` (as ``accuracy(name, lhs, ...)`` does).

    ``functions`` maps a name to a function space (``"elementary"``: a function variable, drawn) or to a
    function of yours, ``(callable, "definition")`` or ``identities.implementation(callable, "definition",
    args=..., vectorized=...)``: float backends call the callable, the oracle evaluates the definition.
    """
    from identities.language.usercode import user_functions

    spaces = {k: v for k, v in (functions or {}).items() if isinstance(v, str)}
    mine = {k: v for k, v in (functions or {}).items() if not isinstance(v, str)}
    taken = frozenset(vars or {}) | frozenset(spaces)
    try:
        user = user_functions(mine, taken=taken)
    except ValueError as exc:
        raise IdentityFileError(str(exc), identity=name) from None
    return build_identity(
        name,
        lhs,
        rhs,
        vars=vars or {},
        examples=list(examples),
        tolerance=tolerance or {},
        expect=expect or {},
        tags=list(tags),
        source=source,
        assume=list(assume),
        functions=spaces,
        user=user,
    )


def accuracy(
    name: str,
    expr: str,
    *,
    vars: Mapping[str, str] | None = None,
    examples: Iterable[Mapping[str, Any]] = (),
    tolerance: Mapping[str, str] | str | None = None,
    expect: Mapping[str, str] | str | None = None,
    tags: Iterable[str] = (),
    source: str = "",
    assume: Iterable[str] = (),
    functions: Mapping[str, Any] | None = None,
) -> Identity:
    """A one-sided accuracy check: ``expr`` evaluated in each backend against its own exact value.

    Its verdicts are ``holds``, ``precision_failure`` and ``error``: there is no
    second side to disagree with, so ``refuted`` and ``domain_mismatch`` cannot occur.
    """
    return identity(
        name,
        expr,
        None,
        vars=vars,
        examples=examples,
        tolerance=tolerance,
        expect=expect,
        tags=tags,
        source=source,
        assume=assume,
        functions=functions,
    )


def build_identity(
    name: str,
    lhs: Any,
    rhs: Any,
    *,
    vars: Any,
    examples: Any,
    tolerance: Any,
    expect: Any,
    tags: Any,
    source: Any,
    assume: Any,
    file: str = "<string>",
    line: int = 0,
    key_line: Any = None,
    functions: Any = None,
    user: Mapping[str, UserFunction] | None = None,
    precision: str | None = None,
) -> Identity:
    def at(key: str) -> int:
        return key_line(key) if key_line else line

    def fail(message: str, key: str) -> IdentityFileError:
        return IdentityFileError(message, file=file, line=at(key), identity=name)

    if not isinstance(name, str) or not _NAME.match(name):
        raise IdentityFileError(f"name {name!r} may only contain a-z, 0-9, '_', '.' and '-'", file=file, line=line)
    # variables, in declaration order; bounds may use earlier ones
    if not isinstance(vars, dict):
        raise fail(f"'vars' must be a table of name = \"domain\", got {vars!r}", "vars")
    variables: list[tuple[str, Domain]] = []
    for var, text in vars.items():
        if not _VAR.match(var) or var in RESERVED:
            why = "is reserved (a function or constant)" if var in RESERVED else "is not a plain identifier"
            raise fail(f"variable name {var!r} {why}", "vars")
        variables.append(
            (
                var,
                parse_domain(
                    text,
                    [v for v, d in variables if d.size is None],
                    file=file,
                    line=at("vars"),
                    identity=name,
                    var=var,
                ),
            )
        )
    vectors = {v: d.size for v, d in variables if d.size is not None}
    names = {v for v, _ in variables} - set(vectors)
    integer_vars = {v for v, d in variables if d.is_integer}
    spaces = _function_spaces(functions or {}, names | set(vectors), fail)
    user = dict(user or {})
    clash = sorted(set(user) & (names | set(vectors) | set(spaces)))
    if clash:
        raise fail(f"{clash[0]!r} is both a variable and a declared [[function]]", "vars")

    one_sided = rhs is None
    sides = []
    for key, text in (("lhs", lhs),) if one_sided else (("lhs", lhs), ("rhs", rhs)):
        e = (
            _built(text, names, fail, key)
            if isinstance(text, Expr)
            else parse(
                text, names, file=file, line=at(key), identity=name, functions=set(spaces), vectors=vectors, user=user
            )
        )
        for node_var in _diff_vars(e):
            if node_var in integer_vars:
                raise fail(f"diff in {node_var!r}, which is an integer variable", key)
        sides.append(e)
    _check_shapes(sides, fail)
    if one_sided:
        from identities.language.vectors import shape

        if shape(sides[0]) is not None:
            raise fail("an accuracy check takes a scalar expression; compare vectors with an identity", "lhs")
        sides.append(sides[0])  # rhs is lhs: code reading rhs keeps working

    if not isinstance(assume, list) or not all(isinstance(a, (str, Expr)) for a in assume):
        raise fail(f"'assume' must be a list of strings, got {assume!r}", "assume")
    assumptions = []
    for a in assume:
        e = (
            _built(a, names, fail, "assume")
            if isinstance(a, Expr)
            else parse(
                a,
                names,
                allow_compare=True,
                file=file,
                line=at("assume"),
                identity=name,
                functions=set(spaces),
                vectors=vectors,
                user=user,
            )
        )
        from identities.language.expr import Cmp, Logic

        if not isinstance(e, (Cmp, Logic)):
            raise fail(f"assumption {a!r} is not a comparison (or and/or/not of comparisons)", "assume")
        _check_shapes([e], fail, "assume")
        assumptions.append(e)

    tol = _backend_table(tolerance, "tolerance", fail)
    tolerances: dict[str, Tolerance] = {}
    for backend, text in tol.items():
        if backend == "mpmath":
            raise fail("mpmath takes no tolerance: its verdict is decided by the oracle", "tolerance")
        try:
            tolerances[backend] = parse_tolerance(text)
        except ValueError as exc:
            raise fail(str(exc), "tolerance") from None

    exp = _backend_table(expect, "expect", fail)
    for backend, verdict in exp.items():
        if verdict not in VERDICTS:
            what = "expect" if backend == ALL else f"expect.{backend}"
            raise fail(f"{what} = {verdict!r} is not a verdict; verdicts: {', '.join(VERDICTS)}", "expect")
        if backend == "mpmath" and verdict == "precision_failure":
            raise fail("expect.mpmath cannot be 'precision_failure' (that verdict is for float backends)", "expect")
        if one_sided and verdict in ("refuted", "domain_mismatch"):
            raise fail(
                f"an accuracy check cannot be {verdict!r}: it compares one expression with its own exact value",
                "expect",
            )

    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail(f"'tags' must be a list of strings, got {tags!r}", "tags")
    if not isinstance(source, str):
        raise fail(f"'source' must be a string, got {source!r}", "source")
    checked_examples = _check_examples(
        examples, variables, fail, spaces, dict(file=file, line=at("examples"), identity=name)
    )

    return Identity(
        name=name,
        lhs=sides[0],
        rhs=sides[1],
        variables=tuple(variables),
        examples=tuple(checked_examples),
        tolerance=tolerances,
        expect=exp,
        tags=tuple(tags),
        source=source,
        assume=tuple(assumptions),
        file=file,
        line=line,
        functions=tuple(spaces.items()),
        one_sided=one_sided,
        precision=precision,
    )


def _built(e: Expr, names: set[str], fail: Any, key: str) -> Expr:
    """An expression built by a reader of ours (FPCore's, ``identities.registry.fpcore``) rather than parsed
    from text: its variables must be declared, as the parser would require."""
    undeclared = sorted(free_vars(e) - names)
    if undeclared:
        raise fail(f"undeclared variable {undeclared[0]!r} in {e}", key)
    return e


def _function_spaces(functions: Any, taken: set[str], fail: Any) -> dict[str, FunctionSpace]:
    from identities.language.functions import parse_space

    if not isinstance(functions, dict):
        raise fail(f"'functions' must be a table of name = \"elementary\", got {functions!r}", "functions")
    spaces: dict[str, FunctionSpace] = {}
    for fn, text in functions.items():
        if not _VAR.match(fn) or fn in RESERVED or fn in taken:
            why = (
                "is reserved (a function or constant)"
                if fn in RESERVED
                else "is also a variable"
                if fn in taken
                else "is not a plain identifier"
            )
            raise fail(f"function variable name {fn!r} {why}", "functions")
        try:
            spaces[fn] = parse_space(text, spaces)
        except ValueError as exc:
            raise fail(f"function {fn!r}: {exc}", "functions") from None
    return spaces


def _check_shapes(exprs: list[Expr], fail: Any, key: str | None = None) -> None:
    """Vectors and scalars combined sensibly; lhs and rhs of one size (or a scalar, broadcast)."""
    from identities.language.vectors import ShapeError, shape

    shapes = []
    for k, e in zip(("lhs", "rhs") if key is None else (key,), exprs):
        try:
            shapes.append(shape(e))
        except ShapeError as exc:
            raise fail(str(exc), k) from None
    if len(shapes) == 2 and None not in shapes and shapes[0] != shapes[1]:
        raise fail(f"lhs is a vector of size {shapes[0]}, rhs of size {shapes[1]}", "rhs")


def _diff_vars(e: Expr) -> set[str]:
    from identities.language.expr import Diff, walk

    return {n.var for n in walk(e) if isinstance(n, Diff)}


def _backend_table(value: Any, key: str, fail: Any) -> dict[str, str]:
    """A per-backend table; a plain string is the value for every backend, kept under ``ALL``."""
    if isinstance(value, str):
        return {ALL: value}
    if not isinstance(value, dict):
        raise fail(
            f"'{key}' must be a table of backend = value, like {{ float64 = ... }}, or one value for "
            f"every backend, got {value!r}",
            key,
        )
    for backend in value:
        if backend not in KNOWN_BACKENDS:
            raise fail(f"{key} names unknown backend {backend!r}; known: {', '.join(KNOWN_BACKENDS)}", key)
    return dict(value)


def _check_examples(
    examples: Any,
    variables: list[tuple[str, Domain]],
    fail: Any,
    spaces: Mapping[str, FunctionSpace] | None = None,
    where: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    from identities.language.functions import parse_function

    if not isinstance(examples, list):
        raise fail(f"'examples' must be a list of tables like [{{ x = 1.5 }}], got {examples!r}", "examples")
    from identities.draws.inputs import admissible
    from identities.numbers.formats import float64

    spaces = spaces or {}
    names = [*spaces, *(v for v, _ in variables)]
    within = admissible(variables, float64, exact=False) if examples else None  # as written; per backend later
    out = []
    for ex in examples:
        if not isinstance(ex, dict):
            raise fail(f"example {ex!r} is not a table of variable = number", "examples")
        missing = [n for n in names if n not in ex]
        extra = [k for k in ex if k not in names]
        if missing or extra:
            what = f"lacks {missing[0]!r}" if missing else f"has undeclared variable {extra[0]!r}"
            raise fail(f"example {ex!r} {what}", "examples")
        checked: dict[str, Any] = {}
        for n in spaces:
            if not isinstance(ex[n], str):
                raise fail(f'example function {n} = {ex[n]!r} is not an expression in x, like "sin(x)"', "examples")
            checked[n] = parse_function(ex[n], **(where or {}))
        for n, d in variables:
            v = ex[n]
            if d.size is not None:
                if not (isinstance(v, list) and len(v) == d.size):
                    raise fail(f"example value {n} = {v!r} is not a list of {d.size} numbers", "examples")
                checked[n] = tuple(_example_number(n, c, d, fail) for c in v)
                continue
            checked[n] = _example_number(n, v, d, fail)
        if within is not None and not within(checked):
            shown = {n: checked[n] for n, _ in variables}
            domains = ", ".join(f"{n}: {d}" for n, d in variables)
            raise fail(f"example {shown!r} is outside the declared domains ({domains})", "examples")
        out.append(checked)
    return out


def _example_number(n: str, v: Any, d: Domain, fail: Any) -> int | float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise fail(f"example value {n} = {v!r} is not a number", "examples")
    if d.is_integer:
        if isinstance(v, float) and not v.is_integer():
            raise fail(f"example value {n} = {v!r} is not an integer, but {n} is {d.text}", "examples")
        return int(v)
    v = float(v)
    if v != v or v in (float("inf"), float("-inf")):
        raise fail(f"example value {n} = {v!r} is not finite", "examples")
    return v
