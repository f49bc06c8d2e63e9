"""Adapter: one TSV row per resolved ENCODE file (rule acc_encode_provenance)."""

from regbench.data.encode import provenance_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    provenance_table(list(snakemake.input), snakemake.output[0])
