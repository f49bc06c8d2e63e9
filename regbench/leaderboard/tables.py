"""Which study tables the leaderboard reads for the reference models (paths under ``results/``).

Standard library only: rules/common/leaderboard.smk lists them at parse time
(docs/architecture.md, "Light parse"); reading them is :mod:`regbench.leaderboard.page`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

#: accessibility evaluation that produces each headline
ACC_HEADLINE_EVAL = {"pearson_whole": "whole", "pearson_peak": "peak", "variation_score": "robustness", "cagi_robust": "cagi"}
#: personal study tables (paths under results/): Enformer summaries, the simple CNN's gene table
PERSONAL_TABLES = ("personal/summary/significance.tsv", "personal/summary/drivers.tsv", "personal/cnn/gene_stats.tsv")
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
