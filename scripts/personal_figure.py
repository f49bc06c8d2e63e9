"""Adapter: one panel of the personal study."""

from regbench.studies.personal.figures import make_panel
from regbench.workflow import script_run

with script_run(snakemake) as log:
    make_panel(snakemake.params.panel, list(snakemake.input), snakemake.output.pdf,
               snakemake.output.png, snakemake.params.cfg)
