"""Adapter: generate the core demo world (rule `demo_core`)."""

from pathlib import Path

from regbench.data.demo.core import generate_core
from regbench.workflow import script_run

with script_run(snakemake) as log:
    generate_core(
        Path(snakemake.output.genome).parents[1], seed=int(snakemake.params.seed), log=log
    )
