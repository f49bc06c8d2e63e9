"""Adapter: per-gene R, gene-specific null, t/BH significance, PrediXcan comparison."""

from regbench.studies.personal.significance import build_gene_stats
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    build_gene_stats(inp.genes, list(inp.predictions), list(inp.genotypes), inp.expression,
                     inp.predixcan, out.stats, out.individual, out.significance, out.predixcan,
                     snakemake.params.cfg, finemapped=inp.finemapped or None, log=log,
                     out_example_genotypes=out.example_genotypes)
