"""Faults (issue 15): a killed worker costs a retry, not the run; a task that kills its worker every time is an
error row; whatever stops a run early, the results so far are written, marked incomplete with the reason; a bad
output path is a usage error before any work; --max-memory makes a memory hog an error row naming the limit."""

import json
import os
import signal
from concurrent.futures import Executor

import pytest

from identities import builtin
from identities.check.engine import verify_all
from identities.errors import WorkerDied
from identities.sweep.executors import RetryingExecutor, local_executor, process_pool
from identities.sweep.runner import sweep_all

LIB = builtin()
CHECKED = [LIB[n] for n in ("exp_sum", "log_product", "binomial_pascal", "cosh_sinh_pythagorean")]
OPTIONS = dict(examples=20, database=None, example_seconds=60.0, identity_seconds=600.0)  # no time-outs when busy
SWEPT = [LIB["exp_sum"], LIB["log_product"]]
SWEEP = dict(points=12000, seed=2, chunk_size=1000)


def check_doc(r):
    doc = r.to_json()
    doc.pop("elapsed", None)
    return doc


def sweep_doc(r):
    doc = r.to_json()
    doc.pop("elapsed", None)
    profile = doc["sweep"].get("profile")
    if profile is not None:
        profile.pop("seconds")
        profile.pop("peak_rss_mib")
    return doc


# functions the pool's processes run (module level: pickled by name)
def square(x):
    return x * x


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


class Poisoning(Executor):
    """Submits to ``inner``, except the tasks ``poisoned(args)`` picks, which kill their worker instead."""

    def __init__(self, inner, poisoned):
        self.inner, self.poisoned = inner, poisoned

    def submit(self, fn, /, *args, **kwargs):
        return self.inner.submit(die) if self.poisoned(args) else self.inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def killing_executor(workers):
    """``local_executor(workers)`` that kills -9 one of its workers when its first task is done, while the
    others are in flight (mid-run, deterministically); returns (executor, the pids killed)."""
    ex = local_executor(workers)
    killed = []
    submit = ex.submit

    def kill_when_the_first_task_is_done(f):
        if not killed and ex.pids():
            killed.append(ex.pids()[0])
            os.kill(killed[0], signal.SIGKILL)

    def submit_and_watch(fn, /, *args, **kwargs):
        f = submit(fn, *args, **kwargs)
        f.add_done_callback(kill_when_the_first_task_is_done)
        return f

    ex.submit = submit_and_watch
    return ex, killed


@pytest.fixture(scope="module")
def fault_free_check():
    with local_executor(2) as ex:
        return [check_doc(r) for r in verify_all(CHECKED, ["float64", "float32"], executor=ex, **OPTIONS)]


def test_a_pool_process_killed_mid_check_costs_a_retry_not_the_run(fault_free_check):
    ex = local_executor(2)
    killed = []

    def kill_after_first(r):
        if not killed:
            pid = ex.pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    try:
        got = [
            check_doc(r)
            for r in verify_all(CHECKED, ["float64", "float32"], executor=ex, on_result=kill_after_first, **OPTIONS)
        ]
    finally:
        ex.shutdown()
    assert killed and ex.restarts >= 1
    assert got == fault_free_check  # the same seeds: the same results, counterexamples included
    assert {r["verdict"] for r in got} >= {"precision_failure", "holds"}


def test_a_pool_process_killed_mid_sweep_changes_nothing():
    serial = [sweep_doc(r) for r in sweep_all(SWEPT, ["float64"], **SWEEP)]
    ex, killed = killing_executor(2)
    try:
        got = [sweep_doc(r) for r in sweep_all(SWEPT, ["float64"], executor=ex, **SWEEP)]
    finally:
        ex.shutdown()
    assert killed and ex.restarts >= 1
    assert got == serial and serial[0]["examples"] == 12000


def test_a_task_that_always_kills_its_worker_is_an_error_and_the_others_finish():
    with local_executor(2) as ex:
        futures = [ex.submit(square, 3), ex.submit(die), ex.submit(square, 4), ex.submit(square, 5)]
        assert [futures[i].result(timeout=120) for i in (0, 2, 3)] == [9, 16, 25]
        with pytest.raises(WorkerDied, match=r"^the worker running it died: signal 9 \(SIGKILL\)"):
            futures[1].result(timeout=120)


