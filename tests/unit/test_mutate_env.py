"""`make mutate` runs mutmut with an environment that lets its forked test runs use torch.

mutmut runs the traced test run in its own process, then forks one child per mutant. GNU
libgomp's worker threads do not survive a fork: once the parent ran a torch op on 2+ threads, a
child that runs one on 2+ threads waits forever at a team barrier (gdb on such a child:
``gomp_team_barrier_wait_end`` under a oneDNN convolution). ``OMP_NUM_THREADS=1`` does not prevent
it, because code under test sets torch's threads itself (``regbench.workflow`` caps them at a
job's threads); ``OMP_THREAD_LIMIT=1`` caps every parallel region at one thread whatever is asked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork + libgomp")

FORK_AFTER_THREADED_TORCH = textwrap.dedent(
    """
    import os, sys, time, torch

    torch.set_num_threads(2)  # as a test of script_run(threads=2) does in mutmut's process
    conv, x = torch.nn.Conv1d(4, 16, 9), torch.randn(8, 4, 512)
    conv(x).sum()
    pid = os.fork()
    if pid == 0:  # a mutant's test run
        torch.set_num_threads(2)
        conv(x).sum()
        os._exit(0)
    deadline = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("finished", os.waitstatus_to_exitcode(status))
            sys.exit(0)
        time.sleep(0.05)
    os.kill(pid, 9)
    print("hung")
    """
)


def mutate_recipe_env() -> dict[str, str]:
    """The ``VAR=value`` assignments of the ``env`` that runs ``mutmut run`` in ``make mutate``."""
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^mutate:.*?\n((?:\t.*\n)+)", text, re.M)
    assert recipe, "Makefile: no `mutate:` target"
    line = next(line for line in recipe.group(1).splitlines() if "mutmut run" in line)
    return dict(re.findall(r"\b([A-Z_]+)=(\S+)", line.split("mutmut run")[0]))


def fork_after_threaded_torch(env_vars: dict[str, str], wait_s: float) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_"))}
    env.update(env_vars)
    r = subprocess.run([sys.executable, "-c", FORK_AFTER_THREADED_TORCH, str(wait_s)], env=env,
                       capture_output=True, text=True, timeout=wait_s + 120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()


def test_mutate_env_caps_openmp_threads():
    env = mutate_recipe_env()
    assert env.get("OMP_THREAD_LIMIT") == "1", env
    assert "mutate-resume" in (ROOT / "Makefile").read_text()
    resume = re.search(r"^mutate-resume:.*\n\t(.*)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "OMP_THREAD_LIMIT=1" in resume, resume


def test_forked_child_runs_torch_under_the_mutate_env():
    assert fork_after_threaded_torch(mutate_recipe_env(), wait_s=60) == "finished 0"


def test_without_the_thread_limit_the_forked_child_hangs():
    """The premise of the two tests above: if this starts failing, torch's OpenMP runtime became
    fork-safe and OMP_THREAD_LIMIT can go."""
    env = {k: v for k, v in mutate_recipe_env().items() if k != "OMP_THREAD_LIMIT"}
    assert fork_after_threaded_torch(env, wait_s=10) == "hung"
