"""Adapter: per-SNV ISM of a model card's pretrained model for one gene chunk (rule lb_personal_ism)."""

from regbench.leaderboard.scores import personal_ism
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = smk.input
    personal_ism(dict(smk.params.card), dict(smk.params.cfg), inp.genes, inp.stats, inp.genotypes, inp.genome,
                 int(smk.wildcards.chunk), smk.output[0], log=log)
