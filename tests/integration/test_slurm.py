"""Real SLURM run of profiles/slurm-gpu (tests/slurm/run_slurm_test.sh) on a one-node cluster.

Runs only where it may install Debian packages and start daemons: as root and with CI=true or
REGBENCH_SLURM_TEST=1. REGBENCH_SLURM_TARGETS (space separated) overrides the default targets
picked from the demo DAG by regbench.dagstats.representative_gpu_targets: per study the GPU job
with the cheapest upstream chain (demo: acc_train of basset_exp, personal_cnn_train,
synthetic_loci_predict_pretrained, dream_followup_drosophila of deepstarr); train_demo_enformer,
the shared GPU family, runs upstream of the synthetic_loci target and is not added on its own.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "slurm" / "run_slurm_test.sh"


def _skip_reason() -> str | None:
    if not (os.environ.get("CI") == "true" or os.environ.get("REGBENCH_SLURM_TEST") == "1"):
        return "SLURM test runs only with CI=true or REGBENCH_SLURM_TEST=1 (it starts slurmctld/slurmd)"
    if os.geteuid() != 0:
        return "SLURM test needs root (apt-get install slurm-wlm munge, /etc/slurm, slurmd)"
    if not Path("/usr/bin/apt-get").exists() and not Path("/usr/sbin/slurmctld").exists():
        return "SLURM test needs Debian packages slurm-wlm and munge (no apt-get here)"
    return None


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{SCRIPT} {' '.join(args)} failed ({proc.returncode}):\n{out[-8000:]}"
    assert "[slurm-test] PASS" in out, out[-4000:]
    print(out[-2000:])
    return proc


@pytest.mark.slow
def test_slurm_harness_selftest():
    """The harness on its own: a CPU job on partition cpu and a GPU job on partition gpu."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    proc = _run(["--selftest"], timeout=600)
    m = re.search(r"PASS: (\d+) SLURM jobs \((\d+) on partition gpu", proc.stdout)
    assert m and int(m.group(1)) == 3 and int(m.group(2)) == 1, proc.stdout[-2000:]


@pytest.mark.slow
def test_slurm_demo_workflow():
    """Demo targets through --profile profiles/slurm-gpu: every job COMPLETED, GPU jobs on gpu."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    targets = shlex.split(os.environ.get("REGBENCH_SLURM_TARGETS", ""))
    proc = _run(targets, timeout=int(os.environ.get("REGBENCH_SLURM_TIMEOUT", "1800")) + 120)
    m = re.search(r"PASS: (\d+) SLURM jobs", proc.stdout)
    assert m and int(m.group(1)) > 0, "no job went through SLURM"
