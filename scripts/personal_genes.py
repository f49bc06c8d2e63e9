"""Adapter: the gene table (TSS, split, chunk) of the personal study."""

from regbench.studies.personal.genes import write_gene_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_gene_table(snakemake.input.gtf, snakemake.input.expression, snakemake.output[0],
                     snakemake.params.cfg, log=log)
