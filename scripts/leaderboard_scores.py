"""Adapter: the per-model scores table and figure of a model card (rule lb_scores)."""

from regbench.leaderboard.scores import collect_scores
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    extra = dict(smk.params.extra)
    dream = None
    if "dream_predictions" in smk.input.keys():
        dream = {"predictions": smk.input.dream_predictions, "holdout": smk.input.dream_holdout,
                 "test_labels": smk.input.dream_test_labels, "subsets": smk.input.dream_subsets,
                 "public_ids": smk.input.dream_public_ids, "discard_public": bool(smk.params.discard_public)}
    collect_scores(dict(smk.params.card), dict(smk.params.studies), smk.output.scores,
                   acc_evals=dict(zip(extra["acc_evaluations"], smk.input.acc)), dream=dream,
                   figure=(smk.output.pdf, smk.output.png))
