"""Adapter: ISM of every base around the TSS of the chunk's ISM genes (GPU)."""

from regbench.studies.personal.ism import tss_ism_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    tss_ism_chunk(inp.genes, inp.stats, inp.genome, int(snakemake.wildcards.chunk), out.tsv, out.npz,
                  snakemake.params.cfg, snakemake.params.enformer, log=log)
