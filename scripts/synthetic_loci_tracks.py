"""Rule synthetic_loci_tracks: predicted tracks of each design as bedGraph in payload coordinates."""

from regbench.studies.synthetic_loci.figures import write_bedgraphs
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    for key in ("baseline", "finetuned"):
        files = write_bedgraphs(smk.input[key], smk.input.payloads, smk.output[key])
        log.info("%s: %d bedGraph files", key, len(files))
