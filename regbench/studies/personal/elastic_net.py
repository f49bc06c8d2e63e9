"""Elastic-net head on Enformer's reference track features (Sasse et al. 2023 §1.5, Fig. 1B).

Features ``X[g, t]`` = readout (default sum_b ln(1 + pred[b, t])) of the reference window of
gene g over the centre bins; target = population-mean expression (GTEx cortex in the paper).
sklearn recipe (SAGEnet ``finetune_enformer.py``): ``ElasticNetCV(l1_ratio, cv=PredefinedSplit)``
on train + valid genes chooses alpha (train genes fit, valid genes score), then ``ElasticNet``
with that alpha is refit on the train genes only. Alternatively the authors' published weights
(``GTExWeights.csv``: one row per track + ``offset``) are applied to the same features.
Weights are written in the GTExWeights layout either way.
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


def run_elastic_net(genes_tsv: str, expression: str, reference_npz: list[str], targets: str,
                    out_weights: str, out_predictions: str, cfg: dict,
                    population_mean: str | None = None, published: str | None = None,
                    log: logging.Logger | None = None) -> pd.DataFrame:
    """Fit (or load) the head; write the weights and the per-gene reference predictions table
    (gene_id, gene_name, split, observed_mean (mean of the observed expression matrix, ROSMAP),
    population_mean (when given), finetuned, cage (the single readout track))."""
    from regbench.predict.enformer import read_targets, track_index
    from regbench.studies.personal.genes import read_expression
    from regbench.studies.personal.predictions import read_weights_csv

    log = log or logging.getLogger(__name__)
    readout = cfg.get("readout", "sum_log1p")
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
    source = cfg.get("elastic_net", {}).get("source", "sklearn")
    if population_mean:
        pm = pd.read_csv(population_mean, sep="\t").set_index("gene_id")["mean_expression"]
        genes["population_mean"] = pm.reindex(genes["gene_id"]).to_numpy()
    if source == "published":
        coef, intercept = read_weights_csv(published)
        if len(coef) != x.shape[1]:
            raise ValueError(f"{published}: {len(coef)} track weights for a head with {x.shape[1]} tracks")
        log.info("published weights: %d non-zero, offset %.4g", int((coef != 0).sum()), intercept)
    else:
        ok = genes["population_mean"].notna().to_numpy()
        coef, intercept, alpha = fit_elastic_net(
            x[ok], genes.loc[ok, "population_mean"].to_numpy(float), genes.loc[ok, "split"].to_numpy(),
            float(cfg.get("elastic_net", {}).get("l1_ratio", 0.5)))
        log.info("elastic net: alpha %.4g, %d non-zero weights, intercept %.4g", alpha,
                 int((coef != 0).sum()), intercept)
    write_weights_csv(out_weights, tdf["description"].astype(str), coef, intercept)
    genes["finetuned"] = x @ coef + intercept
    genes["cage"] = x[:, track]
    cols = ["gene_id", "gene_name", "chrom", "split", "observed_mean"] + (
        ["population_mean"] if "population_mean" in genes else []) + ["finetuned", "cage"]
    out = genes[cols]
    with atomic_path(out_predictions) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    for s in ("all", "test"):
        d = out if s == "all" else out[out["split"] == "test"]
        if len(d) > 2:
            log.info("R(finetuned, observed mean) on %s genes: %.3f (n=%d)", s,
                     pearson(d["finetuned"], d["observed_mean"]), len(d))
    return out
