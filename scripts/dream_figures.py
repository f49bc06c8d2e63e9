"""DREAM figure panels from the TSV tables (regbench.studies.dream.figures)."""

from regbench.plotting.tables import collect_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.studies.dream import figures

    smk = snakemake  # noqa: F821
    kind = smk.params.kind
    if kind == "subsets":
        figures.subset_performance(smk.input.scores, list(smk.params.models), smk.output.pdf, smk.output.png, smk.output.data)
    elif kind == "scores":
        figures.leaderboard_scores(smk.input.summary, list(smk.params.models), smk.output.pdf, smk.output.png, smk.output.data)
    elif kind == "prixfixe":
        figures.prixfixe_grid(smk.input.summary, smk.output.grid)
        figures.prixfixe_heatmap(smk.output.grid, "pearson_score", smk.output.pearson_pdf, smk.output.pearson_png,
                                 smk.output.pearson_data)
        figures.prixfixe_heatmap(smk.output.grid, "spearman_score", smk.output.spearman_pdf, smk.output.spearman_png,
                                 smk.output.spearman_data)
    elif kind == "drosophila":
        collect_tables(smk.input.tables, smk.output.table, float_format="%.6g", skip_empty=False)
        figures.drosophila_panel(smk.output.table, smk.output.pdf, smk.output.png, smk.output.data)
    elif kind == "human":
        collect_tables(smk.input.tables, smk.output.table, float_format="%.6g", skip_empty=False)
        figures.human_panel(smk.output.table, smk.output.pdf, smk.output.png, smk.output.data)
    else:
        raise ValueError(f"unknown figure kind {kind!r}")
