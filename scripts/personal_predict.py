"""Adapter: personal predictions of one gene chunk by one model card (the paper's Enformer with its
elastic-net heads, or a user's model; GPU)."""

from regbench.studies.personal.predictions import write_personal_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    write_personal_chunk(dict(smk.params.card), smk.input.genes, smk.input.genome, smk.input.vcf,
                         dict(smk.params.weights), int(smk.wildcards.chunk), smk.output[0], smk.params.cfg,
                         log=log)
