"""Follow-up benchmarks with the DREAM-optimised models (specs/dream.md §6).

* Drosophila S2 STARR-seq (DeepSTARR): 249-bp sequences, both strands as rows (``rev`` from the
  ``_-_`` in ID), two outputs (developmental, housekeeping), DeepSTARR split (``set`` column:
  Train / Val / Test, Test = second half of chr2R), loss MSE_dev + MSE_hk, Pearson per task on Test.
* Human lentiMPRA (K562 / HepG2 / WTC11): 230-bp oligos, ``_Reversed:`` in seq_id -> rev channel,
  one output, k-fold CV over the ``fold`` column: test fold k, validation fold (k + 1) mod K,
  training = the rest; Pearson on the test fold.

Models: the DREAM-CNN / -RNN / -Attn constructors with 5 input channels (A, G, C, T, rev) and the
follow-ups' regression final block (per output Conv1d(in, 256, 1) -> pool -> Linear(256, 1)).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.metrics.correlation import pearson
from regbench.studies.dream.preprocess import followup_encode
from regbench.workflow import atomic_path

DROSOPHILA_COLUMNS = ["ID", "set", "Sequence", "Dev_log2_enrichment", "Hk_log2_enrichment"]
HUMAN_COLUMNS = ["seq_id", "seq", "mean_value", "fold"]


def read_drosophila(directory: str | os.PathLike) -> pd.DataFrame:
    """Every table under ``directory`` whose header holds the DeepSTARR columns, concatenated."""
    frames = []
    for path in sorted(Path(directory).rglob("*")):
        if not path.is_file() or path.suffix not in (".txt", ".tsv", ".csv"):
            continue
        sep = "," if path.suffix == ".csv" else "\t"
        head = pd.read_csv(path, sep=sep, nrows=0).columns
        if all(c in head for c in DROSOPHILA_COLUMNS):
            frames.append(pd.read_csv(path, sep=sep))
    if not frames:
        raise InputError(directory, None, f"a table with columns {', '.join(DROSOPHILA_COLUMNS)}", "none found")
    df = pd.concat(frames, ignore_index=True)
    df["Sequence"] = df["Sequence"].str.upper()
    df["rev"] = df["ID"].astype(str).str.contains("_-_").astype(np.float32)
    return df


def read_human(directory: str | os.PathLike, cell: str) -> pd.DataFrame:
    """``<cell>_clean.tsv`` found anywhere under ``directory`` (seq_id seq mean_value fold)."""
    hits = sorted(Path(directory).rglob(f"{cell}_clean.tsv"))
    if not hits:
        raise InputError(directory, None, f"a file {cell}_clean.tsv", "none found")
    df = pd.read_csv(hits[0], sep="\t")
    missing = [c for c in HUMAN_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(hits[0], "header", f"columns {', '.join(HUMAN_COLUMNS)}", ",".join(df.columns))
    df["seq"] = df["seq"].str.upper()
    df["rev"] = df["seq_id"].astype(str).str.contains("_Reversed:").astype(np.float32)
    return df


def _fit_predict(spec: dict, x_tr, y_tr, x_va, y_va, x_te, outdir, seed, log, precision: dict):
    import torch

    from regbench.models import registry
    from regbench.predict.device import study_precision
    from regbench.predict.engine import predict
    from regbench.studies.dream.runs import _import_models, _reset_if_changed
    from regbench.studies.dream.recipes import mse_loss
    from regbench.train.trainer import TrainConfig, fit

    _import_models()
    torch.manual_seed(seed)
    hp = {**spec.get("hparams", {}), "in_channels": x_tr.shape[2], "input_length": x_tr.shape[1],
          "n_outputs": y_tr.shape[1], "final": "regression"}
    model = registry.build(spec["arch"], **hp)
    cfg = TrainConfig(**{**spec.get("train", {}), "seed": seed,
                         "precision": study_precision({"precision": precision}, "training")})
    _reset_if_changed(Path(outdir), {"spec": spec, "seed": seed, "n": len(x_tr), "precision": cfg.precision}, log)
    res = fit(model, (x_tr, y_tr), (x_va, y_va), mse_loss, cfg, outdir, log=log)
    return predict(res.model, x_te, batch_size=256, precision=study_precision({"precision": precision}, "inference"),
                   progress=False)


def run_drosophila(name: str, spec: dict, directory: str, outdir: str, out_tsv: str, seed: int, log=None, *,
                   precision: dict) -> pd.DataFrame:
    """Train on Train, select on Val, Pearson per task on Test. Writes model, task, n, pearson."""
    log = log or logging.getLogger("regbench.dream")
    df = read_drosophila(directory)
    parts = {s: df[df["set"].str.lower() == s] for s in ("train", "val", "test")}
    for s, p in parts.items():
        if len(p) == 0:
            raise InputError(directory, "set column", f"rows with set = {s.title()}", "none")
    xs = {s: followup_encode(p["Sequence"].tolist(), p["rev"].to_numpy()) for s, p in parts.items()}
    ys = {s: p[["Dev_log2_enrichment", "Hk_log2_enrichment"]].to_numpy(np.float32) for s, p in parts.items()}
    pred = _fit_predict(spec, xs["train"], ys["train"], xs["val"], ys["val"], xs["test"], outdir, seed, log, precision)
    rows = [{"model": name, "task": t, "n": len(ys["test"]), "pearson": float(pearson(ys["test"][:, i], pred[:, i]))}
            for i, t in enumerate(("Dev", "Hk"))]
    out = pd.DataFrame(rows)
    with atomic_path(out_tsv) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return out


def run_human(name: str, spec: dict, directory: str, cells, folds, n_folds: int, outdir: str, out_tsv: str, seed: int, log=None, *,
              precision: dict) -> pd.DataFrame:
    """k-fold CV per cell type (test fold k, validation fold k+1 mod n_folds). Writes model, cell,
    fold, n, pearson."""
    log = log or logging.getLogger("regbench.dream")
    rows = []
    for cell in cells:
        df = read_human(directory, cell)
        x = followup_encode(df["seq"].tolist(), df["rev"].to_numpy())
        y = df[["mean_value"]].to_numpy(np.float32)
        fold = df["fold"].to_numpy()
        for k in folds:
            te, va = fold == k, fold == (k + 1) % n_folds
            tr = ~(te | va)
            pred = _fit_predict(spec, x[tr], y[tr], x[va], y[va], x[te], Path(outdir) / f"{cell}_fold{k}", seed, log,
                                precision)
            rows.append({"model": name, "cell": cell, "fold": int(k), "n": int(te.sum()), "pearson": float(pearson(y[te, 0], pred[:, 0]))})
            log.info("%s %s fold %d: r = %.3f", name, cell, k, rows[-1]["pearson"])
    out = pd.DataFrame(rows)
    with atomic_path(out_tsv) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return out
