"""Adapter: genes with SuSiE fine-mapped eQTLs from Supplementary Table 1 (ED Fig. 1C)."""

from regbench.studies.personal.elastic_net import finemapped_from_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    df = finemapped_from_table(snakemake.input[0], snakemake.params.column, snakemake.output[0])
    log.info("%d genes with %s", len(df), snakemake.params.column)
