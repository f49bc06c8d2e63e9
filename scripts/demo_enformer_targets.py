"""Adapter: demo Enformer target tables in the Basenji layout (rule demo_enformer_targets)."""

from regbench.data.demo.enformer import write_targets_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_targets_tables(snakemake.output.human, snakemake.output.mouse)
