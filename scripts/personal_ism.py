"""Adapter: per-SNV ISM and gradient x input for the XAI genes of one chunk (GPU)."""

from regbench.studies.personal.ism import write_ism_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    write_ism_chunk(inp.genes, inp.stats, inp.genotypes, inp.genome, int(snakemake.wildcards.chunk),
                    snakemake.output[0], snakemake.params.cfg, snakemake.params.enformer, log=log)
