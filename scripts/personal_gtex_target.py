"""Adapter: GTEx v8 tissue mean expression, the elastic-net target (rule personal_gtex_target)."""

from regbench.studies.personal.elastic_net import gtex_tissue_mean
from regbench.workflow import script_run

with script_run(snakemake) as log:
    gtex_tissue_mean(snakemake.input.tpm, snakemake.input.attributes, snakemake.output[0],
                     tissue=snakemake.params.tissue, log=log)
