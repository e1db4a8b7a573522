"""The pytest plugin: identity files as tests (entry point ``pytest11: identities``).

Files named ``identities_*.toml`` or ``*.identities.toml`` (and the FPCore files ``identities_*.fpcore``,
``*.identities.fpcore``) under the test paths
are collected; every identity x backend is one item,
``path/file.toml::name[backend]``, passing when its verdict equals its
``expect`` (a strict xfail: a known precision failure that now holds fails
with "unexpectedly holds; update expect").

This module is loaded in *every* pytest run of every project where
``identities`` is installed, so it imports only pytest and the standard
library: the collector, the engine, numpy, mpmath, hypothesis and flint load
when an identity file is found (``identities.pytest.items``).

Results travel on the test reports (``report.identities_result``, plain
dicts), so a ``pytest -n 2`` run (pytest-xdist) sees each result exactly once
at the controller, where the JSON report and the terminal summary are made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from identities.pytest.state import (
    DEFAULT_BACKENDS,
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    KNOWN_BACKENDS,
    PATTERNS,
    STATE,
    Options,
    State,
    is_identity_file,
    report_writer,
)

__all__ = ["PATTERNS", "DEFAULT_BACKENDS", "DEFAULT_EXAMPLES", "DEFAULT_SEED", "is_identity_file"]


INI = {  # setting -> (ini name, type, help)
    "backends": (
        "identities_backends",
        "linelist",
        f"backends to check each identity on, separated by commas or lines (default: {','.join(DEFAULT_BACKENDS)}); "
        "also the backends of assert_identity calls that give none",
    ),
    "examples": (
        "identities_examples",
        "string",
        f"examples per identity and backend (default: {DEFAULT_EXAMPLES}); also of the assert_* helpers",
    ),
    "seed": ("identities_seed", "string", f"hypothesis seed (default: {DEFAULT_SEED}); also of the assert_* helpers"),
    "tolerance": (
        "identities_tolerance",
        "linelist",
        "default tolerance of identities that declare none (those using diff keep their central-difference "
        "tolerance) and of the assert_* helpers: '8 ulp', or lines 'float32: 2 ulp'",
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("identities", "identities: mathematical identities as tests")
    group.addoption(
        "--identities-backend",
        metavar="B,B",
        default=None,
        help=f"backends to check each identity on (default: identities_backends, else {','.join(DEFAULT_BACKENDS)}; "
        f"known: {', '.join(KNOWN_BACKENDS)})",
    )
    group.addoption(
        "--identities-examples",
        metavar="N",
        default=None,
        help=f"examples per identity and backend (default: identities_examples, else {DEFAULT_EXAMPLES})",
    )
    group.addoption(
        "--identities-seed",
        metavar="N",
        default=None,
        help=f"hypothesis seed of every identity (default: identities_seed, else {DEFAULT_SEED}; in the header)",
    )
    group.addoption(
        "--identities-tolerance",
        metavar="TOL",
        default=None,
        help="default tolerance of identities that declare none, and of the helpers: '8 ulp', or "
        "'float32: 2 ulp; float16: 1 ulp' (default: identities_tolerance, else 4 ulp)",
    )
    group.addoption(
        "--identities-json",
        metavar="PATH",
        default=None,
        help="write the identities-report/1 JSON of the session's identity results (helpers' included) to PATH",
    )
    group.addoption(
        "--identities-report",
        metavar="PATH",
        default=None,
        help="write the float-precision report (.html, .md or .json by suffix) to PATH",
    )
    group.addoption(
        "--identities-summary",
        action="store_true",
        default=False,
        help="list every identity's verdict, max error and needed tolerance (also shown with -v)",
    )
    group.addoption(
        "--identities-builtin",
        action="store_true",
        default=False,
        help="also collect the built-in library of identities",
    )
    for ini, kind, text in INI.values():
        if kind == "string":
            parser.addini(ini, text, type="string", default="")
        else:
            parser.addini(ini, text, type="linelist", default=[])


def _setting(config: pytest.Config, name: str) -> tuple[Any, str, str] | None:
    """The raw value of a setting, the command line over the ini file: (value, where, label), where ``label``
    is how an error names it; None when neither sets it."""
    option = "--identities-backend" if name == "backends" else f"--identities-{name}"
    value = config.getoption(option.lstrip("-").replace("-", "_"))
    if value is not None:
        return value, option, option
    ini = INI[name][0]
    raw = config.getini(ini)
    if raw in ("", [], None):
        return None
    shown = raw if isinstance(raw, str) else "; ".join(str(v) for v in raw)
    overrides = getattr(config.option, "override_ini", None) or []
    if any(str(o).split("=", 1)[0].strip() == ini for o in overrides):
        return raw, f"-o {ini}", f"-o {ini}={shown}"
    inipath = config.inipath
    where = f"{ini} in {inipath.name if inipath is not None else 'the configuration'}"
    return raw, where, f"{ini} = {shown!r} in {inipath.name if inipath is not None else 'the configuration'}"


def _integer(raw: Any, label: str, least: int | None) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise pytest.UsageError(f"{label}: {str(raw).strip()!r} is not an integer") from None
    if least is not None and value < least:
        raise pytest.UsageError(f"{label} must be at least {least}, got {value}")
    return value


def _entries(raw: Any) -> list[str]:
    """A list setting's entries: lines (or a TOML list), each split at commas (backends) or semicolons."""
    lines = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    return [e.strip() for line in lines for e in line.replace(";", "\n").split("\n") if e.strip()]


