"""The synthetic_loci study's model axis: which pretrained readouts its rules predict and score
(rules synthetic_loci_predict_pretrained / synthetic_loci_model_activity, keyed by ``{model}``).

The paper's model is a built-in model card (:func:`enformer_card`, named :data:`PAPER_MODEL`);
any model card of config ``models:`` that :func:`regbench.leaderboard.cards.qualify` admits for
synthetic_loci is one more model. :func:`regbench.studies.synthetic_loci.predict.load_readout`
loads either.

Standard library only: rules/common/synthetic_loci.smk imports it at parse time.
"""

from __future__ import annotations

#: the paper's model: its predictions (``predictions/enformer/``) are the metrics' ``baseline``
PAPER_MODEL = "enformer"


def enformer_card(enformer: dict, targets, name: str = PAPER_MODEL, head: str = "mouse") -> dict:
    """The paper's model as a built-in model card: the Enformer of ``enformer['weights']`` (loaded
    as the study loads it: :func:`~regbench.studies.synthetic_loci.heads.load_base` with
    ``enformer['use_tf_gamma']``), its ``head`` output tracks named by description in ``targets``
    (the mouse targets table). :func:`~regbench.studies.synthetic_loci.predict.load_readout` reads
    every study track from it."""
    return {"name": name, "enformer": {"weights": str(enformer["weights"]), "use_tf_gamma": enformer.get("use_tf_gamma"),
                                       "head": head, "targets": str(targets)}}
