"""Adapter: the accessibility evaluations of a model card's trained model (rule lb_acc_evaluate)."""

from pathlib import Path

from regbench.leaderboard.scores import evaluate_accessibility
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    evaluate_accessibility(dict(smk.params.card), dict(smk.params.cfg), list(smk.params.evaluations),
                           Path(smk.input.model).parent if "model" in dict(smk.input.items()) else None,
                           dict(smk.params.datasets), smk.output.table,
                           extra_out=smk.output.extra, log=log)
