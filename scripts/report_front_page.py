"""Adapter: the report's front page (intro + the published-vs-ours tables of every study)."""

from regbench.reporting import write_front_page
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_front_page(snakemake.params.intro, list(snakemake.input), snakemake.output[0])
