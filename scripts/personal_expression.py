"""Adapter: ROSMAP observed expression (TMM, log2 CPM, covariates) of the paired individuals."""

from regbench.studies.personal.rosmap import build_expression
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    build_expression(inp.counts, inp.id_key, snakemake.params.covariates, inp.samples, out.expression, out.pairs,
                     snakemake.params.cfg, log=log)
