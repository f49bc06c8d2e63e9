"""Adapter: resolve one ENCODE file from its experiment and download it with a provenance record
(rules acc_encode_bigwig / acc_encode_peaks)."""

from regbench.data.encode import fetch_from_config
from regbench.workflow import script_run

with script_run(snakemake) as log:
    fetch_from_config(snakemake.params.encode, snakemake.output.file, snakemake.output.provenance, log=log)
