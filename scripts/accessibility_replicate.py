"""Adapter: replicate ceiling, rep1 vs rep2 on the whole test chromosome (rule acc_replicate_ceiling)."""

from regbench.studies.accessibility.evaluate import replicate_ceiling
from regbench.workflow import script_run

with script_run(snakemake) as log:
    replicate_ceiling(snakemake.input.whole, list(snakemake.input.rep2), list(snakemake.params.bins), snakemake.output[0],
                      cells=list(snakemake.params.cells))
