"""What the pytest plugin loads once an identity file is found: the collector, the items, the outputs.

Kept apart from ``identities.pytest_plugin`` so that a project without
identity files never imports the engine (nor numpy, mpmath, hypothesis, flint).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import asdict, fields
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from identities.check.failures import explain, reproduce_command
from identities.check.results import Counterexample, Result
from identities.errors import IdentityFileError
from identities.numbers.metrics import ErrorStats
from identities.pytest.state import STATE, State
from identities.registry.files import Identity, Registry, loads, loads_fpcore

__all__ = [
    "IdentitiesRefused",
    "IdentityFile",
    "IdentityItem",
    "IdentityMismatch",
    "builtin_items",
    "configured_tolerance",
    "to_wire",
    "from_wire",
    "write_outputs",
    "summary_lines",
]

BUILTIN = "<builtin>"


class IdentitiesRefused(pytest.PytestWarning):
    """An FPCore of a collected file that cannot be expressed (file, line, name, why); the rest is collected."""


class IdentityMismatch(Exception):
    """An identity's verdict is not its ``expect`` (raised by ``IdentityItem.runtest``)."""

    def __init__(self, result: Result):
        super().__init__(f"{result.identity}[{result.backend}]: {result.verdict} (expected {result.expected})")
        self.result = result


class IdentityFile(pytest.File):
    """One identity file; its items are every identity x backend, in file order."""

    builtin = False

    def collect(self) -> Iterator[IdentityItem]:
        shown = self.nodeid if self.builtin else _relative(self.path, self.config.invocation_params.dir)
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IdentityFileError(f"cannot read: {exc}", file=shown) from None
        if self.path.suffix == ".fpcore":
            registry = loads_fpcore(text, shown)
        else:  # pytest imports the project's code anyway: the implementations a file names may be imported
            registry = loads(text, shown, allow_import=True, root=str(self.path))
        for refusal in registry.refused:  # an FPCore that cannot be expressed: said, and the rest is collected
            warnings.warn_explicit(IdentitiesRefused(str(refusal)), IdentitiesRefused, str(self.path), refusal.line)
        backends = self.config.stash[STATE].options.backends
        for index, ident in enumerate(registry.values()):
            for b, backend in enumerate(backends):
                yield IdentityItem.from_parent(
                    self,
                    name=f"{ident.name}[{backend}]",
                    identity=ident,
                    backend=backend,
                    order=(int(self.builtin), index, b),
                )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, IdentityFileError):
            return f"identities: error: {excinfo.value}"
        return super().repr_failure(excinfo)


class _BuiltinFile(IdentityFile):
    builtin = True


def _relative(path: Path, start: Path) -> str:
    try:
        return os.path.relpath(path, start)
    except ValueError:  # another drive on Windows
        return str(path)


def configured_tolerance(options: Any, backend: str) -> Any:
    """The session's default tolerance for a backend's format (``identities_tolerance``), None if not set."""
    if not options.tolerance:
        return None
    from identities.backends import get_backend
    from identities.language.tolerance import parse_tolerance

    be = get_backend(backend)
    if not getattr(be, "is_float", False):
        return None
    table = dict(options.tolerance)
    text = table.get(be.format.name, table.get("*"))
    return None if text is None else parse_tolerance(text)


def builtin_items(session: pytest.Session) -> list[pytest.Item]:
    """Items of the built-in library, node ids ``identities/library/<file>.toml::name[backend]``."""
    items: list[pytest.Item] = []
    library = resources.files("identities") / "library"
    for entry in sorted(library.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            path = Path(str(entry))
            f = _BuiltinFile.from_parent(session, path=path, nodeid=f"identities/library/{entry.name}")
            items.extend(f.collect())
    return items


class IdentityItem(pytest.Item):
    """One identity on one backend: runs ``engine.verify`` and compares the verdict with ``expect``."""

    def __init__(self, *, identity: Identity, backend: str, order: tuple[int, int, int], **kwargs: Any):
        super().__init__(**kwargs)
        self.identity = identity
        self.backend = backend
        self.order = order
        self.result: Result | None = None
        self.identities_wire: dict[str, Any] | None = None
        self.extra_keyword_matches.update(identity.tags)  # -k logarithm selects by tag

    def runtest(self) -> None:
        from identities.check.engine import verify

        o = self.config.stash[STATE].options
        # a report draws its plots from the per-example samples; keep them only when one is asked for
        r = verify(
            self.identity,
            self.backend,
            examples=o.examples,
            seed=o.seed,
            keep_samples=o.report is not None,
            raise_user_errors=True,  # an error in the user's code fails the test with its traceback
            default_tolerance=configured_tolerance(o, self.backend),
        )
        self.result = r
        parent = self.parent
        source = BUILTIN if isinstance(parent, _BuiltinFile) else str(self.path)
        self.identities_wire = to_wire(r, file=source, order=(str(self.nodeid).split("::")[0], *self.order))
        self.user_properties += [("verdict", r.verdict), ("expected", r.expected)]
        if not r.ok:
            raise IdentityMismatch(r)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, IdentityMismatch):
            r = excinfo.value.result
            return explain(r, self.identity, reproduce=self.reproduce(r), name=False)
        return super().repr_failure(excinfo)

    def reproduce(self, r: Result) -> str:
        """The command that gives the same Result outside pytest."""
        o = self.config.stash[STATE].options
        file = (
            None if isinstance(self.parent, _BuiltinFile) else _relative(self.path, self.config.invocation_params.dir)
        )
        command = reproduce_command(r, file, o.examples)
        if r.tolerance_source == "configured":  # the command knows no session default: say what to add
            command += f"  (with tolerance = {r.tolerance!r} in the identity: {o.configured('tolerance')} set it)"
        return command

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.identity.line - 1, 0), self.name


