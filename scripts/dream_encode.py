"""Stream the DREAM training table into codes on disk (regbench.studies.dream.store.encode_table)."""

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream.store import encode_table

    smk = snakemake  # noqa: F821
    meta = encode_table(smk.input[0], smk.output[0], chunk_rows=int(smk.params.chunk_rows), log=log)
    log.info("%d rows, widest %d bp", meta["n"], meta["width"])
