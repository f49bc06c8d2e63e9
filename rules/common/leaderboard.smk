"""Input functions of the leaderboard (issue 10): functions only (snakemake --lint forbids
mixing functions and rules in one file).

Model cards (config `models:`) are validated against config/schemas/model_card.schema.yaml and
qualified per benchmark at parse time by regbench.leaderboard.cards (pure Python, no torch)."""

import os

from regbench.leaderboard.cards import BENCHMARKS, load_cards, qualify
from regbench.leaderboard.tables import reference_tables

LB_RES = "results/leaderboard"
LB_CARDS = load_cards(config)
LB_STUDY_CFG = {b: config.get(b, {}) for b in BENCHMARKS}
LB_QUAL = {name: qualify(card, LB_STUDY_CFG) for name, card in LB_CARDS.items()}


def lb_card(wildcards):
    return LB_CARDS[wildcards.lbmodel]


def lb_card_files(name):
    """A card's own files (model code, checkpoint, inputs): a change retrains / re-scores it."""
    card = LB_CARDS[name]
    return [p for p in (card.get("file"), card.get("checkpoint"), *card.get("inputs", [])) if p]


def lb_code(wildcards):
    return lb_card_files(wildcards.lbmodel)


def lb_qualified(name, bench):
    return LB_QUAL[name][bench][0]


def lb_personal_predict_inputs(wildcards):
    return {
        **pers_vcf(),
        "genes": f"{PERS_RES}/genes.tsv",
        "genome": PERS["inputs"]["genome"],
        "code": lb_code(wildcards),
    }


def lb_personal_stats_inputs(wildcards):
    """The study's gene table, genotypes, expression and PrediXcan table with the card's
    predictions (what personal_gene_stats reads for the Enformer)."""
    return {
        "genes": f"{PERS_RES}/genes.tsv",
        "predictions": f"{LB_RES}/{wildcards.lbmodel}/personal/predictions.tsv",
        "genotypes": pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        "expression": PERS["inputs"]["expression"],
        "predixcan": f"{PERS_RES}/predixcan.tsv",
        "finemapped": PERS["inputs"].get("finemapped", []),
    }


def lb_personal_ism_inputs(wildcards):
    """The study's gene table, genotypes and genome with the card's gene statistics (its XAI genes)."""
    return {
        "genes": f"{PERS_RES}/genes.tsv",
        "stats": f"{LB_RES}/{wildcards.lbmodel}/personal/gene_stats.tsv",
        "genotypes": f"{PERS_RES}/genotypes/chunk{wildcards.chunk}.npz",
        "genome": PERS["inputs"]["genome"],
        "code": lb_code(wildcards),
    }


def lb_personal_drivers_inputs(wildcards):
    """What personal_drivers reads for the Enformer, with the card's statistics, ISM and predictions."""
    d = f"{LB_RES}/{wildcards.lbmodel}/personal"
    return {
        "stats": f"{d}/gene_stats.tsv",
        "ism": pers_chunk_files(f"{d}/ism/chunk{{chunk}}.tsv"),
        "genotypes": pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        "predictions": f"{d}/predictions.tsv",
        "expression": PERS["inputs"]["expression"],
    }


def lb_score_inputs(wildcards):
    name = wildcards.lbmodel
    d = f"{LB_RES}/{name}"
    inputs = {}
    if lb_qualified(name, "accessibility"):  # the study's own evaluation of the card (acc_evaluate)
        inputs["acc"] = f"{ACC_RES}/evals/{ACC_CARD_EXPERIMENT}/{name}/evaluations.tsv"
    if lb_qualified(name, "personal"):
        inputs["personal_significance"] = f"{d}/personal/significance.tsv"
        inputs["personal_stats"] = f"{d}/personal/gene_stats.tsv"
        inputs["personal_drivers"] = f"{d}/personal/summary_drivers.tsv"
    if lb_qualified(name, "synthetic_loci"):
        inputs["synthetic_activity"] = f"{SL_DIR}/metrics/{name}/activity_correlation.tsv"
    if lb_qualified(name, "dream"):  # the study's own per-model score (rule dream_model_score)
        inputs["dream_scores"] = f"results/dream/official/{name}/scores.tsv"
        inputs["dream_summary"] = f"results/dream/official/{name}/summary.tsv"
    return inputs


def lb_models_regex():
    names = [re.escape(n) for n in LB_CARDS]
    return "|".join(names) if names else "(?!x)x"


def lb_page_inputs():
    """Every card's scores and figure."""
    return {
        "scores": [f"{LB_RES}/{n}/scores.tsv" for n in LB_CARDS],
        "figures": [f"{LB_RES}/{n}/scores.png" for n in LB_CARDS],
    }


def lb_reference_stamp():
    """The study metrics tables that exist now, with their modification times. A parameter, not
    an input: the page is rebuilt when a study table changes (params rerun trigger), but building
    the leaderboard never forces a study job to (re)run - it shows the studies as run so far."""
    return {str(p): int(os.stat(p).st_mtime) for p in reference_tables("results")}
