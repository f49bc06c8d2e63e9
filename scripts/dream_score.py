"""Official DREAM scores (prixfixe/evaluation.py semantics) of every model's predictions."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream.runs import score_all

    smk = snakemake  # noqa: F821
    names = list(smk.params.models)
    score_all(
        dict(zip(names, smk.input.predictions)),
        dict(zip(names, smk.input.holdouts)),
        smk.input.test_labels,
        str(Path(smk.input.subsets[0]).parent),
        str(Path(smk.input.public_ids[0]).parent),
        smk.output.scores,
        smk.output.summary,
        discard_public=bool(smk.params.discard_public),
        public_scores_tsv=smk.output.public_scores,
    )
