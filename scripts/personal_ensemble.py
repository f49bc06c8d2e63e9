"""Adapter: ensembled personal predictions of one chunk (ED Fig. 1B, GPU)."""

from regbench.studies.personal.predictions import write_ensemble_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    write_ensemble_chunk(inp.genes, inp.stats, inp.genome, inp.vcf, int(snakemake.wildcards.chunk),
                         snakemake.output[0], snakemake.params.cfg, snakemake.params.enformer, log=log)