def _backends(raw: Any, label: str) -> tuple[str, ...]:
    names = [b.strip() for e in _entries(raw) for b in e.split(",") if b.strip()]
    backends = tuple(dict.fromkeys(names))
    unknown = [b for b in backends if b not in KNOWN_BACKENDS]
    if unknown or not backends:
        bad = unknown[0] if unknown else raw
        raise pytest.UsageError(f"{label}: unknown backend {bad!r}; known: {', '.join(KNOWN_BACKENDS)}")
    return backends


def _tolerance(raw: Any, label: str) -> tuple[tuple[str, str], ...]:
    """``8 ulp`` or ``float32: 2 ulp; float16: 1 ulp`` as (format or "*", text) pairs, each parsed once here
    (the parser is imported only when a tolerance is configured)."""
    from identities.language.tolerance import parse_tolerance

    out: dict[str, str] = {}
    for entry in _entries(raw):
        fmt, sep, text = entry.partition(":")
        fmt, text = (fmt.strip(), text.strip()) if sep else ("*", entry)
        if fmt == "mpmath":
            raise pytest.UsageError(f"{label}: mpmath takes no tolerance (the oracle decides its verdict)")
        if fmt != "*" and fmt not in KNOWN_BACKENDS:
            raise pytest.UsageError(f"{label}: unknown format {fmt!r}; known: {', '.join(KNOWN_BACKENDS[:-1])}")
        try:
            parse_tolerance(text)
        except ValueError as exc:
            raise pytest.UsageError(f"{label}: {exc}") from None
        if fmt in out:
            raise pytest.UsageError(f"{label}: {'every format' if fmt == '*' else fmt} is given two tolerances")
        out[fmt] = text
    if not out:
        raise pytest.UsageError(f"{label}: no tolerance given")
    return tuple(out.items())