def test_verify_all_makes_a_worker_killing_task_an_error_row(fault_free_check):
    inner = local_executor(2)
    ex = Poisoning(inner, lambda args: args[0].name == "log_product" and args[1] == "float32")
    try:
        got = [check_doc(r) for r in verify_all(CHECKED, ["float64", "float32"], executor=ex, **OPTIONS)]
    finally:
        ex.shutdown()
    row = got[3]
    assert (row["identity"], row["backend"], row["verdict"]) == ("log_product", "float32", "error")
    assert row["message"].startswith("the worker running it died: signal 9 (SIGKILL)")
    assert got[:3] + got[4:] == fault_free_check[:3] + fault_free_check[4:]


def test_sweep_makes_a_worker_killing_chunk_an_error_row():
    serial = [sweep_doc(r) for r in sweep_all(SWEPT, ["float64"], **SWEEP)]
    inner = local_executor(2)
    ex = Poisoning(inner, lambda args: args[0].ident.name == "exp_sum" and args[0].index == 3)
    try:
        got = [sweep_doc(r) for r in sweep_all(SWEPT, ["float64"], executor=ex, **SWEEP)]
    finally:
        ex.shutdown()
    assert got[0]["verdict"] == "error"
    assert got[0]["message"].startswith("a chunk could not be evaluated: the worker running it died: signal 9")
    assert got[1] == serial[1]


def test_a_dask_worker_killed_mid_sweep_changes_nothing_in_the_statistics():
    distributed = pytest.importorskip("distributed", reason="Dask's distributed is not installed (extra 'dask')")
    serial = [sweep_doc(r) for r in sweep_all(SWEPT, ["float64"], **SWEEP)]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = sorted(client.run(os.getpid).values())
        killed = []

        def progress(done, total):  # after the first chunk, with the others in flight: kill one worker
            if not killed:
                os.kill(pids[0], signal.SIGKILL)  # its nanny starts a new one; the scheduler re-runs its tasks
                killed.append(pids[0])

        got = [
            sweep_doc(r)
            for r in sweep_all(SWEPT, ["float64"], executor=client.get_executor(), progress=progress, **SWEEP)
        ]
        assert killed
    assert got == serial


# -- the command line -----------------------------------------------------------------------------------------


def test_a_bad_output_path_is_a_usage_error_before_any_work(tmp_path, capsys, monkeypatch):
    from identities.cli import main

    def no_work(*args, **kwargs):
        raise AssertionError("an identity ran")

    monkeypatch.setattr("identities.check.engine.verify_all", no_work)
    monkeypatch.setattr("identities.sweep.runner.sweep_all", no_work)
    cases = [
        (["check", "--json", str(tmp_path / "missing" / "out.json")], "does not exist"),
        (["check", "--json", str(tmp_path)], "is a directory"),
        (["sweep", "--json", str(tmp_path / "missing" / "out.json")], "does not exist"),
        (["sweep", "--output", str(tmp_path / "missing" / "r.md")], "does not exist"),
        (["report", "--output", str(tmp_path / "missing" / "r.md")], "does not exist"),
    ]
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append((["check", "--json", str(locked / "out.json")], "is not writable"))

    def no_work(*args, **kwargs):
        raise AssertionError("an identity ran before the output path was checked")

    import identities.check.engine
    import identities.sweep.runner

    for module, name in (
        (identities.check.engine, "verify"),
        (identities.check.engine, "verify_all"),
        (identities.sweep.runner, "sweep_all"),
    ):
        monkeypatch.setattr(module, name, no_work)
    for argv, what in cases:  # refused before any work (the time it takes is measured by hand, not asserted here)
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("identities: error: --") and what in err, err


def _stopping_verify_all(stop):
    def fake(registry, backends, *, on_result, executor=None, **kwargs):
        done = verify_all(list(registry.values())[:1], backends[:2], **{**kwargs, "examples": 5})
        for r in done:
            on_result(r)
        raise stop

    return fake


@pytest.mark.parametrize(
    "stop, status, reason",
    [
        (RuntimeError("the engine broke"), 1, "RuntimeError: the engine broke"),
        (KeyboardInterrupt(), 130, "interrupted (Ctrl-C)"),
        (WorkerDied("the pool is gone"), 1, "WorkerDied: the pool is gone"),
    ],
)
def test_whatever_stops_a_check_the_results_so_far_are_written(tmp_path, monkeypatch, capsys, stop, status, reason):
    from identities.cli import main

    monkeypatch.setattr("identities.check.engine.verify_all", _stopping_verify_all(stop))
    out = tmp_path / "out.json"
    code = main(["check", "--select", "exp_sum", "--backend", "float64,float32", "--no-database", "--json", str(out)])
    assert code == status
    doc = json.loads(out.read_text())
    assert doc["incomplete"] is True and doc["incomplete_reason"] == reason
    assert [(r["identity"], r["backend"]) for r in doc["results"]] == [("exp_sum", "float64"), ("exp_sum", "float32")]
    err = capsys.readouterr().err
    assert err.startswith(
        "identities: interrupted" if status == 130 else f"identities: the run stopped early after 2 results: {reason}"
    )


