"""Adapter: personal predictions of a model card's pretrained model (rule lb_personal_predict)."""

from regbench.leaderboard.scores import predict_personal
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    predict_personal(dict(smk.params.card), dict(smk.params.cfg), smk.input.genes, smk.input.genome, smk.input.vcf,
                     smk.output[0], log=log)
