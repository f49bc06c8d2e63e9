"""Adapter: CAGI5 tables -> ref/alt windows (rule acc_cagi_variants)."""

from regbench.studies.accessibility.cagi import write_variant_windows
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_variant_windows(list(snakemake.input.tables), snakemake.input.genome, snakemake.output.npz,
                          snakemake.output.table, int(snakemake.params.context), log=log)
