"""Adapter: JASPAR CORE vertebrates as MEME from pyjaspar (rule acc_jaspar_meme)."""

from regbench.data.jaspar import collection_ppms
from regbench.studies.accessibility.filters import write_meme
from regbench.workflow import script_run

with script_run(snakemake) as log:
    j = snakemake.params.jaspar
    motifs = collection_ppms(j["release"], j["collection"], j["tax_group"])
    log.info("%d JASPAR matrices", len(motifs))
    write_meme(snakemake.output[0], motifs)
