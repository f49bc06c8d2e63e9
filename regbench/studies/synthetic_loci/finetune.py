"""Fine-tuning Enformer on payload activity (spec §4).

:func:`run_finetune`: one head configuration (``SH64_64``, ``SH64_128``, ``MH64_64``) x one split:
``authors`` (every payload trains; the validation set is a second draw of windows of the same
payloads, README protocol) or ``fold<k>`` (payload-level CV: payloads of fold k held out; the
validation windows are those of the training payloads; :func:`~regbench.studies.synthetic_loci.
payloads.split_payloads`). MSE, Adam, full trunk trainable, through
:func:`regbench.train.trainer.fit` (checkpoint/resume in ``outdir``; :func:`_guard_checkpoint`
drops checkpoints of other inputs or settings). Prediction with the fine-tuned model is in
:mod:`regbench.studies.synthetic_loci.predict`; the models are built and loaded in
:mod:`regbench.studies.synthetic_loci.heads`.

Memory: sequences are held as uint8 ASCII bytes (1 byte per base) and one-hot encoded per window
(:func:`window_dataset`); the float32 one-hot of every payload (16 bytes per base) is never built.

torch is imported inside the functions (study modules stay torch-free at import).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.studies.synthetic_loci.heads import build_finetune, load_base
from regbench.studies.synthetic_loci.payloads import SequenceTable, read_tables, split_payloads


def encode_sequences(seqs, names: list[str]) -> np.ndarray:
    """(P, L) uint8 ASCII bytes of the engineered sequences of ``names`` (one-hot per window later)."""
    out = None
    for i, n in enumerate(names):
        b = np.frombuffer(seqs[n].encode("ascii"), dtype=np.uint8)
        if out is None:
            out = np.empty((len(names), len(b)), dtype=np.uint8)
        out[i] = b
    return out if out is not None else np.zeros((0, 0), dtype=np.uint8)


def window_dataset(codes: np.ndarray, index: dict[str, int], windows: pd.DataFrame, activity: dict[str, float], window: int, n_value: float = 0.25):
    """torch Dataset of (x (window, 4) float32, y float32) for the rows of ``windows``; ``codes``:
    (P, L) uint8 ASCII of the payloads' sequences, one-hot encoded per item (N = ``n_value``)."""
    import torch

    from regbench.genome.onehot import one_hot

    class WindowDataset(torch.utils.data.Dataset):
        def __init__(self):
            self.p = np.array([index[n] for n in windows["name"]], dtype=int)
            self.o = windows["offset"].to_numpy(dtype=int)
            self.y = np.array([activity[n] for n in windows["name"]], dtype=np.float32)

        def __len__(self):
            return len(self.p)

        def __getitem__(self, i):
            o = self.o[i]
            return torch.from_numpy(one_hot(codes[self.p[i], o : o + window], n_value=n_value)), torch.tensor(self.y[i])

    return WindowDataset()


def run_finetune(
    enformer_source: str,
    dataset_dir: str | os.PathLike,
    head: dict,
    split: str,
    outdir: str | os.PathLike,
    window: int,
    train: dict,
    n_value: float = 0.25,
    use_tf_gamma=None,
    seed: int = 0,
    freeze_batchnorm: bool = False,
    log=None,
    *,
    precision: str,
):
    """Fine-tune one head configuration on one split at ``precision`` (study key
    ``precision.training``); returns the trainer's TrainResult."""
    import torch

    from regbench.train.trainer import TrainConfig, fit

    ds, _dhs, win = read_tables(dataset_dir)
    train_names, held = split_payloads(ds, split)
    names = list(ds["name"])
    codes = encode_sequences(SequenceTable(Path(dataset_dir) / "sequences.tsv"), names)
    index = {n: i for i, n in enumerate(names)}
    activity = dict(zip(ds["name"], ds["activity"]))
    tr = win[(win["set"] == "train") & win["name"].isin(train_names)]
    va = win[(win["set"] == "validation") & win["name"].isin(train_names)]
    enformer = load_base(enformer_source, use_tf_gamma, window)
    model = build_finetune(enformer, window // 128, head["key_size"], head["value_size"], head["num_heads"], head.get("dropout", 0.1), freeze_batchnorm)
    cfg = TrainConfig(seed=seed, precision=precision, **train)
    _guard_checkpoint(outdir, {"enformer": _source_stamp(enformer_source), "head": head, "split": split, "window": window,
                               "train": train, "seed": seed, "n_value": n_value, "freeze_batchnorm": freeze_batchnorm,
                               "precision": precision,
                               "payloads": _source_stamp(Path(dataset_dir) / "payloads.tsv"), "windows": _source_stamp(Path(dataset_dir) / "windows.tsv")}, log)
    if log is not None:
        log.info("fine-tune %s split %s: %d train payloads (%d windows), %d held out, %d valid windows", head, split, len(train_names), len(tr), len(held), len(va))

    def mse(pred, y):
        return torch.mean((pred - y) ** 2)

    return fit(
        model,
        window_dataset(codes, index, tr, activity, window, n_value),
        window_dataset(codes, index, va, activity, window, n_value),
        mse,
        cfg,
        outdir,
        metrics={"pearson": _pearson},
        log=log,
    )


def _source_stamp(path) -> str:
    """Identity of an input for checkpoint reuse: path + size + mtime of a file, or of every file in a directory."""
    p = Path(path)
    if not p.exists():
        return str(path)
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return ";".join(f"{f}:{f.stat().st_size}:{int(f.stat().st_mtime)}" for f in files)


def _guard_checkpoint(outdir, key: dict, log=None) -> None:
    """Resume only checkpoints of the same run: ``outdir/run_key.json`` records the inputs and settings;
    if it differs (e.g. new base weights or config), the old trainer checkpoints are removed first."""
    import json

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    kf = outdir / "run_key.json"
    text = json.dumps(key, sort_keys=True, default=str)
    if kf.exists() and kf.read_text() != text:
        for name in ("checkpoint_last.pt", "best.pt", "model.pt", "history.tsv"):
            if (outdir / name).exists():
                (outdir / name).unlink()
        if log is not None:
            log.info("%s: inputs or settings changed since the last checkpoint; starting afresh", outdir)
    elif not kf.exists() and (outdir / "checkpoint_last.pt").exists():
        (outdir / "checkpoint_last.pt").unlink()
        if log is not None:
            log.info("%s: checkpoint without run key removed; starting afresh", outdir)
    kf.write_text(text)


def _pearson(p, y):
    from regbench.metrics.correlation import pearson

    return float(pearson(np.ravel(p), np.ravel(y)))
