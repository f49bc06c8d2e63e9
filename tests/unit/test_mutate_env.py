"""mutmut's forked test runs can use torch: every mutmut process keeps torch on one thread.

mutmut (``make mutate``, ``tests/mutation_check.py``) runs the traced test run in its own process,
then forks one child per mutant. Once that process ran a torch op on 2+ threads, a forked child
running one on 2+ threads hangs in libgomp; tests/conftest.py's ``pin_torch_to_one_thread`` (on
when ``MUTANT_UNDER_TEST`` is set, as mutmut sets it) prevents it. These tests run a parent and a
forked child that each ask for 2 threads, as ``regbench.workflow.script_run(threads=2)`` does, and
train a 1x1 convolution (the op whose weight gradient spins forever under ``OMP_THREAD_LIMIT=1``);
the parent also runs memelite's Tomtom, whose numba pool otherwise raises torch's threads again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork + libgomp")

FORK_AFTER_THREADED_TORCH = textwrap.dedent(
    """
    import os, sys, time

    import tests.conftest  # what pytest imports first in a mutmut process
    import torch

    def step():
        torch.set_num_threads(2)  # code under test asking for a job's threads
        net = torch.nn.Sequential(torch.nn.Conv1d(4, 16, 9), torch.nn.Conv1d(16, 16, 1))
        net(torch.randn(8, 4, 512)).sum().backward()

    step()
    import numpy as np
    from memelite import tomtom  # numba's OpenMP pool, in torch's libgomp

    tomtom([np.ones((4, 8)) / 4] * 2, [np.ones((4, 10)) / 4] * 30, n_jobs=1)
    pid = os.fork()
    if pid == 0:  # a mutant's test run
        step()
        os._exit(0)
    deadline = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("finished", os.waitstatus_to_exitcode(status), torch.get_num_threads())
            sys.exit(0)
        time.sleep(0.05)
    os.kill(pid, 9)
    print("hung")
    """
)


def fork_after_threaded_torch(mutmut: bool, wait_s: float) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "NUMBA_", "MUTANT_UNDER_TEST"))}
    env["PYTHONPATH"] = str(ROOT)
    if mutmut:
        env["MUTANT_UNDER_TEST"] = ""  # mutmut's clean and traced runs
    r = subprocess.run([sys.executable, "-c", FORK_AFTER_THREADED_TORCH, str(wait_s)], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=wait_s + 120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()


def test_in_a_mutmut_process_a_forked_child_runs_torch():
    assert fork_after_threaded_torch(mutmut=True, wait_s=60) == "finished 0 1"


def test_without_the_pin_the_forked_child_hangs():
    """The premise of the test above: if this starts failing, torch's OpenMP runtime became
    fork-safe and the pin can go."""
    assert fork_after_threaded_torch(mutmut=False, wait_s=10) == "hung"


FORK_AFTER_PARALLEL_NUMBA = textwrap.dedent(
    """
    import os, sys

    if sys.argv[1] == "mutmut":
        import tests.conftest  # what pytest imports first in a mutmut process
    else:
        os.environ["NUMBA_THREADING_LAYER"] = sys.argv[1]
    import numba
    import numpy as np
    from memelite import tomtom  # a numba prange: one parallel region per call

    def run():
        tomtom([np.ones((4, 8)) / 4] * 2, [np.ones((4, 10)) / 4] * 30, n_jobs=1)

    run()  # mutmut's clean and traced runs, in the parent
    pid = os.fork()
    if pid == 0:  # a mutant's tests
        run()
        os._exit(0)
    print(numba.threading_layer(), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """
)


def fork_after_parallel_numba(layer: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "NUMBA_", "MUTANT_UNDER_TEST"))}
    env["PYTHONPATH"] = str(ROOT)
    if layer == "mutmut":
        env["MUTANT_UNDER_TEST"] = ""
    r = subprocess.run([sys.executable, "-c", FORK_AFTER_PARALLEL_NUMBA, layer], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()


def test_in_a_mutmut_process_a_forked_child_runs_numba_parallel_code():
    """mutmut's exit -15 ("suspicious", no verdict): a mutant whose tests ran Tomtom after the
    parent had. Here the child finishes (exit 0) on numba's workqueue layer."""
    assert fork_after_parallel_numba("mutmut") == "workqueue 0"


def test_on_gnu_openmp_numba_sigterms_a_forked_child():
    """The premise of the test above: numba's default layer here (GNU OpenMP) raises SIGTERM in a
    fork that runs a parallel region after its parent did. If this starts failing, that layer
    became fork-safe and tests/conftest.py need not choose workqueue."""
    assert fork_after_parallel_numba("omp") == "omp -15"


def test_make_mutate_sets_no_openmp_thread_limit():
    """OMP_THREAD_LIMIT=1 with torch asked for 2 threads spins forever in a 1x1 convolution's
    weight gradient (oneDNN plans for 2 threads and waits for the second): a mutmut run once sat
    in one 6-s test for over 2 minutes at 100% CPU."""
    text = (ROOT / "Makefile").read_text()
    assert "mutmut run" in text and "OMP_THREAD_LIMIT" not in text
