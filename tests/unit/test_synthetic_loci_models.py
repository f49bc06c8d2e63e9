"""The synthetic_loci model axis (issue 21): the paper's Enformer (built-in card ``enformer``) and a
user's model card (the demo config's ``demo_enformer``) are predicted and scored by the same rules
(synthetic_loci_predict_pretrained, synthetic_loci_model_activity; one function each: the loader
``load_readout`` + ``run_predict``, ``run_model_activity``), and the leaderboard's per-card scores
read the study's per-model activity table. A dry-run of the demo DAG in an empty directory."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from regbench.dagstats import dryrun_text, parse_dryrun

SL = "results/synthetic_loci"


@pytest.fixture(scope="module")
def jobs(root, tmp_path_factory):
    exe = Path(sys.executable).with_name("snakemake")
    snakemake = str(exe) if exe.exists() else shutil.which("snakemake")
    if snakemake is None:
        pytest.skip("snakemake not installed")
    d = tmp_path_factory.mktemp("sl_models")
    cfg = yaml.safe_load((root / "config" / "config.yaml").read_text())
    card = cfg["models"]["demo_enformer"]
    card["file"] = str(root / card["file"])  # the run's working directory is the temp dir
    cfg["models"] = {"demo_enformer": card}
    (d / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    targets = [f"{SL}/metrics/enformer/activity_correlation.tsv", f"{SL}/metrics/demo_enformer/activity_correlation.tsv",
               "results/leaderboard/demo_enformer/scores.tsv", f"{SL}/metrics/activity_correlation.tsv"]
    text = dryrun_text(snakemake, ["-s", str(root / "Snakefile"), "--directory", str(d), *targets, "--cores", "1",
                                   "--workflow-profile", "none", "--configfile", str(d / "config.yaml")], cwd=d)
    return parse_dryrun(text)


def _by_output(jobs):
    return {o: j for j in jobs for o in j.outputs}


def test_paper_model_and_card_share_the_rules(jobs):
    out = _by_output(jobs)
    for model in ("enformer", "demo_enformer"):
        assert out[f"{SL}/predictions/{model}/windows.tsv"].rule == "synthetic_loci_predict_pretrained"
        assert out[f"{SL}/metrics/{model}/activity_correlation.tsv"].rule == "synthetic_loci_model_activity"
    # the study's metrics read the paper card's predictions as their baseline
    assert f"{SL}/predictions/enformer/windows.tsv" in out[f"{SL}/metrics/activity_correlation.tsv"].inputs
    # the leaderboard reads the study's per-model table; no leaderboard-only synthetic_loci rule
    assert f"{SL}/metrics/demo_enformer/activity_correlation.tsv" in out["results/leaderboard/demo_enformer/scores.tsv"].inputs
    assert not [j.rule for j in jobs if j.rule.startswith("lb_synthetic")]
