"""Rule synthetic_loci_ctss_bigwig: FANTOM5 CTSS BED -> bigWig of CAGE counts per base."""

from regbench.studies.synthetic_loci.cage import run_ctss_to_bigwig
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    run_ctss_to_bigwig(smk.input.ctss, smk.input.fai, smk.output[0], log=log)
