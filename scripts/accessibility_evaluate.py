"""Adapter: the evaluations of one trained model (rule acc_evaluate on the GPU; rule acc_tomtom,
the CPU evaluations, with params.device "cpu")."""

from pathlib import Path

from regbench.studies.accessibility.evaluate import run_evaluations
from regbench.workflow import script_run

with script_run(snakemake) as log:
    run_evaluations(list(snakemake.params.evaluations), dict(snakemake.params.spec), dict(snakemake.params.cfg),
                    Path(snakemake.input.model).parent, dict(snakemake.params.datasets),
                    snakemake.output.table, extra_out=snakemake.output.get("extra"),
                    hits_out=snakemake.output.get("tomtom_hits"), device=snakemake.params.get("device"), log=log)
