"""Per-gene significance of personal-expression correlations against a gene-specific null.

Sasse et al. 2023 (`enformer_analysis/generate_null.py`, `compute_tstatpvalue.py`): for each gene,
``n_draws`` random N(0, 1) weight vectors over the gene's SNVs give random "predictions"
``dosage.T @ W``; the null is the mean and standard deviation of their |Pearson R| with observed
expression. The observed |R| is compared with a one-sided t statistic. The authors' standard
error is ``sqrt(std / n)`` (not ``std / sqrt(n)``); it is the default here because it reproduces
the published counts (599 significant genes, 195 negative, from Supplementary Table 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from regbench.metrics.correlation import pearson

SE_FORMULAS = ("sqrt_std_over_n", "std_over_sqrt_n")


def gene_null(
    dosage: np.ndarray,
    observed: np.ndarray,
    rng: np.random.Generator,
    n_draws: int = 50,
    positive: bool = False,
) -> tuple[float, float, int]:
    """Gene-specific null of |R| between random linear genotype models and observed expression.

    dosage: (n_snv, n_ind) ALT-allele dosages 0/1/2; observed: (n_ind,) expression.
    Returns (mean |R|, std |R| (ddof=0), n_draws). NaN correlations (constant predictions,
    e.g. no SNV) count as 0, as in the authors' code. ``positive`` uses |N(0,1)| weights.
    """
    dosage = np.asarray(dosage, dtype=np.float64)
    observed = np.asarray(observed, dtype=np.float64)
    if dosage.ndim != 2 or dosage.shape[1] != observed.shape[0]:
        raise ValueError(
            f"gene_null: dosage must be (n_snv, n_ind={observed.shape[0]}), got {dosage.shape}"
        )
    w = rng.normal(size=(dosage.shape[0], n_draws))
    if positive:
        w = np.abs(w)
    preds = dosage.T @ w  # (n_ind, n_draws)
    r = pearson(preds, np.repeat(observed[:, None], n_draws, axis=1), axis=0)
    r = np.nan_to_num(np.abs(np.atleast_1d(r)), nan=0.0)
    return float(r.mean()), float(r.std()), int(n_draws)


def gene_significance(
    df: pd.DataFrame, se: str = "sqrt_std_over_n", alpha: float = 0.05
) -> pd.DataFrame:
    """t statistic, one-sided p, BH-adjusted p and significance per gene.

    In: columns ``gene, r, null_mean, null_std, n_null`` (extra columns kept).
    Out: the same table plus ``t`` = (|r| - null_mean) / SE with SE = sqrt(null_std / n_null)
    (``se="sqrt_std_over_n"``, the authors' form) or null_std / sqrt(n_null)
    (``"std_over_sqrt_n"``, textbook); ``p`` = t.sf(|t|, n_null - 1), set to 1 where t < 0 or r
    is NaN; ``p_bh`` (Benjamini-Hochberg over all rows); ``significant`` = p_bh <= alpha.
    """
    missing = {"gene", "r", "null_mean", "null_std", "n_null"} - set(df.columns)
    if missing:
        raise ValueError(f"gene_significance: missing columns {sorted(missing)}")
    if se not in SE_FORMULAS:
        raise ValueError(f"gene_significance: se must be one of {SE_FORMULAS}, got {se!r}")
    out = df.copy()
    r = out["r"].to_numpy(dtype=np.float64)
    mean = out["null_mean"].to_numpy(dtype=np.float64)
    std = out["null_std"].to_numpy(dtype=np.float64)
    n = out["n_null"].to_numpy(dtype=np.float64)
    sm = np.abs(np.nan_to_num(r, nan=0.0))
    denom = np.sqrt(std / n) if se == "sqrt_std_over_n" else std / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (sm - mean) / denom
    p = stats.t.sf(np.abs(t), n - 1)
    p = np.where((t < 0) | np.isnan(r) | np.isnan(t), 1.0, p)
    out["t"] = t
    out["p"] = p
    out["p_bh"] = stats.false_discovery_control(np.nan_to_num(p, nan=1.0), method="bh")
    out["significant"] = out["p_bh"] <= alpha
    return out


def significance_summary(df: pd.DataFrame, abs_r_min: float = 0.2) -> dict:
    """Counts of a gene_significance table: significant, negative, and significant with |r| > cut."""
    sig = df["significant"].astype(bool)
    r = df["r"]
    return {
        "n_genes": int(len(df)),
        "n_genes_with_r": int(r.notna().sum()),
        "mean_r": float(r.mean()),
        "n_significant": int(sig.sum()),
        "n_significant_negative": int((sig & (r < 0)).sum()),
        "n_significant_positive": int((sig & (r > 0)).sum()),
        "n_significant_abs_r": int((sig & (r.abs() > abs_r_min)).sum()),
        "n_significant_abs_r_positive": int((sig & (r > abs_r_min)).sum()),
        "n_significant_abs_r_negative": int((sig & (r < -abs_r_min)).sum()),
    }
