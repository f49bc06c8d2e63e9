"""Independent reference computations for the tests: pandas, json and scipy only, written from
the specs (/work/shared/specs/*.md), never from regbench code, so that a test comparing a
regbench result with one of these compares two implementations.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

#: specs/dream.md §2 (prixfixe/evaluation.py): subset -> (test_subset_ids file, public ids file, weight)
DREAM_SUBSETS = {
    "high": ("high_exp_seqs.csv", "high_exp_indices.json", 0.3),
    "low": ("low_exp_seqs.csv", "low_exp_indices.json", 0.3),
    "yeast": ("yeast_seqs.csv", "yeast_exp_indices.json", 0.3),
    "random": ("all_random_seqs.csv", "random_exp_indices.json", 0.3),
    "challenging": ("challenging_seqs.csv", "challenging_exp_indices.json", 0.5),
    "SNVs": ("all_SNVs_seqs.csv", "SNVs_exp_indices.json", 1.25),
    "motif_perturbation": ("motif_perturbation_seqs.csv", "motif_perturbation_exp_indices.json", 0.3),
    "motif_tiling": ("motif_tiling_seqs.csv", "motif_tiling_exp_indices.json", 0.4),
}
DREAM_PAIRS = ("SNVs", "motif_perturbation", "motif_tiling")
DREAM_DENOMINATOR = 4.65


def dream_official_score(pred: np.ndarray, labels_txt, subset_dir, public_dir=None) -> tuple[float, float, pd.DataFrame]:
    """Pearson and Spearman scores of ``pred`` (vector by test id) as ``evaluation.py`` computes
    them (spec §2), from the raw files: labels (2nd column of the tab file), subset CSVs (``pos``,
    or ``alt_pos``/``ref_pos``), public-leaderboard JSON keys ("i" or "a,b").

    Returns (pearson_score, spearman_score, table subset/n/r/rho)."""
    truth = pd.read_csv(labels_txt, sep="\t", header=None)[1].to_numpy(np.float64)
    pred = np.asarray(pred, np.float64)[: len(truth)]
    public_single, public_pairs = set(), set()
    if public_dir is not None:
        for name, (_, pub_file, _) in DREAM_SUBSETS.items():
            if not (Path(public_dir) / pub_file).exists():
                continue
            keys = json.loads((Path(public_dir) / pub_file).read_text()).keys()
            for k in keys:
                if name in DREAM_PAIRS:
                    a, b = (int(v) for v in k.split(","))
                    public_pairs.add((a, b))
                    public_single.update((a, b))
                else:
                    public_single.add(int(k))
    rows = []
    keep = np.array([i for i in range(len(truth)) if i not in public_single])
    rows.append(("all", 1.0, len(keep), pearsonr(truth[keep], pred[keep])[0], spearmanr(truth[keep], pred[keep])[0]))
    for name, (csv, _, w) in DREAM_SUBSETS.items():
        if not (Path(subset_dir) / csv).exists():  # a missing subset makes the score NaN
            rows.append((name, w, 0, np.nan, np.nan))
            continue
        df = pd.read_csv(Path(subset_dir) / csv)
        if name in DREAM_PAIRS:
            pairs = sorted(set(zip(df["alt_pos"].astype(int), df["ref_pos"].astype(int))) - public_pairs)
            a, b = np.array(pairs).T
            x, y = truth[a] - truth[b], pred[a] - pred[b]
            n = len(pairs)
        else:
            ids = np.array(sorted(set(df["pos"].astype(int)) - public_single))
            x, y = truth[ids], pred[ids]
            n = len(ids)
        rows.append((name, w, n, pearsonr(x, y)[0], spearmanr(x, y)[0]))
    t = pd.DataFrame(rows, columns=["subset", "weight", "n", "r", "rho"])
    w, r, rho = (t[c].to_numpy(dtype=float) for c in ("weight", "r", "rho"))  # NaN propagates
    return float(np.sum(w * r**2) / DREAM_DENOMINATOR), float(np.sum(w * rho) / DREAM_DENOMINATOR), t
