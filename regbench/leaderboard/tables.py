"""Which study tables the leaderboard reads for the reference models (paths under ``results/``).

Standard library only: rules/common/leaderboard.smk declares them as the inputs of the page at
parse time (docs/architecture.md, "Light parse"); reading them is :mod:`regbench.leaderboard.page`'s.
"""

from __future__ import annotations

import os

from regbench.studies.personal.models import PAPER_DIR

#: accessibility evaluation that produces each headline
ACC_HEADLINE_EVAL = {"pearson_whole": "whole", "pearson_peak": "peak", "variation_score": "robustness", "cagi_robust": "cagi"}
_PERS_PAPER = os.path.relpath(PAPER_DIR, "results")

#: role -> (study, path under results/) of the one-file reference tables; accessibility's are the
#: collected tables of every experiment running a headline evaluation (given by the rules);
#: personal's are the paper Enformer's summaries (its model folder, regbench.studies.personal.models)
#: and the simple CNN's gene table
REFERENCE_TABLES = {
    "dream": ("dream", "dream/summary.tsv"),
    "personal_significance": ("personal", f"{_PERS_PAPER}/summary/significance.tsv"),
    "personal_drivers": ("personal", f"{_PERS_PAPER}/summary/drivers.tsv"),
    "personal_cnn": ("personal", "personal/cnn/gene_stats.tsv"),
    "synthetic_loci": ("synthetic_loci", "synthetic_loci/metrics/activity_correlation.tsv"),
}


def reference_inputs(studies, acc_tables=(), results_dir: str | os.PathLike = "results") -> dict:
    """The page's reference tables of the enabled ``studies``: role -> path (``accessibility`` ->
    the sorted, de-duplicated ``acc_tables``). Roles of studies not enabled are absent."""
    refs = {}
    if "accessibility" in studies:
        refs["accessibility"] = sorted(set(map(str, acc_tables)))
    for role, (study, rel) in REFERENCE_TABLES.items():
        if study in studies:
            refs[role] = os.path.join(str(results_dir), rel)
    return refs
