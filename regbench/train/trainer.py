"""The one training loop: checkpoint every epoch, resume, early stopping, LR schedules, metrics TSV.

Usage::

    from regbench.train.trainer import TrainConfig, fit
    from regbench.train.losses import get_loss
    res = fit(model, (x_train, y_train), (x_valid, y_valid), get_loss("poisson"),
              TrainConfig(max_epochs=20, patience=5, schedule="plateau"), "results/.../run")
    res.model, res.history, res.best_epoch, res.epochs_run

Files written in ``outdir`` (all atomically):

* ``checkpoint_last.pt`` after every epoch: model, optimizer and scheduler state, RNG states,
  epoch, best loss/epoch, early-stopping counter, history, ``finished`` flag;
* ``best.pt``: state_dict of the epoch with the lowest validation loss (highest ``cfg.select_metric``
  when set);
* ``model.pt``: the selected state_dict (``cfg.select`` = "best" or "last"), rewritten every epoch;
* ``history.tsv``: epoch, train_loss, valid_loss, lr, seconds, + one column per metric.

Calling :func:`fit` again with the same ``outdir`` resumes from ``checkpoint_last.pt`` (a finished
run returns at once). Determinism: the global torch RNG (dropout) and the shuffling/augmentation
generators are re-seeded from ``(cfg.seed, epoch)`` at the start of every epoch, so an interrupted
and resumed run gives the same weights as an uninterrupted one (bit-identical on CPU).

Data: ``train``/``valid`` are a ``torch.utils.data.Dataset`` yielding ``(x, y)`` or a tuple of
arrays ``(x, y)`` with x ``(N, L, 4)`` one-hot and y the targets in the model's output shape
(``(N, L_out, T)`` or ``(N, T)``). ``augment(x, y, generator) -> (x, y)`` (torch tensors on the
training device) is applied to training batches only. ``metrics``: name -> ``f(pred, y) -> float``
on the whole validation set (numpy arrays) each epoch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from regbench.predict.device import (
    TRAIN_PRECISIONS,
    autocast,
    check_precision,
    fp32_math,
    model_device,
    resolve_device,
)
from regbench.workflow import atomic_path

CHECKPOINT = "checkpoint_last.pt"
BEST = "best.pt"
MODEL = "model.pt"
HISTORY = "history.tsv"


@dataclass
class TrainConfig:
    max_epochs: int = 10
    batch_size: int = 64  # used when train/valid are arrays (and for Datasets)
    optimizer: str = "adam"  # "adam" | "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    schedule: str | None = None  # None | "plateau" | "onecycle" | "cosine" | "cosine_steps" | "noam"
    plateau_factor: float = 0.2
    plateau_patience: int = 3  # LR x plateau_factor at this many epochs without improvement (Keras)
    patience: int | None = None  # early stopping on validation loss
    grad_clip: float | None = None
    # "fp32" (TF32 off for the whole step) | "bf16" (autocast of the forward pass, on CUDA and on
    # CPU); studies set it from their config `precision.training` (regbench.predict.device)
    precision: str = "fp32"
    select: str = "best"  # "best" (lowest valid loss) | "last"
    seed: int = 0
    device: str | None = None  # None = regbench.predict.device.resolve_device (cuda if visible)
    # > 0: batches are gathered by this many DataLoader worker processes (same batches, same
    # order as with 0: the shuffled index batches are drawn in the main process)
    num_workers: int = 0
    steps_per_epoch: int | None = None  # cap batches per epoch (demo speed)
    # > 0: before each validation, re-estimate BatchNorm running statistics from this many
    # training batches with dropout off (see recalibrate_batchnorm); 0 keeps the authors' Keras
    # behaviour (running averages collected during training, with dropout on)
    bn_recalibrate_batches: int = 0
    # Adam/AdamW (beta1, beta2) and eps; None = PyTorch defaults (0.9, 0.999), 1e-8
    betas: tuple[float, float] | None = None
    eps: float | None = None
    # element-wise gradient clipping (applied before grad_clip, Keras' clipvalue-then-clipnorm order)
    grad_clip_value: float | None = None
    # "global": grad_clip bounds the norm of all gradients together (torch clip_grad_norm_);
    # "per_tensor": each parameter's gradient separately (Keras optimizer clipnorm)
    grad_clip_mode: str = "global"
    # schedule "noam": lr(step) = lr * noam_d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5),
    # step = optimizer updates done (0 at the first update, as Keras' iterations), stepped per batch
    warmup_steps: int = 4000
    noam_d_model: int = 512
    # OneCycle: cycle beta1/momentum between 0.85 and 0.95 (PyTorch's default); False as Lightning users set
    onecycle_cycle_momentum: bool = True
    # select/early-stop on a validation metric (a key of fit(metrics=...), maximised) instead of
    # the validation loss (minimised)
    select_metric: str | None = None


@dataclass
class TrainResult:
    model: nn.Module
    history: pd.DataFrame
    best_epoch: int
    epochs_run: int


def recalibrate_batchnorm(model: nn.Module, batches, n_batches: int, device: torch.device) -> int:
    """Re-estimate every BatchNorm's running mean/variance from ``n_batches`` of ``batches``.

    Dropout (and every other module) is in eval mode, BatchNorm layers in train mode with a
    cumulative average (``momentum=None``), so the statistics are those the eval-mode network
    actually sees. Why: ResidualBind blocks put Dropout before Conv+BN, so during training each
    BN normalises dropout-noised activations; in eval mode the variance shifts and the shift
    compounds over ~15 blocks (Li et al. 2019, "Understanding the disharmony between dropout and
    batch normalization"). Long paper-scale trainings tolerate it; short demo runs do not.
    Returns the number of batches used (0 if the model has no BatchNorm).
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return 0
    was_training = model.training
    momenta = [m.momentum for m in bns]
    model.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    used = 0
    with torch.no_grad():
        for x, _ in batches:
            if used >= n_batches:
                break
            model(x.to(device, dtype=torch.float32))
            used += 1
    for m, mom in zip(bns, momenta):
        m.momentum = mom
    model.train(was_training)
    return used


class _IndexBatches(torch.utils.data.Dataset):
    """Item k = the arrays' rows of index batch k (for DataLoader workers: ``batch_size=None``)."""

    def __init__(self, x, y, index_batches: list[np.ndarray]):
        self.x, self.y, self.index_batches = x, y, index_batches

    def __len__(self) -> int:
        return len(self.index_batches)

    def __getitem__(self, k):
        idx = self.index_batches[k]
        return torch.as_tensor(np.asarray(self.x[idx])), torch.as_tensor(np.asarray(self.y[idx]))


class _ArrayData:
    """Batches from in-memory arrays ``(x, y)``; shuffling from an explicit generator.

    ``num_workers > 0`` gathers the batches in DataLoader worker processes; the index batches
    are drawn here, so batches and order are those of ``num_workers=0``.
    """

    def __init__(self, arrays, batch_size: int, num_workers: int = 0, pin_memory: bool = False):
        if not (isinstance(arrays, (tuple, list)) and len(arrays) == 2):
            raise TypeError("array data must be a tuple (x, y)")
        self.x, self.y = arrays
        if len(self.x) != len(self.y):
            raise ValueError(f"x and y differ in length: {len(self.x)} vs {len(self.y)}")
        self.batch_size = batch_size
        self.num_workers = int(num_workers)
        self.pin_memory = pin_memory

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def _index_batches(self, shuffle: bool, generator: torch.Generator | None) -> list[np.ndarray]:
        n = len(self.x)
        order = torch.randperm(n, generator=generator).numpy() if shuffle else np.arange(n)
        out = []
        for i in range(0, n, self.batch_size):
            idx = order[i : i + self.batch_size]
            out.append(np.sort(idx) if shuffle else idx)  # sorted: HDF5-friendly, same content
        return out

    def batches(self, shuffle: bool, generator: torch.Generator | None):
        index_batches = self._index_batches(shuffle, generator)
        if self.num_workers <= 0:
            for idx in index_batches:
                yield torch.as_tensor(np.asarray(self.x[idx])), torch.as_tensor(np.asarray(self.y[idx]))
            return
        # the workers' base seed from a generator of its own: drawn from the global torch RNG it
        # would shift the dropout masks away from those of num_workers=0
        loader = torch.utils.data.DataLoader(
            _IndexBatches(self.x, self.y, index_batches), batch_size=None, shuffle=False,
            num_workers=self.num_workers, pin_memory=self.pin_memory,
            generator=torch.Generator().manual_seed(int(generator.initial_seed()) if generator is not None else 0),
        )
        yield from loader


class _DatasetData:
    def __init__(self, dataset, batch_size: int, num_workers: int):
        self.dataset = dataset
        self.batch_size = batch_size
        self.num_workers = num_workers

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def batches(self, shuffle: bool, generator: torch.Generator | None):
        loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            shuffle=shuffle,
            generator=generator,
            num_workers=self.num_workers,
        )
        for x, y in loader:
            yield torch.as_tensor(x), torch.as_tensor(y)


