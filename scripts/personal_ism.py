"""Adapter: per-SNV ISM, gradient x input and gradient profiles for the ISM genes of one chunk (GPU)."""

from regbench.studies.personal.ism import write_ism_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    write_ism_chunk(inp.genes, inp.stats, inp.genotypes, inp.genome, int(snakemake.wildcards.chunk),
                    out.tsv, snakemake.params.cfg, snakemake.params.enformer, log=log, out_npz=out.npz)
