"""The field's benchmarks as a corpus: FPBench's benchmark files (tests/data/fpbench, MIT) load, and what is
refused is a loop, a tensor or a cast, at its line; the slow test checks every benchmark and writes
docs/guide/fpcore-corpus.md."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from identities.language.expr import parse
from identities.registry.files import load
from identities.registry.fpcore import read_fpcore
from identities.registry.fpcore_syntax import REFUSED_FORMS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "fpbench"
PAGE = ROOT / "docs" / "guide" / "fpcore-corpus.md"
FILES = sorted(DATA.glob("*.fpcore"))
SAMPLES = ("daisy.fpcore", "fptaylor-tests.fpcore", "rosa.fpcore", "rump.fpcore", "salsa.fpcore")
# per file: its FPCores, and those that say what no identity can (loops, tensors, casts), by line and construct
EXPECTED = {
    "apron.fpcore": (6, {12: "while*", 25: "while", 35: "while*", 46: "while*", 56: "while*", 67: "while"}),
    "daisy.fpcore": (7, {}),
    "fptaylor-extra.fpcore": (18, {11: "cast"}),  # a binary64 quotient cast to binary32: mixed precision
    "fptaylor-real2float.fpcore": (11, {}),
    "fptaylor-tests.fpcore": (10, {}),
    "graphics.fpcore": (1, {}),
    "hamming-ch3.fpcore": (28, {}),
    "herbie.fpcore": (3, {}),
    "precimonious.fpcore": (2, {14: "while*", 47: "while"}),
    "rosa.fpcore": (37, {357: "while", 393: "while", 406: "while"}),
    "rump.fpcore": (3, {}),
    "salsa.fpcore": (
        10,
        {13: "while*", 44: "while*", 65: "while", 89: "while*", 104: "while*", 140: "while*"}
        | {180: "while*", 203: "while*", 257: "while*", 281: "while*"},
    ),
}


def test_every_fpcore_loads_or_is_refused_for_a_construct_on_the_refusal_list() -> None:
    assert [f.name for f in FILES] == sorted(EXPECTED)
    for f in FILES:
        total, expected = EXPECTED[f.name]
        registry = load(f)
        loaded = {ident.line for ident in registry.values()}
        refused = {r.line: r.construct for r in registry.refused}
        assert len(loaded) + len(refused) == total and not loaded & set(refused), f.name
        # nothing of the accepted subset is refused: every refusal is a loop, a tensor or a cast, where expected
        assert refused == expected, f.name
        assert all(construct in REFUSED_FORMS for construct in refused.values())
        for r in registry.refused:
            assert str(r).startswith(f"{f}:{r.line}: FPCore {r.name!r} refused: a ")


def test_the_counts() -> None:
    samples = load(*(DATA / name for name in SAMPLES))
    assert len({(i.file, i.line) for i in samples.values()}) == 54 and len(samples.refused) == 13
    assert {r.construct for r in samples.refused} == {"while", "while*"}  # the 13 are loops
    everything = load(*FILES)
    assert len({(i.file, i.line) for i in everything.values()}) == 114 and len(everything.refused) == 22
    assert len(everything) == 115  # graphics' eigenvalue FPCore has two :alt, so two identities
    # FPBench names logexp in two files: the second one loaded is logexp-2, as a repeat within a file would be
    assert Path(everything["logexp"].file).name == "fptaylor-extra.fpcore"
    assert Path(everything["logexp-2"].file).name == "fptaylor-real2float.fpcore"


def test_what_the_reader_builds_is_what_our_parser_builds_from_its_text() -> None:
    # the FPCore reader builds Expr records directly (a let expansion may be longer than the text limit);
    # for every expression of the corpus they are exactly the records our safe parser makes of their text
    checked = 0
    for f in FILES:
        tables, _ = read_fpcore(f.read_text(), f.name)
        for t in tables:
            names = set(t.vars)
            for e in (t.lhs, *((t.rhs,) if t.rhs is not None else ()), *t.assume):
                compare = e in t.assume
                assert parse(str(e), names, allow_compare=compare) == e, (f.name, t.name, str(e))
                checked += 1
    assert checked > 200


# -- the slow corpus run: every benchmark checked, the table written -----------------------------------

EXAMPLES = 100
OWN = {"binary64": "float64", "binary32": "float32", "binary16": "float16"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@pytest.mark.slow
def test_check_the_corpus_and_write_its_table() -> None:
    from identities.backends import get_backend
    from identities.check.engine import verify

    working = get_backend("mpmath").precision
    rows, counts = [], {"loaded": 0, "refused": 0, "identities": 0}
    verdicts: dict[str, int] = {}
    for f in FILES:
        registry = load(f)
        entries = [(i.line, "identity", i) for i in registry.values()] + [
            (r.line, "refusal", r) for r in registry.refused
        ]
        counts["loaded"] += len({i.line for i in registry.values()})
        counts["refused"] += len(registry.refused)
        counts["identities"] += len(registry)
        for _, kind, item in sorted(entries, key=lambda e: e[0]):
            if kind == "refusal":
                rows.append(
                    f"| {f.name}:{item.line} | {_cell(item.name)} | - | - | refused | - | - | {_cell(item.message)} |"
                )
                continue
            # what `identities check FILE.fpcore` does with no --backend: the FPCore's own precision, and mpmath
            for backend in (item.precision, "mpmath"):
                start = time.perf_counter()
                r = verify(item, backend, examples=EXAMPLES, seed=0)
                seconds = time.perf_counter() - start
                key = f"{r.verdict} ({'mpmath' if backend == 'mpmath' else 'own precision'})"
                verdicts[key] = verdicts.get(key, 0) + 1
                if r.verdict == "error":
                    bits = "-"
                elif backend == "mpmath":
                    bits = f"{r.max_error.bits:.1f} of {working}"
                else:
                    bits = f"{r.max_error.bits:.1f}"
                what = "accuracy" if item.one_sided else "body == spec"
                note = r.message if r.verdict == "error" else what
                rows.append(
                    f"| {f.name}:{item.line} | {_cell(item.source)} | `{item.name}` | {item.precision} | "
                    f"{r.verdict} ({backend}) | {bits} | {seconds:.2f} | {_cell(note)} |"
                )
    summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
    page = [
        "# The FPBench corpus, checked",
        "",
        "Generated by the slow test `tests/registry/test_fpcore_corpus.py::test_check_the_corpus_and_write_its_table`",
        "(run it with `pytest tests/registry/test_fpcore_corpus.py -m slow`; it rewrites this page). Every FPCore of",
        "FPBench's benchmark files in `tests/data/fpbench/` (MIT licence) is loaded, and each identity is checked as",
        "`identities check FILE.fpcore` checks it when no `--backend` is given: on the FPCore's own precision and on",
        f"mpmath, {EXAMPLES} examples, seed 0. An FPCore that cannot be expressed is listed with the reason it was",
        "refused (see [FPCore in and out](fpcore.md)).",
        "",
        "*Bits* is the largest error found, log2(1 + ulps):",
        "",
        "- on the FPCore's own precision, in ulps of that format: of the body against its exact value, correctly",
        "  rounded, for an accuracy check (a lone body); between body and `:spec` otherwise;",
        f"- on mpmath, in bits of mpmath's own working precision ({working} bits at 50 digits), *not* of the",
        "  FPCore's format: mpmath's 50-digit evaluation measured against the oracle. mpmath's *verdict* is the",
        '  oracle\'s answer to "is the statement true?": for body == spec a proof either way; for an accuracy check',
        "  only that the body is defined wherever it was drawn, since one expression has nothing to disagree",
        "  with. So `holds (mpmath)` beside `169.0 of 169` is no contradiction: it means mpmath at 50 digits got no",
        "  bit of the body right (the cancellation that breaks the float evaluation, as in Hamming's NMSE problems",
        "  at large arguments, needs more than 50 digits too), while the verdict rests on the oracle's balls at",
        "  rising precision, not on mpmath's 50 digits; `23.6 of 169` is 23.6 bits lost and 145 still right. For",
        "  a `refuted` body == spec the bits are how far apart the two sides are, in the same unit.",
        "",
        f"{counts['loaded']} FPCores loaded ({counts['identities']} identities), {counts['refused']} refused "
        f"(loops, and one cast to another precision). Verdicts: {summary}.",
        "",
        "| file:line | FPCore | identity | precision | verdict (backend) | bits | seconds | note |",
        "|---|---|---|---|---|---:|---:|---|",
        *rows,
        "",
    ]
    PAGE.write_text("\n".join(page), encoding="utf-8")
    assert counts["loaded"] + counts["refused"] == sum(total for total, _ in EXPECTED.values())
