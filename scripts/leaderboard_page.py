"""Adapter: the leaderboard page and table (rule lb_page)."""

from regbench.leaderboard.page import write_leaderboard
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    names = list(smk.params.models)
    references = {k[len("ref_"):]: v for k, v in smk.input.items() if k.startswith("ref_")}
    write_leaderboard(dict(zip(names, smk.input.scores)), dict(smk.params.descriptions), smk.output.html, smk.output.tsv,
                      figures=dict(zip(names, smk.input.figures)), references=references,
                      comparison=(smk.output.pdf, smk.output.png))
