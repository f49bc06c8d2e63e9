"""Rule dream_followup_table: one follow-up's per-model tables in one table."""

from regbench.plotting.tables import collect_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    t = collect_tables(snakemake.input.tables, snakemake.output.table, float_format="%.6g", skip_empty=False)  # noqa: F821
    log.info("%s: %d rows", snakemake.wildcards.followup, len(t))  # noqa: F821
