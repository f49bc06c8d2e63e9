"""Kill -9 during training, rerun with --rerun-incomplete: the job completes, resumes from its
checkpoint, and its tables equal those of an uninterrupted run.

- test_kill_resume_tiny_training: a self-contained workflow (fault_tolerance/Snakefile) training
  a small CNN with regbench.train.trainer.fit; always runnable (CPU, ~1 min).
- test_kill_resume_demo_training: a real demo training job (rule personal_cnn_train, or the
  rule named by REGBENCH_FT_RULE, e.g. train_demo_enformer) on inputs copied from the demo run;
  skipped while the workflow has no such rule. personal_cnn_train is the cheapest demo training
  rule that trains for several epochs (4 epochs, ~20 s a run; train_demo_enformer ~130 s, the
  DREAM models 1 epoch in the demo) through the same regbench.train.trainer.fit with
  checkpoint_last.pt after every epoch, so the kill lands mid-training and the rerun resumes.

Procedure (both): in a fresh working directory start `snakemake <target>` in its own process
group, wait for the first `checkpoint_last.pt` to appear, SIGKILL the whole group, check that
Snakemake now sees the job as incomplete, `snakemake --unlock`, rerun with `--rerun-incomplete`,
then compare every TSV (minus timing columns) and every torch state_dict with an uninterrupted
run in another directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from regbench.dagstats import dryrun_text, parse_dryrun

from .conftest import ROOT, SNAKEMAKE

HERE = Path(__file__).resolve().parent
TIMING_COLUMNS = {"seconds", "time", "elapsed", "s", "h:m:s", "wall_s"}

pytestmark = pytest.mark.slow


def _env(workdir: Path) -> dict:
    """A private TMPDIR per working directory: trainers that checkpoint into a tempfile.mkdtemp()
    folder are watched there, and leave nothing in the system /tmp."""
    tmp = workdir / ".tmp"
    tmp.mkdir(exist_ok=True)
    return dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", TMPDIR=str(tmp))


def _smk(workdir: Path, snakefile: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "--workflow-profile", "none", "-s", str(snakefile), "--cores", "1", *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=_env(workdir))


def _ok(proc: subprocess.CompletedProcess, what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def kill_during_training(
    workdir: Path, snakefile: Path, args: list[str], ckpt_glob: str = "**/checkpoint_last.pt", timeout: float = 900
) -> float:
    """Start snakemake, SIGKILL its process group once a checkpoint appears (under the working
    directory or its private TMPDIR). Returns the path of that checkpoint."""
    cmd = [SNAKEMAKE, "--workflow-profile", "none", "-s", str(snakefile), "--cores", "1", *args]
    env = _env(workdir)
    log = open(workdir / "killed_run.log", "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    found: list[Path] = []
    try:
        while True:
            found = list(workdir.glob(ckpt_glob))  # includes workdir/.tmp (TMPDIR)
            if found:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            if proc.poll() is not None:
                pytest.fail(f"snakemake ended ({proc.returncode}) before any checkpoint: {(workdir / 'killed_run.log').read_text()[-3000:]}")
            if time.monotonic() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail("no checkpoint within the timeout")
            time.sleep(0.05)
        proc.wait(timeout=30)
    finally:
        log.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return found[0]


def resume(workdir: Path, snakefile: Path, args: list[str]) -> subprocess.CompletedProcess:
    """Check the killed job must run again, unlock, rerun with --rerun-incomplete.

    A rule that writes its outputs atomically leaves none behind when killed (Snakemake then
    reports "Missing output files"); one that writes in place leaves outputs Snakemake reports as
    incomplete. Either way the dry-run must schedule the job again.
    """
    dry = _smk(workdir, snakefile, "-n", *args)
    text = dry.stdout + dry.stderr
    low = text.lower()
    assert "incomplete" in low or "missing output files" in low or "output files have to be generated" in low, (
        f"after SIGKILL Snakemake does not schedule the killed job again:\n{text[-3000:]}"
    )
    _ok(_smk(workdir, snakefile, "--unlock", *args), "snakemake --unlock")
    proc = _smk(workdir, snakefile, "--rerun-incomplete", *args)
    _ok(proc, "rerun with --rerun-incomplete")
    return proc


def _assert_same_object(a, b, where: str) -> None:
    """Tensors bit-identical, containers compared element by element, other values with ==."""
    import torch

    if torch.is_tensor(a) or torch.is_tensor(b):
        assert torch.is_tensor(a) and torch.is_tensor(b), f"{where}: tensor vs {type(b).__name__}"
        assert torch.equal(a, b), f"{where}: tensor differs after resume"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: keys differ"
        for k in a:
            _assert_same_object(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: length differs"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_object(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_outputs(a: Path, b: Path, paths: list[str]) -> None:
    """TSVs equal (timing columns dropped) and torch files (state dicts, checkpoints, any nesting
    of tensors) bit-identical under a and b; every file under ``paths`` is compared."""
    import torch

    files = []
    for p in paths:
        pa = a / p
        files += [f.relative_to(a) for f in pa.rglob("*") if f.is_file()] if pa.is_dir() else [Path(p)]
    assert files, f"nothing to compare in {paths}"
    n_compared = 0
    for rel in files:
        fa, fb = a / rel, b / rel
        assert fb.exists(), f"{rel} missing after the resumed run"
        if rel.suffix == ".tsv":
            da, db = pd.read_csv(fa, sep="\t"), pd.read_csv(fb, sep="\t")
            keep = [c for c in da.columns if c.lower() not in TIMING_COLUMNS]
            pd.testing.assert_frame_equal(da[keep], db[keep], check_exact=True, obj=str(rel))
            n_compared += 1
        elif rel.suffix in (".pt", ".pth", ".bin"):
            sa = torch.load(fa, map_location="cpu", weights_only=False)
            sb = torch.load(fb, map_location="cpu", weights_only=False)
            if isinstance(sa, torch.nn.Module):
                sa, sb = sa.state_dict(), sb.state_dict()
            _assert_same_object(sa, sb, str(rel))
            n_compared += 1
    assert n_compared > 0, f"no TSV or torch file among {files}"


def test_kill_resume_tiny_training(tmp_path):
    snakefile = HERE / "fault_tolerance" / "Snakefile"
    args = ["--config", "epochs=5"]
    ref, run = tmp_path / "uninterrupted", tmp_path / "killed"
    ref.mkdir()
    run.mkdir()
    _ok(_smk(ref, snakefile, *args), "uninterrupted run")
    ckpt = kill_during_training(run, snakefile, args)
    assert ckpt == run / "results/tiny/train/checkpoint_last.pt"
    resume(run, snakefile, args)
    log = (run / "logs/train_tiny.log").read_text()
    assert "resuming from" in log, "the rerun restarted training instead of resuming from checkpoint_last.pt"
    assert_same_outputs(ref, run, ["results/tiny/train/history.tsv", "results/tiny/train/model.pt", "results/tiny/predictions.tsv"])


def test_kill_resume_demo_training(demo_results, tmp_path):
    rule = os.environ.get("REGBENCH_FT_RULE", "personal_cnn_train")
    try:
        jobs = parse_dryrun(dryrun_text(SNAKEMAKE, ["--cores", "1", "--workflow-profile", "none", "all"], cwd=ROOT))
    except RuntimeError as e:
        pytest.fail(f"demo dry-run failed: {e}")
    job = next((j for j in jobs if j.rule == rule), None)
    if job is None:
        pytest.skip(f"rule {rule} is not in the demo DAG (set REGBENCH_FT_RULE to another training rule)")
    snakefile = ROOT / "Snakefile"
    ref, run = tmp_path / "uninterrupted", tmp_path / "killed"
    for wd in (ref, run):
        wd.mkdir(parents=True)
        (wd / "config").symlink_to(ROOT / "config")
        for inp in job.inputs:  # the job's inputs from the demo run, mtimes kept
            src, dst = ROOT / inp, wd / inp
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    args = [*job.outputs, "--allowed-rules", rule, "--rerun-triggers", "mtime"]  # targets first
    _ok(_smk(ref, snakefile, *args), f"uninterrupted {rule}")
    ckpt = kill_during_training(run, snakefile, args)
    resume(run, snakefile, args)
    assert_same_outputs(ref, run, job.outputs)
    # resuming (not restarting): the rule keeps its checkpoints in a folder under the working
    # directory that Snakemake does not delete before the rerun (personal_cnn_train: the folder
    # of its declared model.pt, of which only model.pt is removed; train_demo_enformer:
    # params.checkpoints, not a declared output), so the rerun must pick up the killed run's
    # checkpoint_last.pt
    logs = [p.read_text(errors="replace") for p in (run / "logs").rglob("*.log")]
    assert any("resuming from" in t for t in logs), (
        f"{rule}: the rerun restarted instead of resuming from {ckpt.relative_to(run)}")