def _wrap(data, cfg: TrainConfig, device: torch.device | None = None):
    if data is None:
        return None
    if isinstance(data, torch.utils.data.Dataset) or not isinstance(data, (tuple, list)):
        return _DatasetData(data, cfg.batch_size, cfg.num_workers)
    return _ArrayData(data, cfg.batch_size, cfg.num_workers, pin_memory=device is not None and device.type == "cuda")


def _make_optimizer(model: nn.Module, cfg: TrainConfig):
    params = [p for p in model.parameters() if p.requires_grad]
    kw = {"lr": cfg.lr, "weight_decay": cfg.weight_decay}
    if cfg.betas is not None:
        kw["betas"] = tuple(cfg.betas)
    if cfg.eps is not None:
        kw["eps"] = cfg.eps
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, **kw)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, **kw)
    raise ValueError(f"TrainConfig.optimizer must be 'adam' or 'adamw', got {cfg.optimizer!r}")


def noam_factor(step: int, d_model: int, warmup_steps: int) -> float:
    """Transformer (Noam) learning-rate factor d**-0.5 * min(step**-0.5, step * warmup**-1.5);
    0 at step 0 (Keras evaluates the schedule at iterations = 0 for the first update)."""
    if step <= 0:
        return 0.0
    return d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5)


