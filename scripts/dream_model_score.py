"""Official DREAM score of one model's predictions (a paper model or a model card)."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream.runs import score_one

    smk = snakemake  # noqa: F821
    score_one(
        smk.wildcards.model,
        smk.input.predictions,
        smk.input.holdout,
        smk.input.test_labels,
        str(Path(smk.input.subsets[0]).parent),
        str(Path(smk.input.public_ids[0]).parent),
        smk.output.scores,
        smk.output.summary,
        discard_public=bool(smk.params.discard_public),
    )
