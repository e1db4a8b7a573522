"""FPCore in: FPBench's benchmark format (FPCore 1.x and 2.0) read as data into identity tables.

An FPCore file is read by ``identities.registry.sexpr`` (nothing is evaluated) and each
``(FPCore (args) props... body)`` is translated into the expression records (``Expr``) our safe parser
builds from a TOML identity's text (for every FPCore of FPBench's suite, exactly those: a test parses their
text back), with the same checks and limits (``identities.registry.files`` builds the identities). The
mapping (fpbench.org/spec/fpcore-2.0.html):

- ``:name`` -> the identity's name, lower-cased, runs of characters outside ``[a-z0-9_.-]`` made ``_``
  (the original is kept as ``source``); without a name, the FPCore's identifier, else ``<file>-<n>``.
- ``:pre`` -> domains and ``assume``: each conjunct ``(<= a x b)``, ``(< 0 x)``, ``(>= x a)``... bounding
  an argument by constants (or by arguments before it) becomes ``real[a, b]`` (``positive``/``negative``
  for a strict bound at 0; other strict bounds stay as an ``assume`` too, since our bounds are
  inclusive); ``(!= x 0)`` of an otherwise unbounded argument is ``nonzero``; every other condition becomes
  an ``assume`` entry.
- ``:precision`` -> the identity's ``precision`` (``float64``, ``float32``, ``float16``: with no ``--backend``
  the FPCore is checked there and on mpmath) and a tag (``binary64``...); other precisions are refused.
- ``:spec`` -> the identity ``body == spec``; each ``:alt`` (and Herbie's ``:herbie-target``) ->
  ``body == alt``, named ``<name>.alt``, ``<name>.alt2``...; a body with neither is a one-sided accuracy
  check of the body against its exact value.
- ``:example`` -> ``examples`` (complete ones, with rational values; others are dropped).
- ``let``/``let*`` are substituted, ``if`` becomes ``where``, ``!`` annotations keep their
  ``:precision`` (the FPCore's own, or ``integer`` on a literal; another one is mixed precision, refused)
  and ``:round nearestEven``; other properties are ignored. A call of an FPCore defined before it in the
  same file (FPCore 2.0 ``(FPCore name (args) ...)``) is inlined.

``nearbyint(e)`` is ``where(abs(e - trunc(e)) == 0.5, 2*round(e/2), round(e))`` (ties to even, exact in
floats); ``signbit(e)`` is ``copysign(1, e) < 0``; ``isnan``, ``isinf``, ``isfinite`` of an argument are
FALSE, FALSE, TRUE (an input is always a finite number) and ``isnormal(x)`` is ``abs(x) >= 2**-1022`` (the
precision's smallest normal).

What cannot be expressed is *refused*, per FPCore, with its name, the construct and the line
(``Refusal``), and the rest of the file still loads: loops (``while``, ``while*``, ``for``, ``for*``),
tensors (``tensor``, ``tensor*``, ``array``, ``dim``, ``size``, ``ref``, dimensioned arguments),
``cast``, ``isnan``/``isinf``/``isfinite``/``isnormal`` of a computed value (in floats they test the
rounded result, exactly a real number: no one expression says both), ``NAN``, ``INFINITY`` outside a
precondition's bound, ``digits`` that are not a finite decimal, precisions without a backend (posits,
fixed point, binary80/128, ``real``), rounding modes other than nearestEven, and unknown operators.

The limits of an expression apply after ``let`` bindings are substituted: nodes and depth, counted on the
shared tree without expanding it; the text limit applies to the body as written (the expansion is built as
``Expr`` records directly, ``to_expr``, so long names repeated by ``let`` do not count against it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from identities.errors import IdentityFileError
from identities.language.expr import Expr
from identities.language.limits import MAX_DEPTH, MAX_NODES, MAX_TEXT
from identities.registry.fpcore_syntax import (
    FLIP,
    PRECISIONS,
    Node,
    Refused,
    free_names,
    has_inf,
    identifier,
    identity_name,
    line_of,
    number_value,
    precision_of,
    render,
    show,
    size_and_depth,
    to_expr,
)
from identities.registry.fpcore_terms import Translator
from identities.registry.sexpr import Atom, Datum, SList, Str, read_all

__all__ = ["Table", "Refusal", "read_fpcore"]


@dataclass(frozen=True)
class Refusal:
    """An FPCore that could not be loaded: where, which one, the construct and why."""

    file: str
    line: int
    name: str
    construct: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: FPCore {self.name!r} refused: {self.message}"


@dataclass(frozen=True)
class Table:
    """One identity translated from an FPCore: what a TOML table holds, with the expressions already built
    (``rhs`` None: one-sided); ``str()`` of each is its text in our expression language."""

    name: str
    lhs: Expr
    rhs: Expr | None
    vars: dict[str, str]
    assume: list[Expr]
    examples: list[dict[str, Any]]
    tags: list[str]
    source: str
    line: int
    fpcore: str = ""  # the FPCore's name as written, for refusals made later
    precision: str = "binary64"


# ---------------------------------------------------------------------------------------------
# one FPCore -> tables


def read_fpcore(text: str, path: str = "<string>", taken: Collection[str] = ()) -> tuple[list[Table], list[Refusal]]:
    """Translate every FPCore of ``text``: the identity tables, and the FPCores refused.

    A file that is not s-expressions, or holds something other than ``(FPCore ...)`` forms, raises
    ``IdentityFileError`` (the whole file is unreadable); an FPCore that cannot be expressed is refused.
    ``taken``: names already used (by files loaded before this one); a name met again gets ``-2``, ``-3``...
    """
    data = read_all(text, path)
    stem = PurePath(path).stem.lower()
    tables: list[Table] = []
    refused: list[Refusal] = []
    callees: dict[str, tuple[list[str], Datum]] = {}
    names: set[str] = set(taken)
    for index, form in enumerate(data, 1):
        if not (isinstance(form, SList) and form.items and isinstance(form.items[0], Atom)):
            raise IdentityFileError(f"expected (FPCore ...), got {show(form)}", file=path, line=form.line)
        if form.items[0].text != "FPCore":
            raise IdentityFileError(f"expected (FPCore ...), got ({form.items[0].text} ...)", file=path, line=form.line)
        shown = _fpcore_name(form) or f"{stem}-{index}"
        try:
            made, callee = _translate(form, text, path, shown, callees, names)
        except Refused as exc:
            refused.append(Refusal(path, exc.line or form.line, shown, exc.construct, exc.message))
            continue
        tables.extend(made)
        if callee is not None:
            callees[callee[0]] = callee[1]
    return tables, refused


def _fpcore_name(form: SList) -> str | None:
    items = form.items
    for key, value in zip(items, items[1:]):
        if isinstance(key, Atom) and key.text == ":name" and isinstance(value, Str):
            return value.value
    if len(items) > 2 and isinstance(items[1], Atom):
        return items[1].text
    return None


def _translate(
    form: SList,
    text: str,
    path: str,
    shown: str,
    callees: Mapping[str, tuple[list[str], Datum]],
    names: set[str],
) -> tuple[list[Table], tuple[str, tuple[list[str], Datum]] | None]:
    items = list(form.items[1:])
    ident = None
    if items and isinstance(items[0], Atom):  # FPCore 2.0: (FPCore name (args) ...)
        ident = items[0].text
        items.pop(0)
    arg_list = items.pop(0) if items else None
    if not isinstance(arg_list, SList):
        raise Refused("FPCore", "expected (FPCore (args) props... body)", form.line)
    if not items:
        raise Refused("FPCore", "an FPCore without a body", form.line)
    body = items.pop()
    props: dict[str, list[Datum]] = {}
    if len(items) % 2:
        raise Refused("FPCore", f"a property without a value: {show(items[-1])}", form.line)
    for key, value in zip(items[::2], items[1::2]):
        if not (isinstance(key, Atom) and key.text.startswith(":")):
            raise Refused("FPCore", f"expected a :property, got {show(key)}", line_of(key))
        props.setdefault(key.text, []).append(value)
    if isinstance(body, SList) and len(text[body.start : body.stop]) > MAX_TEXT:
        raise Refused("FPCore", f"the body is longer than {MAX_TEXT} characters", body.line)

    precision = precision_of(props[":precision"][-1]) if ":precision" in props else "binary64"
    if precision not in PRECISIONS:
        raise Refused(":precision", f"precision {precision} has no backend here", form.line)
    for mode in props.get(":round", []):
        if not (isinstance(mode, Atom) and mode.text == "nearestEven"):
            raise Refused(":round", f"rounding mode {show(mode)} (only nearestEven is checked here)", form.line)

    # the arguments: FPCore symbols -> our variables, integer or real
    env: dict[str, Node] = {}
    args: list[tuple[str, str, bool]] = []  # (FPCore symbol, our name, integer)
    taken: set[str] = set()
    for a in arg_list.items:
        symbol, integer = _argument(a, precision)
        ours = identifier(symbol, taken)
        taken.add(ours)
        env[symbol] = ("var", ours)
        args.append((symbol, ours, integer))

    core = Translator(precision, callees, frozenset({ident} if ident else ()))
    lhs = _finish(core.real(body, env), line_of(body))
    others: list[tuple[str, Expr]] = []
    for prop in (":spec", ":alt", ":herbie-target"):
        for d in props.get(prop, []):
            others.append((prop, _finish(core.real(d, env), line_of(d))))
    domains, assume = _precondition(core, props.get(":pre", []), env, args)
    examples = _examples(props.get(":example", []), args)

    base = identity_name(shown)
    tags = ["fpcore", precision]
    made: list[Table] = []

    def unique(name: str) -> str:
        out, n = name, 2
        while out in names:
            out, n = f"{name}-{n}", n + 1
        names.add(out)
        return out

    # the source: the name as written, with the description (an exported identity's source) when there is one
    described = [d.value for d in props.get(":description", []) if isinstance(d, Str)]
    source = shown if not described else described[0] if base == shown else f"{shown}: {described[0]}"
    common = dict(vars=domains, assume=assume, examples=examples, tags=tags, source=source, fpcore=shown)
    if not others:
        made.append(Table(unique(base), lhs, None, line=form.line, precision=precision, **common))  # type: ignore[arg-type]
    alts = 0
    for prop, other in others:
        if prop == ":spec":
            name = base
        else:
            alts += 1
            name = f"{base}.alt" + (str(alts) if alts > 1 else "")
        made.append(Table(unique(name), lhs, other, line=form.line, precision=precision, **common))  # type: ignore[arg-type]
    callee = (ident, ([s for s, _, _ in args], body)) if ident else None
    return made, callee


def _argument(a: Datum, precision: str) -> tuple[str, bool]:
    """An FPCore argument: a symbol, or (! props symbol); dimensioned (tensor) arguments are refused."""
    if isinstance(a, Atom):
        return a.text, False
    if isinstance(a, SList) and a.items and isinstance(a.items[0], Atom) and a.items[0].text == "!":
        *props, sym = a.items[1:]
        if not isinstance(sym, Atom):
            raise Refused("argument", f"a tensor argument: {show(a)}", a.line)
        integer = False
        for key, value in zip(props[::2], props[1::2]):
            if isinstance(key, Atom) and key.text == ":precision":
                p = precision_of(value)
                if p == "integer":
                    integer = True
                elif p != precision:
                    raise Refused(
                        "argument", f"mixed precision: argument {sym.text} is {p} in a {precision} FPCore", a.line
                    )
        return sym.text, integer
    raise Refused("argument", f"a tensor argument: {show(a)}", line_of(a))


def _within(n: Node, line: int) -> Node:
    """``n`` when its expansion (``let`` bindings substituted) is within the limits of any expression."""
    size, depth = size_and_depth(n)
    if size > MAX_NODES:
        raise Refused("limit", f"the expression has more than {MAX_NODES} nodes (let bindings substituted)", line)
    if depth > MAX_DEPTH:
        raise Refused("limit", f"the expression nests deeper than {MAX_DEPTH} levels (let bindings substituted)", line)
    return n


def _finish(n: Node, line: int) -> Expr:
    """The expression of a checked node: built directly (``to_expr``), since its text may be longer than a
    TOML expression's limit while its nodes and depth are not (long names repeated by ``let``)."""
    return to_expr(_within(n, line))


