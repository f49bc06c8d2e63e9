"""The personal study's model axis: which models its rules personal_predict, personal_gene_stats,
personal_ism and personal_drivers predict and score (keyed by ``{model}``, outputs under
:func:`model_dir`).

The paper's model is a built-in model card (:func:`enformer_card`, named :data:`PAPER_MODEL`):
the Enformer with the study's CAGE-brain track and elastic-net heads. Any model card of config
``models:`` that :func:`regbench.leaderboard.cards.qualify` admits for personal is one more
model. :func:`regbench.studies.personal.predictions.load_readout` loads either. The
Enformer-only steps (ensemble, TSS / driver-window ISM, motifs) and every panel read the paper
model's tables (:data:`PAPER_DIR`).

Standard library only: rules/common/personal.smk imports it at parse time.
"""

from __future__ import annotations

#: the study's results folder
PERS_RES = "results/personal"
#: the per-model folders: ``models/<model>/`` (predictions/, gene_stats.tsv, ism/, drivers.tsv, summary/, ...)
MODELS_DIR = f"{PERS_RES}/models"
#: the paper's model
PAPER_MODEL = "enformer"


def model_dir(model: str) -> str:
    """Folder of one model's predictions, gene statistics, ISM and driver tables."""
    return f"{MODELS_DIR}/{model}"


#: the paper model's folder: what the panels, claims and Enformer-only steps read
PAPER_DIR = model_dir(PAPER_MODEL)


def enformer_card(enformer: dict, targets, name: str = PAPER_MODEL) -> dict:
    """The paper's model as a built-in model card: the Enformer of ``enformer['weights']`` (loaded
    as the study loads it, with ``enformer['use_tf_gamma']``), its human output tracks named by
    description in ``targets``; :func:`~regbench.studies.personal.predictions.load_readout` reads
    the study's track (``personal.track``) and TSS bins (``personal.bins``) from it."""
    return {"name": name, "enformer": {"weights": str(enformer["weights"]), "use_tf_gamma": enformer.get("use_tf_gamma"),
                                       "targets": str(targets)}}