#: schedules stepped after every optimizer update (the others once per epoch)
PER_STEP_SCHEDULES = ("onecycle", "noam", "cosine_steps")


def _clip_gradients(model: nn.Module, cfg: TrainConfig) -> None:
    params = [p for p in model.parameters() if p.grad is not None]
    if cfg.grad_clip_value is not None:
        nn.utils.clip_grad_value_(params, cfg.grad_clip_value)
    if cfg.grad_clip is not None:
        if cfg.grad_clip_mode == "per_tensor":
            for p in params:
                nn.utils.clip_grad_norm_([p], cfg.grad_clip)
        elif cfg.grad_clip_mode == "global":
            nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        else:
            raise ValueError(f"TrainConfig.grad_clip_mode must be 'global' or 'per_tensor', got {cfg.grad_clip_mode!r}")


def _set_epoch(data, epoch: int) -> None:
    """Tell epoch-aware training data (``set_epoch(epoch)``, as DistributedSampler) which epoch
    starts, so per-epoch random transforms (e.g. DREAM BHI's random vector padding) are drawn
    from (seed, epoch) and survive a resume."""
    for obj in (data, *(data if isinstance(data, (tuple, list)) else ())):
        if hasattr(obj, "set_epoch"):
            obj.set_epoch(epoch)


