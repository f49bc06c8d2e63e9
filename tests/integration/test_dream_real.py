"""The dream rules on the real DREAM files in ../shared/data/dream (not the demo world).

A temporary config points the dream inputs at the 6,369 labelled training promoters of the de
Boer repository (demo_train.txt) and the official test-subset / public-leaderboard files;
DREAM-CNN and LegNet (shrunken) train with capped steps through the study's rules (rule
dream_encode streams the table to codes, training batches are encoded per batch), predict every
test-subset sequence keyed by its official test id and report Pearson r on a held-out tenth.
There is no test-label file here, so the rules skip the official score; but the public-leaderboard
JSONs carry the measured expression of the 9,045 public ids, 1,921 of which have a sequence in
the available subset files (all_SNVs_seqs.csv, > 4 MB, is not among them): the test scores the
predictions on those ids with the study's scorer readers.

Thresholds (measured once, seed 42, this configuration; see the constants): a number a working
pipeline reaches and a broken one (mis-keyed predictions, wrong strand or padding, labels not
learned) does not. Chance level of each r is 0 +- 1 / sqrt(n) (n = 637 held out: sd 0.040;
n = 1,921 public ids: sd 0.023); the same predictions with permuted ids stay within 4 sd of 0.
The plasmid is not among the shared files: the test writes one from the real vector sequence
next to the insert (BHI's vector_left, 37 bp) with poly-A upstream, so the first 3 of LegNet's 150
input positions are A (not the real vector).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from regbench.metrics.correlation import pearson
from regbench.studies.dream.data import ADAPTER_3, ADAPTER_5, read_public_labels, read_training, subset_sequences
from regbench.studies.dream.preprocess import BHI_VECTOR_LEFT, BHI_VECTOR_RIGHT

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from conftest import run_snakemake  # noqa: E402

#: measured once (seed 42, this configuration, 2 Dec 2026): model -> (held-out r, public-leaderboard r)
MEASURED = {"dream_cnn": (0.336, 0.470), "legnet": (0.452, 0.575)}
#: minimum held-out r: 6 sd of chance (0.040) and 0.09 below the lower measured value
MIN_HOLDOUT_R = 0.25
#: minimum r on the 1,921 public-leaderboard ids with a sequence: 15 sd of chance (0.023) and
#: 0.12 below the lower measured value
MIN_PUBLIC_R = 0.35
#: permuted ids must look like chance: 4 sd
MAX_PERMUTED_R = 0.10


@pytest.fixture(scope="module")
def real_run(shared_data, tmp_path_factory):
    d = shared_data / "dream"
    tmp_path = tmp_path_factory.mktemp("dream_real")
    plasmid = tmp_path / "plasmid.json"
    plasmid.write_text(json.dumps("A" * 120 + BHI_VECTOR_LEFT + ADAPTER_5 + "N" * 80 + ADAPTER_3 + BHI_VECTOR_RIGHT))
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    train = {"max_epochs": 2, "batch_size": 64, "optimizer": "adamw", "lr": 0.003, "weight_decay": 0.01, "steps_per_epoch": 40}
    cfg["dream"] = {
        "inputs": {
            "train": str(d / "demo_train.txt"),
            "test_labels": "",
            "test_subsets": str(d / "test_subset_ids"),
            "public_ids": str(d / "public_leaderboard_ids"),
            "plasmid": str(plasmid),
        },
        "test_subset_names": ["high", "low", "yeast", "random", "challenging", "motif_perturbation", "motif_tiling"],
        "holdout_fraction": 0.1,
        "models": {
            "dream_cnn": {"arch": "dream_cnn", "recipe": "autosome", "recipe_kw": {"use_rc": False},
                          "hparams": {"scale": 0.1, "init": "torch", "core_kw": {"block_sizes": [16], "resize_factor": 2}},
                          "train": train},
            "legnet": {"arch": "legnet", "recipe": "autosome", "recipe_kw": {"use_rc": False},
                       "hparams": {"scale": 0.0625, "init": "torch"}, "train": {**train, "max_epochs": 5}},
        },
        "prixfixe": {"enabled": False, "train": train},
        "followups": {"enabled": False},
    }
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    run_snakemake("all_dream", "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--configfile", str(cfg_path),
                  timeout=1800)
    return d, tmp_path / "results" / "dream"


@pytest.mark.slow
@pytest.mark.parametrize("model", ["dream_cnn", "legnet"])
def test_dream_rules_on_real_files(real_run, model):
    d, res = real_run
    expected = subset_sequences(d / "test_subset_ids")
    n_rows = len(read_training(d / "demo_train.txt"))
    assert n_rows == 6370  # the file's last line has no newline, so `wc -l` says 6,369
    pred = pd.read_csv(res / "predictions" / f"{model}.tsv", sep="\t")
    assert pred["id"].tolist() == expected["id"].tolist()  # keyed by official test id
    assert pred["prediction"].notna().all()
    ho = pd.read_csv(res / "holdout" / f"{model}.tsv", sep="\t").iloc[0]
    assert ho["n_holdout"] == 637 and ho["n_train"] == n_rows - 637

    labels = read_public_labels(d / "public_leaderboard_ids").set_index("id")["expression"]
    both = pred.set_index("id")["prediction"].reindex(labels.index).dropna()
    r_public = float(pearson(labels.loc[both.index].to_numpy(), both.to_numpy()))
    # mis-keyed predictions (ids permuted) lose the signal
    perm = np.random.default_rng(0).permutation(len(both))
    r_perm = float(pearson(labels.loc[both.index].to_numpy(), both.to_numpy()[perm]))
    print(f"{model}: held-out r = {ho['holdout_pearson']:.3f} (n = {ho['n_holdout']}), public-leaderboard r = "
          f"{r_public:.3f} (n = {len(both)}), ids permuted: {r_perm:.3f}")
    assert len(both) == 1921
    assert ho["holdout_pearson"] > MIN_HOLDOUT_R
    assert r_public > MIN_PUBLIC_R
    assert abs(r_perm) < MAX_PERMUTED_R
