"""Adapter: SNV dosage matrices of one gene chunk."""

from regbench.studies.personal.genotypes import write_chunk_dosages
from regbench.workflow import script_run

with script_run(snakemake) as log:
    write_chunk_dosages(snakemake.input.vcf, snakemake.input.genes, int(snakemake.wildcards.chunk),
                        snakemake.output[0], snakemake.params.cfg, log=log, genome=snakemake.input.genome)
