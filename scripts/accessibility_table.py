"""Adapter: one supplementary table as TSV (rules acc_table_*)."""

from regbench.studies.accessibility.collect import write_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_table(snakemake.params.table, list(snakemake.input), snakemake.output[0])
