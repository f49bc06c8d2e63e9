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
    from scipy import stats

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


def _gene_correlations(gene: str, d: pd.DataFrame, expr: pd.DataFrame, columns: list[str]) -> dict:
    """One gene's row: Pearson R between each predicted column and observed expression over the
    samples in common. d: long table sample, <columns> of the gene; expr: genes x samples.
    Returns gene_id, n_samples, r_<column> per column, mean_pred, std_pred (ddof 0, of ``cage``)."""
    d = d.set_index("sample")
    common = sorted(set(d.index) & set(expr.columns))
    obs = expr.loc[gene, common].to_numpy(np.float64)
    row = {"gene_id": gene, "n_samples": len(common)}
    for c in columns:
        row[f"r_{c}"] = pearson(d.loc[common, c].to_numpy(np.float64), obs)
    row["mean_pred"] = float(d.loc[common, "cage"].mean())
    row["std_pred"] = float(d.loc[common, "cage"].std(ddof=0))
    return row


class PredictionChunks:
    """Personal predictions read one chunk at a time.

    ``paths``: one long TSV per genotype chunk (the study: ``predictions/chunk<k>.tsv`` in chunk
    order) or a single TSV with every gene (a leaderboard card; read once, it is one model's
    table). ``chunk(i)`` -> the long table of chunk i (genes of that chunk)."""

    def __init__(self, paths, n_chunks: int):
        self.paths = [str(p) for p in paths]
        self.single = None
        if len(self.paths) == 1 and n_chunks != 1:
            self.single = pd.read_csv(self.paths[0], sep="\t")
        elif len(self.paths) != n_chunks:
            raise ValueError(f"{len(self.paths)} prediction tables for {n_chunks} genotype chunks")

    def chunk(self, i: int, genes=None) -> pd.DataFrame:
        if self.single is not None:
            return self.single if genes is None else self.single[self.single["gene_id"].isin(set(genes))]
        return pd.read_csv(self.paths[i], sep="\t")