def test_whatever_stops_a_sweep_the_report_is_written_and_says_why(tmp_path, monkeypatch):
    from identities.cli import main

    def fake(identities, backends, *, on_result, **kwargs):
        for r in sweep_all(list(identities.values())[:1], backends, points=2000, seed=0):
            on_result(r)
        raise RuntimeError("chunk 7 broke")

    monkeypatch.setattr("identities.sweep.runner.sweep_all", fake)
    js, md = tmp_path / "out.json", tmp_path / "out.md"
    code = main(["sweep", "--select", "exp_sum", "--backend", "float64", "--json", str(js), "--output", str(md)])
    assert code == 1
    doc = json.loads(js.read_text())
    assert doc["incomplete_reason"] == "RuntimeError: chunk 7 broke" and len(doc["results"]) == 1
    assert "**Incomplete:** the run stopped early (RuntimeError: chunk 7 broke)" in md.read_text()


# -- --max-memory ---------------------------------------------------------------------------------------------


def _address_space_after_imports():
    import identities.check.engine  # noqa: F401
    import identities.sweep.runner  # noqa: F401

    for line in open("/proc/self/status"):
        if line.startswith("VmPeak"):
            return int(line.split()[1]) * 1024
    return 0


def test_max_memory_makes_a_memory_hog_an_error_row_naming_the_limit(tmp_path, capsys):
    """A sweep chunk of 3 million points needs hundreds of MB; under --max-memory the chunk is an error row
    naming the limit, and the other identity, in small chunks, finishes."""
    from identities.cli import main

    with process_pool(1) as pool:
        base = pool.submit(_address_space_after_imports).result()
    limit_mb = base / 2**20 + 150
    out = tmp_path / "out.json"
    argv = ["sweep", "--select", "exp_sum", "--backend", "float64", "--workers", "1", "--json", str(out)]
    code = main([*argv, "--points", "3000000", "--chunk-size", "3000000", "--max-memory", f"{limit_mb:.0f}"])
    err = capsys.readouterr()
    assert code == 1, err
    row = json.loads(out.read_text())["results"][0]
    assert row["verdict"] == "error"
    assert "memory limit of this worker exceeded" in row["message"] or "--max-memory" in row["message"], row
    code = main([*argv, "--points", "3000", "--max-memory", f"{limit_mb:.0f}"])
    assert code == 0 and json.loads(out.read_text())["results"][0]["verdict"] == "precision_failure"
    assert "max-memory" not in capsys.readouterr().err


def test_retrying_executor_is_an_executor():
    ex = RetryingExecutor(lambda n: process_pool(n), 1)
    with ex:
        assert ex.submit(square, 7).result() == 49 and len(ex.pids()) == 1
    assert repr(ex) == "RetryingExecutor(workers=1, max_memory=None)"


def _results_of(path):
    doc = json.loads(path.read_text())
    for r in doc["results"]:
        r.pop("elapsed", None)
        profile = r.get("sweep", {}).get("profile")
        if profile:
            profile.pop("seconds")
            profile.pop("peak_rss_mib")
    return doc


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--select", "exp_sum", "--select", "log_product", "--select", "cosh_sinh_pythagorean"]
        + ["--backend", "float64,float32", "--examples", "20", "--no-database", "--identity-timeout", "600"],
        ["sweep", "--select", "exp_sum", "--select", "log_product", "--backend", "float64"]
        + ["--points", "12000", "--chunk-size", "1000"],
    ],
    ids=["check", "sweep"],
)
def test_the_command_with_two_workers_survives_a_killed_worker(tmp_path, monkeypatch, argv):
    from identities.cli import main
    from identities.sweep import runner

    clean, faulty = tmp_path / "clean.json", tmp_path / "faulty.json"
    status = main([*argv, "--workers", "2", "--json", str(clean)])
    assert status in (0, 1)  # as the library expects, or not with 20 examples: the same either way
    made = []

    def with_a_kill(workers, max_memory=None):
        ex, killed = killing_executor(workers)
        made.append((ex, killed))
        return ex

    monkeypatch.setattr(runner, "local_executor", with_a_kill)
    assert main([*argv, "--workers", "2", "--json", str(faulty)]) == status
    ex, killed = made[0]
    assert killed and ex.restarts >= 1
    a, b = _results_of(clean), _results_of(faulty)
    assert b["results"] == a["results"] and "incomplete" not in b
