"""Adapter: draw one figure panel from its metrics tables (rules acc_panel_*)."""

from regbench.studies.accessibility.figures import draw_panel
from regbench.workflow import script_run

with script_run(snakemake) as log:
    draw_panel(snakemake.params.panel, list(snakemake.input), snakemake.output.pdf, snakemake.output.png,
               snakemake.output.table, dict(snakemake.params.cfg))
