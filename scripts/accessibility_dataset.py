"""Adapter: build one GOPHER dataset (rule acc_dataset)."""

from regbench.studies.accessibility.datasets import build_dataset
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    build_dataset(
        dict(snakemake.params.spec), inp.genome, list(inp.bigwigs), list(inp.peaks), inp.blacklist,
        list(snakemake.params.cells), snakemake.output[0], seed=int(snakemake.config.get("seed", 44)),
        exclude_path=inp.get("gaps"), regions_path=inp.get("regions"),
    )
