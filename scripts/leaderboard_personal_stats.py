"""Adapter: per-gene R and significance of a model card's personal predictions (rule lb_personal_stats)."""

from pathlib import Path

from regbench.leaderboard.scores import personal_stats
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    personal_stats(dict(smk.params.cfg), smk.input.genes, smk.input.predictions, list(smk.input.genotypes),
                   smk.input.expression, smk.input.predixcan, Path(smk.output.stats).parent,
                   finemapped=smk.input.finemapped or None, log=log)
