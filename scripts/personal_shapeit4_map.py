"""Adapter: one chromosome's SHAPEIT4 genetic map from Eagle's hg38 map."""

from regbench.studies.personal.rosmap import eagle_map_for_shapeit4
from regbench.workflow import script_run

with script_run(snakemake) as log:
    n = eagle_map_for_shapeit4(snakemake.input[0], snakemake.wildcards.chrom, snakemake.output[0])
    log.info("chr%s: %d map rows", snakemake.wildcards.chrom, n)
