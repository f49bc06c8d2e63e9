"""Adapter: demo CAGI5-like tables (rule demo_accessibility_cagi)."""

from regbench.data.demo.accessibility import generate_demo_cagi
from regbench.workflow import script_run

with script_run(snakemake) as log:
    o = snakemake.output
    truth = generate_demo_cagi(snakemake.input.genome, snakemake.input.sites, snakemake.input.elements,
                               o.release, o.challenge, o.truth, seed=int(snakemake.params.seed),
                               **dict(snakemake.params.opts))
    log.info("demo CAGI: %d variants in %d elements", len(truth), truth["element"].nunique())
