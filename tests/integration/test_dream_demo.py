"""DREAM study on the demo world: every model trains and is scored, the figures render, and the
planted grammar (resources/demo/dream/truth.json, truth_pairs.tsv) is recovered."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from regbench.metrics.correlation import pearson, spearman
from regbench.studies.dream import score
from regbench.studies.dream.data import read_public_ids, read_subsets, read_test_labels

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo" / "dream"
CFG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["dream"]
NAMED = list(CFG["models"])
TEAMS = ["autosome", "bhi", "unlockdna"]
GRID = [f"pf-{a}-{b}-{c}" for a, b, c in itertools.product(TEAMS, repeat=3)]
PANELS = ["subset_performance", "prixfixe_pearson", "prixfixe_spearman", "drosophila", "human"]
#: models whose planted-truth recovery is asserted (the DREAM-CNN and the 1st-place LegNet)
TRUTH_MODELS = ["dream_cnn", "legnet"]

pytestmark = [pytest.mark.slow, pytest.mark.demo]


@pytest.fixture(scope="module")
def dream(demo_results):
    return demo_results / "dream"


def test_every_model_trained_and_scored(dream):
    summary = pd.read_csv(dream / "summary.tsv", sep="\t")
    assert sorted(summary["model"]) == sorted(NAMED + GRID)
    assert np.isfinite(summary[["pearson_score", "spearman_score", "holdout_pearson"]].to_numpy()).all()
    scores = pd.read_csv(dream / "scores.tsv", sep="\t")
    assert (scores.groupby("model").size() == 9).all()
    # the stored scores are what the scorer gives on the stored predictions
    truth = read_test_labels(DEMO / "filtered_test_data_with_MAUDE_expression.txt")
    pred = pd.read_csv(dream / "predictions" / "dream_cnn.tsv", sep="\t")
    res = score(pred, truth, read_subsets(DEMO / "test_subset_ids"), read_public_ids(DEMO / "public_leaderboard_ids"))
    row = summary.set_index("model").loc["dream_cnn"]
    assert res.pearson_score == pytest.approx(row["pearson_score"], rel=1e-4)
    assert len(pred) == len(truth)


def test_figures_and_tables_render(demo_results, dream):
    for panel in PANELS:
        for ext in ("pdf", "png"):
            f = demo_results / "figures" / "dream" / f"{panel}.{ext}"
            assert f.exists() and f.stat().st_size > 1000, f
    grid = pd.read_csv(dream / "prixfixe_grid.tsv", sep="\t")
    assert len(grid) == 27 and set(grid["final"]) == set(TEAMS)
    fly = pd.read_csv(dream / "followups" / "drosophila.tsv", sep="\t")
    assert set(fly["task"]) == {"Dev", "Hk"} and len(fly) == 2 * len(CFG["followups"]["models"])
    human = pd.read_csv(dream / "followups" / "human.tsv", sep="\t")
    assert set(human["cell"]) == {"K562", "HepG2", "WTC11"}
    assert np.isfinite(fly["pearson"]).all() and np.isfinite(human["pearson"]).all()


def _pairs(dream, model, subset):
    pred = pd.read_csv(dream / "predictions" / f"{model}.tsv", sep="\t").set_index("id")["prediction"]
    pairs = pd.read_csv(DEMO / "truth_pairs.tsv", sep="\t")
    pairs = pairs[pairs["subset"] == subset].copy()
    pairs["pred"] = pred.loc[pairs["alt_pos"]].to_numpy() - pred.loc[pairs["ref_pos"]].to_numpy()
    return pairs


@pytest.mark.parametrize("model", TRUTH_MODELS)
def test_models_rank_planted_motif_effects(dream, model):
    truth = json.loads((DEMO / "truth.json").read_text())["motifs"]
    pairs = _pairs(dream, model, "motif_perturbation")
    effect = pairs.groupby("motif")["pred"].mean()
    weights = pd.Series({k: v["weight"] for k, v in truth.items()}).loc[effect.index]
    rho = spearman(effect.to_numpy(), weights.to_numpy())
    print(model, effect.round(3).to_dict(), "rho", rho)
    assert rho >= 0.7
    # activators raise, repressors lower the predicted expression on average
    assert effect[weights > 0].mean() > 0 > effect[weights < 0].mean()


@pytest.mark.parametrize("model", TRUTH_MODELS)
def test_snv_differences_follow_planted_effects(dream, model):
    pairs = _pairs(dream, model, "SNVs")
    r = pearson(pairs["pred"].to_numpy(), pairs["effect"].to_numpy())
    print(model, "SNV r", r)
    assert r > 0.3
