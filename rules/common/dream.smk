"""Input functions and target lists of the dream study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""

import itertools

from regbench.studies.dream.data import SUBSETS as DREAM_SUBSETS


def dream_cfg(key, default=None):
    return config["dream"].get(key, default)


def dream_grid_specs():
    """pf-<first>-<core>-<final> -> model spec, from config dream.prixfixe."""
    pf = dream_cfg("prixfixe", {})
    if not pf.get("enabled", True):
        return {}
    kw = pf.get("block_kw", {})
    specs = {}
    for first, core, final in itertools.product(pf["first"], pf["core"], pf["final"]):
        hparams = {
            "first": first,
            "core": core,
            "final": final,
            "first_channels": pf["first_channels"],
            "core_channels": pf["core_channels"],
            "first_kw": kw.get("first", {}).get(first, {}),
            "core_kw": kw.get("core", {}).get(core, {}),
            "final_kw": kw.get("final", {}).get(final, {}),
        }
        specs[f"pf-{first}-{core}-{final}"] = {
            "arch": "dream_prixfixe",
            "recipe": pf.get("recipe", "autosome"),
            "recipe_kw": pf.get("recipe_kw", {}),
            "hparams": hparams,
            "train": pf["train"],
        }
    return specs


def dream_model_specs():
    """Every yeast model: the named models of config dream.models + the Prix Fixe grid."""
    return {**dream_cfg("models", {}), **dream_grid_specs()}


DREAM_MODELS = dream_model_specs()
DREAM_NAMED = list(dream_cfg("models", {}))
DREAM_FOLLOWUP = dream_cfg("followups", {})
DREAM_FMODELS = (
    list(DREAM_FOLLOWUP.get("models", {})) if DREAM_FOLLOWUP.get("enabled", True) else []
)
DREAM_HAS_LABELS = bool(config["dream"]["inputs"].get("test_labels"))


def dream_spec(wildcards):
    return DREAM_MODELS[wildcards.model]


def dream_fspec(wildcards):
    spec = dict(DREAM_FOLLOWUP["models"][wildcards.fmodel])
    spec["train"] = {**DREAM_FOLLOWUP.get("train", {}), **spec.get("train", {})}
    return spec


def dream_subset_names():
    """Test subsets the inputs hold (config dream.test_subset_names; default all eight)."""
    return dream_cfg("test_subset_names", list(DREAM_SUBSETS))


def dream_subset_files(directory=None):
    d = directory or study_input("dream", "test_subsets")
    return [f"{d}/{DREAM_SUBSETS[n][0]}" for n in dream_subset_names()]


def dream_public_files(directory=None):
    d = directory or study_input("dream", "public_ids")
    return [f"{d}/{DREAM_SUBSETS[n][1]}" for n in dream_subset_names()]


def dream_train_inputs(wildcards):
    inputs = {
        "train": study_input("dream", "train"),
        "plasmid": study_input("dream", "plasmid"),
        "subsets": dream_subset_files(),
    }
    if DREAM_HAS_LABELS:
        inputs["test_labels"] = study_input("dream", "test_labels")
    return inputs


def dream_targets():
    targets = expand("results/dream/predictions/{model}.tsv", model=DREAM_MODELS)
    targets += expand("results/dream/holdout/{model}.tsv", model=DREAM_MODELS)
    if DREAM_HAS_LABELS:
        targets += ["results/dream/scores.tsv", "results/dream/summary.tsv"]
        targets += figure_outputs("dream", "subset_performance")
        if dream_grid_specs():
            targets += ["results/dream/prixfixe_grid.tsv"]
            targets += figure_outputs("dream", "prixfixe_pearson")
            targets += figure_outputs("dream", "prixfixe_spearman")
    if DREAM_FMODELS:
        if DREAM_FOLLOWUP.get("drosophila", True):
            targets += figure_outputs("dream", "drosophila")
        if DREAM_FOLLOWUP.get("human_cells"):
            targets += figure_outputs("dream", "human")
    return targets


register_study_targets("dream", dream_targets)


def dream_drosophila_input(wildcards):
    return study_input("dream", "drosophila")


def dream_human_input(wildcards):
    return study_input("dream", "human")
