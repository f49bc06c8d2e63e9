"""Adapter: the per-model scores table and figure of a model card (rule lb_scores)."""

from regbench.leaderboard.scores import collect_scores
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = dict(smk.input.items())
    dream = personal = None
    if "dream_summary" in inp:
        dream = {"scores": inp["dream_scores"], "summary": inp["dream_summary"]}
    if "personal_significance" in inp:
        personal = {"significance": inp["personal_significance"], "gene_stats": inp["personal_stats"],
                    "drivers": inp.get("personal_drivers")}
    collect_scores(dict(smk.params.card), dict(smk.params.studies), smk.output.scores, acc_table=inp.get("acc"),
                   dream=dream, personal=personal, synthetic=inp.get("synthetic_activity"),
                   figure=(smk.output.pdf, smk.output.png))
