"""Driver SNVs, eQTL slopes and driver support (Sasse et al. 2023, Figs. 2D-F, Supp. Fig. 7).

Linear approximation of Enformer's personal predictions: ``sum_j dosage_ij * ISM_j``. Drivers are
the SNVs that carry this approximation's correlation with Enformer's own personal predictions
(`enformer_analysis/select_drivers.py`, forward and backward modes). A driver is *supported*
when its ISM sign equals the sign of its marginal eQTL slope on observed expression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson


def pearson_p(r, n: int):
    """Two-sided p of Pearson r with n observations (as scipy.stats.pearsonr)."""
    from scipy import stats

    r = np.clip(np.asarray(r, dtype=np.float64), -1.0, 1.0)
    df = n - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt(df / np.maximum(1.0 - r * r, 1e-300))
    p = 2.0 * stats.t.sf(np.abs(t), df)
    return np.where(np.isnan(r), 1.0, p)


def _corr_columns(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of every column of m (n_ind, k) with y (n_ind,)."""
    return np.atleast_1d(pearson(m, np.repeat(y[:, None], m.shape[1], axis=1), axis=0))


def linear_approximation(dosage: np.ndarray, attribution: np.ndarray) -> np.ndarray:
    """(n_ind,) = dosage.T @ attribution; dosage (n_snv, n_ind), attribution (n_snv,) (NaN -> 0)."""
    return np.asarray(dosage, np.float64).T @ np.nan_to_num(np.asarray(attribution, np.float64))


def forward_drivers(
    ism: np.ndarray,
    dosage: np.ndarray,
    personal_pred: np.ndarray,
    gain_min: float = 0.05,
    alpha: float = 0.01,
) -> pd.DataFrame:
    """Forward driver selection (``select_drivers.py --forward``).

    ism: (n_snv,); dosage: (n_snv, n_ind) ALT dosage; personal_pred: (n_ind,) Enformer predictions.
    SNVs are visited by decreasing |ISM|; SNV i (rank) is a driver when the normalised correlation
    of the cumulative approximation gains > gain_min, its own contribution correlates positively
    with the predictions and p < alpha / n_snv. Returns one row per driver: snv (row index into
    the inputs), rank, ism, r_total, r_single, r_cumulative, r_dropout, gain, n_carriers,
    pct_carriers, main (largest gain).
    """
    ism = np.nan_to_num(np.asarray(ism, np.float64))
    dosage = np.asarray(dosage, np.float64)
    y = np.asarray(personal_pred, np.float64)
    n_snv, n_ind = dosage.shape
    cols = ["snv", "rank", "ism", "r_total", "r_single", "r_cumulative", "r_dropout", "gain",
            "n_carriers", "pct_carriers", "main"]
    if n_snv == 0:
        return pd.DataFrame(columns=cols)
    order = np.argsort(-np.abs(ism), kind="stable")
    imp = dosage[order].T * ism[order]  # (n_ind, n_snv)
    total = imp.sum(axis=1)
    r_tot = pearson(total, y)
    if not np.isfinite(r_tot) or r_tot == 0:
        return pd.DataFrame(columns=cols)
    r_cum = _corr_columns(np.cumsum(imp, axis=1), y) / r_tot
    r_single = _corr_columns(imp, y)
    p_single = pearson_p(r_single, n_ind)
    prev = np.concatenate([[0.0], r_cum[:-1]])
    gain = r_cum - prev
    is_driver = (gain > gain_min) & (r_single > 0) & (p_single < alpha / n_snv)
    rows = []
    for i in np.flatnonzero(is_driver):
        r_drop = (r_tot - pearson(total - imp[:, i], y)) / r_tot
        carriers = int((dosage[order[i]] > 0).sum())
        rows.append([int(order[i]), int(i), ism[order[i]], r_tot, r_single[i], r_cum[i],
                     r_drop, gain[i], carriers, 100.0 * carriers / n_ind, False])
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out.loc[out["gain"].idxmax(), "main"] = True
    return out


