"""Adapter: JASPAR CORE vertebrates as MEME from pyjaspar (rule acc_jaspar_meme)."""

from regbench.studies.accessibility.filters import jaspar_motifs, write_meme
from regbench.workflow import script_run

with script_run(snakemake) as log:
    j = snakemake.params.jaspar
    motifs = jaspar_motifs(j["release"], j["collection"], j["tax_group"])
    log.info("%d JASPAR matrices", len(motifs))
    write_meme(snakemake.output[0], motifs)
