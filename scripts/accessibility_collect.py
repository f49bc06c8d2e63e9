"""Adapter: concatenate per-model evaluation tables (rules acc_collect, acc_collect_cagi_variants)."""

from regbench.studies.accessibility.figures import concat_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:
    concat_tables(list(snakemake.input), snakemake.output[0])
