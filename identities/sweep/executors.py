"""Local worker processes that survive the loss of one: a lost worker costs a retry, not the run.

When a process of a ``ProcessPoolExecutor`` dies (the kernel's OOM killer, a
preempted machine, ``kill -9``), the pool is broken: every task it held fails
with ``BrokenProcessPool``. Each task here is deterministic (its own seed), so
``RetryingExecutor`` starts a fresh pool and runs those tasks again; the
results are those of a run without the fault.

Which task killed the worker cannot be told from a broken pool (every task it
held fails alike). So a task is run again on the fresh pool after its first
loss; a task lost a second time is *quarantined*: run alone, in a pool of one
process of its own, where a death is its own. A task whose worker dies in
quarantine fails with ``WorkerDied`` ("the worker running it died: signal 9"),
which ``verify_all`` and ``sweep`` turn into an ``error`` row; the others finish.

``local_executor(workers, max_memory=...)`` is the pool the command line uses:
forkserver processes, each with an address-space limit (``RLIMIT_AS``) when
``max_memory`` is given. On Dask, Dask's own scheduler re-runs the tasks of a
lost worker (``distributed.scheduler.allowed-failures``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from identities.errors import WorkerDied

__all__ = ["RetryingExecutor", "local_executor", "process_pool", "WorkerDied"]


def _limit_memory(max_memory: int) -> None:
    """The pool's initializer: this process's address space is at most ``max_memory`` bytes."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    global _MAX_MEMORY
    _MAX_MEMORY = max_memory


_MAX_MEMORY: int | None = None


def process_pool(workers: int, max_memory: int | None = None) -> Executor:
    """A plain pool of ``workers`` local processes (forkserver where available: workers start from a clean,
    preloaded process, not a copy of this one and its threads), each under ``max_memory`` bytes if given."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    context: Any
    if "forkserver" in mp.get_all_start_methods():
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(
            ["identities.sweep.runner", "identities.oracle.batch", "identities.sweep.profile"]
        )
    else:
        context = mp.get_context("spawn")
    if max_memory is None:
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_limit_memory, initargs=(max_memory,)
    )


def local_executor(workers: int, max_memory: int | None = None) -> RetryingExecutor:
    """``workers`` local processes that survive the loss of one (see the module docstring)."""
    return RetryingExecutor(lambda n: process_pool(n, max_memory), workers, max_memory=max_memory)


def _settle(outer: Future, result: Any, exc: BaseException | None) -> None:
    """Give the caller's future its outcome, unless the caller cancelled it meanwhile."""
    if outer.done() or not outer.set_running_or_notify_cancel():
        return
    if exc is not None:
        outer.set_exception(exc)
    else:
        outer.set_result(result)


class _Task:
    __slots__ = ("fn", "args", "kwargs", "outer", "losses", "generation")

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, outer: Future):
        self.fn, self.args, self.kwargs, self.outer = fn, args, kwargs, outer
        self.losses = 0
        self.generation = -1


def _death(pool: Any) -> str:
    """How the processes of a broken pool died: "signal 9 (SIGKILL)", "exit code 1", or "" if not known."""
    try:  # concurrent.futures keeps its processes in ``_processes`` (pid -> Process); if that moves, say less
        codes = [p.exitcode for p in dict(pool._processes or {}).values()]
    except Exception:  # noqa: BLE001 - an explanation only
        return ""
    for code in codes:
        if code is not None and code < 0:
            try:
                return f"signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                return f"signal {-code}"
    for code in codes:
        if code:
            return f"exit code {code}"
    return ""


class RetryingExecutor(Executor):
    """An Executor over process pools made by ``make_pool(workers)``, re-running the tasks of a lost worker."""

    def __init__(self, make_pool: Callable[[int], Executor], workers: int, *, max_memory: int | None = None):
        self._make = make_pool
        self.workers = workers
        self.max_memory = max_memory
        self._lock = threading.RLock()
        self._pool = make_pool(workers)
        self._generation = 0
        self._quarantine: list[_Task] = []
        self._quarantined: _Task | None = None
        self._closed = False
        self.restarts = 0  # fresh pools started after a loss (for tests and notes)

    def __repr__(self) -> str:
        return f"RetryingExecutor(workers={self.workers}, max_memory={self.max_memory})"

    def pids(self) -> list[int]:
        """The process ids of the current pool's workers (those started so far)."""
        try:
            return list(dict(self._pool._processes or {}))  # type: ignore[attr-defined]
        except AttributeError:
            return []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        outer: Future = Future()
        self._launch(_Task(fn, args, kwargs, outer))
        return outer

    def _launch(self, task: _Task) -> None:
        with self._lock:
            if self._closed or task.outer.done():
                return
            if task.losses >= 2:
                self._quarantine.append(task)
                self._next_quarantined()
                return
            pool, task.generation = self._pool, self._generation
            try:
                inner = pool.submit(task.fn, *task.args, **task.kwargs)
            except BrokenProcessPool:  # broken before this task reached it: it held nothing of this one
                self._renew(task.generation)
                pool, task.generation = self._pool, self._generation
                inner = pool.submit(task.fn, *task.args, **task.kwargs)
        inner.add_done_callback(lambda f: self._done(task, f, pool))

    def _renew(self, generation: int) -> str:
        """A fresh pool in place of a broken one (once per breakage, whichever task reports it first)."""
        with self._lock:
            if generation != self._generation or self._closed:
                return ""
            old = self._pool
            how = _death(old)
            old.shutdown(wait=False, cancel_futures=True)
            self._pool = self._make(self.workers)
            self._generation += 1
            self.restarts += 1
            return how

    def _done(self, task: _Task, inner: Future, pool: Executor) -> None:
        if inner.cancelled():
            task.outer.cancel()
            return
        exc = inner.exception()
        if not isinstance(exc, BrokenProcessPool):
            if exc is not None:
                _settle(task.outer, None, exc)
            else:
                _settle(task.outer, inner.result(), None)
            return
        self._renew(task.generation)
        task.losses += 1
        self._launch(task)

    # quarantine: one suspect at a time, alone in a pool of one process ------------------------------
    def _next_quarantined(self) -> None:
        with self._lock:
            if self._quarantined is not None or not self._quarantine or self._closed:
                return
            task = self._quarantined = self._quarantine.pop(0)
            pool = self._make(1)
            inner = pool.submit(task.fn, *task.args, **task.kwargs)
        inner.add_done_callback(lambda f: self._quarantine_done(task, f, pool))

    def _quarantine_done(self, task: _Task, inner: Future, pool: Executor) -> None:
        exc = None if inner.cancelled() else inner.exception()
        if inner.cancelled():
            task.outer.cancel()
        elif isinstance(exc, BrokenProcessPool):
            how = _death(pool)
            limit = (
                f"; the memory limit of each worker (--max-memory {self.max_memory / 2**20:g} MB) may be why"
                if self.max_memory
                else ""
            )
            _settle(
                task.outer,
                None,
                WorkerDied(f"the worker running it died{': ' + how if how else ''} (twice, on two fresh pools){limit}"),
            )
        elif exc is not None:
            _settle(task.outer, None, exc)
        else:
            _settle(task.outer, inner.result(), None)
        pool.shutdown(wait=False)
        with self._lock:
            self._quarantined = None
        self._next_quarantined()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool = self._pool
            waiting = list(self._quarantine)
            self._quarantine.clear()
        if cancel_futures:
            for t in waiting:
                t.outer.cancel()
        pool.shutdown(wait=wait, cancel_futures=cancel_futures)
