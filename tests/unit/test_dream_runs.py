"""train_and_predict with each team recipe as config/paper.yaml sets it (shrunken models, a few
steps): the code paths of the final-model recipes run and write what the rules expect."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from tests.conftest import encoded_yeast_world
from regbench.studies.dream.runs import train_and_predict

torch.set_num_threads(1)
PAPER = yaml.safe_load(open("config/paper.yaml"))["dream"]
SHRINK = {
    "legnet": {"scale": 0.0625},
    "bhi_deepgxp": {"scale": 0.05},
    "unlock_conformer": {"scale": 0.03125, "n_blocks": 1, "num_heads": 2, "num_projectors": 4},
    "dream_attn": {"scale": 0.0625, "core_kw": {"n_blocks": 1, "kernel_size": 7}},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return encoded_yeast_world(tmp_path_factory.mktemp("dream_runs"), seed=3, n_train=400)


@pytest.mark.parametrize("name", list(SHRINK))
def test_paper_recipe_runs(world, tmp_path, name):
    spec = copy.deepcopy(PAPER["models"][name])
    spec["hparams"] = {**spec.get("hparams", {}), **SHRINK[name]}
    # the paper's settings, capped at 2 epochs x 3 steps of 16 (batch size only for CPU time)
    spec["train"].update(max_epochs=2, steps_per_epoch=3, batch_size=16, num_workers=0)
    if name == "unlock_conformer":
        spec["train"]["warmup_steps"] = 2
    if name == "bhi_deepgxp":
        spec["recipe_kw"]["tta_shifts"] = [-1, 0, 1]
    out = tmp_path / name
    m = train_and_predict(name, spec, str(world / "store"), str(world / "plasmid.json"), str(world / "test_subset_ids"),
                          str(world / "filtered_test_data_with_MAUDE_expression.txt"), out, PAPER["holdout_fraction"], 0,
                          str(tmp_path / "pred.tsv"), str(tmp_path / "ho.tsv"), precision=PAPER.get("precision", {}))
    holdout = spec.get("holdout_fraction", PAPER["holdout_fraction"])
    assert m["n_holdout"] == round(400 * holdout) and m["n_train"] + m["n_holdout"] == 400
    if holdout == 0:  # LegNet / BHI final models: every row trains, no validation, last epoch
        assert np.isnan(m["holdout_pearson"])
    else:  # selected on the validation Pearson r, which the history records
        assert np.isfinite(m["holdout_pearson"])
        assert "pearson" in pd.read_csv(out / "history.tsv", sep="\t").columns
    pred = pd.read_csv(tmp_path / "pred.tsv", sep="\t")
    assert len(pred) > 0 and pred["prediction"].notna().all() and pred["prediction"].std() > 0
    if name == "bhi_deepgxp":  # the normal-CDF post-processing of the team
        assert pred["prediction"].between(0, 1).all()
