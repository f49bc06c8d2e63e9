"""The synthetic_loci study's figure panels, declared through the panel contract
(:mod:`regbench.panels`): what each panel reads and which config values it uses.

Standard library only: rules/common/synthetic_loci.smk imports it at parse time.
"""

from __future__ import annotations

from collections.abc import Iterable

from regbench.panels import Panel

SL_DIR = "results/synthetic_loci"

#: the metrics tables (rule synthetic_loci_metrics' outputs), one path per name
METRIC_TABLES = {
    "payload_predictions": f"{SL_DIR}/metrics/payload_predictions.tsv",
    "activity": f"{SL_DIR}/metrics/activity_correlation.tsv",
    "accessibility": f"{SL_DIR}/metrics/accessibility_correlation.tsv",
    "dhs": f"{SL_DIR}/metrics/dhs_predictions.tsv",
    "folds": f"{SL_DIR}/metrics/error_per_fold.tsv",
    "retained": f"{SL_DIR}/metrics/retained_summary.tsv",
    "rna": f"{SL_DIR}/metrics/rna_correlation.tsv",
    "rna_payloads": f"{SL_DIR}/metrics/payload_rna.tsv",
    "class_groups": f"{SL_DIR}/metrics/class_groups.tsv",
}

_DRAW = "regbench.studies.synthetic_loci.figures"


def retained_tables(heads: Iterable[str]) -> tuple[str, ...]:
    """Per-head retained-performance tables (rule synthetic_loci_retained), one per head."""
    return tuple(f"{SL_DIR}/retained/{h}.tsv" for h in heads)


def panels(cfg: dict, heads: Iterable[str]) -> list[Panel]:
    """The study's panels for config section ``cfg`` (``synthetic_loci``) and the head
    configurations that run (``heads``). The locus panels draw the first configured track."""
    track = {"track": next(iter(cfg["tracks"]))}
    m = METRIC_TABLES

    def panel(name, figure, tables, config=None):
        return Panel("synthetic_loci", name, figure, tables, f"{_DRAW}:{name}", config or {})

    return [
        panel("activity_scatter", "predicted vs measured activity (abstract; Fig. 2-like)",
              {"payload_predictions": m["payload_predictions"]}),
        panel("class_correlation", "per-class correlation (abstract)", {"activity": m["activity"]}),
        panel("dhs_accessibility", "per-DHS accessibility along the locus", {"dhs": m["dhs"]}, track),
        panel("accessibility_correlation", "predicted vs measured accessibility per DHS (abstract)",
              {"dhs": m["dhs"], "accessibility": m["accessibility"]}, track),
        panel("error_before_after", "MSE before vs after fine-tuning per class", {"activity": m["activity"]}),
        panel("rna_vs_expression", "predicted RNA (mESC CAGE head) vs measured expression (abstract)",
              {"rna_payloads": m["rna_payloads"], "rna": m["rna"]}),
        panel("error_per_fold", "held-out MSE per fold (payload-level CV)", {"folds": m["folds"]}),
        panel("retained_performance", "retained performance on other tracks", {"retained": retained_tables(heads)}),
    ]
