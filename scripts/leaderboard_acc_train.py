"""Adapter: train a model card's architecture on the accessibility benchmark (rule lb_acc_train)."""

from pathlib import Path

from regbench.leaderboard.scores import train_accessibility
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    train_accessibility(dict(smk.params.card), dict(smk.params.cfg), smk.input.dataset, Path(smk.output.model).parent, log=log)
