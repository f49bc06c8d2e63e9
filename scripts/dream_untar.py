"""Extract a DREAM tarball (Drosophila / human follow-up data) into a directory."""

from regbench.workflow import atomic_path, script_run

with script_run(snakemake) as log:  # noqa: F821
    import tarfile

    smk = snakemake  # noqa: F821
    with atomic_path(smk.output[0]) as tmp, tarfile.open(smk.input[0]) as tar:
        tmp.mkdir()
        tar.extractall(tmp, filter="data")
        log.info("extracted %d members of %s", len(tar.getmembers()), smk.input[0])
