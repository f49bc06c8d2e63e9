"""The DREAM demo generator writes the official layouts with the planted truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from regbench.data.demo.dream import latent, make_drosophila, make_human, make_yeast
from regbench.studies.dream import score
from regbench.studies.dream.data import (
    ADAPTER_3,
    ADAPTER_5,
    is_singleton,
    read_public_ids,
    read_subsets,
    read_test_labels,
    read_training,
    subset_sequences,
)
from regbench.studies.dream.followups import read_drosophila, read_human


def test_yeast_demo_layouts_and_truth(tmp_path):
    truth = make_yeast(tmp_path, seed=3, n_train=400, n_random_test=40, n_designed=8, n_snv=20)
    train = read_training(tmp_path / "train_sequences.txt")
    assert len(train) == 400
    assert train["expression"].between(0, 17).all()
    assert 0.45 < is_singleton(train["expression"]).mean() < 0.8
    assert train["seq"].str.startswith(ADAPTER_5).all() and train["seq"].str.endswith(ADAPTER_3).all()
    assert (train["seq"].str.len() == 110).mean() > 0.7
    # official CSV headers
    assert open(tmp_path / "test_subset_ids" / "all_random_seqs.csv").readline().strip() == ",Unnamed: 0,tag,sequence,pos,exp"
    assert open(tmp_path / "test_subset_ids" / "high_exp_seqs.csv").readline().strip() == ",tag,sequence,pos,exp"
    assert open(tmp_path / "test_subset_ids" / "motif_tiling_seqs.csv").readline().strip() == (
        ",alt_tag,ref_tag,alt_sequence,ref_sequence,alt_pos,ref_pos,alt_exp,ref_exp"
    )
    labels = read_test_labels(tmp_path / "filtered_test_data_with_MAUDE_expression.txt")
    assert len(labels) == truth["n_test"]
    subsets = read_subsets(tmp_path / "test_subset_ids", required=True)
    public = read_public_ids(tmp_path / "public_leaderboard_ids", required=True)
    seqs = subset_sequences(tmp_path / "test_subset_ids")
    assert (labels.set_index("id").loc[seqs["id"], "seq"].to_numpy() == seqs["seq"].to_numpy()).all()
    # the label of every test id follows the planted latent activity
    z = np.array([latent(s[17:-13]) for s in labels["seq"]])
    assert np.corrcoef(z, labels["expression"])[0, 1] > 0.95
    # planted pair effects = latent differences of the two members
    pairs = pd.read_csv(tmp_path / "truth_pairs.tsv", sep="\t")
    zmap = dict(zip(labels["id"], z))
    np.testing.assert_allclose(pairs["effect"], [zmap[a] - zmap[b] for a, b in zip(pairs["alt_pos"], pairs["ref_pos"])], atol=1e-9)
    # the labels score perfectly
    assert score(labels, labels, subsets, public).pearson_score > 0.999
    assert json.loads((tmp_path / "truth.json").read_text())["motifs"]["Reb1"]["weight"] == 2.0


def test_followup_demo_sets(tmp_path):
    make_drosophila(tmp_path, seed=1, n=40)
    make_human(tmp_path, seed=1, n=30, n_folds=10)
    fly = read_drosophila(tmp_path / "drosophila")
    assert len(fly) == 80 and set(fly["set"]) <= {"Train", "Val", "Test"}
    assert (fly["Sequence"].str.len() == 249).all() and fly["rev"].mean() == 0.5
    k562 = read_human(tmp_path / "human_mpra", "K562")
    assert (k562["seq"].str.len() == 230).all() and k562["rev"].mean() == 0.5
    assert set(k562["fold"]) <= set(range(10))
