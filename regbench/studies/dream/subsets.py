"""The official DREAM test subsets and score weights (standard library only: the workflow reads
them when it parses, see docs/architecture.md "Light parse").

File layouts: :mod:`regbench.studies.dream.data`; the score: :mod:`regbench.studies.dream.scoring`.
"""

from __future__ import annotations

#: subset name -> (csv file, json file of public ids, kind, weight in the official score)
SUBSETS: dict[str, tuple[str, str, str, float]] = {
    "high": ("high_exp_seqs.csv", "high_exp_indices.json", "single", 0.3),
    "low": ("low_exp_seqs.csv", "low_exp_indices.json", "single", 0.3),
    "yeast": ("yeast_seqs.csv", "yeast_exp_indices.json", "single", 0.3),
    "random": ("all_random_seqs.csv", "random_exp_indices.json", "single", 0.3),
    "challenging": ("challenging_seqs.csv", "challenging_exp_indices.json", "single", 0.5),
    "SNVs": ("all_SNVs_seqs.csv", "SNVs_exp_indices.json", "pair", 1.25),
    "motif_perturbation": ("motif_perturbation_seqs.csv", "motif_perturbation_exp_indices.json", "pair", 0.3),
    "motif_tiling": ("motif_tiling_seqs.csv", "motif_tiling_exp_indices.json", "pair", 0.4),
}
PAIR_SUBSETS = [k for k, v in SUBSETS.items() if v[2] == "pair"]
SINGLE_SUBSETS = [k for k, v in SUBSETS.items() if v[2] == "single"]
#: weight of the whole (non-public) test set in the official score
ALL_WEIGHT = 1.0
SCORE_DENOMINATOR = 4.65