# ---------------------------------------------------------------------------------------------
# the precondition: domains and assumptions


def _precondition(
    core: Translator, pres: Sequence[Datum], env: Mapping[str, Node], args: Sequence[tuple[str, str, bool]]
) -> tuple[dict[str, str], list[Expr]]:
    order = {ours: i for i, (_, ours, _) in enumerate(args)}
    lowers: dict[str, list[tuple[Node, bool]]] = {ours: [] for _, ours, _ in args}
    uppers: dict[str, list[tuple[Node, bool]]] = {ours: [] for _, ours, _ in args}
    assume: list[Node] = []
    line = line_of(pres[0]) if pres else 0
    for d in pres:
        c = core.cond(d, env)
        if c[0] == "bool":
            if not c[1]:
                raise Refused(":pre", "the precondition is FALSE: no input is admissible", line_of(d))
            continue
        for part in c[1] if c[0] == "and" else (c,):
            if not _bound(part, order, lowers, uppers):
                if has_inf(part):
                    raise Refused(":pre", "INFINITY outside a bound of an argument", line_of(d))
                assume.append(part)
    domains: dict[str, str] = {}
    for _, ours, integer in args:
        kind = "integer" if integer else "real"
        lo, hi = lowers[ours], uppers[ours]
        if not integer and any(s and _is_zero(b) for b, s in lo):
            kind = "positive"
            lo = [(b, s) for b, s in lo if not (s and _is_zero(b))]
        elif not integer and any(s and _is_zero(b) for b, s in hi):
            kind = "negative"
            hi = [(b, s) for b, s in hi if not (s and _is_zero(b))]
        for bounds, op, strict_op in ((lo[1:], ">=", ">"), (hi[1:], "<=", "<")):
            assume.extend(("cmp", strict_op if s else op, ("var", ours), b) for b, s in bounds)
        if lo and lo[0][1]:
            assume.append(("cmp", ">", ("var", ours), lo[0][0]))
        if hi and hi[0][1]:
            assume.append(("cmp", "<", ("var", ours), hi[0][0]))
        if not lo and not hi:
            nonzero = [a for a in assume if not integer and _is_nonzero(a, ours)]
            if kind == "real" and nonzero:  # (!= x 0) alone: the domain nonzero, drawn rather than filtered
                kind = "nonzero"
                assume = [a for a in assume if not any(a is z for z in nonzero)]
            domains[ours] = kind
            continue
        lo_text = render(_within(lo[0][0], line)) if lo else ("0" if kind == "positive" else "-inf")
        hi_text = render(_within(hi[0][0], line)) if hi else ("0" if kind == "negative" else "inf")
        domains[ours] = f"{kind}[{lo_text}, {hi_text}]"
    return domains, [_finish(a, line) for a in assume]