def _make_scheduler(opt, cfg: TrainConfig, steps_per_epoch: int):
    if cfg.schedule is None:
        return None
    if cfg.schedule == "plateau":
        # plateau_patience in Keras / GOPHER LRDecay terms: the LR drops at the patience-th
        # consecutive epoch without a strictly lower validation loss; torch drops one epoch later
        # (num_bad_epochs > patience) and by default needs a relative 1e-4 improvement
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=cfg.plateau_factor, patience=max(0, cfg.plateau_patience - 1),
            threshold=0.0, min_lr=1e-7
        )
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=cfg.lr, total_steps=max(1, cfg.max_epochs * steps_per_epoch),
            cycle_momentum=cfg.onecycle_cycle_momentum,
        )
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, cfg.max_epochs))
    if cfg.schedule == "cosine_steps":  # T_max = every optimizer update of the run, stepped per batch
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, cfg.max_epochs * steps_per_epoch))
    if cfg.schedule == "noam":
        return torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: noam_factor(step, cfg.noam_d_model, cfg.warmup_steps)
        )
    raise ValueError(
        "TrainConfig.schedule must be None, 'plateau', 'onecycle', 'cosine', 'cosine_steps' or 'noam', "
        f"got {cfg.schedule!r}"
    )


def _epoch_seed(seed: int, epoch: int, stream: int) -> int:
    return (int(seed) * 1_000_003 + epoch * 101 + stream) % (2**63 - 1)


