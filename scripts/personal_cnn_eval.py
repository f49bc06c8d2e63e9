"""Adapter: evaluate the simple expression CNN on personal haplotypes (GPU)."""

from regbench.studies.personal.cnn import evaluate_cnn
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp = snakemake.input
    evaluate_cnn(inp.model, inp.genes, inp.genome, inp.vcf, inp.expression, snakemake.output[0],
                 snakemake.params.cfg, log=log)
