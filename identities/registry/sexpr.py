"""S-expressions as FPCore writes them: a tokenizer and a reader that build plain data, with line numbers.

Written here rather than taken from PyPI: the s-expression readers there (``sexpdata``, ``sexp``) turn
``[x 1]`` into a different type from ``(x 1)``, read numbers into Python floats (FPCore's ``0.1`` is the
exact decimal, and ``1/3`` a rational), keep no line numbers, and recurse once per nesting level; the
FPCore packages (``fpbench`` 0.0.1, unmaintained since 2020; ``titanfp``, a research number-system toolkit
with an ANTLR grammar; ``tree-sitter-fpcore``, which needs tree-sitter) would bring far more than a reader.
FPCore's syntax is small enough that a hundred lines give exact literal text, the line of every datum, and
a nesting limit. Nothing is evaluated: the result is ``Atom``, ``Str`` and ``SList`` records.

The syntax (FPCore 2.0, fpbench.org/spec/fpcore-2.0.html): parentheses or square brackets (the same),
double-quoted strings with backslash escapes, ``;`` comments to the end of the line (and Racket's
``#| ... |#`` block comments, which FPBench's own files use), and atoms: every other run of characters
up to a delimiter. Whether an atom is a number or a symbol is the reader of FPCore's business
(``identities.registry.fpcore``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from identities.errors import IdentityFileError

__all__ = ["Atom", "Str", "SList", "Datum", "read_all", "MAX_NESTING"]

MAX_NESTING = 256  # deeper than any expression may nest (limits.MAX_DEPTH), plus the FPCore's own wrapping
_DELIMITERS = frozenset('()[]";')
_CLOSE = {"(": ")", "[": "]"}


@dataclass(frozen=True, slots=True)
class Atom:
    """A symbol or a number, as written."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal, escapes resolved."""

    value: str
    line: int


@dataclass(frozen=True, slots=True)
class SList:
    """A parenthesised list; ``end`` is the line of its closing parenthesis, ``start``/``stop`` its offsets."""

    items: tuple[Datum, ...]
    line: int
    end: int = 0
    start: int = 0
    stop: int = 0


Datum = Atom | Str | SList


def _tokens(text: str, file: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, line, offset) for each token: kind is ``(``, ``)``, ``atom`` or ``str``."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("#|", i):
            close = text.find("|#", i + 2)
            if close < 0:
                raise IdentityFileError("unterminated block comment '#|'", file=file, line=line)
            line += text.count("\n", i, close)
            i = close + 2
        elif c in "([":
            yield "(", c, line, i
            i += 1
        elif c in ")]":
            yield ")", c, line, i
            i += 1
        elif c == '"':
            start_line, out, i = line, [], i + 1
            while True:
                if i >= n:
                    raise IdentityFileError("unterminated string", file=file, line=start_line)
                ch = text[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\\" and i + 1 < n:
                    nxt = text[i + 1]
                    out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                    line += nxt == "\n"
                    i += 2
                    continue
                line += ch == "\n"
                out.append(ch)
                i += 1
            yield "str", "".join(out), start_line, i
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _DELIMITERS:
                i += 1
            yield "atom", text[start:i], line, start


def read_all(text: str, file: str = "<string>") -> list[Datum]:
    """Every top-level datum of ``text``; a syntax error (unbalanced parentheses, a string or comment left
    open, nesting beyond ``MAX_NESTING``) is an ``IdentityFileError`` naming the file and line."""
    top: list[Datum] = []
    # the open lists: (opening bracket, line, offset, items so far)
    stack: list[tuple[str, int, int, list[Datum]]] = []
    for kind, tok, line, offset in _tokens(text, file):
        if kind == "(":
            if len(stack) >= MAX_NESTING:
                raise IdentityFileError(f"parentheses nest deeper than {MAX_NESTING} levels", file=file, line=line)
            stack.append((tok, line, offset, []))
            continue
        if kind == ")":
            if not stack:
                raise IdentityFileError(f"unbalanced {tok!r}: nothing is open here", file=file, line=line)
            opener, open_line, open_offset, items = stack.pop()
            if _CLOSE[opener] != tok:
                raise IdentityFileError(
                    f"{tok!r} closes the {opener!r} opened at line {open_line}", file=file, line=line
                )
            datum: Datum = SList(tuple(items), open_line, line, open_offset, offset + 1)
        elif kind == "str":
            datum = Str(tok, line)
        else:
            datum = Atom(tok, line)
        (stack[-1][3] if stack else top).append(datum)
    if stack:
        opener, open_line, _, _ = stack[-1]
        raise IdentityFileError(f"{opener!r} opened here is never closed", file=file, line=open_line)
    return top
