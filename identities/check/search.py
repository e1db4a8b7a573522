"""The two hypothesis runs behind ``verify``: the search and the shrink.

Both use the same seed and strategy, so the shrink replays the search up to
the first failing example (cheaply: evaluations are cached) and hypothesis
then shrinks it.

Engine settings are set explicitly (no deadline, no health checks, quiet,
``derandomize=False`` with an explicit seed), so the command, the pytest
plugin and CI, where hypothesis loads its ``ci`` profile, behave the same.

The example database (hypothesis' ``DirectoryBasedExampleDatabase`` as the
store, under our own keys): when one is given, the minimal counterexample of
a non-holds verdict is saved under a key of the identity's definition and
the backend, and every later run tries the saved inputs first, as explicit
examples, whatever the seed: a counterexample found once is tried first next
time. (Hypothesis' own replay of choice sequences is not used: ``@seed``,
which makes runs reproducible, turns it off.)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from identities.errors import IdentitiesError, UserCodeError
from identities.language.limits import deadline
from identities.numbers.metrics import bits

if TYPE_CHECKING:  # pragma: no cover
    from identities.check.evaluation import Engine, Sample

__all__ = [
    "isolated_constants",
    "search",
    "shrink",
    "Abort",
    "database_at",
    "identity_key",
    "saved_examples",
    "save_example",
    "strategy",
    "admissible",
    "settings_for",
]


class Abort(BaseException):
    """Stop a hypothesis run at once (a limit was hit); a BaseException, so hypothesis does not shrink it."""

    def __init__(self, message: str, error: Exception | None = None):
        super().__init__(message)
        self.message = message
        self.error = error  # the exception behind it, when there is one (a UserCodeError)


class _Found(Exception):
    def __init__(self, sample: Sample):
        self.sample = sample


def identity_key(engine: Engine) -> bytes:
    """A database key for an identity's definition on one backend: a renamed or edited identity starts afresh."""
    ident = engine.ident
    text = "\x1f".join(
        [
            ident.name,
            str(ident.lhs),
            "(accuracy)" if ident.one_sided else str(ident.rhs),
            ";".join(f"{n}:{d}" for n, d in (*ident.variables, *ident.functions)),
            ";".join(str(a) for a in ident.assume),
            engine.backend.name,
            "identities-db/1",
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest().encode()


def database_at(path: str | os.PathLike[str]) -> Any:
    """A hypothesis directory database at ``path`` (created on first write)."""
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(path)


MAX_SAVED = 8  # counterexamples kept per identity and backend


def saved_examples(engine: Engine, database: Any) -> list[dict[str, Any]]:
    """Counterexamples saved by earlier runs that are still admissible inputs, in a stable order."""
    if database is None:
        return []
    admits = admissible(engine)
    out = []
    for raw in sorted(database.fetch(identity_key(engine))):
        try:
            inputs = _from_json(engine, json.loads(raw.decode()))
        except (ValueError, UnicodeDecodeError, IdentitiesError):
            continue
        if isinstance(inputs, dict) and admits(inputs):
            out.append(inputs)
    return out


def _from_json(engine: Engine, inputs: Any) -> Any:
    """Saved inputs back as drawn ones: a vector's list as a tuple, a function's text as a Function."""
    if not isinstance(inputs, dict):
        return inputs
    from identities.language.functions import parse_function

    spaces = dict(engine.ident.functions)
    return {
        k: (parse_function(v) if k in spaces and isinstance(v, str) else tuple(v) if isinstance(v, list) else v)
        for k, v in inputs.items()
    }


def save_example(engine: Engine, database: Any, inputs: dict[str, Any]) -> None:
    if database is None:
        return
    key = identity_key(engine)
    value = json.dumps(inputs, sort_keys=True, default=str).encode()  # a function as its text
    existing = list(database.fetch(key))
    if value not in existing and len(existing) < MAX_SAVED:
        database.save(key, value)


def settings_for(examples: int, phases: tuple) -> Any:
    from hypothesis import HealthCheck, Verbosity, settings

    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=False,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
    )


def _explicit(engine: Engine, database: Any) -> list[dict[str, Any]]:
    """The identity's own examples as the backend sees them (rounded to its format), those still inside the
    domains and ``assume`` after rounding (the others are skipped with a note on the engine), then the
    saved counterexamples."""
    admits = admissible(engine)
    own = []
    for ex in engine.ident.examples:
        rounded = {k: _in_format(v, engine.fmt.round) for k, v in ex.items()}
        if admits(rounded):
            if rounded not in own:
                own.append(rounded)
        else:
            note = _skipped(engine, ex, rounded)
            if note not in engine.notes:
                engine.notes.append(note)
    return own + [ex for ex in saved_examples(engine, database) if ex not in own]


def _skipped(engine: Engine, written: Mapping[str, Any], rounded: Mapping[str, Any]) -> str:
    """``example x=0.9999999 rounds to 1.0 in float16, excluded by `x != 1` (skipped)``."""
    from identities.draws.inputs import exclusion
    from identities.numbers.formats import short_repr

    def show(v: Any) -> str:
        if isinstance(v, tuple):
            return "[" + ", ".join(show(c) for c in v) + "]"
        return short_repr(v, engine.fmt) if isinstance(v, float) else repr(v)

    text = ", ".join(f"{k}={written[k]!r}" for k in written)
    moved = [k for k in written if rounded[k] != written[k] and not isinstance(written[k], int)]
    if moved:
        text += " rounds to " + ", ".join(f"{k}={show(rounded[k])}" for k in moved) + f" in {engine.fmt.name}"
    ident = engine.ident
    why = exclusion(ident.variables, engine.fmt, ident.assume, rounded) if not ident.functions else None
    return f"example {text}, {why or 'not admissible'} (skipped for {engine.backend.name})"


def _in_format(v: Any, rnd: Any) -> Any:
    """An example's value as a draw: floats rounded to the format (each component of a vector); ints and
    functions as they are."""
    if isinstance(v, tuple):
        return tuple(rnd(float(c)) for c in v)
    return rnd(float(v)) if isinstance(v, float) else v


def strategy(engine: Engine) -> Any:
    """The inputs' strategy: the domains, ``assume``; with function variables, the functions first
    (``identities.language.functions``), then the numbers, where the functions are differentiable."""
    from identities.draws.inputs import inputs_strategy

    if not engine.ident.functions:
        return inputs_strategy(engine.ident.variables, engine.fmt, engine.ident.assume, counter=engine.tries)
    from identities.draws.functions import inputs_strategy as with_functions

    numeric = inputs_strategy(engine.ident.variables, engine.fmt, counter=engine.tries)  # 'assume' may use them
    return with_functions(engine.ident.functions, numeric, admissible(engine))


def admissible(engine: Engine) -> Any:
    """A predicate: could ``strategy(engine)`` have drawn these inputs? (Used on saved and simplified ones.)"""
    from identities.draws.inputs import admissible as within_domains

    ident = engine.ident
    if not ident.functions:
        return within_domains(ident.variables, engine.fmt, ident.assume)
    from identities.draws.functions import Checker

    admits = within_domains(ident.variables, engine.fmt)
    check = Checker((ident.lhs, ident.rhs), engine.oracle, ident.assume)
    return lambda inputs: admits(inputs) and check(inputs)


def _test(engine: Engine, body: Any, examples: int, seed: int, phases: tuple, database: Any) -> Any:
    from hypothesis import example, given
    from hypothesis import seed as h_seed

    test = given(inputs=strategy(engine))(body)
    for ex in reversed(_explicit(engine, database)):
        test = example(inputs=ex)(test)
    test = settings_for(examples, phases)(test)
    return h_seed(seed)(test)


_PRIVATE_CACHE: list[Any] = []
_ISOLATION = threading.Lock()
_ISOLATED: list[Any] = []  # [the originals, how many blocks are inside], while any thread is inside


@contextmanager
def isolated_constants() -> Iterator[None]:
    """Run hypothesis without the "local constants" it mines from the source of imported modules.

    Hypothesis sometimes draws literals found in the caller's own (non
    site-packages) modules. Which modules are imported changes from one context
    to another (the command, a pytest session, an editable install), so the
    same seed would draw differently; inside this block the set is empty and
    hypothesis' cache of it is a private one, so a seed means the same draws
    everywhere. (A private hypothesis interface: if it moves, runs still work,
    only this isolation is lost, and tests/check/test_engine.py says so.)
    The patch is of hypothesis' module globals, shared by threads: the first
    block in makes it and the last one out undoes it, so threads running
    ``verify`` at once all draw as a lone one does.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.conjecture.providers import Constants

        if not _PRIVATE_CACHE:
            _PRIVATE_CACHE.append((Constants(), type(providers.CONSTANTS_CACHE)(1024)))
        providers._get_local_constants  # noqa: B018 - present in this hypothesis?
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - a hypothesis without them
        yield
        return
    empty, cache = _PRIVATE_CACHE[0]
    with _ISOLATION:
        if not _ISOLATED:
            _ISOLATED[:] = [(providers._get_local_constants, providers.CONSTANTS_CACHE), 0]
            providers._get_local_constants = lambda: empty
            providers.CONSTANTS_CACHE = cache
        _ISOLATED[1] += 1
    try:
        yield
    finally:
        with _ISOLATION:
            _ISOLATED[1] -= 1
            if not _ISOLATED[1]:
                providers._get_local_constants, providers.CONSTANTS_CACHE = _ISOLATED[0]
                _ISOLATED.clear()


def _evaluate(engine: Engine, inputs: dict[str, Any]) -> Sample:
    """One example under the time limits; a limit hit aborts the run."""
    from identities.errors import LimitExceeded

    if time.monotonic() > engine.stop_at:
        raise Abort(
            f"time limit per identity ({engine.identity_seconds:g} s) reached after {len(engine.cache)} examples"
        )
    try:
        with deadline(engine.example_seconds, f"time limit per example ({engine.example_seconds:g} s)"):
            return engine.evaluate(inputs)
    except LimitExceeded as exc:
        raise Abort(f"LimitExceeded: {exc} (at {inputs!r})") from None
    except UserCodeError as exc:  # an error in the user's code: at once, not shrunk as if it were a verdict
        raise Abort(f"UserCodeError: {exc}", exc) from exc


def search(engine: Engine, examples: int, seed: int, database: Any = None) -> list[Sample]:
    """Run the search: every example recorded, ``target`` on bits of error. Raises Abort on a limit."""
    from hypothesis import Phase, target
    from hypothesis.errors import Unsatisfiable

    samples: list[Sample] = []
    use_target = engine.is_float

    def run(inputs: dict[str, Any]) -> None:
        s = _evaluate(engine, inputs)
        samples.append(s)
        if use_target and s.kind in ("ok", "precision_failure") and math.isfinite(s.ulps):
            target(bits(s.ulps), label="bits of error")

    phases = (Phase.explicit, Phase.generate, Phase.target)
    try:
        with isolated_constants():
            _test(engine, run, examples, seed, phases, database)()
    except Unsatisfiable:
        pass
    return samples


def shrink(engine: Engine, kind: str, examples: int, seed: int, database: Any = None) -> Sample | None:
    """The search again, failing on the first example of ``kind``, shrunk by hypothesis; None if not found."""
    from hypothesis import Phase, target

    use_target = engine.is_float

    def run(inputs: dict[str, Any]) -> None:
        s = _evaluate(engine, inputs)
        if s.kind == kind:
            raise _Found(s)
        if use_target and s.kind == "ok" and math.isfinite(s.ulps):
            target(bits(s.ulps), label="bits of error")

    phases = (Phase.explicit, Phase.generate, Phase.target, Phase.shrink)
    try:
        with isolated_constants():
            _test(engine, run, examples, seed, phases, database)()
    except _Found as found:
        return found.sample
    except Exception:
        return None
    return None
