"""Follow-up benchmarks with the DREAM-optimised models and their baselines (specs/dream.md §6).

* Drosophila S2 STARR-seq (DeepSTARR): 249-bp sequences, both strands as rows (``rev`` from the
  ``_-_`` in ID), two outputs (developmental, housekeeping), DeepSTARR split (``set`` column:
  Train / Val / Test, Test = second half of chr2R), loss MSE_dev + MSE_hk, Pearson per task on Test.
  Baseline: DeepSTARR itself (:mod:`.baselines`), on the same rows.
* Human lentiMPRA (K562 / HepG2 / WTC11): 230-bp oligos, ``_Reversed:`` in seq_id -> rev channel,
  one output, k-fold CV over the ``fold`` column: test fold k, validation fold (k + 1) mod K,
  training = the rest; Pearson on the test fold. One call = one model x cell x fold (one SLURM
  job). Baseline: MPRA-LegNet (:mod:`.baselines`), on the same folds.

Model inputs (``spec["input"]``):

| input | channels | training augmentation | prediction |
|---|---|---|---|
| ``dream`` | A, G, C, T + rev (the DREAM notebooks) | none (both orientations are rows) | as given |
| ``onehot`` | A, C, G, T (DeepSTARR) | none | as given |
| ``mpra_legnet`` | A, G, C, T | random reverse complement (p 0.5) and a shift of -21..21 bp into the vector flanks, per item and epoch | mean over the sequence and its reverse complement |

Sequences are encoded per batch from strings (:class:`FollowupData`), so memory is set by the
batch, not by the table.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from regbench.errors import InputError
from regbench.genome.fasta import reverse_complement
from regbench.genome.onehot import one_hot
from regbench.metrics.correlation import pearson
from regbench.studies.dream.preprocess import AUTOSOME_ALPHABET, followup_encode
from regbench.studies.dream.recipes import BatchDataset, BatchView
from regbench.workflow import atomic_path

DROSOPHILA_COLUMNS = ["ID", "set", "Sequence", "Dev_log2_enrichment", "Hk_log2_enrichment"]
HUMAN_COLUMNS = ["seq_id", "seq", "mean_value", "fold"]
#: MPRA-LegNet's vector flanks for the shift augmentation (human_legnet dataset.py)
MPRA_FORWARD_SIDE = "GGCCCGCTCTAGACCTGCAGG"
MPRA_REVERSE_SIDE = "CACTAGAGGGTATATAATGGAAGCTCGACTTCCAGCTTGGCAATCCGGTACTGT"
INPUTS = ("dream", "onehot", "mpra_legnet")


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


def mpra_shift(seq: str, shift: int) -> str:
    """MPRA-LegNet's shift: negative = move into the forward flank, positive = into the reverse flank."""
    if shift < 0:
        return MPRA_FORWARD_SIDE[shift:] + seq[:shift]
    if shift > 0:
        return seq[shift:] + MPRA_REVERSE_SIDE[:shift]
    return seq


def encode_inputs(kind: str, seqs, rev) -> np.ndarray:
    """(N, L, C) float32 inputs of ``kind`` (module table; no augmentation)."""
    if kind == "dream":
        return followup_encode(seqs, rev)
    if kind == "onehot":
        return one_hot(list(seqs))
    if kind == "mpra_legnet":
        return one_hot(list(seqs), alphabet=AUTOSOME_ALPHABET)
    raise ValueError(f"follow-up input must be one of {INPUTS}, got {kind!r}")


class FollowupData(BatchDataset):
    """Follow-up items encoded per batch: array views ``x`` / ``y`` for the trainer (and the
    Dataset itself for DataLoader workers). ``augment=True`` applies the MPRA-LegNet augmentation,
    drawn per (seed, epoch, item)."""

    def __init__(self, kind: str, seqs, rev, y, augment: bool = False, seed: int = 0):
        if kind not in INPUTS:
            raise ValueError(f"follow-up input must be one of {INPUTS}, got {kind!r}")
        self.kind, self.seqs, self.rev = kind, list(seqs), np.asarray(rev, dtype=np.float32)
        self.yv = np.asarray(y, dtype=np.float32)
        self.augment, self.seed, self.epoch = augment, int(seed), 0
        self.x, self.y = BatchView(self, 0), BatchView(self, 1)

    def __len__(self) -> int:
        return len(self.seqs)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def batch(self, idx):
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        seqs = [self.seqs[i] for i in idx]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, int(idx[0]) if len(idx) else 0, len(idx)])
            shifts = rng.integers(-len(MPRA_FORWARD_SIDE), len(MPRA_FORWARD_SIDE) + 1, size=len(idx))
            flip = rng.random(len(idx)) > 0.5
            seqs = [mpra_shift(s, int(k)) for s, k in zip(seqs, shifts)]
            seqs = [reverse_complement(s) if f else s for s, f in zip(seqs, flip)]
        return encode_inputs(self.kind, seqs, self.rev[idx]), self.yv[idx]

    def targets(self, idx) -> np.ndarray:
        return self.yv[np.asarray(idx)]


def _build(spec: dict, in_channels: int, length: int, n_outputs: int):
    from regbench.models import registry
    from regbench.studies.dream.runs import _import_models

    _import_models()
    import regbench.studies.dream.baselines  # noqa: F401  (registers deepstarr, mpra_legnet)

    hp = {**spec.get("hparams", {}), "in_channels": in_channels, "input_length": length, "n_outputs": n_outputs}
    if spec["arch"] in ("dream_cnn", "dream_rnn", "dream_attn", "dream_prixfixe"):
        hp["final"] = "regression"
    return registry.build(spec["arch"], **hp)