# -- results on the wire: plain dicts, so execnet (xdist) and report logs can carry them ------------------


def _counterexample_wire(c: Counterexample | None) -> dict[str, Any] | None:
    if c is None:
        return None
    d = {f.name: getattr(c, f.name) for f in fields(Counterexample)}
    d["inputs"] = dict(c.inputs)
    d["truth_decimal"] = list(c.truth_decimal)
    return d


def to_wire(r: Result, *, file: str, order: tuple[Any, ...]) -> dict[str, Any]:
    """A Result as plain types (floats stay floats, inf included), with where it came from."""
    d = {f.name: getattr(r, f.name) for f in fields(Result)}
    d["max_error"] = asdict(r.max_error)
    d["counts"] = dict(r.counts)
    d["counterexample"] = _counterexample_wire(r.counterexample)
    d["worst"] = _counterexample_wire(r.worst)
    d["samples"] = [{**asdict(s), "inputs": dict(s.inputs)} for s in r.samples]
    d["side_errors"] = {k: asdict(v) for k, v in r.side_errors.items()}
    d["bound"] = asdict(r.bound) if r.bound is not None else None
    return {"file": file, "order": list(order), "result": d}


def _counterexample_from(d: dict[str, Any] | None) -> Counterexample | None:
    if d is None:
        return None
    return Counterexample(**{**d, "truth_decimal": tuple(d["truth_decimal"])})


def from_wire(wire: dict[str, Any]) -> Result:
    d = dict(wire["result"])
    d["max_error"] = ErrorStats(**d["max_error"])
    d["counterexample"] = _counterexample_from(d["counterexample"])
    d["worst"] = _counterexample_from(d["worst"])
    from identities.check.samples import Sample

    d["samples"] = tuple(Sample(**s) for s in d.get("samples", ()))
    d["side_errors"] = {k: ErrorStats(**v) for k, v in d.get("side_errors", {}).items()}
    d["quotient_sides"] = tuple(d.get("quotient_sides", ()))
    if d.get("bound") is not None:
        from identities.bounds import Bound, IdentityBound

        b = dict(d["bound"])
        d["bound"] = IdentityBound(**{**b, "lhs": Bound(**b["lhs"]), "rhs": Bound(**b["rhs"])})
    return Result(**d)


def ordered(state: State) -> list[dict[str, Any]]:
    """The session's results in collection order (files, then identities in file order, then backends),
    whatever order xdist's workers finished them in."""
    return sorted(state.results.values(), key=lambda w: (w["order"][1], w["order"][0], *w["order"][2:]))


def _registry(wires: list[dict[str, Any]]) -> Registry:
    """The identities behind the results, loaded again from their files (the controller of an xdist run
    never collected them)."""
    from identities.registry.files import builtin, load

    by_file: dict[str, Registry] = {}
    chosen: dict[str, Identity] = {}
    for w in wires:
        f = w["file"]
        if not f:  # an assertion helper's result: no file to load (the report analyses it without one)
            continue
        if f not in by_file:
            by_file[f] = builtin() if f == BUILTIN else load(f)
        name = w["result"]["identity"]
        if name not in chosen and name in by_file[f]:
            chosen[name] = by_file[f][name]
    return Registry(chosen.values())


def write_outputs(state: State) -> list[str]:
    """Write ``--identities-json`` and ``--identities-report``; return the lines to print about them."""
    from identities.check.results import report, write_json

    o = state.options
    wires = ordered(state)
    results = [from_wire(w) for w in wires]
    notes = []
    if o.json is not None:
        write_json(o.json, report(results, seed=o.seed, examples=o.examples, backends=list(o.backends)))
        notes.append(f"identities: JSON report of {len(results)} results in {o.json}")
    if o.report is not None and not results:
        notes.append(f"identities: no identity ran, so no report was written to {o.report}")
    elif o.report is not None:
        from identities.pytest.state import report_writer

        report_writer()(
            o.report, results, registry=_registry(wires), seed=o.seed, examples=o.examples, backends=list(o.backends)
        )
        notes.append(f"identities: report in {o.report}")
    return notes


def summary_lines(state: State) -> list[str]:
    """One row per identity and backend: verdict, max error, needed tolerance; mismatches marked."""
    rows = [("identity", "backend", "verdict", "max ulp", "bits", "exact", "needed", "")]
    for w in ordered(state):
        r = w["result"]
        e = r["max_error"]
        note = "" if r["verdict"] == r["expected"] else f"UNEXPECTED (expected {r['expected']})"
        name = r["identity"]
        if r.get("test"):  # an assertion helper's result: which test made it
            name = f"{name} in {r['test'].split('::', 1)[-1]}"
        if r["verdict"] == "error":
            rows.append((name, r["backend"], "error", "-", "-", "-", "-", f"{note}  {r['message']}".strip()))
            continue
        ulps = (
            "-"
            if math.isnan(e["ulps"])
            else "inf"
            if not math.isfinite(e["ulps"])
            else (f"{e['ulps']:.3g}" if e["ulps"] >= 1e6 else f"{e['ulps']:.0f}")
        )
        bits = "inf" if not math.isfinite(e["bits"]) else f"{e['bits']:.1f}"
        rows.append(
            (
                name,
                r["backend"],
                r["verdict"],
                ulps,
                bits,
                f"{100 * r['exact_rate']:.0f}%",
                r["needed_tolerance"] or "-",
                note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(7)]
    right = {3, 4, 5}
    out = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row[:7])]
        out.append(("  ".join(cells) + "  " + row[7]).rstrip())
    return out