def _atomic_torch_save(obj, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _write_history(rows: list[dict], path: Path) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df


def _progress(iterable, total: int, desc: str, log: logging.Logger):
    """tqdm to stderr (the rule log under script_run), throttled so logs stay short."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return iterable
    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, mininterval=30.0, leave=False, ascii=True)


def evaluate(model: nn.Module, data, loss_fn, device: torch.device, precision: str, keep_outputs: bool):
    """Mean loss over ``data`` (weighted by batch size) and, optionally, all predictions/targets;
    the forward pass under ``precision`` (:func:`regbench.predict.device.autocast`)."""
    model.eval()
    total, count = 0.0, 0
    preds, ys = [], []
    with torch.inference_mode():
        for x, y in data.batches(False, None):
            x = x.to(device, dtype=torch.float32, non_blocking=True)
            y = y.to(device, dtype=torch.float32, non_blocking=True)
            with autocast(device, precision):
                out = model(x)
            out = out.float()
            total += float(loss_fn(out, y)) * len(x)
            count += len(x)
            if keep_outputs:
                preds.append(out.cpu().numpy())
                ys.append(y.cpu().numpy())
    loss = total / max(count, 1)
    if keep_outputs:
        return loss, np.concatenate(preds), np.concatenate(ys)
    return loss, None, None


def file_digest(path) -> str:
    """SHA-256 of a file's bytes (a model card's code in a run's settings)."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def reset_if_changed(outdir, settings: dict, log) -> None:
    """Make ``outdir`` ready for :func:`fit`: resume only a run with identical ``settings`` (any
    JSON-able description of the model and its training); a checkpoint left by other settings is
    removed, so a changed model never resumes from another's weights (``outdir/run_settings.json``
    records them; a folder without the record is resumed as it is)."""
    outdir = Path(outdir)
    path = outdir / "run_settings.json"
    text = json.dumps(settings, sort_keys=True, default=str)
    if path.exists() and path.read_text() != text:
        log.info("%s: settings changed, discarding the old checkpoint", outdir)
        for f in ("checkpoint_last.pt", "best.pt", "model.pt", "history.tsv"):
            (outdir / f).unlink(missing_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def fit(
    model: nn.Module,
    train,
    valid,
    loss_fn: Callable,
    cfg: TrainConfig,
    outdir: str | os.PathLike,
    augment: Callable | None = None,
    metrics: dict[str, Callable] | None = None,
    log: logging.Logger | None = None,
) -> TrainResult:
    """Train ``model`` (see module docstring); resume from ``outdir/checkpoint_last.pt`` if present.

    Early stopping (``cfg.patience``): a counter increases when the validation loss is not
    strictly lower than the best so far and stops training when it reaches ``patience``.
    ``valid=None`` trains for ``max_epochs`` and selects the last epoch.
    Device and precision: trains on ``cfg.device`` (default
    :func:`regbench.predict.device.resolve_device`), forward passes under ``cfg.precision``
    (``fp32``: TF32 off for the whole step; ``bf16``: autocast, on CUDA or CPU), the loss in fp32.
    Returns the model with the selected weights loaded, in eval mode, on the device it was given on.
    """
    log = log or logging.getLogger("regbench.train")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    if cfg.select not in ("best", "last"):
        raise ValueError(f"TrainConfig.select must be 'best' or 'last', got {cfg.select!r}")
    check_precision(cfg.precision, TRAIN_PRECISIONS)
    device = resolve_device(cfg.device, model)
    home = model_device(model)
    train_data = _wrap(train, cfg, device)
    valid_data = _wrap(valid, cfg, device)
    steps = len(train_data) if cfg.steps_per_epoch is None else min(len(train_data), cfg.steps_per_epoch)
    metrics = metrics or {}
    if cfg.select_metric is not None and cfg.select_metric not in metrics:
        raise ValueError(f"TrainConfig.select_metric {cfg.select_metric!r} is not among the metrics passed to fit: {sorted(metrics)}")

    torch.manual_seed(cfg.seed)
    model.to(device)
    opt = _make_optimizer(model, cfg)
    sched = _make_scheduler(opt, cfg, steps)

    state = {"epoch": 0, "best_loss": math.inf, "best_epoch": 0, "bad_epochs": 0, "history": [], "stopped_early": False}
    ckpt_path = outdir / CHECKPOINT
    if ckpt_path.exists():
        # CPU first: RNG states must stay CPU tensors; load_state_dict copies onto the device
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        if sched is not None and ckpt.get("scheduler") is not None:
            sched.load_state_dict(ckpt["scheduler"])
        torch.set_rng_state(ckpt["rng"]["torch"])
        np.random.set_state(ckpt["rng"]["numpy"])
        for k in state:
            state[k] = ckpt[k]
        log.info("resuming from %s at epoch %d (best epoch %d)", ckpt_path, state["epoch"], state["best_epoch"])

    log.info(
        "training %s on %s: %d parameters, %d steps/epoch, config %s",
        type(model).__name__,
        device,
        sum(p.numel() for p in model.parameters()),
        steps,
        asdict(cfg),
    )

    best_state = None
    if (outdir / BEST).exists():
        best_state = torch.load(outdir / BEST, map_location="cpu", weights_only=True)

    # fp32: TF32 off for forward, backward and optimizer step (global flags, restored after)
    with fp32_math() if cfg.precision == "fp32" else contextlib.nullcontext():
        while not state["stopped_early"] and state["epoch"] < cfg.max_epochs:
            epoch = state["epoch"] + 1
            t0 = time.perf_counter()
            _set_epoch(train, epoch)
            torch.manual_seed(_epoch_seed(cfg.seed, epoch, 0))
            g_shuffle = torch.Generator().manual_seed(_epoch_seed(cfg.seed, epoch, 1))
            g_aug = torch.Generator().manual_seed(_epoch_seed(cfg.seed, epoch, 2))
            model.train()
            total, count = 0.0, 0
            batches = train_data.batches(True, g_shuffle)
            for step, (x, y) in enumerate(_progress(batches, steps, f"epoch {epoch}", log)):
                if step >= steps:
                    break
                x = x.to(device, dtype=torch.float32, non_blocking=True)
                y = y.to(device, dtype=torch.float32, non_blocking=True)
                if augment is not None:
                    x, y = augment(x, y, g_aug)
                with autocast(device, cfg.precision):
                    out = model(x)
                loss = loss_fn(out.float(), y)
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"non-finite training loss {float(loss)} at epoch {epoch} step {step}")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                _clip_gradients(model, cfg)
                opt.step()
                if cfg.schedule in PER_STEP_SCHEDULES:
                    sched.step()
                total += float(loss.detach()) * len(x)
                count += len(x)
            train_loss = total / max(count, 1)
            lr = opt.param_groups[0]["lr"]
            if cfg.bn_recalibrate_batches > 0:
                g_bn = torch.Generator().manual_seed(_epoch_seed(cfg.seed, epoch, 3))
                bn_batches = train_data.batches(True, g_bn)
                if augment is not None:  # the model sees augmented inputs (e.g. shift-cropped)
                    bn_batches = (augment(x.to(device), y.to(device), g_bn) for x, y in bn_batches)
                recalibrate_batchnorm(model, bn_batches, cfg.bn_recalibrate_batches, device)

            metric_values = {}
            if valid_data is not None:
                valid_loss, p, yv = evaluate(model, valid_data, loss_fn, device, cfg.precision, bool(metrics))
                for name, fn in metrics.items():
                    metric_values[name] = float(fn(p, yv))
            else:
                valid_loss = train_loss
            row = {
                "epoch": epoch,
                "train_loss": train_loss,
                "valid_loss": valid_loss if valid_data is not None else float("nan"),
            }
            if cfg.schedule == "plateau":
                sched.step(valid_loss)
            elif cfg.schedule == "cosine":
                sched.step()

            # "best_loss" holds the selection criterion: the validation loss, or minus select_metric
            criterion = -metric_values[cfg.select_metric] if (cfg.select_metric and valid_data is not None) else valid_loss
            improved = criterion < state["best_loss"]
            if improved:
                state["best_loss"], state["best_epoch"], state["bad_epochs"] = criterion, epoch, 0
                best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                _atomic_torch_save(best_state, outdir / BEST)
            else:
                state["bad_epochs"] += 1
            row.update(lr=lr, seconds=round(time.perf_counter() - t0, 3), **metric_values)
            state["history"].append(row)
            state["epoch"] = epoch
            stop = cfg.patience is not None and valid_data is not None and state["bad_epochs"] >= cfg.patience
            state["stopped_early"] = bool(stop)

            selected = best_state if (cfg.select == "best" and valid_data is not None) else model.state_dict()
            _atomic_torch_save({k: v.detach().cpu() for k, v in selected.items()}, outdir / MODEL)
            _write_history(state["history"], outdir / HISTORY)
            _atomic_torch_save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict() if sched is not None else None,
                    "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state()},
                    "config": asdict(cfg),
                    **state,
                },
                ckpt_path,
            )
            log.info(
                "epoch %d: train_loss %.5g valid_loss %.5g lr %.3g (%.1f s)%s%s",
                epoch,
                train_loss,
                row["valid_loss"],
                lr,
                row["seconds"],
                " *best*" if improved else "",
                " early stop" if stop else "",
            )

    if cfg.select == "best" and valid_data is not None and best_state is not None:
        model.load_state_dict(best_state)
    model.to(home)  # the device rule: leave the model where it was found
    model.eval()
    history = pd.DataFrame(state["history"])
    if not (outdir / HISTORY).exists():
        _write_history(state["history"], outdir / HISTORY)
    if not (outdir / MODEL).exists():  # a finished run resumed after its model.pt was removed (e.g. by Snakemake)
        _atomic_torch_save({k: v.detach().cpu() for k, v in model.state_dict().items()}, outdir / MODEL)
    return TrainResult(model=model, history=history, best_epoch=state["best_epoch"], epochs_run=state["epoch"])


def load_trained(model: nn.Module, outdir: str | os.PathLike, map_location="cpu") -> nn.Module:
    """Load ``outdir/model.pt`` (the selected weights written by :func:`fit`) into ``model``."""
    path = Path(outdir) / MODEL
    if not path.exists():
        from regbench.errors import InputError

        raise InputError(path, None, "a model.pt written by regbench.train.trainer.fit", "no such file")
    model.load_state_dict(torch.load(path, map_location=map_location, weights_only=True))
    return model.eval()
