"""Config validation and dry-runs: bad configs fail at start with the schema's message; both
shipped configs dry-run offline (the paper one through the SLURM profile, with no SLURM here)."""

from __future__ import annotations

import copy

import yaml

from .conftest import ROOT, run_snakemake


def _demo_config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _dry_run_with(tmp_path, cfg, *targets):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return run_snakemake(*targets, "-n", "--configfile", str(path), check=False)


def test_demo_config_dry_runs():
    proc = run_snakemake("all", "-n")  # raises on a non-zero exit
    out = proc.stdout + proc.stderr
    assert "This was a dry-run" in out or "Nothing to be done" in out


def test_paper_config_dry_runs_with_slurm_profile():
    proc = run_snakemake("all", "-n", "--workflow-profile", "none", "--profile", "profiles/slurm-gpu")
    out = proc.stdout + proc.stderr
    assert "This was a dry-run" in out
    assert "download" in out, "the real run must start from the download rules"


def test_wrong_type_fails_with_schema_message(tmp_path):
    cfg = _demo_config()
    cfg["seed"] = "forty-two"
    proc = _dry_run_with(tmp_path, cfg)
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert "forty-two" in err and "is not of type 'integer'" in err


def test_unknown_key_fails_with_schema_message(tmp_path):
    cfg = _demo_config()
    cfg["sede"] = 1
    proc = _dry_run_with(tmp_path, cfg)
    assert proc.returncode != 0
    assert "Additional properties are not allowed ('sede' was unexpected)" in proc.stdout + proc.stderr


def test_unknown_study_key_fails(tmp_path):
    cfg = _demo_config()
    cfg["dream"] = copy.deepcopy(cfg["dream"])
    cfg["dream"]["not_a_setting"] = True
    proc = _dry_run_with(tmp_path, cfg)
    assert proc.returncode != 0
    assert "not_a_setting" in proc.stdout + proc.stderr


def test_missing_required_key_fails(tmp_path):
    cfg = _demo_config()
    del cfg["enformer"]
    proc = _dry_run_with(tmp_path, cfg)
    assert proc.returncode != 0
    assert "'enformer' is a required property" in proc.stdout + proc.stderr


def test_missing_input_file_fails_naming_it(tmp_path):
    cfg = _demo_config()
    cfg["accessibility"]["inputs"]["blacklist"] = "resources/nowhere/blacklist.bed.gz"
    proc = _dry_run_with(tmp_path, cfg, "results/accessibility/datasets/coverage.h5", "--forceall")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "MissingInputException" in out and "resources/nowhere/blacklist.bed.gz" in out
