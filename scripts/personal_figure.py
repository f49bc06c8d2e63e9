"""Adapter: one panel of the personal study and its data table."""

from regbench.studies.personal.figures import make_panel
from regbench.workflow import script_run

with script_run(snakemake) as log:
    out = snakemake.output
    data = make_panel(snakemake.params.panel, list(snakemake.input), out.pdf, out.png, snakemake.params.cfg,
                      data_tsv=out.data)
    log.info("%s: %d data rows", snakemake.params.panel, len(data))
