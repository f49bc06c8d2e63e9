"""Which study tables the leaderboard reads for the reference models (paths under ``results/``).

Standard library only: rules/common/leaderboard.smk lists them at parse time
(docs/architecture.md, "Light parse"); reading them is :mod:`regbench.leaderboard.page`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

from regbench.studies.personal.models import PAPER_DIR

#: accessibility evaluation that produces each headline
ACC_HEADLINE_EVAL = {"pearson_whole": "whole", "pearson_peak": "peak", "variation_score": "robustness", "cagi_robust": "cagi"}
_PERS_PAPER = os.path.relpath(PAPER_DIR, "results")
#: personal study tables (paths under results/): the paper Enformer's summaries (its model folder,
#: regbench.studies.personal.models), the simple CNN's gene table
PERSONAL_TABLES = (f"{_PERS_PAPER}/summary/significance.tsv", f"{_PERS_PAPER}/summary/drivers.tsv",
                   "personal/cnn/gene_stats.tsv")
SYNTHETIC_TABLES = ("synthetic_loci/metrics/activity_correlation.tsv",)


def reference_tables(results_dir: str | os.PathLike = "results") -> list[Path]:
    """Study metrics tables the leaderboard reads (those that exist)."""
    r = Path(results_dir)
    out = []
    acc = r / "accessibility"
    if acc.is_dir():
        for ev in sorted(set(ACC_HEADLINE_EVAL.values())):
            out += sorted(p for p in acc.glob(f"*/{ev}.tsv") if p.parent.name not in ("evals", "panels", "tables"))
    for rel in PERSONAL_TABLES + SYNTHETIC_TABLES + ("dream/summary.tsv",):
        if (r / rel).exists():
            out.append(r / rel)
    return out