def _is_zero(n: Node) -> bool:
    return n[0] == "num" and number_value(n[1]) == 0


def _is_nonzero(part: Node, var: str) -> bool:
    """Whether a condition is ``var != 0`` (either way round)."""
    if part[0] != "cmp" or part[1] != "!=":
        return False
    a, b = part[2], part[3]
    return (a == ("var", var) and _is_zero(b)) or (b == ("var", var) and _is_zero(a))


def _bound(
    part: Node,
    order: Mapping[str, int],
    lowers: dict[str, list[tuple[Node, bool]]],
    uppers: dict[str, list[tuple[Node, bool]]],
) -> bool:
    """Record ``part`` as a bound of an argument when it is one; True when it was (or is always true)."""
    if part[0] != "cmp" or (part[1] not in FLIP and part[1] != "=="):
        return False
    op, a, b = part[1], part[2], part[3]
    candidates = []
    if a[0] == "var" and a[1] in order:
        candidates.append((a[1], op, b))
    if b[0] == "var" and b[1] in order:
        candidates.append((b[1], FLIP.get(op, op), a))
    # the later argument is the one bounded (a bound may use the arguments before it)
    for var, rel, other in sorted(candidates, key=lambda c: -order[c[0]]):
        if other[0] == "inf":
            sign = other[1]
            if (rel in ("<", "<=") and sign > 0) or (rel in (">", ">=") and sign < 0):
                return True  # x < INFINITY: every real
            return False
        if has_inf(other) or not all(order.get(v, len(order)) < order[var] for v in free_names(other)):
            continue
        if rel == "==":
            lowers[var].append((other, False))
            uppers[var].append((other, False))
        elif rel in (">", ">="):
            lowers[var].append((other, rel == ">"))
        else:
            uppers[var].append((other, rel == "<"))
        return True
    return False


