"""Adapter: rows of one evaluation from every model of an experiment (rules acc_collect,
acc_collect_cagi_variants)."""

from regbench.studies.accessibility.figures import concat_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:
    concat_tables(list(snakemake.input), snakemake.output[0], evaluation=snakemake.params.get("evaluation"))
