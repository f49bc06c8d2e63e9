"""Adapter: the gene tables (TSS, example genes, split, chunks) of the personal study."""

from regbench.studies.personal.genes import write_gene_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    write_gene_table(inp.gtf, inp.expression, snakemake.output.genes, snakemake.params.cfg, log=log,
                     out_reference=snakemake.output.reference, regions=inp.get("regions"))