def _options(config: pytest.Config) -> Options:
    sources: dict[str, str] = {}
    values: dict[str, Any] = {}
    parse = {
        "backends": _backends,
        "examples": lambda raw, label: _integer(raw, label, 1),
        "seed": lambda raw, label: _integer(raw, label, None),
        "tolerance": _tolerance,
    }
    for name, convert in parse.items():
        found = _setting(config, name)
        if found is not None:
            raw, where, label = found
            values[name] = convert(raw, label)
            sources[name] = where
    here = config.invocation_params.dir

    def path(name: str) -> Path | None:
        value = config.getoption(name)
        return None if value is None else (here / Path(value)).resolve()

    return Options(
        backends=values.get("backends", DEFAULT_BACKENDS),
        examples=values.get("examples", DEFAULT_EXAMPLES),
        seed=values.get("seed", DEFAULT_SEED),
        json=path("identities_json"),
        report=path("identities_report"),
        summary=bool(config.getoption("identities_summary")),
        builtin=bool(config.getoption("identities_builtin")),
        tolerance=values.get("tolerance", ()),
        sources=tuple(sources.items()),
    )


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    options = _options(config)
    if options.report is not None and not _is_worker(config):
        report_writer()  # fail now, with a usage error, rather than after the whole run
    state = config.stash[STATE] = State(options)
    config.pluginmanager.register(Recorder(config, state), "identities-recorder")


def pytest_report_header(config: pytest.Config) -> str:
    o = config.stash[STATE].options
    extra = "; built-in library included" if o.builtin else ""
    if o.tolerance:
        tol = "; ".join(text if fmt == "*" else f"{fmt}: {text}" for fmt, text in o.tolerance)
        extra += f"; default tolerance {tol}"
    return (
        f"identities: seed={o.seed}, examples={o.examples}, backends={','.join(o.backends)}{extra} "
        f"(reproduce with --identities-seed={o.seed} --identities-examples={o.examples})"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not is_identity_file(file_path):
        return None
    from identities.pytest.items import IdentityFile

    return IdentityFile.from_parent(parent, path=file_path)


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselection, so those apply to the built-in identities too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash[STATE].options.builtin:
        from identities.pytest.items import builtin_items

        items.extend(builtin_items(session))


def _for_helpers(options: Options) -> bool:
    """Whether the assertion helpers have anything to take from this session (a configured setting) or to
    give it (an output to appear in)."""
    return bool(options.sources or options.json or options.report or options.summary)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    state = item.config.stash[STATE]
    if not _for_helpers(state.options):
        return (yield)
    from identities.pytest.helpers import activate_for, deactivate

    session = activate_for(item, state)
    try:
        return (yield)
    finally:
        deactivate(session)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    wire = getattr(item, "identities_wire", None)
    if wire is not None and call.when == "call":
        report.identities_result = wire  # serialised with the report under xdist: plain types only
    helpers = getattr(item, "identities_helper_wires", None)
    if helpers:  # the assertion helpers' results of this phase, on its report
        report.identities_helper_results = list(helpers)
        helpers.clear()
    return report


class Recorder:
    """Registered per session in ``pytest_configure``: collects results from the reports, writes the outputs.

    An object rather than module-level hooks with a global, so nested sessions
    (pytester) keep their own results.
    """

    def __init__(self, config: pytest.Config, state: State):
        self.config = config
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        wire = getattr(report, "identities_result", None)
        if wire is not None and report.when == "call":
            self.state.results[report.nodeid] = wire  # by node id: a result arrives once, even if re-sent
        for i, w in enumerate(getattr(report, "identities_helper_results", None) or ()):
            self.state.results[f"{report.nodeid}::{report.when}#{i}"] = w

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        o = state.options
        if _is_worker(self.config) or (o.json is None and o.report is None):
            return
        from identities.pytest.items import write_outputs

        try:
            state.notes.extend(write_outputs(state))
        except Exception as exc:  # a report that cannot be written fails the run, with the reason
            state.notes.append(f"identities: could not write the report: {type(exc).__name__}: {exc}")
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        state = self.state
        if _is_worker(config):
            return
        if state.results and (state.options.summary or config.get_verbosity() > 0):
            from identities.pytest.items import summary_lines

            terminalreporter.write_sep("=", "identities summary")
            for line in summary_lines(state):
                terminalreporter.write_line(line)
        for note in state.notes:
            terminalreporter.write_line(note)
