"""Rule synthetic_loci_zenodo_files: the file list of the authors' Zenodo record (provenance table)."""

from regbench.studies.synthetic_loci.contract import zenodo_files
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    df = zenodo_files(snakemake.input[0], snakemake.output[0])  # noqa: F821
    log.info("Zenodo record: %d files", len(df))