def _fit_predict(spec: dict, train, valid, test_seqs, test_rev, outdir, seed, log, precision: dict):
    """Train on ``train`` / ``valid`` (FollowupData), predict the test sequences."""
    from regbench.predict.device import study_precision
    from regbench.predict.engine import predict
    from regbench.studies.dream.recipes import mse_loss
    from regbench.studies.dream.runs import _training_data
    from regbench.train.trainer import TrainConfig, fit, reset_if_changed

    kind = spec.get("input", "dream")
    torch.manual_seed(seed)
    x0 = train.x[[0]]
    model = _build(spec, x0.shape[2], x0.shape[1], train.yv.shape[1])
    cfg = TrainConfig(**{**spec.get("train", {}), "seed": seed,
                         "precision": study_precision({"precision": precision}, "training")})
    infer = study_precision({"precision": precision}, "inference")
    metrics = {"pearson": lambda p, y: float(np.mean([pearson(y[:, i], p[:, i]) for i in range(y.shape[1])]))}
    reset_if_changed(Path(outdir), {"spec": spec, "seed": seed, "n": len(train), "precision": cfg.precision}, log)
    res = fit(model, _training_data(train, cfg), _training_data(valid, cfg), mse_loss, cfg, outdir, metrics=metrics, log=log)
    chunk = 32_768
    preds = []
    for i in range(0, len(test_seqs), chunk):
        s, r = test_seqs[i : i + chunk], test_rev[i : i + chunk]
        p = predict(res.model, encode_inputs(kind, s, r), batch_size=256, precision=infer, progress=False)
        if kind == "mpra_legnet":  # forward and reverse orientation averaged
            rcs = [reverse_complement(t) for t in s]
            p = (p + predict(res.model, encode_inputs(kind, rcs, r), batch_size=256, precision=infer, progress=False)) / 2
        preds.append(p)
    return np.concatenate(preds)


def run_drosophila(name: str, spec: dict, directory: str, outdir: str, out_tsv: str, seed: int, log=None, *,
                   precision: dict) -> pd.DataFrame:
    """Train on Train, select on Val, Pearson per task on Test. Writes model, task, n, pearson."""
    log = log or logging.getLogger("regbench.dream")
    df = read_drosophila(directory)
    parts = {s: df[df["set"].str.lower() == s] for s in ("train", "val", "test")}
    for s, p in parts.items():
        if len(p) == 0:
            raise InputError(directory, "set column", f"rows with set = {s.title()}", "none")
    kind = spec.get("input", "dream")
    cols = ["Dev_log2_enrichment", "Hk_log2_enrichment"]
    data = {s: FollowupData(kind, p["Sequence"], p["rev"], p[cols].to_numpy(np.float32), augment=False, seed=seed)
            for s, p in parts.items() if s != "test"}
    te = parts["test"]
    pred = _fit_predict(spec, data["train"], data["val"], te["Sequence"].tolist(), te["rev"].to_numpy(), outdir, seed, log, precision)
    y = te[cols].to_numpy(np.float32)
    rows = [{"model": name, "arch": spec["arch"], "task": t, "n": len(y), "pearson": float(pearson(y[:, i], pred[:, i]))}
            for i, t in enumerate(("Dev", "Hk"))]
    out = pd.DataFrame(rows)
    with atomic_path(out_tsv) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return out


def run_human(name: str, spec: dict, directory: str, cell: str, fold: int, n_folds: int, outdir: str, out_tsv: str,
              seed: int, log=None, *, precision: dict) -> pd.DataFrame:
    """One cell x test fold (validation fold = fold + 1 mod n_folds, training = the rest).
    Writes model, arch, cell, fold, n, pearson."""
    log = log or logging.getLogger("regbench.dream")
    df = read_human(directory, cell)
    folds = sorted(df["fold"].unique().tolist())
    if fold not in folds:
        raise InputError(directory, f"{cell}_clean.tsv fold column", f"rows in test fold {fold}", f"folds {folds}")
    te = df["fold"].to_numpy() == fold
    va = df["fold"].to_numpy() == (fold + 1) % n_folds
    tr = ~(te | va)
    kind = spec.get("input", "dream")
    y = df[["mean_value"]].to_numpy(np.float32)
    seqs, rev = df["seq"].tolist(), df["rev"].to_numpy()

    def part(mask, augment):
        i = np.flatnonzero(mask)
        return FollowupData(kind, [seqs[j] for j in i], rev[i], y[i], augment=augment, seed=seed)

    train = part(tr, kind == "mpra_legnet")
    valid = part(va, False)
    it = np.flatnonzero(te)
    pred = _fit_predict(spec, train, valid, [seqs[j] for j in it], rev[it], outdir, seed, log, precision)
    row = {"model": name, "arch": spec["arch"], "cell": cell, "fold": int(fold), "n": int(te.sum()),
           "pearson": float(pearson(y[te, 0], pred[:, 0]))}
    log.info("%s %s fold %d: r = %.3f", name, cell, fold, row["pearson"])
    out = pd.DataFrame([row])
    with atomic_path(out_tsv) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return out
