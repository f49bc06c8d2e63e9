"""script_run seeds torch wherever the job first imports it (regbench.workflow.seed_torch_on_import).

Before, ``seed_everything`` seeded torch only when it was already imported, which in a CPU job's
adapter it never is (the library imports torch inside the body), so such jobs ran on torch's
built-in default seed whatever ``params.seed`` said. Each case runs in a fresh interpreter, where
torch is not yet loaded, like a Snakemake ``script:`` job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

JOB = textwrap.dedent(
    """
    import json, sys
    from types import SimpleNamespace

    seed, threads, early = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "early"
    if early:
        import torch  # a GPU job: script_run's CUDA check imports torch before seeding
    from regbench.workflow import script_run

    class Params(dict):
        pass

    smk = SimpleNamespace(log=[], rule="cpu_rule", config={"seed": 99}, threads=threads,
                          resources=Params(), params=Params(seed=seed), wildcards={}, output=[])
    with script_run(smk):
        loaded_at_start = "torch" in sys.modules
        import torch  # the adapter's body (through the library)

        out = {"loaded_at_start": loaded_at_start, "initial_seed": torch.initial_seed(),
               "threads": torch.get_num_threads(), "draw": torch.rand(4).tolist()}
    import regbench.workflow as w

    out["hooks_left"] = sum(isinstance(f, w._TorchImportHook) for f in sys.meta_path)
    print(json.dumps(out))
    """
)


def _run_json(script: str, *args: str, unset: tuple[str, ...] = (), timeout: int = 300) -> dict:
    """Run ``script`` in a fresh interpreter (repository on the path, ``unset`` removed from the
    environment); the JSON object on its last output line."""
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _job(seed: int, threads: int = 1, when: str = "late") -> dict:
    return _run_json(JOB, str(seed), str(threads), when)


def test_torch_imported_in_the_body_is_seeded_from_params_and_capped():
    late = _job(1234, threads=2)
    assert late["loaded_at_start"] is False  # the case the old code missed
    assert late["initial_seed"] == 1234 and late["threads"] == 2
    assert late["hooks_left"] == 0  # the import hook does not outlive the job
    # torch's own default seed (67280421310721) gives other numbers: the seed took effect
    assert _job(7)["draw"] != late["draw"]


def test_seeded_the_same_whether_torch_was_loaded_before_or_after_start():
    # GPU jobs load torch before seeding (CUDA check); their numbers must not change
    early, late = _job(42, when="early"), _job(42, when="late")
    assert early["loaded_at_start"] is True and late["loaded_at_start"] is False
    assert early["initial_seed"] == late["initial_seed"] == 42
    assert early["draw"] == late["draw"]
    import torch

    g = torch.Generator().manual_seed(42)
    assert late["draw"] == torch.rand(4, generator=g).tolist()  # independent: manual_seed(42)


#: thread caps a job sets itself: the tests start without them
THREAD_ENV = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS")

TOMTOM_JOB = textwrap.dedent(
    """
    import json, sys
    from types import SimpleNamespace

    import numpy as np
    from regbench.workflow import script_run

    class Params(dict):
        pass

    smk = SimpleNamespace(log=[], rule="acc_tomtom", config={}, threads=1, resources=Params(), params=Params(),
                          wildcards={}, output=[])
    with script_run(smk):
        import torch
        from memelite import tomtom

        torch.nn.Conv1d(4, 8, 3)(torch.randn(2, 4, 50)).sum()
        before = torch.get_num_threads()
        rng = np.random.default_rng(0)
        tomtom([rng.random((4, 8)) for _ in range(3)], [rng.random((4, 10)) for _ in range(30)], n_jobs=1)
        import numba

        print(json.dumps({"before": before, "after": torch.get_num_threads(), "numba": numba.config.NUMBA_NUM_THREADS}))
    """
)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: numba's default pool is one thread too")
def test_tomtom_in_a_job_keeps_torch_and_numba_at_the_jobs_threads():
    """memelite's Tomtom runs numba in parallel on an OpenMP pool of NUMBA_NUM_THREADS threads (by
    default every core of the node), in the libgomp torch loaded: without the cap, torch's next
    ops in the same job also ran on every core (2 here instead of the job's 1)."""
    out = _run_json(TOMTOM_JOB, unset=THREAD_ENV, timeout=600)
    assert out == {"before": 1, "after": 1, "numba": 1}


TWO_JOBS_ONE_PROCESS = textwrap.dedent(
    """
    import json
    from types import SimpleNamespace

    import numpy as np
    from regbench.workflow import script_run

    class Params(dict):
        pass

    def smk(threads):
        return SimpleNamespace(log=[], rule="acc_tomtom", config={}, threads=threads, resources=Params(),
                               params=Params(), wildcards={}, output=[])

    with script_run(smk(1)):
        from memelite import tomtom

        rng = np.random.default_rng(0)
        tomtom([rng.random((4, 8)) for _ in range(3)], [rng.random((4, 10)) for _ in range(30)], n_jobs=1)
    with script_run(smk(2)):  # e.g. two tests in one pytest process
        import numba

        @numba.njit(parallel=True)
        def total(x):
            s = 0.0
            for i in numba.prange(x.shape[0]):
                s += x[i]
            return s

        print(json.dumps({"total": total(np.ones(10)), "numba": numba.config.NUMBA_NUM_THREADS}))
    """
)


def test_a_second_job_in_one_process_leaves_numbas_running_pool_alone():
    """numba refuses a new NUMBA_NUM_THREADS at its next compile once its pool runs (RuntimeError):
    script_run only sets it before numba is loaded."""
    out = _run_json(TWO_JOBS_ONE_PROCESS, unset=THREAD_ENV, timeout=600)
    assert out == {"total": 10.0, "numba": 1}
