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


def write_kv(path, d: dict) -> None:
    """A one-row-per-metric summary table (metric, value)."""
    from regbench.workflow import atomic_path

    with atomic_path(path) as tmp:
        pd.DataFrame({"metric": list(d), "value": list(d.values())}).to_csv(tmp, sep="\t", index=False)


def per_gene_correlations(preds: pd.DataFrame, expr: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Pearson R per gene between predicted columns and observed expression (samples in common).

    preds: long table gene_id, sample, <columns>; expr: genes x samples. Returns gene_id,
    n_samples, r_<column> for each column, mean_pred, std_pred (of ``cage``)."""
    from regbench.metrics.correlation import pearson

    rows = []
    for gene, d in preds.groupby("gene_id", sort=True):
        if gene not in expr.index:
            continue
        d = d.set_index("sample")
        common = sorted(set(d.index) & set(expr.columns))
        obs = expr.loc[gene, common].to_numpy(np.float64)
        row = {"gene_id": gene, "n_samples": len(common)}
        for c in columns:
            row[f"r_{c}"] = pearson(d.loc[common, c].to_numpy(np.float64), obs)
        row["mean_pred"] = float(d.loc[common, "cage"].mean())
        row["std_pred"] = float(d.loc[common, "cage"].std(ddof=0))
        rows.append(row)
    return pd.DataFrame(rows)


def build_gene_stats(genes_tsv, prediction_tsvs, genotype_npzs, expression, predixcan_tsv,
                     out_stats, out_individual, out_significance, out_predixcan, cfg,
                     finemapped=None, log=None) -> pd.DataFrame:
    """Per-gene table (gene_stats.tsv) of the personal study.

    Columns: gene_id, gene_name, chrom, tss, split, n_samples, n_snv, r (= r_cage, the readout
    track), r_finetuned, r_cage_ensemble (if run), r_cage_raw_sum, r_cage_log_of_sum, mean_pred,
    std_pred, null_mean, null_std, n_null, t, p, p_bh, significant, xai (significant and
    |r| > xai.abs_r_min), r_predixcan, finemapped. The null uses the SNVs of TSS +-
    null_window_bp / 2 and one ``RandomState(null.seed)`` stream over genes in sorted order
    (as ``generate_null.py``).
    """
    from regbench.studies.personal.genes import read_expression
    from regbench.studies.personal.genotypes import load_dosages
    from regbench.studies.personal.predictions import read_predictions
    from regbench.studies.personal.predixcan import predixcan_comparison
    from regbench.workflow import atomic_path

    genes = pd.read_csv(genes_tsv, sep="\t")
    preds = read_predictions(prediction_tsvs)
    expr = read_expression(expression)
    cols = [c for c in preds.columns if c.startswith("cage") or c == "finetuned"]
    stats_df = per_gene_correlations(preds, expr, cols).rename(columns={"r_cage": "r"})
    stats_df = genes[["gene_id", "gene_name", "chrom", "tss", "strand", "split"]].merge(stats_df, on="gene_id")

    dos = load_dosages(genotype_npzs)
    samples = list(dos["samples"])
    ncfg = cfg.get("null_model", {})
    rs = np.random.RandomState(int(ncfg.get("seed", 1)))
    nulls = []
    for g in sorted(stats_df["gene_id"]):
        common = sorted(set(samples) & set(expr.columns))
        cidx = [samples.index(s) for s in common]
        m = dos["gene"] == g
        dsub = dos["dosage"][m][:, cidx].astype(np.float64)
        mean, std, n = gene_null(dsub, expr.loc[g, common].to_numpy(np.float64), rs,
                                 int(ncfg.get("n_draws", 50)))
        nulls.append((g, int(m.sum()), mean, std, n))
    nd = pd.DataFrame(nulls, columns=["gene_id", "n_snv", "null_mean", "null_std", "n_null"])
    stats_df = stats_df.merge(nd, on="gene_id")
    stats_df["gene"] = stats_df["gene_id"]
    stats_df = gene_significance(stats_df, se=ncfg.get("se_formula", "sqrt_std_over_n"),
                                 alpha=float(cfg.get("fdr", 0.05))).drop(columns=["gene"])
    cut = float(cfg.get("xai", {}).get("abs_r_min", 0.2))
    stats_df["xai"] = stats_df["significant"] & (stats_df["r"].abs() > cut)
    px = pd.read_csv(predixcan_tsv, sep="\t")[["gene_id", "r_predixcan"]]
    stats_df = stats_df.merge(px, on="gene_id", how="left")
    if finemapped:
        fm = set(pd.read_csv(finemapped, sep="\t")["gene_id"].astype(str))
        stats_df["finemapped"] = stats_df["gene_id"].isin(fm)
    with atomic_path(out_stats) as tmp:
        stats_df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")

    # example genes (Fig. 1D, 2B): most significant positive and negative genes
    sig = stats_df[stats_df["significant"]]
    rows = []
    for role, sel in (("positive", sig[sig["r"] > 0]), ("negative", sig[sig["r"] < 0])):
        if sel.empty:
            continue
        g = sel.sort_values("t", ascending=False)["gene_id"].iloc[0]
        d = preds[preds["gene_id"] == g].set_index("sample")
        common = sorted(set(d.index) & set(expr.columns))
        ex = pd.DataFrame({"gene_id": g, "role": role, "sample": common,
                           "predicted": d.loc[common, "cage"].to_numpy(),
                           "observed": expr.loc[g, common].to_numpy()})
        if "finetuned" in d:
            ex["predicted_finetuned"] = d.loc[common, "finetuned"].to_numpy()
        rows.append(ex)
    ind = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["gene_id", "role", "sample", "predicted", "observed"])
    with atomic_path(out_individual) as tmp:
        ind.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    summ = significance_summary(stats_df, cut)
    for c in [c for c in stats_df.columns if c.startswith("r_") and c != "r_predixcan"]:
        summ[f"mean_{c}"] = float(stats_df[c].mean())
    summ["corr_r_finetuned_r"] = float(stats_df[["r", "r_finetuned"]].corr().iloc[0, 1]) \
        if "r_finetuned" in stats_df else float("nan")
    write_kv(out_significance, summ)
    comp = predixcan_comparison(stats_df.rename(columns={"gene_id": "gene", "r": "r_enformer"}))
    write_kv(out_predixcan, comp)
    if log:
        log.info("significance: %s", summ)
        log.info("PrediXcan comparison: %s", comp)
    return stats_df
