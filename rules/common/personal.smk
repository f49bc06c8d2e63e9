"""Input functions and target lists of the personal study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file).

Genes are split into ``ceil(n_genes / chunk_size)`` chunks fixed at parse time from config, so a
dry-run lists every GPU job without reading any data (the gene table assigns genes to chunks)."""

import math

PERS = config["personal"]
PERS_RES = "results/personal"
PERS_FIG = "results/figures/personal"


def pers_n_chunks():
    n = PERS.get("genes", {}).get("n_genes") or 100000
    return max(1, math.ceil(n / PERS.get("genes", {}).get("chunk_size", 100)))


PERS_CHUNKS = [f"{i:04d}" for i in range(pers_n_chunks())]

# panel -> paper figure label
PERS_PANELS = {
    "fig1b": "Fig. 1B",
    "fig1d": "Fig. 1D",
    "fig1e": "Fig. 1E",
    "fig2a": "Fig. 2A",
    "fig2b": "Fig. 2B",
    "fig2c": "Fig. 2C",
    "fig2d": "Fig. 2D",
    "fig2e": "Fig. 2E",
    "fig2f": "Fig. 2F",
    "ed1a": "Extended Data Fig. 1A",
    "ed1b": "Extended Data Fig. 1B",
    "ed1c": "Extended Data Fig. 1C",
    "ed2a": "Extended Data Fig. 2A",
    "ed2b": "Extended Data Fig. 2B",
    "supp1": "Supplementary Fig. 1",
    "supp4": "Supplementary Fig. 4",
    "supp7": "Supplementary Fig. 7",
}


def pers_panels():
    """Panels built with the current config (optional analyses switch theirs off)."""
    panels = list(PERS_PANELS)
    if not PERS.get("ensemble", {}).get("enabled", False):
        panels.remove("ed1b")
    if "finemapped" not in PERS["inputs"]:
        panels.remove("ed1c")
    if not PERS.get("cnn", {}).get("enabled", True):
        panels.remove("ed2a")
        panels.remove("ed2b")
    return panels


def pers_label(panel):
    return {"figure": PERS_PANELS[panel], "panel": panel}


def pers_chunk_files(pattern):
    return [pattern.format(chunk=c) for c in PERS_CHUNKS]


def pers_enformer_inputs(wildcards=None):
    """The Enformer: a save_pretrained directory built by the workflow (demo, rules/shared.smk), the
    downloaded config.json + pytorch_model.bin (paper), or nothing for a hub name."""
    w = str(config["enformer"]["weights"])
    if w.startswith("results/"):
        return [w]
    if len(Path(w).parts) == 2 and not w.startswith(("resources", "results", ".")):
        return []  # a Hugging Face hub name such as EleutherAI/enformer-official-rough
    return [f"{w}/config.json", f"{w}/pytorch_model.bin"]


def pers_vcf(wildcards=None):
    return {"vcf": PERS["inputs"]["vcf"], "tbi": PERS["inputs"]["vcf"] + ".tbi"}


def pers_elastic_net_inputs(wildcards):
    inputs = {
        "genes": f"{PERS_RES}/genes.tsv",
        "expression": PERS["inputs"]["expression"],
        "reference": pers_chunk_files(f"{PERS_RES}/reference/chunk{{chunk}}.npz"),
        "targets": config["enformer"]["targets_human"],
    }
    if PERS.get("elastic_net", {}).get("source", "sklearn") == "published":
        inputs["published"] = PERS["published_weights"]
    else:
        inputs["population_mean"] = study_input("personal", "population_mean")
    return inputs


def pers_figure_inputs(panel):
    """Tables a panel is drawn from (all under results/personal/)."""
    t = {
        "fig1b": ["reference_predictions.tsv"],
        "supp1": ["reference_predictions.tsv"],
        "fig1d": ["individual_predictions.tsv", "gene_stats.tsv"],
        "fig2b": ["individual_predictions.tsv", "gene_stats.tsv"],
        "fig1e": ["snvs.tsv", "gene_stats.tsv"],
        "fig2d": ["snvs.tsv", "gene_stats.tsv"],
        "fig2a": ["gene_stats.tsv"],
        "ed1a": ["gene_stats.tsv"],
        "ed1b": ["gene_stats.tsv"],
        "ed1c": ["gene_stats.tsv"],
        "fig2c": ["gene_stats.tsv"],
        "supp4": ["gene_stats.tsv"],
        "fig2e": ["driver_support.tsv"],
        "fig2f": ["drivers_backward.tsv"],
        "supp7": ["driver_support.tsv"],
        "ed2a": ["cnn/reference_predictions.tsv"],
        "ed2b": ["cnn/gene_stats.tsv"],
    }[panel]
    return [f"{PERS_RES}/{x}" for x in t]


def personal_targets():
    """Final targets of the study (figures and tables) that `all_personal` and `all` build."""
    targets = []
    for p in pers_panels():
        targets += figure_outputs("personal", p)
    targets += [
        f"{PERS_RES}/summary/significance.tsv",
        f"{PERS_RES}/summary/predixcan.tsv",
        f"{PERS_RES}/summary/drivers.tsv",
    ]
    return targets


register_study_targets("personal", personal_targets)
