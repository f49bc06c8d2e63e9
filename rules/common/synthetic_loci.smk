"""Input functions and target lists of the synthetic_loci study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""

SL_DIR = "results/synthetic_loci"
SL_PANELS = [
    "activity_scatter",
    "class_correlation",
    "dhs_accessibility",
    "error_before_after",
    "error_per_fold",
    "retained_performance",
]
SL_PANEL_FIGURE = {
    "activity_scatter": "predicted vs measured activity (abstract; Fig. 2-like)",
    "class_correlation": "per-class correlation (abstract)",
    "dhs_accessibility": "per-DHS accessibility along the locus",
    "error_before_after": "MSE before vs after fine-tuning per class",
    "error_per_fold": "held-out MSE per fold (payload-level CV)",
    "retained_performance": "retained performance on other tracks",
}


def sl_cfg():
    return config["synthetic_loci"]


def synthetic_loci_splits(head):
    """Splits of one head configuration: the authors' protocol, plus k folds for cv_heads."""
    cfg = sl_cfg()
    folds = [f"fold{k}" for k in range(cfg.get("n_folds", 4))]
    return ["authors"] + (folds if head in cfg.get("cv_heads", []) else [])


def synthetic_loci_models():
    """(head, split) of every fine-tuned model."""
    return [(h, s) for h in sl_cfg()["heads"] for s in synthetic_loci_splits(h)]


def synthetic_loci_prediction_tables(wildcards=None):
    """Per-window prediction tables of the baseline and of every fine-tuned model."""
    out = [f"{SL_DIR}/predictions/baseline/windows.tsv"]
    out += [f"{SL_DIR}/predictions/{h}/{s}/windows.tsv" for h, s in synthetic_loci_models()]
    return out


def synthetic_loci_peak_tables(wildcards=None):
    out = [f"{SL_DIR}/predictions/baseline/peaks.tsv"]
    out += [f"{SL_DIR}/predictions/{h}/{s}/peaks.tsv" for h, s in synthetic_loci_models()]
    return out


def synthetic_loci_retained_tables(wildcards=None):
    return [f"{SL_DIR}/retained/{h}.tsv" for h in sl_cfg()["heads"]]


def synthetic_loci_enformer_inputs(wildcards=None):
    """The base Enformer: a save_pretrained directory (demo: made by rules/shared.smk; paper: the
    downloaded config.json + pytorch_model.bin)."""
    w = config["enformer"]["weights"]
    if config.get("demo", False):
        return [w]
    return [f"{w}/config.json", f"{w}/pytorch_model.bin"]


def synthetic_loci_head(wildcards):
    h = dict(sl_cfg()["heads"][wildcards.head])
    h.setdefault("dropout", 0.1)
    return h


def synthetic_loci_accessibility_input(wildcards=None):
    a = sl_cfg()["inputs"].get("accessibility", "")
    return [a] if a else []


def synthetic_loci_user_regex():
    """Wildcard constraint: exactly the configured user-provided files."""
    files = sl_cfg().get("user_files", {})
    return "|".join(re.escape(p) for p in files) if files else "(?!x)x"


def synthetic_loci_user_message(wildcards):
    path = wildcards.path
    return sl_cfg()["user_files"].get(path, "")


def synthetic_loci_heads_regex():
    return "|".join(re.escape(h) for h in sl_cfg()["heads"])


def synthetic_loci_targets():
    """Final targets of the study (figures and tables) that `all_synthetic_loci` and `all` build."""
    out = [f"{SL_DIR}/metrics/activity_correlation.tsv", f"{SL_DIR}/metrics/retained_summary.tsv"]
    out += [f"{SL_DIR}/tracks/baseline", f"{SL_DIR}/tracks/finetuned"]
    for p in SL_PANELS:
        out += figure_outputs("synthetic_loci", p)
    return out


register_study_targets("synthetic_loci", synthetic_loci_targets)
