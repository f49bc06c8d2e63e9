"""Adapter: download one file (rule `download`)."""

from regbench.data.download import download_spec
from regbench.workflow import script_run

with script_run(snakemake) as log:
    download_spec(snakemake.params.spec, snakemake.output[0], log=log)
