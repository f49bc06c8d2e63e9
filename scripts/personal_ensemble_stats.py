"""Adapter: per-gene R of the ensembled predictions next to the single-pass R (ED Fig. 1B)."""

from regbench.studies.personal.predictions import ensemble_stats
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    df = ensemble_stats(inp.stats, list(inp.ensemble), inp.expression, snakemake.output[0])
    log.info("ensemble: %d genes", len(df))
