"""Adapter: rows of one evaluation from every model of an experiment (rules acc_collect,
acc_collect_cagi_variants)."""

from regbench.plotting.tables import collect_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:
    collect_tables(list(snakemake.input), snakemake.output[0], where={"evaluation": snakemake.params.get("evaluation")})
