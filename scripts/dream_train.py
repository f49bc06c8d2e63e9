"""Train one DREAM yeast model; write held-out metrics and test predictions keyed by test id."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream.runs import train_and_predict

    smk = snakemake  # noqa: F821
    train_and_predict(
        smk.wildcards.model,
        smk.params.spec,
        smk.input.train,
        smk.input.plasmid,
        str(Path(smk.input.subsets[0]).parent),
        smk.input.get("test_labels") or None,
        Path(smk.output.model).parent,
        float(smk.params.holdout_fraction),
        int(smk.params.seed),
        smk.output.predictions,
        smk.output.holdout,
        log=log,
        precision=dict(smk.params.precision),
    )
