"""The accessibility study's figure panels (Toneyan et al. 2022 Figs. 2-6, Extended Data 1-6,
Supp. Figs. 1-2), declared through the panel contract (:mod:`regbench.panels`): the collected
metrics tables each panel reads, by evaluation name, and the only config values it uses. Draw
functions: :mod:`.figures`; the long table they draw from: :func:`.collect.long_table`.

Every table a panel reads is a collected evaluation table,
``results/accessibility/<experiment>/<evaluation>.tsv`` (:func:`collected_table`; rule
acc_collect), one per experiment that runs the evaluation. A panel declares one group per
evaluation, keyed by experiment (file stems repeat across experiments), e.g.
``{"gia": {"binary": ".../binary/gia.tsv", "new_models": ".../new_models/gia.tsv"}}``.

Standard library only: rules/common/accessibility.smk imports it at parse time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from regbench.panels import Panel, config_subset

ACC_RES = "results/accessibility"
_DRAW = "regbench.studies.accessibility.figures"

#: panel -> the paper figure it reproduces (the report's label)
FIGURES = {
    "2a": "Fig. 2a", "2b": "Fig. 2b", "2c": "Fig. 2c", "2d": "Fig. 2d", "2e": "Fig. 2e", "3b": "Fig. 3b",
    "4b": "Fig. 4b", "5a": "Fig. 5a", "5b": "Fig. 5b", "5c": "Fig. 5c", "6a": "Fig. 6a", "6b": "Fig. 6b",
    "6c": "Fig. 6c",
    "ED1a": "Extended Data ED1a", "ED1b": "Extended Data ED1b", "ED2": "Extended Data ED2",
    "ED3": "Extended Data ED3", "ED4": "Extended Data ED4", "ED5": "Extended Data ED5", "ED6": "Extended Data ED6",
    "SF1": "Supplementary Fig. 1", "SF2": "Supplementary Fig. 2",
}

# the config values the panels read (figures.py, collect.figure_options); an unset one keeps the
# draw function's default
_GIA = ("evaluation.gia.cell", "evaluation.gia.motif_pairs")
_CONFIG = {
    "2a": ("panels.tracks_cell",),
    "2e": ("panels.test_threshold_bins",),
    "3b": ("panels.robustness_bin",),
    "5a": ("panels.cagi_example_model", "panels.cagi_example_element", "reference_model"),
    "6a": ("panels.gia_hue_motif", "panels.gia_marker", "reference_model", "jaspar.release", *_GIA),
    "6b": ("panels.gia_distance_plot_window", "reference_model", *_GIA),
    "6c": ("reference_model", *_GIA),
    "ED4": ("evaluation.gia.cell",),
    "ED5": ("panels.gia_distance_plot_window", *_GIA),
    "ED6": _GIA,
    "SF2": ("reference_model",),
}

#: panel -> the evaluations it reads: (evaluation, experiments) with experiments "all" (every
#: experiment that runs it, config order), "example" (the experiment of the 5a model) or one
#: experiment's name
_READS = {
    "2a": [("tracks", "loss_resolution")],
    "2b": [("whole", "loss_resolution")],
    "2c": [("whole", "loss_resolution")],
    "2d": [("whole", "threshold")],
    "2e": [("whole", "loss_resolution")],
    "3b": [("robustness", "augmentation")],
    "4b": [("binary", "all")],
    "5a": [("cagi_variants", "example"), ("cagi", "example")],
    "5b": [("cagi", "all"), ("whole", "all"), ("binary", "all")],
    "5c": [("cagi", "all"), ("whole", "all"), ("binary", "all")],
    "6a": [("gia", "all")],
    "6b": [("gia", "all")],
    "6c": [("gia", "all")],
    "ED1a": [("whole", "loss_resolution")],
    "ED1b": [("whole", "loss_resolution")],
    "ED2": [("whole", "loss_resolution")],
    "ED3": [("binary", "all")],
    "ED4": [("gia", "all")],
    "ED5": [("gia", "all")],
    "ED6": [("gia", "all")],
    "SF1": [("history", "all"), ("whole", "all")],
    "SF2": [("occlusion", "all")],
}


def _config(name: str, cfg: dict) -> dict:
    """The config subset panel ``name`` reads: :data:`_CONFIG`'s values; SF1 the hyper-parameters
    of every architecture (collect.sweep_table labels the sweep's members with them)."""
    if name == "SF1":
        return {"architectures": {a: {"hparams": spec["hparams"]} for a, spec in cfg.get("architectures", {}).items()
                                  if "hparams" in spec}}
    return config_subset(cfg, *_CONFIG.get(name, ()))


def collected_table(experiment: str, evaluation: str) -> str:
    """One evaluation's rows of every model of an experiment (rule acc_collect; ``cagi_variants``:
    acc_collect_cagi_variants)."""
    return f"{ACC_RES}/{experiment}/{evaluation}.tsv"


def panels(cfg: dict, collected: Mapping[str, list[str]], example_experiment: str,
           runtime: Callable[[str], int]) -> list[Panel]:
    """The panels for config section ``cfg`` (``accessibility``). ``collected``: evaluation ->
    the experiments with a collected table of it (config order; ``cagi_variants`` as ``cagi``);
    ``example_experiment``: the experiment of the 5a model (``panels.cagi_example_model``);
    ``runtime``: panel -> minutes requested per attempt. A panel reads the groups of its
    evaluations that have tables; one with none is not built (the configuration runs none of
    its evaluations). Data tables keep full float precision."""
    out = []
    for name, reads in _READS.items():
        tables = {}
        for evaluation, which in reads:
            have = collected.get("cagi" if evaluation == "cagi_variants" else evaluation, [])
            exps = {"all": have, "example": [example_experiment]}.get(which, [which])
            group = {e: collected_table(e, evaluation) for e in exps if e in have}
            if group:
                tables[evaluation] = group
        if tables:
            out.append(Panel("accessibility", name, FIGURES[name], tables, f"{_DRAW}:panel_{name}",
                             _config(name, cfg), rule=f"acc_panel_{name}",
                             float_format=None, runtime=runtime(name)))
    return out