def backward_drivers(
    ism: np.ndarray,
    dosage: np.ndarray,
    personal_pred: np.ndarray,
    alpha: float = 0.01,
    max_steps: int | None = None,
) -> pd.DataFrame:
    """Backward driver selection (``select_drivers.py`` without ``--forward``).

    Repeatedly removes the SNV whose removal lowers the correlation of the remaining linear
    approximation with the predictions the most, while that correlation is positive and
    p < alpha / n_snv. Returns snv, step, ism, r_before, r_after, main (the first SNV removed:
    the largest drop, the authors' main backward driver of Fig. 2F).
    """
    ism = np.nan_to_num(np.asarray(ism, np.float64))
    dosage = np.asarray(dosage, np.float64)
    y = np.asarray(personal_pred, np.float64)
    n_snv, n_ind = dosage.shape
    imp = dosage.T * ism  # (n_ind, n_snv)
    active = np.ones(n_snv, bool)
    rows = []
    max_steps = n_snv if max_steps is None else max_steps
    for step in range(max_steps):
        if not active.any():
            break
        current = imp[:, active].sum(axis=1)
        r = pearson(current, y)
        if not np.isfinite(r) or r <= 0 or pearson_p(r, n_ind) >= alpha / n_snv:
            break
        idx = np.flatnonzero(active)
        r_without = np.nan_to_num(_corr_columns(current[:, None] - imp[:, idx], y), nan=0.0)
        j = int(np.argmin(r_without))
        rows.append([int(idx[j]), step, ism[idx[j]], float(r), float(r_without[j])])
        active[idx[j]] = False
    out = pd.DataFrame(rows, columns=["snv", "step", "ism", "r_before", "r_after"])
    out["main"] = out["step"] == 0
    return out