def _examples(specs: Sequence[Datum], args: Sequence[tuple[str, str, bool]]) -> list[dict[str, Any]]:
    """``:example ([x 1.0] ...)``: complete examples with rational values (others are dropped)."""
    out = []
    for spec in specs:
        if not isinstance(spec, SList):
            continue
        values: dict[str, Any] = {}
        for binding in spec.items:
            if isinstance(binding, SList) and len(binding.items) == 2 and isinstance(binding.items[0], Atom):
                v = _rational(binding.items[1])
                if v is not None:
                    values[binding.items[0].text] = v
        if all(symbol in values for symbol, _, _ in args):
            out.append(
                {
                    ours: int(values[s]) if integer and values[s].denominator == 1 else float(values[s])
                    for s, ours, integer in args
                }
            )
    return out


def _rational(d: Datum) -> Fraction | None:
    """The exact value of a constant of numbers and + - * / (an example's value), else None."""
    try:
        if isinstance(d, Atom):
            return number_value(d.text)
        if not (isinstance(d, SList) and d.items and isinstance(d.items[0], Atom)):
            return None
        op, vals = d.items[0].text, [_rational(i) for i in d.items[1:]]
        if any(v is None for v in vals) or not vals or op not in _ARITH:
            return None
        return _ARITH[op]([v for v in vals if v is not None])
    except (ZeroDivisionError, Refused):
        return None


def _fold(fn: Callable[[Fraction, Fraction], Fraction]) -> Callable[[list[Fraction]], Fraction]:
    return lambda vs: functools.reduce(fn, vs)


_ARITH: dict[str, Callable[[list[Fraction]], Fraction]] = {
    "+": _fold(lambda a, b: a + b),
    "-": lambda vs: -vs[0] if len(vs) == 1 else functools.reduce(lambda a, b: a - b, vs),
    "*": _fold(lambda a, b: a * b),
    "/": _fold(lambda a, b: a / b),
}
