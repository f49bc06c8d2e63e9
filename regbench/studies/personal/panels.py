"""The personal study's figure panels (Sasse et al. 2023 Figs. 1-2, Extended Data 1-2, Supp. Figs.
1-12), declared through the panel contract (:mod:`regbench.panels`): the tables each panel reads,
by name, and the only config values it uses. Draw functions: :mod:`.figures`.

Standard library only: rules/common/personal.smk imports it at parse time.
"""

from __future__ import annotations

from regbench.panels import Panel
from regbench.panels import config_subset as _pick  # the config values a panel reads
from regbench.studies.personal.models import PAPER_DIR, PERS_RES

#: panel -> the paper figure it reproduces
FIGURES = {
    "fig1b": "Fig. 1B", "fig1d": "Fig. 1D", "fig1e": "Fig. 1E",
    "fig2a": "Fig. 2A", "fig2b": "Fig. 2B", "fig2c": "Fig. 2C", "fig2d": "Fig. 2D", "fig2e": "Fig. 2E",
    "fig2f": "Fig. 2F", "fig2g": "Fig. 2G",
    "ed1a": "Extended Data Fig. 1A", "ed1b": "Extended Data Fig. 1B", "ed1c": "Extended Data Fig. 1C",
    "ed2a": "Extended Data Fig. 2A", "ed2b": "Extended Data Fig. 2B",
    **{f"supp{i}": f"Supplementary Fig. {i}" for i in range(1, 13)},
}

_DRAW = "regbench.studies.personal.figures"


def enabled(cfg: dict) -> list[str]:
    """Panels the configuration builds (optional analyses switch theirs off)."""
    off = set()
    if not cfg.get("ensemble", {}).get("enabled", False):
        off.add("ed1b")
    if "finemapped" not in cfg.get("inputs", {}):
        off.add("ed1c")
    if not cfg.get("cnn", {}).get("enabled", True):
        off |= {"ed2a", "ed2b"}
    return [p for p in FIGURES if p not in off]


def panels(cfg: dict, ism_chunks: list[str], driver_ism_chunks: list[str]) -> list[Panel]:
    """The enabled panels for config section ``cfg`` (``personal``); ``ism_chunks`` /
    ``driver_ism_chunks``: the per-chunk attribution archives (``.npz``) of the personal gene set.
    Every panel shows the paper's model: the per-model tables are the ``enformer`` model's
    (:data:`~regbench.studies.personal.models.PAPER_DIR`)."""
    r, m = PERS_RES, PAPER_DIR
    t = {
        "reference_predictions": f"{r}/reference_predictions.tsv",
        "individual_predictions": f"{m}/individual_predictions.tsv",
        "gene_stats": f"{m}/gene_stats.tsv",
        "snvs": f"{m}/snvs.tsv",
        "driver_support": f"{m}/driver_support.tsv",
        "drivers_backward": f"{m}/drivers_backward.tsv",
        "drivers": f"{m}/drivers.tsv",
        "example_genotypes": f"{m}/example_genotypes.tsv",
        "kmer_clusters": f"{r}/motifs/kmer_clusters.tsv",
        "driver_windows": f"{r}/motifs/driver_windows.tsv",
        "ism": tuple(ism_chunks),
        "driver_ism": tuple(driver_ism_chunks),
    }

    def use(*names):
        return {n: t[n] for n in names}

    distance = ("figures.driver_distance_limit", "figures.driver_distance_bin", "figures.driver_distance_zoom")
    spec = {  # panel: (draw function, tables, config subset)
        "fig1b": ("reference_vs_mean", use("reference_predictions"), {}),
        "supp1": ("reference_vs_mean", use("reference_predictions"), {}),
        "fig1d": ("example_individuals", use("individual_predictions", "gene_stats"), {}),
        "fig2b": ("example_individuals", use("individual_predictions", "gene_stats"), {}),
        "fig1e": ("example_snv_ism", use("snvs", "gene_stats"), {}),
        "fig2d": ("example_snv_ism", use("snvs", "gene_stats"), _pick(cfg, "figures.eqtl_min_frequency")),
        "fig2a": ("volcano", use("gene_stats"), {}),
        "fig2c": ("predixcan_comparison", use("gene_stats"), {}),
        "supp4": ("predixcan_comparison", use("gene_stats"), {}),
        "fig2e": ("driver_support", use("driver_support"), {}),
        "fig2f": ("driver_distance_backward", use("drivers_backward"), _pick(cfg, *distance)),
        "fig2g": ("attribution_track", use("gene_stats", "snvs", "ism"), _pick(cfg, "window_bp")),
        "supp7": ("drivers_per_gene", use("driver_support"), {}),
        "ed1a": ("single_track_vs_other", {"stats": t["gene_stats"]}, {}),
        "ed1b": ("single_track_vs_other", {"stats": f"{r}/ensemble_stats.tsv"}, {}),
        "ed1c": ("finemapped", use("gene_stats"), {}),
        "ed2a": ("cnn_test_genes", {"reference_predictions": f"{r}/cnn/reference_predictions.tsv"}, {}),
        "ed2b": ("volcano", {"gene_stats": f"{r}/cnn/gene_stats.tsv"}, {}),
        "supp2": ("example_genotypes", use("example_genotypes", "gene_stats"), _pick(cfg, "figures.genotype_min_frequency")),
        "supp3": ("driver_window_ism", use("drivers", "gene_stats", "driver_ism"), {}),
        "supp5": ("linear_approximation", use("driver_support"), {}),
        "supp6": ("ism_vs_gradient", use("snvs"), {}),
        "supp8": ("kmer_clusters", use("kmer_clusters"), {}),
        "supp9": ("driver_distance_forward", use("drivers"), _pick(cfg, "xai.abs_r_min", "window_bp", "figures.driver_distance_bin")),
        "supp10": ("driver_distance_forward", use("drivers"), _pick(cfg, "xai.abs_r_min", "window_bp", "figures.driver_distance_bin")),
        "supp11": ("motif_windows", use("driver_windows"), {}),
        "supp12": ("gradient_clusters", use("ism"), _pick(cfg, "figures.gradient_clusters", "window_bp")),
    }
    out = []
    for name in enabled(cfg):
        fn, tables, sub = spec[name]
        # "panel" selects the variant of a draw function that serves two panels, and the example
        # gene's role (figures.EXAMPLE_ROLE)
        out.append(Panel("personal", name, FIGURES[name], tables, f"{_DRAW}:{fn}", {"panel": name, **sub}))
    return out