def eqtl_slopes(dosage: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Marginal OLS slope and Pearson r of observed expression on each SNV's ALT dosage.

    dosage: (n_snv, n_ind); observed: (n_ind,). Same as sklearn LinearRegression per SNV
    (``compute_eqtl.py``); a constant dosage gives slope 0 and r NaN.
    """
    x = np.asarray(dosage, np.float64)
    y = np.asarray(observed, np.float64)
    xm = x - x.mean(axis=1, keepdims=True)
    ym = y - y.mean()
    sxx = (xm * xm).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sxx > 0, (xm @ ym) / np.where(sxx > 0, sxx, 1.0), 0.0)
    r = _corr_columns(x.T, y) if x.shape[0] else np.zeros(0)
    return slope, r


def driver_support(df: pd.DataFrame, r_cut: float = 0.2) -> pd.DataFrame:
    """Gain-weighted fraction of supported drivers per gene (Fig. 2E).

    In: one row per driver with ``gene, ism, eqtl_slope, gain, gene_r``. A driver is supported
    when sign(ism) == sign(eqtl_slope), unsupported when opposite; drivers with a zero ISM or
    slope are neither and are left out of the fraction. Out: one row per gene with gene,
    gene_r, n_drivers, n_supported, n_unsupported, supported_fraction (sum of gains of supported
    drivers / sum of gains of signed drivers), group (``positive`` for gene_r > r_cut,
    ``negative`` for gene_r < -r_cut, ``none`` otherwise).
    """
    missing = {"gene", "ism", "eqtl_slope", "gain", "gene_r"} - set(df.columns)
    if missing:
        raise ValueError(f"driver_support: missing columns {sorted(missing)}")
    d = df.copy()
    s = np.sign(d["ism"].to_numpy(np.float64)) * np.sign(d["eqtl_slope"].to_numpy(np.float64))
    d["_sup"] = s > 0
    d["_uns"] = s < 0
    d["_w_sup"] = d["gain"] * d["_sup"]
    d["_w_sig"] = d["gain"] * (d["_sup"] | d["_uns"])
    g = d.groupby("gene", sort=True).agg(
        gene_r=("gene_r", "first"),
        n_drivers=("ism", "size"),
        n_supported=("_sup", "sum"),
        n_unsupported=("_uns", "sum"),
        w_sup=("_w_sup", "sum"),
        w_sig=("_w_sig", "sum"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        g["supported_fraction"] = np.where(g["w_sig"] > 0, g["w_sup"] / g["w_sig"], np.nan)
    g["group"] = np.where(g["gene_r"] > r_cut, "positive",
                          np.where(g["gene_r"] < -r_cut, "negative", "none"))
    g = g.drop(columns=["w_sup", "w_sig"]).reset_index()
    g["n_supported"] = g["n_supported"].astype(int)
    g["n_unsupported"] = g["n_unsupported"].astype(int)
    return g


def support_summary(per_gene: pd.DataFrame) -> dict:
    """Group sizes, mean supported fraction per group and the Mann-Whitney U p between groups."""
    from scipy import stats

    pos = per_gene.loc[per_gene["group"] == "positive", "supported_fraction"].dropna()
    neg = per_gene.loc[per_gene["group"] == "negative", "supported_fraction"].dropna()
    p = (stats.mannwhitneyu(pos, neg).pvalue if len(pos) and len(neg) else float("nan"))
    return {
        "n_positive": int(len(pos)),
        "n_negative": int(len(neg)),
        "mean_supported_positive": float(pos.mean()) if len(pos) else float("nan"),
        "mean_supported_negative": float(neg.mean()) if len(neg) else float("nan"),
        "mannwhitney_p": float(p),
    }


PREDICTION_SCALES = ("readout", "raw_sum")


def prediction_column(cfg: dict) -> str:
    """Column of the personal predictions the drivers are selected against.

    ``drivers.prediction_scale: readout`` (default, the authors'): the study's readout (``cage``,
    sum_log1p on the paper config). ``select_drivers.py`` correlates raw-scale ISM sums with
    ``Enformer_predictions_CageAdultBrain.txt``, whose per-individual values are on a compressed
    (log-like) scale: their gene means track log(1 + reference 3-bin raw sum) (r 0.906 over the
    251 driver genes of Supplementary Table 2 vs 0.735 for the raw sum; GSTM3 0.06 vs raw 0.112,
    largest gene 3.88 vs 167), while the ISM values of Supplementary Table 2 are raw differences
    (DDX11 reference 6.89, main driver -3.14). ``raw_sum``: the raw 3-bin sum (``cage_raw_sum``),
    the same scale as the ISM.
    """
    scale = cfg.get("drivers", {}).get("prediction_scale", "readout")
    if scale not in PREDICTION_SCALES:
        raise ValueError(f"drivers.prediction_scale must be one of {PREDICTION_SCALES}, got {scale!r}")
    return "cage" if scale == "readout" else "cage_raw_sum"


SNV_COLUMNS = ["gene_id", "pos", "ref", "alt", "offset", "ref_pred", "ism", "grad", "frequency",
               "distance_to_tss", "ism_norm", "eqtl_slope", "eqtl_r", "driver", "gain", "main",
               "driver_backward", "main_backward"]


def run_driver_analysis(stats_tsv, ism_tsvs, genotype_npzs, prediction_tsvs, expression,
                        out_snvs, out_drivers, out_backward, out_support, out_summary, cfg,
                        log=None) -> pd.DataFrame:
    """Drivers, eQTL slopes, linear approximation and support for the genes with ISM (the XAI
    genes and the example genes).

    snvs.tsv (one row per SNV with ISM): gene_id, pos, ref, alt, offset, ref_pred, ism, grad,
    frequency, distance_to_tss (strand-aware), ism_norm (ISM / max |ISM| of the gene),
    eqtl_slope, eqtl_r, driver, gain, main, driver_backward, main_backward. drivers.tsv: forward
    drivers with gene_r, supported. drivers_backward.tsv: backward drivers with distance_to_tss,
    main (first removed) and group (positive: gene R > xai.abs_r_min, negative: < -abs_r_min,
    none otherwise). driver_support.tsv: linear_approx_r / linear_approx_grad_r of every ISM gene
    and :func:`driver_support` over the XAI genes whose ISM linear approximation correlates > 0.2
    with the personal predictions (Fig. 2E). Predictions: :func:`prediction_column`.

    Streams chunk by chunk (ISM table, genotype chunk with per-gene offsets, prediction table of
    the same chunk); snvs.tsv is appended gene by gene, so memory is one chunk plus the per-driver
    tables.
    """
    from regbench.studies.personal.genes import read_expression
    from regbench.studies.personal.genotypes import DosageChunk
    from regbench.studies.personal.significance import PredictionChunks, write_kv
    from regbench.workflow import atomic_path

    dcfg = cfg.get("drivers", {})
    gain_min, alpha = float(dcfg.get("gain_min", 0.05)), float(dcfg.get("alpha", 0.01))
    cut = float(cfg.get("xai", {}).get("abs_r_min", 0.2))
    pcol = prediction_column(cfg)
    stats_df = pd.read_csv(stats_tsv, sep="\t").set_index("gene_id")
    if len(ism_tsvs) != len(genotype_npzs):
        raise ValueError(f"{len(ism_tsvs)} ISM tables for {len(genotype_npzs)} genotype chunks")
    preds_src = PredictionChunks(prediction_tsvs, len(genotype_npzs))
    ism_genes = set()
    for p in ism_tsvs:
        ism_genes |= set(pd.read_csv(p, sep="\t", usecols=["gene_id"])["gene_id"].astype(str))
    expr = read_expression(expression, genes=ism_genes)
    fw_rows, bw_rows, approx_rows = [], [], []
    with atomic_path(out_snvs) as tmp_snvs:
        with open(tmp_snvs, "w") as fh:
            fh.write("\t".join(SNV_COLUMNS) + "\n")
            for i, (ism_path, npz) in enumerate(zip(ism_tsvs, genotype_npzs)):
                ism = pd.read_csv(ism_path, sep="\t")
                if ism.empty:
                    continue
                dc = DosageChunk(npz)
                preds = preds_src.chunk(i, set(ism["gene_id"]))
                for gene, gi in ism.groupby("gene_id", sort=True):
                    res = _gene_drivers(gene, gi, stats_df.loc[gene], dc, preds, expr, pcol, gain_min, alpha)
                    g, fw, bw, slope, approx = res
                    g.reindex(columns=SNV_COLUMNS).to_csv(fh, sep="\t", header=False, index=False, float_format="%.6g")
                    approx_rows.append(approx)
                    gene_r = float(stats_df.loc[gene, "r"])
                    for row in fw.itertuples():
                        fw_rows.append(dict(gene_id=gene, pos=int(g.loc[row.snv, "pos"]), ref=g.loc[row.snv, "ref"],
                                            alt=g.loc[row.snv, "alt"], ism=row.ism, eqtl_slope=slope[row.snv],
                                            gain=row.gain, main=bool(row.main), r_single=row.r_single,
                                            n_carriers=row.n_carriers, pct_carriers=row.pct_carriers,
                                            distance_to_tss=int(g.loc[row.snv, "distance_to_tss"]),
                                            gene_r=gene_r))
                    for row in bw.itertuples():
                        bw_rows.append(dict(gene_id=gene, pos=int(g.loc[row.snv, "pos"]), ism=row.ism,
                                            step=row.step, main=bool(row.main),
                                            distance_to_tss=int(g.loc[row.snv, "distance_to_tss"]),
                                            gene_r=gene_r))
    fwd = pd.DataFrame(fw_rows, columns=["gene_id", "pos", "ref", "alt", "ism", "eqtl_slope", "gain",
                                         "main", "r_single", "n_carriers", "pct_carriers",
                                         "distance_to_tss", "gene_r"])
    fwd["supported"] = np.sign(fwd["ism"]) * np.sign(fwd["eqtl_slope"]) > 0
    approx = pd.DataFrame(approx_rows, columns=["gene_id", "linear_approx_r", "linear_approx_grad_r",
                                                "n_drivers_forward", "n_drivers_backward"])
    xai = set(stats_df.index[stats_df["xai"].astype(bool)])
    approx["xai"] = approx["gene_id"].isin(xai)
    ok = set(approx.loc[(approx["linear_approx_r"] > 0.2) & approx["xai"], "gene_id"])
    bwd = pd.DataFrame(bw_rows, columns=["gene_id", "pos", "ism", "step", "main", "distance_to_tss", "gene_r"])
    bwd["group"] = np.where(~bwd["gene_id"].isin(ok), "none",
                            np.where(bwd["gene_r"] > cut, "positive", np.where(bwd["gene_r"] < -cut, "negative", "none")))
    sup_in = fwd[fwd["gene_id"].isin(ok)].rename(columns={"gene_id": "gene"})
    support = driver_support(sup_in, cut).rename(columns={"gene": "gene_id"}) if len(sup_in) else \
        pd.DataFrame(columns=["gene_id", "gene_r", "n_drivers", "n_supported", "n_unsupported",
                              "supported_fraction", "group"])
    support = approx.merge(support, on="gene_id", how="left")
    support["n_drivers"] = support["n_drivers_forward"]
    for path, df in ((out_drivers, fwd), (out_backward, bwd), (out_support, support)):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    summ = support_summary(support.dropna(subset=["group"]))
    ax = approx[approx["xai"]]
    nd = ax["n_drivers_forward"]
    has = nd[nd > 0]
    fx = fwd[fwd["gene_id"].isin(xai)]
    summ.update({
        "prediction_column": pcol,
        "n_xai_genes": int(len(ax)),
        "n_linear_approx_above_0.2": int(len(ok)),
        "median_linear_approx_r": float(ax["linear_approx_r"].median()) if len(ax) else float("nan"),
        "n_forward_drivers": int(len(fx)),
        "n_genes_with_drivers": int(len(has)),
        "frac_genes_one_driver": float((has == 1).mean()) if len(has) else float("nan"),
        "frac_genes_le5_drivers": float((has <= 5).mean()) if len(has) else float("nan"),
        "n_backward_drivers": int(bwd["gene_id"].isin(xai).sum()),
        "frac_supported_drivers": float(fx["supported"].mean()) if len(fx) else float("nan"),
    })
    write_kv(out_summary, summ)
    if log:
        log.info("drivers: %s", summ)
    return support


def _gene_drivers(gene, gi, st, dc, preds, expr, pcol, gain_min, alpha):
    """Drivers of one gene: (snv table, forward, backward, eQTL slopes, approx row)."""
    if gene not in dc:
        raise ValueError(f"{dc.path}: gene {gene} has ISM values but no genotypes")
    gd = dc.gene(gene)
    key = {}
    for k, (pos, ref, alt) in enumerate(zip(gd["pos"], gd["ref"], gd["alt"])):
        key.setdefault((int(pos), str(alt)), k)
    idx = [key.get((int(p), str(a))) for p, a in zip(gi["pos"], gi["alt"])]
    if any(k is None for k in idx):
        raise ValueError(f"{gene}: ISM positions missing from the genotype table {dc.path}")
    dosage = gd["dosage"][np.asarray(idx, dtype=np.int64)].astype(np.float64)  # (n_snv, n_samples)
    p = preds[preds["gene_id"] == gene].set_index("sample")[pcol]
    have = [k for k, x in enumerate(dc.samples) if x in p.index]
    pexp = p.loc[[dc.samples[k] for k in have]].to_numpy(np.float64)
    d_all = dosage[:, have]
    a = gi["ism"].to_numpy(np.float64)
    fw = forward_drivers(a, d_all, pexp, gain_min, alpha)
    bw = backward_drivers(a, d_all, pexp, alpha)
    ecols = [k for k, x in enumerate(dc.samples) if x in expr.columns]
    obs = expr.loc[gene, [dc.samples[k] for k in ecols]].to_numpy(np.float64)
    slope, er = eqtl_slopes(dosage[:, ecols], obs)
    sign = 1 if st.get("strand", "+") != "-" else -1
    g = gi.reset_index(drop=True).copy()
    g["distance_to_tss"] = (g["pos"] - int(st["tss"])) * sign
    mx = np.abs(a).max() if len(a) else 1.0
    g["ism_norm"] = a / (mx if mx > 0 else 1.0)
    g["eqtl_slope"], g["eqtl_r"] = slope, er
    g["driver"], g["gain"], g["main"] = False, np.nan, False
    g["driver_backward"], g["main_backward"] = False, False
    if len(fw):
        g.loc[fw["snv"], "driver"] = True
        g.loc[fw["snv"], "gain"] = fw["gain"].to_numpy()
        g.loc[fw["snv"], "main"] = fw["main"].to_numpy()
    if len(bw):
        g.loc[bw["snv"], "driver_backward"] = True
        g.loc[bw["snv"], "main_backward"] = bw["main"].to_numpy()
    r_lin = pearson(linear_approximation(d_all, a), pexp)
    r_grad = pearson(linear_approximation(d_all, g["grad"].to_numpy(np.float64)), pexp) \
        if g["grad"].notna().any() else np.nan
    return g, fw, bw, slope, (gene, r_lin, r_grad, len(fw), len(bw))
