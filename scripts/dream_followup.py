"""Drosophila STARR-seq (one model) or human lentiMPRA (one model x cell x fold) follow-up."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream import followups

    smk = snakemake  # noqa: F821
    outdir = Path(smk.output.table).with_suffix("")
    if smk.params.kind == "drosophila":
        followups.run_drosophila(smk.wildcards.fmodel, smk.params.spec, smk.input.data, outdir, smk.output.table,
                                 int(smk.params.seed), log=log, precision=dict(smk.params.precision))
    else:
        followups.run_human(smk.wildcards.fmodel, smk.params.spec, smk.input.data, smk.wildcards.cell,
                            int(smk.wildcards.fold), int(smk.params.n_folds), outdir, smk.output.table,
                            int(smk.params.seed), log=log, precision=dict(smk.params.precision))
