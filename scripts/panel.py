"""Adapter of every contract panel (rules/panels.smk): draw it and write its data table."""

from regbench.panels import draw_panel
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    out = smk.output
    n = draw_panel(smk.params.draw, dict(smk.input.items()), smk.params.groups, smk.params.cfg, out.pdf, out.png, out.table,
                   smk.params.float_format)
    log.info("%s: %d data rows", smk.rule, n)
