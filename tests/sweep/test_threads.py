"""Threads share a process: python-flint's precision, mpmath's context and hypothesis' module state must not
leak between them (issue 17). Each run through threads must equal the serial run, statistics included."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from identities import builtin
from identities.check.engine import verify_all
from identities.sweep.runner import sweep

LIB = builtin()
# tanh_from_exp and expm1_near_zero need 256 to 2048 bits at different points, so threads that shared one
# precision would move points between the oracle's precision levels (points_by_bits) and change the timings
SWEPT = "tanh_from_exp"
SWEEP = dict(points=6000, seed=5, chunk_size=500)
CHECKED = [LIB["expm1_near_zero"], LIB["gamma_factorial"]]
BACKENDS = ["float64", "mpmath"]
LIMITS = dict(examples=15, example_seconds=60.0, identity_seconds=600.0, database=None)


def sweep_doc(r):
    doc = r.to_json()
    doc["sweep"]["profile"].pop("seconds")
    doc["sweep"]["profile"].pop("peak_rss_mib")
    return doc


def check_doc(r):
    doc = r.to_json()
    doc.pop("elapsed", None)
    return doc


@pytest.fixture(scope="module")
def serial_sweep():
    return sweep_doc(sweep(LIB[SWEPT], "float64", **SWEEP))


@pytest.fixture(scope="module")
def serial_check():
    return [check_doc(r) for r in verify_all(CHECKED, BACKENDS, **LIMITS)]


def repeat_sweeps(executor, serial, times):
    for i in range(times):
        got = sweep_doc(sweep(LIB[SWEPT], "float64", executor=executor, **SWEEP))
        assert got == serial, f"run {i}: {got['sweep']['profile']['oracle']} != {serial['sweep']['profile']['oracle']}"


def repeat_checks(executor, serial, times):
    for i in range(times):
        got = [check_doc(r) for r in verify_all(CHECKED, BACKENDS, executor=executor, **LIMITS)]
        assert got == serial, f"run {i}"


def test_the_serial_runs_need_several_precisions(serial_sweep, serial_check):
    bits = serial_sweep["sweep"]["profile"]["oracle"]["points_by_bits"]
    assert len(bits) >= 3 and sum(bits.values()) == 6000
    assert [r["verdict"] for r in serial_check] == ["precision_failure", "holds", "holds", "holds"]


def test_sweep_through_four_threads_equals_the_serial_sweep(serial_sweep):
    with ThreadPoolExecutor(4) as pool:
        repeat_sweeps(pool, serial_sweep, 20)


def test_verify_all_through_four_threads_equals_the_serial_run(serial_check):
    with ThreadPoolExecutor(4) as pool:
        repeat_checks(pool, serial_check, 20)


def dask_executor(threads):
    distributed = pytest.importorskip("distributed", reason="Dask's distributed is not installed (extra 'dask')")
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=threads,
        processes=False,
        dashboard_address=None,
        protocol="tcp",
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    return cluster, client


def test_dask_with_four_threads_per_worker_equals_the_serial_runs(serial_sweep, serial_check):
    cluster, client = dask_executor(4)
    with cluster, client:
        executor = client.get_executor()
        repeat_sweeps(executor, serial_sweep, 20)
        repeat_checks(executor, serial_check, 20)


@pytest.mark.slow
def test_many_threaded_repetitions(serial_sweep, serial_check):
    with ThreadPoolExecutor(4) as pool:
        repeat_sweeps(pool, serial_sweep, 200)
        repeat_checks(pool, serial_check, 100)
    cluster, client = dask_executor(4)
    with cluster, client:
        repeat_sweeps(client.get_executor(), serial_sweep, 200)


def test_the_mpmath_backend_has_a_context_per_thread():
    from identities.backends import get_backend

    be = get_backend("mpmath")
    seen = []

    def grab():
        seen.append(be.ctx)

    threads = [threading.Thread(target=grab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0] is not seen[1] and seen[0].dps == seen[1].dps == 50 and be.ctx is be.ctx


def test_numpy_error_state_is_per_thread():
    import numpy as np

    inside = threading.Event()
    leave = threading.Event()
    seen = []

    def other():
        with np.errstate(all="raise"):
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    seen.append(np.geterr()["divide"])
    leave.set()
    t.join()
    assert seen == ["warn"]
