"""Rule dream_prixfixe_grid: the Prix Fixe grid table from the summary's pf-* rows."""

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream.figures import prixfixe_grid

    g = prixfixe_grid(snakemake.input.summary, snakemake.output.grid)  # noqa: F821
    log.info("Prix Fixe grid: %d combinations", len(g))
