"""Adapter: ISM around the chunk's main drivers on the reference and variant background (GPU)."""

from regbench.studies.personal.ism import driver_ism_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    driver_ism_chunk(inp.genes, inp.drivers, inp.genome, int(snakemake.wildcards.chunk), snakemake.output[0],
                     snakemake.params.cfg, snakemake.params.enformer, log=log)
