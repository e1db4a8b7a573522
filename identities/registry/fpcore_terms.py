"""The translation of FPCore expressions into the intermediate tree of ``identities.registry.fpcore_syntax``:
``let``/``let*`` substituted, ``if`` as ``where``, ``!`` annotations checked, operators and constants mapped,
calls of earlier FPCores inlined; what cannot be expressed raises ``Refused`` with its construct and line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from identities.language.limits import MAX_LITERAL_EXPONENT
from identities.registry.fpcore_syntax import (
    COMPARISONS,
    CONDITIONS,
    CONSTANT_NODES,
    CONSTANTS,
    DECNUM,
    MIN_NORMAL_EXPONENT,
    OPERATORS,
    PRECISIONS,
    PREDICATES,
    REFUSED_FORMS,
    SYMBOL,
    Node,
    Refused,
    fraction_text,
    has_inf,
    line_of,
    num_node,
    number_value,
    precision_of,
    show,
)
from identities.registry.sexpr import Atom, Datum, SList, Str

__all__ = ["Translator"]


class Translator:
    """Translates the expressions of one FPCore; ``env`` maps FPCore symbols to nodes."""

    def __init__(self, precision: str, callees: Mapping[str, tuple[list[str], Datum]], calling: frozenset[str]):
        self.precision = precision
        self.callees = callees
        self.calling = calling

    def real(self, d: Datum, env: Mapping[str, Node]) -> Node:
        n = self.expr(d, env)
        if n[0] in CONDITIONS:
            raise Refused("type", f"a condition where a number is needed: {show(d)}", line_of(d))
        if n[0] == "inf":
            raise Refused("INFINITY", "INFINITY has no real value (only a precondition's bound may use it)", line_of(d))
        return n

    def cond(self, d: Datum, env: Mapping[str, Node]) -> Node:
        n = self.expr(d, env)
        if n[0] not in CONDITIONS:
            raise Refused("type", f"a number where a condition is needed: {show(d)}", line_of(d))
        return n

    def expr(self, d: Datum, env: Mapping[str, Node]) -> Node:
        if isinstance(d, Str):
            raise Refused("string", f"a string is not an expression: {show(d)}", d.line)
        if isinstance(d, Atom):
            return self.atom(d, env)
        if not d.items:
            raise Refused("()", "an empty list is not an expression", d.line)
        head = d.items[0]
        if not isinstance(head, Atom):
            raise Refused("call", f"not an operator: {show(head)}", d.line)
        op, args = head.text, d.items[1:]
        if op in REFUSED_FORMS:
            raise Refused(op, f"{REFUSED_FORMS[op]} cannot be expressed", d.line)
        if op in ("let", "let*"):
            return self.let(op, args, env, d)
        if op == "if":
            return self.branch(args, env, d)
        if op == "!":
            return self.annotated(args, env, d)
        if op == "digits":
            return self.digits(args, d)
        if op in COMPARISONS:
            return self.compare(op, args, env, d)
        if op in ("and", "or"):
            parts = [self.cond(a, env) for a in args]
            return self.logic(op, parts, d)
        if op == "not":
            if len(args) != 1:
                raise Refused("not", f"not takes 1 argument, got {len(args)}", d.line)
            inner = self.cond(args[0], env)
            return ("bool", not inner[1]) if inner[0] == "bool" else ("not", inner)
        if op in PREDICATES:
            return self.predicate(op, args, env, d)
        if op == "nearbyint":
            return self.nearbyint(args, env, d)
        if op in ("+", "-", "*", "/"):
            return self.arithmetic(op, args, env, d)
        if op in OPERATORS:
            return self.function(op, args, env, d)
        if op in self.callees:
            return self.call(op, args, env, d)
        raise Refused(op, f"unknown operator {op!r}", d.line)

    def atom(self, d: Atom, env: Mapping[str, Node]) -> Node:
        t = d.text
        try:
            value = number_value(t)
        except Refused as exc:
            raise Refused(exc.construct, exc.message, d.line) from None
        if value is not None:
            return num_node(value, t if DECNUM.match(t) else None)
        if t in env:
            return env[t]
        if t in CONSTANTS:
            return self.constant(t, d.line)
        if not SYMBOL.match(t):
            raise Refused("token", f"{t!r} is neither a number nor a symbol", d.line)
        raise Refused("variable", f"undefined variable {t!r}", d.line)

    def constant(self, name: str, line: int) -> Node:
        if name in ("TRUE", "FALSE"):
            return ("bool", name == "TRUE")
        if name in ("INFINITY", "HUGE_VAL"):
            return ("inf", 1)
        if name == "NAN":
            raise Refused("NAN", "NAN has no real value", line)
        if name == "MAXFLOAT":
            return num_node(Fraction(PRECISIONS[self.precision][1]))
        return CONSTANT_NODES[name]

    def let(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        if len(args) != 2 or not isinstance(args[0], SList):
            raise Refused(op, f"{op} takes ([name expr] ...) and a body", d.line)
        inner = dict(env)
        for binding in args[0].items:
            if not (isinstance(binding, SList) and len(binding.items) == 2 and isinstance(binding.items[0], Atom)):
                raise Refused(op, f"a {op} binding is [name expr], got {show(binding)}", line_of(binding))
            name = binding.items[0].text
            inner[name] = self.expr(binding.items[1], env if op == "let" else inner)
        return self.expr(args[1], inner)

    def branch(self, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        if len(args) != 3:
            raise Refused("if", f"if takes a condition and two branches, got {len(args)} arguments", d.line)
        c = self.cond(args[0], env)
        a, b = self.expr(args[1], env), self.expr(args[2], env)
        if c[0] == "bool":
            return a if c[1] else b
        if has_inf(c):
            raise Refused("INFINITY", "INFINITY has no real value (only a precondition's bound may use it)", d.line)
        boolean = {x[0] in CONDITIONS for x in (a, b)}
        if len(boolean) != 1 or "inf" in (a[0], b[0]):
            raise Refused("if", "the branches of an if are not both numbers or both conditions", d.line)
        if boolean == {True}:  # a condition chosen by a condition: (c and a) or (not c and b)
            return self.logic("or", [self.logic("and", [c, a], d), self.logic("and", [("not", c), b], d)], d)
        return ("where", c, a, b)

    def annotated(self, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        if not args:
            raise Refused("!", "(! props... expr) needs an expression", d.line)
        props, body = args[:-1], args[-1]
        if len(props) % 2:
            raise Refused("!", f"a property without a value in {show(d)}", d.line)
        inner = self.expr(body, env)
        for key, value in zip(props[::2], props[1::2]):
            k = key.text if isinstance(key, Atom) else ""
            if k == ":precision":
                p = precision_of(value)
                literal = inner[0] == "num" or (inner[0] == "neg" and inner[1][0] == "num")
                if p != self.precision and not (p == "integer" and literal):
                    raise Refused(
                        "!", f"mixed precision: (! :precision {p} ...) inside a {self.precision} FPCore", d.line
                    )
            elif k == ":round":
                mode = value.text if isinstance(value, Atom) else show(value)
                if mode != "nearestEven":
                    raise Refused("!", f"rounding mode {mode} (only nearestEven is checked here)", d.line)
        return inner

    def digits(self, args: Sequence[Datum], d: SList) -> Node:
        values = [number_value(a.text) if isinstance(a, Atom) else None for a in args]
        if len(values) != 3 or any(v is None or v.denominator != 1 for v in values):
            raise Refused("digits", f"digits takes three integers, got {show(d)}", d.line)
        m, e, b = (int(v) for v in values)  # type: ignore[arg-type]
        if b < 2 or abs(e) > MAX_LITERAL_EXPONENT or b.bit_length() * abs(e) > 4 * MAX_LITERAL_EXPONENT:
            raise Refused("digits", f"digits with base {b} and exponent {e} is out of range", d.line)
        value = Fraction(m) * Fraction(b) ** e
        try:
            if fraction_text(abs(value)) is None:
                raise Refused("digits", f"(digits {m} {e} {b}) has no finite decimal (base {b})", d.line)
            return num_node(value)
        except ValueError:  # more decimal digits than Python converts
            raise Refused("digits", f"(digits ... {e} {b}) has too many digits", d.line) from None

    def compare(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        if len(args) < 2:
            raise Refused(op, f"{op} compares at least 2 values, got {len(args)}", d.line)
        values = [self.expr(a, env) for a in args]
        for v, a in zip(values, args):
            if v[0] in CONDITIONS:
                raise Refused(op, f"a condition compared with {op}: {show(a)}", d.line)
        if op == "!=":  # every pair distinct
            pairs = [(a, b) for i, a in enumerate(values) for b in values[i + 1 :]]
        else:
            pairs = list(zip(values, values[1:]))
        return self.logic("and", [("cmp", op, a, b) for a, b in pairs], d)

    def logic(self, op: str, parts: list[Node], d: SList) -> Node:
        flat: list[Node] = []
        for p in parts:
            if p[0] == "bool":
                if p[1] == (op == "or"):
                    return ("bool", op == "or")
                continue
            flat.extend(p[1] if p[0] == op else (p,))
        if not flat:
            return ("bool", op == "and")
        return flat[0] if len(flat) == 1 else (op, tuple(flat))

    def arithmetic(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        if op == "-" and len(args) == 1 and self.expr(args[0], env)[0] == "inf":  # -INFINITY, for a bound
            return ("inf", -self.expr(args[0], env)[1])
        values = [self.real(a, env) for a in args]
        if not values:
            raise Refused(op, f"{op} needs arguments", d.line)
        if len(values) == 1:
            if op == "-":
                return ("neg", values[0])
            if op in "+*":
                return values[0]
            raise Refused(op, "/ takes 2 arguments, got 1", d.line)
        out = values[0]
        for v in values[1:]:  # FPCore's + - * / are binary; more arguments fold from the left
            out = ("bin", op, out, v)
        return out

    def function(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        ours, arity = OPERATORS[op]
        if len(args) != arity:
            raise Refused(op, f"{op} takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}", d.line)
        values = tuple(self.real(a, env) for a in args)
        if ours == "**":
            return ("bin", "**", values[0], values[1])
        if ours == "fdim":
            return ("call", "max", (("bin", "-", values[0], values[1]), ("num", "0")))
        return ("call", ours, values)

    def predicate(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        """The float predicates, where one expression says them in floats and exactly (see ``PREDICATES``)."""
        if len(args) != 1:
            raise Refused(op, f"{op} takes 1 argument, got {len(args)}", d.line)
        v = self.real(args[0], env)
        if op == "signbit":
            return ("cmp", "<", ("call", "copysign", (("num", "1"), v)), ("num", "0"))
        if v[0] != "var":
            raise Refused(
                op,
                f"{op} of a computed value ({show(args[0])}): in floats it tests the rounded result (overflow, "
                "nan), exactly it tests a real number, and no one expression says both (only an argument, "
                "always a finite number, can be tested)",
                d.line,
            )
        if op == "isnormal":
            tiny = ("bin", "**", ("num", "2"), ("neg", ("num", str(-MIN_NORMAL_EXPONENT[self.precision]))))
            return ("cmp", ">=", ("call", "abs", (v,)), tiny)
        return ("bool", op == "isfinite")  # an argument is never nan nor infinite

    def nearbyint(self, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        """Rounding to the nearest integer, ties to even: ``round`` (ties away from zero) except at a tie, where
        ``2*round(e/2)`` is the even neighbour; every step is exact in floats (the fraction ``e - trunc(e)``,
        ``e/2`` at a tie, the doubling), so this is C's ``nearbyint`` bit for bit."""
        if len(args) != 1:
            raise Refused("nearbyint", f"nearbyint takes 1 argument, got {len(args)}", d.line)
        e = self.real(args[0], env)
        tie = ("cmp", "==", ("call", "abs", (("bin", "-", e, ("call", "trunc", (e,))),)), ("num", "0.5"))
        even = ("bin", "*", ("num", "2"), ("call", "round", (("bin", "/", e, ("num", "2")),)))
        return ("where", tie, even, ("call", "round", (e,)))

    def call(self, op: str, args: Sequence[Datum], env: Mapping[str, Node], d: SList) -> Node:
        params, body = self.callees[op]
        if op in self.calling:
            raise Refused(op, f"recursive call of FPCore {op!r}", d.line)
        if len(args) != len(params):
            raise Refused(op, f"FPCore {op!r} takes {len(params)} arguments, got {len(args)}", d.line)
        inner = {p: self.expr(a, env) for p, a in zip(params, args)}
        return Translator(self.precision, self.callees, self.calling | {op}).expr(body, inner)
