"""Adapter: train the simple expression CNN on reference genes (GPU)."""

from regbench.studies.personal.cnn import train_cnn
from regbench.workflow import script_run

with script_run(snakemake) as log:
    train_cnn(snakemake.input.genes, snakemake.input.genome, snakemake.input.expression,
              snakemake.output.model, snakemake.output.predictions, snakemake.params.cfg, log=log)
