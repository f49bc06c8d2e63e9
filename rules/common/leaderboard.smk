"""Input functions of the leaderboard (issue 10): functions only (snakemake --lint forbids
mixing functions and rules in one file).

Model cards (config `models:`) are validated against config/schemas/model_card.schema.yaml and
qualified per benchmark at parse time by regbench.leaderboard.cards (pure Python, no torch)."""

from regbench.leaderboard.cards import BENCHMARKS, load_cards, qualify
from regbench.leaderboard.tables import ACC_HEADLINE_EVAL, reference_inputs

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


def lb_qualified(name, bench):
    return LB_QUAL[name][bench][0]


def lb_score_inputs(wildcards):
    name = wildcards.lbmodel
    d = f"{LB_RES}/{name}"
    inputs = {}
    if lb_qualified(name, "accessibility"):  # the study's own evaluation of the card (acc_evaluate)
        inputs["acc"] = f"{ACC_RES}/evals/{ACC_CARD_EXPERIMENT}/{name}/evaluations.tsv"
    if lb_qualified(name, "personal"):  # the study's own per-model tables (rules/personal.smk)
        p = pers_model_dir(name)
        inputs["personal_significance"] = f"{p}/summary/significance.tsv"
        inputs["personal_stats"] = f"{p}/gene_stats.tsv"
        inputs["personal_drivers"] = f"{p}/summary/drivers.tsv"
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
    """Every card's scores and figure, and the reference models' study tables (``ref_<role>``,
    regbench.leaderboard.tables.reference_inputs) of the enabled studies: declared inputs, so the
    page is rebuilt when a study table changes and building it builds the studies' tables."""
    acc_tables = []
    if study_enabled("accessibility"):
        for ev in sorted(set(ACC_HEADLINE_EVAL.values())):
            acc_tables += acc_all_collected(ev)
    refs = reference_inputs(config["studies"], acc_tables)
    return {
        "scores": [f"{LB_RES}/{n}/scores.tsv" for n in LB_CARDS],
        "figures": [f"{LB_RES}/{n}/scores.png" for n in LB_CARDS],
        **{f"ref_{role}": path for role, path in refs.items()},
    }


def leaderboard_targets():
    """The leaderboard page and table (part of `all`)."""
    return [f"{LB_RES}/index.html", f"{LB_RES}/leaderboard.tsv"]
