"""The DREAM study's model axis (issue 21): a paper model and a user's model card are trained by
the same function (:func:`regbench.studies.dream.runs.train_and_predict`) and scored by the same
function (:func:`regbench.studies.dream.runs.score_model`), planned by the same rules
(``dream_train``, ``dream_model_score``); a card may not take a paper model's name."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from tests.conftest import encoded_yeast_world, snakemake_exe
from regbench.leaderboard import cards
from regbench.studies.dream.runs import score_all, score_one, train_and_predict
from regbench.studies.dream.specs import card_spec, model_specs
from tests.reference import dream_official_score

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DEMO = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
CARD = {
    "file": str(ROOT / "examples" / "my_model.py"),
    "arch": "tiny_cnn",
    "hparams": {"filters": 4},
    "output": {"bin_size": 32},
    "benchmarks": {"dream": {"mode": "train", "recipe": "bhi", "hparams": {"bin_size": None}}},
}


def _card(name="tiny"):
    return cards.validate_card(name, copy.deepcopy(CARD))


def test_card_named_like_a_paper_model_is_rejected():
    paper = {"dream_cnn": DEMO["dream"]["models"]["dream_cnn"]}
    with pytest.raises(ValueError, match=r"models\.dream_cnn: a model card may not take the name of a DREAM paper model"):
        model_specs(paper, {"dream_cnn": _card("dream_cnn")}, DEMO["dream"])
    specs = model_specs(paper, {"tiny": _card()}, DEMO["dream"])
    assert list(specs) == ["dream_cnn", "tiny"] and specs["dream_cnn"] is paper["dream_cnn"]
    # the card: its architecture + the study's recipe settings (the demo's bhi model's trainer)
    bhi = DEMO["dream"]["models"]["bhi_deepgxp"]
    assert specs["tiny"] == {"arch": "tiny_cnn", "recipe": "bhi", "recipe_kw": bhi["recipe_kw"],
                             "hparams": {"filters": 4, "bin_size": None}, "train": bhi["train"], "file": CARD["file"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return encoded_yeast_world(tmp_path_factory.mktemp("dream_axis"), seed=5, n_train=300)


def _train(world, out, name, spec):
    spec = copy.deepcopy(spec)
    spec["train"].update(max_epochs=1, steps_per_epoch=3, batch_size=16)
    train_and_predict(name, spec, str(world / "store"), str(world / "plasmid.json"), str(world / "test_subset_ids"),
                      str(world / "filtered_test_data_with_MAUDE_expression.txt"), out / "models" / name, 0.1, 0,
                      str(out / f"{name}.pred.tsv"), str(out / f"{name}.holdout.tsv"), precision={})


def test_one_trainer_and_one_scorer_for_a_paper_model_and_a_card(world, tmp_path):
    specs = model_specs({"dream_cnn": DEMO["dream"]["models"]["dream_cnn"]}, {"tiny": _card()}, DEMO["dream"])
    labels = world / "filtered_test_data_with_MAUDE_expression.txt"
    for name, spec in specs.items():
        _train(world, tmp_path, name, spec)
        pred = pd.read_csv(tmp_path / f"{name}.pred.tsv", sep="\t")
        assert len(pred) == len(pd.read_csv(labels, sep="\t", header=None)) and pred["prediction"].std() > 0
        row = score_one(name, tmp_path / f"{name}.pred.tsv", tmp_path / f"{name}.holdout.tsv", labels,
                        world / "test_subset_ids", world / "public_leaderboard_ids", tmp_path / f"{name}.scores.tsv",
                        tmp_path / f"{name}.summary.tsv")
        # independent: the raw files + scipy (tests/reference.py)
        vec = np.full(int(pred["id"].max()) + 1, np.nan)
        vec[pred["id"].to_numpy()] = pred["prediction"].to_numpy()
        want_p, want_s, ref = dream_official_score(vec, labels, world / "test_subset_ids", world / "public_leaderboard_ids")
        t = pd.read_csv(tmp_path / f"{name}.scores.tsv", sep="\t").set_index("subset")
        assert t.loc["all", "pearson"] == pytest.approx(ref.set_index("subset").loc["all", "r"], rel=1e-5)
        if np.isfinite(want_p):
            assert row["pearson_score"] == pytest.approx(want_p, rel=1e-9)
            assert row["spearman_score"] == pytest.approx(want_s, rel=1e-9)
    # the paper model set's table (rule dream_score) holds the same rows as the per-model tables
    score_all({n: str(tmp_path / f"{n}.pred.tsv") for n in specs}, {n: str(tmp_path / f"{n}.holdout.tsv") for n in specs},
              str(labels), str(world / "test_subset_ids"), str(world / "public_leaderboard_ids"),
              str(tmp_path / "all.tsv"), str(tmp_path / "summary.tsv"))
    both = pd.concat([pd.read_csv(tmp_path / f"{n}.summary.tsv", sep="\t") for n in specs], ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.tsv", sep="\t"), both)
    card_run = (tmp_path / "models" / "tiny" / "spec.json").read_text()
    assert '"arch": "tiny_cnn"' in card_run and '"file":' in card_run


def test_a_card_with_a_wrong_output_shape_fails_naming_it(world, tmp_path):
    spec = card_spec(_card(), DEMO["dream"])
    spec["hparams"]["bin_size"] = 10  # profiles (1, 11, 1), not (1, k)
    with pytest.raises(ValueError, match=r"dream model tiny: the bhi recipe needs a model mapping \(1, 110, 4\) to \(1, k\)"):
        _train(world, tmp_path, "tiny", spec)


def test_dry_run_plans_the_card_with_the_paper_models_rules(tmp_path):
    from regbench.dagstats import dryrun_text, parse_dryrun

    cfg = copy.deepcopy(DEMO)
    cfg["models"] = {"pytest_card": copy.deepcopy(CARD)}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    targets = ["results/dream/official/pytest_card/summary.tsv", "results/dream/official/dream_cnn/summary.tsv",
               "results/dream/summary.tsv"]
    text = dryrun_text(snakemake_exe(), ["-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), *targets, "--cores", "1",
                                      "--workflow-profile", "none", "--configfile", str(tmp_path / "config.yaml")], cwd=tmp_path)
    jobs = parse_dryrun(text)
    rule_of = {o: j.rule for j in jobs for o in j.outputs}
    for model in ("pytest_card", "dream_cnn"):
        assert rule_of[f"results/dream/predictions/{model}.tsv"] == "dream_train"
        assert rule_of[f"results/dream/official/{model}/summary.tsv"] == "dream_model_score"
    assert not any(r.startswith("lb_dream") for r in rule_of.values())
    # the paper's table (rule dream_score: the panels' model set) reads the paper's models only
    score_inputs = next(j.inputs for j in jobs if j.rule == "dream_score")
    assert "results/dream/predictions/dream_cnn.tsv" in score_inputs
    assert not any("pytest_card" in i for i in score_inputs)
    # a card named like a paper model: a clear error at parse time
    cfg["models"]["dream_cnn"] = copy.deepcopy(CARD)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    with pytest.raises(RuntimeError, match="may not take the name of a DREAM paper model"):
        dryrun_text(snakemake_exe(), ["-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), targets[1], "--cores", "1",
                                   "--workflow-profile", "none", "--configfile", str(tmp_path / "config.yaml")], cwd=tmp_path)
