"""Adapter: train one model of an experiment grid (rule acc_train)."""

from pathlib import Path

from regbench.studies.accessibility.experiments import train_model
from regbench.workflow import script_run

with script_run(snakemake) as log:
    train_model(dict(snakemake.params.spec), dict(snakemake.params.cfg), snakemake.input.dataset,
                Path(snakemake.output.model).parent, log=log)
