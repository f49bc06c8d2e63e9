"""Adapter: elastic-net heads on reference features (published weights and/or fitted here)."""

from regbench.studies.personal.elastic_net import run_elastic_net
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    run_elastic_net(inp.genes, inp.expression, list(inp.reference), inp.targets, snakemake.params.weights,
                    snakemake.output.predictions, snakemake.params.cfg,
                    population_mean=inp.get("population_mean"), published=inp.get("published"), log=log)
