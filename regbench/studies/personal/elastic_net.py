"""Elastic-net head on Enformer's reference track features (Sasse et al. 2023 §1.5, Fig. 1B).

Features ``X[g, t]`` = readout (default sum_b ln(1 + pred[b, t])) of the reference window of
gene g over the centre bins; target = population-mean expression (GTEx cortex in the paper).
sklearn recipe (SAGEnet ``finetune_enformer.py``): ``ElasticNetCV(l1_ratio, cv=PredefinedSplit)``
on train + valid genes chooses alpha (train genes fit, valid genes score), then ``ElasticNet``
with that alpha is refit on the train genes only; the split is Enformer's (genes whose TSS +-20 kb
lies in one of its train/valid/test regions) on the paper config. The authors' published weights
(``GTExWeights.csv``: one row per track + ``offset``) are a second head applied to the same
features (their MATLAB feature definition is not published, spec §7.3). ``elastic_net.heads``
lists the heads to build; weights are written in the GTExWeights layout either way.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson
from regbench.workflow import atomic_path


def fit_elastic_net(x: np.ndarray, y: np.ndarray, split: np.ndarray, l1_ratio: float = 0.5,
                    seed: int = 0) -> tuple[np.ndarray, float, float]:
    """Fit on (n_genes, T) features ``x`` and target ``y``; ``split`` holds train/valid/test.

    Returns (coef (T,), intercept, alpha)."""
    from sklearn.linear_model import ElasticNet, ElasticNetCV
    from sklearn.model_selection import PredefinedSplit

    split = np.asarray(split)
    tv = np.isin(split, ["train", "valid"])
    fold = np.where(split[tv] == "valid", 0, -1)
    if (fold == 0).sum() == 0 or (fold == -1).sum() == 0:
        raise ValueError("elastic net: need both train and valid genes (check test/valid_chroms)")
    cv = ElasticNetCV(l1_ratio=l1_ratio, cv=PredefinedSplit(fold), max_iter=20000,
                      random_state=seed).fit(x[tv], y[tv])
    model = ElasticNet(alpha=cv.alpha_, l1_ratio=l1_ratio, max_iter=20000,
                       random_state=seed).fit(x[split == "train"], y[split == "train"])
    return model.coef_.astype(np.float64), float(model.intercept_), float(cv.alpha_)


def write_weights_csv(path: str, descriptions, coef: np.ndarray, intercept: float) -> None:
    df = pd.DataFrame({"tracks": list(descriptions) + ["offset"],
                       "weights": list(np.asarray(coef, float)) + [float(intercept)]})
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def head_column(head: str) -> str:
    """Prediction column of an elastic-net head: ``finetuned_<head>`` (published, sklearn)."""
    return f"finetuned_{head}"


def run_elastic_net(genes_tsv: str, expression: str, reference_npz: list[str], targets: str,
                    out_weights: dict[str, str], out_predictions: str, cfg: dict,
                    population_mean: str | None = None, published: str | None = None,
                    log: logging.Logger | None = None) -> pd.DataFrame:
    """Fit and/or load the elastic-net heads of ``elastic_net.heads``; write each head's weights
    (``out_weights``: head -> CSV in the GTExWeights layout) and the per-gene reference
    predictions table.

    Heads: ``published`` = the authors' ``GTExWeights.csv`` applied to our features; ``sklearn``
    = :func:`fit_elastic_net` on the population mean (GTEx v8 Brain - Cortex mean expression in the
    paper) with the gene split of ``genes_tsv`` (Enformer's train/valid/test regions on the paper
    config; genes of split ``none`` are not fitted). The table has gene_id, gene_name, chrom,
    split, observed_mean (mean of the observed expression matrix, ROSMAP), population_mean (when
    given), finetuned_<head> per head, finetuned (= the first head, the one personal predictions
    call ``finetuned``) and cage (the single readout track).
    """
    from regbench.predict.enformer import read_targets, track_index
    from regbench.studies.personal.genes import read_expression
    from regbench.studies.personal.predictions import read_weights_csv

    log = log or logging.getLogger(__name__)
    readout = cfg.get("readout", "sum_log1p")
    ecfg = cfg.get("elastic_net", {})
    heads = list(ecfg.get("heads", ["sklearn"]))
    genes = pd.read_csv(genes_tsv, sep="\t")
    zs = [np.load(p) for p in reference_npz]
    ids = np.concatenate([z["gene_id"] for z in zs]).astype(str)
    x = np.concatenate([z[readout] for z in zs]).astype(np.float64)
    feat = pd.DataFrame(x, index=ids)
    genes = genes[genes["gene_id"].isin(ids)].reset_index(drop=True)
    x = feat.loc[genes["gene_id"]].to_numpy()
    tdf = read_targets(targets)
    track = track_index(tdf, cfg["track"])
    expr = read_expression(expression)
    genes["observed_mean"] = expr.mean(axis=1).reindex(genes["gene_id"]).to_numpy()
    if population_mean:
        pm = pd.read_csv(population_mean, sep="\t").set_index("gene_id")["mean_expression"]
        genes["population_mean"] = pm.reindex(genes["gene_id"]).to_numpy()
    cols = []
    for head in heads:
        if head == "published":
            if not published:
                raise ValueError("elastic_net.heads has 'published' but personal.published_weights is not set")
            coef, intercept = read_weights_csv(published)
            if len(coef) != x.shape[1]:
                raise ValueError(f"{published}: {len(coef)} track weights for a head with {x.shape[1]} tracks")
            log.info("published weights: %d non-zero, offset %.4g", int((coef != 0).sum()), intercept)
        elif head == "sklearn":
            if "population_mean" not in genes:
                raise ValueError("elastic_net.heads has 'sklearn' but personal.inputs.population_mean is not set")
            ok = genes["population_mean"].notna().to_numpy() & genes["split"].isin(["train", "valid", "test"]).to_numpy()
            coef, intercept, alpha = fit_elastic_net(
                x[ok], genes.loc[ok, "population_mean"].to_numpy(float), genes.loc[ok, "split"].to_numpy(),
                float(ecfg.get("l1_ratio", 0.5)))
            log.info("elastic net (sklearn): alpha %.4g, %d non-zero weights, intercept %.4g on %d train+valid genes",
                     alpha, int((coef != 0).sum()), intercept, int(np.isin(genes.loc[ok, "split"], ["train", "valid"]).sum()))
        else:
            raise ValueError(f"unknown elastic_net head {head!r} (published, sklearn)")
        write_weights_csv(out_weights[head], tdf["description"].astype(str), coef, intercept)
        genes[head_column(head)] = x @ coef + intercept
        cols.append(head_column(head))
    genes["finetuned"] = genes[head_column(heads[0])]
    genes["cage"] = x[:, track]
    keep = ["gene_id", "gene_name", "chrom", "split", "observed_mean"] + (
        ["population_mean"] if "population_mean" in genes else []) + cols + ["finetuned", "cage"]
    out = genes[keep]
    with atomic_path(out_predictions) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    for c in cols:
        for s in ("all", "test"):
            d = out if s == "all" else out[out["split"] == "test"]
            if len(d) > 2:
                log.info("R(%s, observed mean) on %s genes: %.3f (n=%d)", c, s,
                         pearson(d[c], d["observed_mean"]), len(d))
    return out


def gtex_tissue_mean(tpm_gct: str, attributes: str, out: str, tissue: str = "Brain - Cortex",
                     pseudocount: float = 1.0, chunksize: int = 2000, log: logging.Logger | None = None) -> pd.DataFrame:
    """Population-mean expression target of the elastic-net head from the GTEx v8 downloads
    (spec §2.1): mean over the ``tissue`` samples (``SMTSD`` of the sample attributes table) of
    log2(TPM + ``pseudocount``) per gene, version stripped. The authors' exact preprocessing
    ("covariate-adjusted log TPM" in SAGEnet) is not published: documented choice.

    The GCT (56,200 genes x 17,382 samples, 2.6 GB) is streamed ``chunksize`` rows at a time
    reading only the tissue's columns. Writes gene_id, mean_expression, n_samples.
    """
    from regbench.errors import InputError

    log = log or logging.getLogger(__name__)
    attr = pd.read_csv(attributes, sep="\t", usecols=["SAMPID", "SMTSD"], dtype=str)
    samples = set(attr.loc[attr["SMTSD"] == tissue, "SAMPID"])
    if not samples:
        raise InputError(attributes, "SMTSD", f"samples of tissue {tissue!r}", sorted(attr["SMTSD"].dropna().unique())[:8])
    header = pd.read_csv(tpm_gct, sep="\t", skiprows=2, nrows=0)
    if list(header.columns[:2]) != ["Name", "Description"]:
        raise InputError(tpm_gct, "line 3", "GCT header Name, Description, <sample IDs>", list(header.columns[:3]))
    cols = [c for c in header.columns[2:] if c in samples]
    if not cols:
        raise InputError(tpm_gct, "header", f"sample columns of tissue {tissue!r}", "none")
    parts = []
    for block in pd.read_csv(tpm_gct, sep="\t", skiprows=2, usecols=["Name"] + cols, chunksize=chunksize):
        v = np.log2(block[cols].to_numpy(np.float64) + pseudocount).mean(axis=1)
        parts.append(pd.DataFrame({"gene_id": block["Name"].astype(str).str.split(".").str[0], "mean_expression": v}))
    df = pd.concat(parts, ignore_index=True).groupby("gene_id", sort=True, as_index=False)["mean_expression"].mean()
    df["n_samples"] = len(cols)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    log.info("GTEx %s: %d samples, %d genes", tissue, len(cols), len(df))
    return df


def finemapped_from_table(table: str, column: str, out: str) -> pd.DataFrame:
    """Genes with fine-mapped causal eQTLs (ED Fig. 1C) from Supplementary Table 1 of the paper
    (``Data/SupplementaryTable1.tsv``): rows whose ``column`` (``SusieCausalCortexhg38`` or
    ``SuSieCausalBrainhg38``: SuSiE causal variant IDs of Wang et al. 2021) is not empty. Writes
    gene_id, variant_id (the column's value)."""
    from regbench.errors import InputError

    df = pd.read_csv(table, sep="\t", dtype=str)
    df.columns = [c.lstrip("# ").strip() for c in df.columns]
    gcol = next((c for c in df.columns if c.lower() in ("gene_id", "geneid", "ensg", "gene")), None)
    if column not in df or gcol is None:
        raise InputError(table, "header", f"a gene ID column and {column!r}", list(df.columns))
    v = df[column].fillna("").str.strip()
    keep = v.ne("") & v.str.lower().ne("nan")
    out_df = pd.DataFrame({"gene_id": df.loc[keep, gcol].str.split(".").str[0], "variant_id": v[keep]})
    with atomic_path(out) as tmp:
        out_df.to_csv(tmp, sep="\t", index=False)
    return out_df
