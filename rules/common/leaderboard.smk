"""Input functions of the leaderboard (issue 10): functions only (snakemake --lint forbids
mixing functions and rules in one file).

Model cards (config `models:`) are validated against config/schemas/model_card.schema.yaml and
qualified per benchmark at parse time by regbench.leaderboard.cards (pure Python, no torch)."""

import os
import types

from regbench.leaderboard.cards import BENCHMARKS, load_cards, qualify
from regbench.leaderboard.page import reference_tables

LB_RES = "results/leaderboard"
LB_CARDS = load_cards(config)
LB_STUDY_CFG = {b: config.get(b, {}) for b in BENCHMARKS}
LB_QUAL = {name: qualify(card, LB_STUDY_CFG) for name, card in LB_CARDS.items()}


def lb_card(wildcards):
    return LB_CARDS[wildcards.lbmodel]


def lb_code(wildcards):
    """The card's own files (model code, checkpoint): a change retrains/re-scores it."""
    card = LB_CARDS[wildcards.lbmodel]
    return [p for p in (card.get("file"), card.get("checkpoint")) if p]


def lb_qualified(name, bench):
    return LB_QUAL[name][bench][0]


def lb_acc_evaluations(name):
    if not lb_qualified(name, "accessibility"):
        return []
    return list(LB_CARDS[name]["benchmarks"]["accessibility"]["evaluations"])


def lb_acc_train_inputs(wildcards):
    from regbench.leaderboard.cards import accessibility_dataset

    card = LB_CARDS[wildcards.lbmodel]
    return {
        "dataset": acc_dataset_path(accessibility_dataset(card, config["accessibility"])),
        "code": lb_code(wildcards),
    }


def lb_acc_eval_inputs(wildcards):
    """The study's evaluation inputs (acc_eval_inputs) with the card's trained model."""
    study = acc_eval_inputs(
        types.SimpleNamespace(
            experiment="leaderboard", model=wildcards.lbmodel, evaluation=wildcards.lbeval
        )
    )
    d = f"{LB_RES}/{wildcards.lbmodel}/accessibility/model"
    return {"model": f"{d}/model.pt", "data": study["data"], "code": lb_code(wildcards)}


def lb_dream_inputs(wildcards):
    inputs = {
        "train": study_input("dream", "train"),
        "plasmid": study_input("dream", "plasmid"),
        "subsets": study_input("dream", "test_subsets"),
        "test_labels": study_input("dream", "test_labels"),
        "code": lb_code(wildcards),
    }
    return inputs


def lb_score_inputs(wildcards):
    name = wildcards.lbmodel
    d = f"{LB_RES}/{name}"
    inputs = {"acc": [f"{d}/accessibility/{e}.tsv" for e in lb_acc_evaluations(name)]}
    if lb_qualified(name, "dream"):
        inputs["dream_predictions"] = f"{d}/dream/predictions.tsv"
        inputs["dream_holdout"] = f"{d}/dream/holdout.tsv"
        inputs["dream_test_labels"] = study_input("dream", "test_labels")
        inputs["dream_subsets"] = study_input("dream", "test_subsets")
        inputs["dream_public_ids"] = study_input("dream", "public_ids")
    return inputs


def lb_score_params(wildcards):
    name = wildcards.lbmodel
    return {"acc_evaluations": lb_acc_evaluations(name), "qualification": LB_QUAL[name]}


def lb_models_regex():
    names = [re.escape(n) for n in LB_CARDS]
    return "|".join(names) if names else "(?!x)x"


def lb_page_inputs():
    """Every card's scores and the study metrics tables that exist now (so the page is rebuilt
    when a study table changes; a study that has not run yet is not forced to run)."""
    return {
        "scores": [f"{LB_RES}/{n}/scores.tsv" for n in LB_CARDS],
        "figures": [f"{LB_RES}/{n}/scores.png" for n in LB_CARDS],
        "references": [str(p) for p in reference_tables("results")],
    }
