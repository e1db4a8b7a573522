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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("identities", "identities: mathematical identities as tests")
    group.addoption(
        "--identities-backend",
        metavar="B,B",
        default=",".join(DEFAULT_BACKENDS),
        help=f"backends to check each identity on (default: {','.join(DEFAULT_BACKENDS)}; "
        f"known: {', '.join(KNOWN_BACKENDS)})",
    )
    group.addoption(
        "--identities-examples",
        metavar="N",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"examples per identity and backend (default: {DEFAULT_EXAMPLES})",
    )
    group.addoption(
        "--identities-seed",
        metavar="N",
        type=int,
        default=DEFAULT_SEED,
        help=f"hypothesis seed of every identity (default: {DEFAULT_SEED}, printed in the header)",
    )
    group.addoption(
        "--identities-json",
        metavar="PATH",
        default=None,
        help="write the identities-report/1 JSON of the session's identity results to PATH",
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


def _options(config: pytest.Config) -> Options:
    raw = config.getoption("identities_backend")
    backends = tuple(dict.fromkeys(b.strip() for b in str(raw).split(",") if b.strip()))
    unknown = [b for b in backends if b not in KNOWN_BACKENDS]
    if unknown or not backends:
        bad = unknown[0] if unknown else raw
        raise pytest.UsageError(f"--identities-backend: unknown backend {bad!r}; known: {', '.join(KNOWN_BACKENDS)}")
    examples = config.getoption("identities_examples")
    if examples < 1:
        raise pytest.UsageError(f"--identities-examples must be at least 1, got {examples}")
    here = config.invocation_params.dir

    def path(name: str) -> Path | None:
        value = config.getoption(name)
        return None if value is None else (here / Path(value)).resolve()

    return Options(
        backends=backends,
        examples=examples,
        seed=config.getoption("identities_seed"),
        json=path("identities_json"),
        report=path("identities_report"),
        summary=bool(config.getoption("identities_summary")),
        builtin=bool(config.getoption("identities_builtin")),
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    wire = getattr(item, "identities_wire", None)
    if wire is not None and call.when == "call":
        report.identities_result = wire  # serialised with the report under xdist: plain types only
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
