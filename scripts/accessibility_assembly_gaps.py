"""Adapter: assembly gaps (N runs) of the genome as a BED (rule acc_assembly_gaps)."""

from regbench.studies.accessibility.datasets import write_assembly_gaps
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_assembly_gaps(snakemake.input[0], snakemake.output[0])
