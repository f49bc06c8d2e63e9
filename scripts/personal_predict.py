"""Adapter: Enformer personal predictions of one gene chunk (GPU)."""

from regbench.studies.personal.predictions import write_personal_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_personal_chunk(snakemake.input.genes, snakemake.input.genome, snakemake.input.vcf,
                         snakemake.params.weights, int(snakemake.wildcards.chunk),
                         snakemake.output[0], snakemake.params.cfg, snakemake.params.enformer,
                         log=log)
