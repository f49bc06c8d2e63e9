"""Adapter: per-SNV ISM, gradient x input and gradient profiles of one model card for the ISM genes
of one chunk (GPU)."""

from regbench.studies.personal.ism import write_ism_chunk
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    inp, out = smk.input, smk.output
    write_ism_chunk(dict(smk.params.card), inp.genes, inp.stats, inp.genotypes, inp.genome, int(smk.wildcards.chunk),
                    out.tsv, smk.params.cfg, log=log, out_npz=out.npz)
