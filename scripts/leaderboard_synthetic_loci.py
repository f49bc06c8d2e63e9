"""Adapter: payload predictions and activity metrics of a model card's pretrained model (rule lb_synthetic_loci)."""

from regbench.leaderboard.scores import synthetic_loci_benchmark
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    synthetic_loci_benchmark(dict(smk.params.card), dict(smk.params.cfg), smk.input.payloads, dict(smk.output.items()),
                             log=log)
