"""Adapter: Enformer reference-window features of one gene chunk (GPU)."""

from regbench.studies.personal.predictions import write_reference_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_reference_chunk(snakemake.input.genes, snakemake.input.genome,
                          int(snakemake.wildcards.chunk), snakemake.output[0],
                          snakemake.params.cfg, snakemake.params.enformer, log=log)
