"""Adapter: PrediXcan predictions from a PredictDB model and their per-gene R."""

from regbench.studies.personal.predixcan import write_predixcan_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_predixcan_table(snakemake.input.db, snakemake.input.vcf, snakemake.input.genes,
                          snakemake.input.expression, snakemake.output[0], snakemake.params.cfg,
                          log=log)
