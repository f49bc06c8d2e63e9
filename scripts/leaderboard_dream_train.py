"""Adapter: train a model card's architecture on the DREAM data with a team recipe (rule lb_dream_train)."""

from pathlib import Path

from regbench.leaderboard.scores import train_dream
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    train_dream(dict(smk.params.card), dict(smk.params.cfg), smk.input.train, smk.input.plasmid,
                str(Path(smk.input.subsets[0]).parent), smk.input.test_labels, Path(smk.output.model).parent,
                smk.output.predictions, smk.output.holdout, int(smk.params.seed), log=log)