def build_gene_stats(genes_tsv, prediction_tsvs, genotype_npzs, expression, predixcan_tsv,
                     out_stats, out_individual, out_significance, out_predixcan, cfg,
                     finemapped=None, log=None, out_example_genotypes=None) -> pd.DataFrame:
    """Per-gene table (gene_stats.tsv) of the personal study.

    Columns: gene_id, gene_name, chrom, tss, strand, split, example, n_samples, n_snv, r (= r_cage,
    the readout track), r_finetuned, r_finetuned_<head>, r_cage_ensemble (if run), r_cage_raw_sum,
    r_cage_log_of_sum, mean_pred, std_pred, null_mean, null_std, n_null, t, p, p_bh, significant,
    xai (significant and |r| > xai.abs_r_min), r_predixcan, finemapped. The null uses the SNVs of
    TSS +- null_window_bp / 2 and one ``RandomState(null_model.seed)`` stream over genes in sorted
    order (as ``generate_null.py``).

    Streams: one genotype chunk (:class:`~regbench.studies.personal.genotypes.DosageChunk`, per-gene
    slices by offsets) and its prediction table at a time, so memory is one chunk's dosage matrix
    plus the observed expression of the study's genes (n_genes x n_individuals float64, 46 MB
    for 6,825 x 839), not every chunk concatenated. Chunks must come in gene-id order (the study's
    chunks are contiguous in the sorted gene table), which keeps the null's random stream in
    sorted gene order.

    individual_predictions.tsv: per-individual predicted and observed values of the example genes
    (genes.tsv ``example`` = positive/negative: the paper's DDX11 and GSTM3), else of the most
    significant positive and negative gene. ``out_example_genotypes``: the example genes' SNVs
    (gene_id, role, pos, ref, alt, frequency, one dosage column per individual with predictions).
    """
    from regbench.errors import InputError
    from regbench.studies.personal.genes import read_expression
    from regbench.studies.personal.genotypes import DosageChunk
    from regbench.studies.personal.predixcan import predixcan_comparison
    from regbench.workflow import atomic_path

    genes = pd.read_csv(genes_tsv, sep="\t", dtype={"example": str})
    genes["example"] = genes["example"].fillna("") if "example" in genes else ""
    expr = read_expression(expression, genes=genes["gene_id"])
    ncfg = cfg.get("null_model", {})
    rs = np.random.RandomState(int(ncfg.get("seed", 1)))
    n_draws = int(ncfg.get("n_draws", 50))
    preds_src = PredictionChunks(prediction_tsvs, len(genotype_npzs))
    rows, where, prev = [], {}, ""
    for i, npz in enumerate(genotype_npzs):
        dc = DosageChunk(npz)
        gene_set = set(dc.gene_ids)
        preds = preds_src.chunk(i, gene_set)
        cols = [c for c in preds.columns if c.startswith("cage") or c.startswith("finetuned")]
        common = sorted(set(dc.samples) & set(expr.columns))
        if not common:
            raise InputError(npz, "samples", f"individuals with observed expression in {expression}",
                             f"none of its {len(dc.samples)} individuals (first: {', '.join(dc.samples[:3])})")
        cidx = np.array([dc.samples.index(x) for x in common], dtype=np.int64)
        for gene, d in preds.groupby("gene_id", sort=True):
            if gene not in expr.index:
                continue
            if gene <= prev:
                raise ValueError(f"{npz}: gene {gene} after {prev}: chunks must come in gene-id order")
            prev = gene
            row = _gene_correlations(gene, d, expr, cols)
            dos = dc.gene(gene)["dosage"][:, cidx].astype(np.float64)
            mean, std, n = gene_null(dos, expr.loc[gene, common].to_numpy(np.float64), rs, n_draws)
            row.update(n_snv=int(dos.shape[0]), null_mean=mean, null_std=std, n_null=n)
            rows.append(row)
            where[gene] = i
    stats_df = pd.DataFrame(rows).rename(columns={"r_cage": "r"})
    stats_df = genes[["gene_id", "gene_name", "chrom", "tss", "strand", "split", "example"]].merge(stats_df, on="gene_id")
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

    examples = example_genes(stats_df)
    ind_rows, geno_rows = [], []
    for role, g in examples.items():
        i = where[g]
        d = preds_src.chunk(i, {g})
        d = d[d["gene_id"] == g].set_index("sample")
        common = sorted(set(d.index) & set(expr.columns))
        ex = pd.DataFrame({"gene_id": g, "role": role, "sample": common,
                           "predicted": d.loc[common, "cage"].to_numpy(),
                           "observed": expr.loc[g, common].to_numpy()})
        for c in d.columns:
            if c.startswith("finetuned"):
                ex["predicted_" + c] = d.loc[common, c].to_numpy()
        ind_rows.append(ex)
        if out_example_genotypes:
            dc = DosageChunk(genotype_npzs[i])
            gd = dc.gene(g)
            have = [k for k, x in enumerate(dc.samples) if x in set(d.index)]
            dos = gd["dosage"][:, have]
            t = pd.DataFrame({"gene_id": g, "role": role, "pos": gd["pos"], "ref": gd["ref"], "alt": gd["alt"],
                              "frequency": (dos > 0).mean(axis=1) if dos.shape[1] else np.nan})
            geno_rows.append(pd.concat([t, pd.DataFrame(dos, columns=[dc.samples[k] for k in have])], axis=1))
    ind = pd.concat(ind_rows, ignore_index=True) if ind_rows else pd.DataFrame(
        columns=["gene_id", "role", "sample", "predicted", "observed"])
    with atomic_path(out_individual) as tmp:
        ind.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if out_example_genotypes:
        eg = pd.concat(geno_rows, ignore_index=True) if geno_rows else pd.DataFrame(
            columns=["gene_id", "role", "pos", "ref", "alt", "frequency"])
        with atomic_path(out_example_genotypes) as tmp:
            eg.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    summ = significance_summary(stats_df, cut)
    for c in [c for c in stats_df.columns if c.startswith("r_") and c != "r_predixcan"]:
        summ[f"mean_{c}"] = float(stats_df[c].mean())
    for c in [c for c in stats_df.columns if c.startswith("r_finetuned")]:
        summ[f"corr_{c}_r"] = float(stats_df[["r", c]].corr().iloc[0, 1])
    if "r_finetuned" not in stats_df:
        summ["corr_r_finetuned_r"] = float("nan")
    write_kv(out_significance, summ)
    comp = predixcan_comparison(stats_df.rename(columns={"gene_id": "gene", "r": "r_enformer"}))
    write_kv(out_predixcan, comp)
    if log:
        log.info("significance: %s", summ)
        log.info("PrediXcan comparison: %s", comp)
    return stats_df


def example_genes(stats_df: pd.DataFrame) -> dict[str, str]:
    """role -> gene_id of the example genes (Figs. 1D/1E: positive, 2B/2D: negative): the genes
    named in column ``example`` (config personal.genes.examples: the paper's DDX11 and GSTM3), else
    the significant gene with the largest t of that sign (none when no gene qualifies)."""
    out = {}
    ex = stats_df["example"].astype(object).where(stats_df["example"].notna(), "").astype(str) \
        if "example" in stats_df else pd.Series("", index=stats_df.index)
    full = {"significant", "r", "t"} <= set(stats_df.columns)  # a minimal table names its examples only
    sig = stats_df[stats_df["significant"].astype(bool)] if full else None
    for role in ("positive", "negative"):
        sel = sig[(sig["r"] > 0) if role == "positive" else (sig["r"] < 0)] if sig is not None else stats_df.iloc[:0]
        named = stats_df.loc[ex == role, "gene_id"]
        if len(named):
            out[role] = str(named.iloc[0])
        elif not sel.empty:
            out[role] = str(sel.sort_values("t", ascending=False)["gene_id"].iloc[0])
    return out
