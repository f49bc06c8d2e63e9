"""Adapter: driver window ISM statistics and 13-mer clusters (Supp. Figs. 8, 11)."""

from regbench.studies.personal.motifs import run_driver_motifs
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    run_driver_motifs(inp.drivers, inp.stats, inp.genes, inp.genome, list(inp.driver_ism), list(inp.tss_ism),
                      out.windows, out.kmers, out.clusters, snakemake.params.cfg, log=log)
