"""Team recipes = DataProcessor + Trainer settings (loss, augmentation, inference) of the top-3.

A recipe encodes any batch of DREAM sequences into its model input (:meth:`Recipe.encode_batch`),
supplies the loss (``loss_fn(pred, y)``) and the training-batch augmentation, and predicts
expression on the original scale. :class:`RecipeData` serves a recipe's training / validation
batches from a :class:`~regbench.studies.dream.store.SequenceStore` (codes on disk): one-hot
encoding, padding and reverse complements happen per batch, so memory is set by the batch.

| recipe | inputs | loss | augmentation | inference |
|---|---|---|---|---|
| ``autosome`` | 150 bp, A,G,C,T + rev + singleton | KL(log_softmax(18 logits) , N(y+0.5, 0.5) bins), batchmean; MSE on the score for expression outputs | every row also served as its reverse complement (rev = 1; items n..2n-1) | mean of forward (rev 0) and RC (rev 1), singleton 0 |
| ``bhi`` | 110 bp, A,C,G,T, vector padding | Huber(1) on (y - 11)/std, averaged over forward and RC (batch doubled with its RC) | RC doubling; the random vector padding drawn again every epoch (the team's Dataset pads in ``__getitem__``) | forward+RC x shifts (-2..2 in vector context); optional normal-CDF post-processing |
| ``unlockdna`` | 200 tokens, A,C,G,T,N,M | MSE on z-scored y (+ masked-nucleotide CE on 5 % of non-N positions for models with a nucleotide head) | masking (nucleotide-head models) | as trained (the input already holds both strands) |

Extra configuration keys are documented in ``config/schemas/dream.schema.yaml`` (``recipe_kw``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from regbench.genome.fasta import reverse_complement
from regbench.studies.dream import preprocess as pp
from regbench.studies.dream.data import ADAPTER_3, ADAPTER_5, is_singleton

EDGES = torch.tensor([float(i) for i in range(1, pp.N_BINS)])


def soft_labels_torch(y: torch.Tensor, shift: float = 0.5, scale: float = 0.5) -> torch.Tensor:
    """(B, 18) bin probabilities of N(y + shift, scale) (torch twin of :func:`preprocess.soft_labels`)."""
    edges = EDGES.to(y.device)
    cdf = torch.special.ndtr((edges[None, :] - (y.reshape(-1, 1).float() + shift)) / scale)
    zeros = torch.zeros_like(cdf[:, :1])
    ones = torch.ones_like(cdf[:, :1])
    return torch.diff(torch.cat([zeros, cdf, ones], dim=1), dim=1)


def autosome_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """KL divergence to the soft labels for 18-bin logits, MSE for expression outputs."""
    if pred.shape[1] == pp.N_BINS and y.shape[1] == 1:
        return F.kl_div(F.log_softmax(pred.float(), dim=1), soft_labels_torch(y), reduction="batchmean")
    return F.mse_loss(pred.float(), y.float())


def huber_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.huber_loss(pred.float(), y.float(), delta=1.0)


def mse_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(pred.float(), y.float())


def unlock_loss(pred: torch.Tensor, y: torch.Tensor, n_letters: int = 6) -> torch.Tensor:
    """MSE on the expression column; + the team's masked-nucleotide loss when the model returns
    nucleotide logits (train mode) and ``y`` carries the masked token ids (-1 = not masked):
    sum of the cross-entropy over masked positions / (number masked + 1) (``Regressor.train_step``)."""
    loss = F.mse_loss(pred[:, :1].float(), y[:, :1].float())
    if pred.shape[1] > 1 and y.shape[1] > 1:
        logits = pred[:, 1:].float().reshape(pred.shape[0], -1, n_letters)
        target = y[:, 1:].long()
        masked = target >= 0
        ce = F.cross_entropy(logits.reshape(-1, n_letters), target.reshape(-1), ignore_index=-1, reduction="sum")
        loss = loss + ce / (masked.sum() + 1)
    return loss


def rc_double(x: torch.Tensor, y: torch.Tensor, generator=None):
    """Append the reverse complement of every (N, L, 4) A,C,G,T one-hot sequence (BHI's loss
    averaged over both strands = mean over the doubled batch)."""
    return torch.cat([x, x.flip(1).flip(2)]), torch.cat([y, y])


def make_masker(rate: float = 0.05, n_channel: int = 4, mask_channel: int = 5):
    """Augmentation masking ``rate`` of the non-N positions: their one-hot becomes M; y gets the
    original token ids of masked positions (-1 elsewhere) appended: (B, 1 + L)."""

    def mask(x: torch.Tensor, y: torch.Tensor, generator=None):
        tokens = x.argmax(dim=2)
        eligible = x[:, :, n_channel] == 0
        u = torch.rand(tokens.shape, generator=generator, device="cpu").to(x.device)
        chosen = (u < rate) & eligible
        x = x.clone()
        x[chosen] = 0.0
        x[..., mask_channel][chosen] = 1.0
        target = torch.where(chosen, tokens, torch.full_like(tokens, -1)).to(y.dtype)
        return x, torch.cat([y[:, :1], target], dim=1)

    return mask


#: BHI padding side probabilities (right, left, both). "code": the team's Dataset draws
#: ``random() < 0.333`` -> right, else ``random() > 0.666`` -> left, else both, i.e.
#: 0.333 : 0.667 x 0.334 : 0.667 x 0.666; "paper": the 3:4:2 ratio its comment states.
BHI_PADDING_PROBS = {"code": (0.333, 0.667 * 0.334, 0.667 * 0.666), "paper": (3 / 9, 4 / 9, 2 / 9)}


def _uniforms(seed: int, epoch: int, rows: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) per row, a pure function of (seed, epoch, row) (splitmix64), so per-epoch
    random choices do not depend on batch order, workers or a resume."""
    with np.errstate(over="ignore"):
        z = (np.asarray(rows, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(epoch + 1)
             + np.uint64(seed) * np.uint64(0xBF58476D1CE4E5B9))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


def bhi_padding_modes(seed: int, epoch: int, rows, probs=BHI_PADDING_PROBS["code"]) -> list[str]:
    """Padding side ("right" / "left" / "both") of each row in one epoch."""
    u = _uniforms(seed, epoch, rows)
    edges = np.cumsum(probs) / np.sum(probs)
    return [("right", "left", "both")[int(k)] for k in np.searchsorted(edges[:-1], u, side="right")]


@dataclass
class Recipe:
    """One team's data processing + training + inference. ``kw`` = recipe options."""

    name: str
    kw: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)  # target scaling fitted on the training data

    def __post_init__(self):
        if self.name not in ("autosome", "bhi", "unlockdna"):
            raise ValueError(f"unknown recipe {self.name!r}; expected autosome, bhi or unlockdna")

    # --- data ---------------------------------------------------------------------------
    @property
    def doubles_with_rc(self) -> bool:
        """Autosome serves every training row twice (forward, reverse complement)."""
        return self.name == "autosome" and bool(self.kw.get("use_rc", True))

    def fit_stats(self, y_mean: float, y_std: float) -> None:
        """Target scaling from the training rows' mean / std (BHI: (y - 11) / std; Unlock_DNA: z-score)."""
        if self.name == "bhi":
            self.stats = {"center": float(self.kw.get("center", 11.0)), "std": float(y_std) or 1.0}
        elif self.name == "unlockdna":
            self.stats = {"center": float(y_mean), "std": float(y_std) or 1.0}

    def keep_training_row(self, lengths: np.ndarray) -> np.ndarray:
        """Rows the team trained on: Unlock_DNA drops sequences whose random region (length - 17 - 13
        adapter bp) exceeds 100 bp (``prepare_tfdatasets``: 1,690 of 6,739,258); others keep all."""
        lengths = np.asarray(lengths)
        if self.name == "unlockdna" and self.kw.get("drop_long", True):
            return lengths - len(ADAPTER_5) - len(ADAPTER_3) <= self.kw.get("max_width", 100)
        return np.ones(len(lengths), dtype=bool)

    def encode_batch(self, seqs, y, rows, mode: str, plasmid: str, rc=None, epoch: int = 0, seed: int = 0):
        """Model inputs (B, L, C) float32 and targets (B, 1) float32 of one batch.

        ``mode``: "train" (augmented inputs: Autosome rev/singleton channels with ``rc`` marking
        reverse-complement items, BHI per-epoch random padding) or "valid" (inference-style
        inputs: Autosome rev 0 / singleton 0, BHI right padding). ``rows``: global row ids (BHI's
        padding draws); ``y`` on the file's scale (scaled here)."""
        y = np.asarray(y, dtype=np.float64)
        seqsize = self.kw.get("seqsize", 150)
        if self.name == "autosome":
            n_value = float(self.kw.get("n_value", 0.0))
            if mode == "valid":
                x = pp.autosome_encode(pp.autosome_pad(seqs, plasmid, seqsize), np.zeros(len(seqs)), np.zeros(len(seqs)), n_value)
            else:
                rc = np.zeros(len(seqs), dtype=bool) if rc is None else np.asarray(rc, dtype=bool)
                padded = pp.autosome_pad(seqs, plasmid, seqsize)
                padded = [reverse_complement(p) if r else p for p, r in zip(padded, rc)]
                x = pp.autosome_encode(padded, rc.astype(np.float32), is_singleton(y), n_value)
            return x, y.astype(np.float32).reshape(-1, 1)
        if self.name == "bhi":
            if mode == "valid":
                padded = pp.bhi_pad(seqs, 110, mode="right")
            else:
                probs = BHI_PADDING_PROBS[self.kw.get("padding_probs", "code")]
                modes = bhi_padding_modes(seed, epoch, rows, probs)
                padded = [pp.bhi_pad([s], 110, mode=m)[0] for s, m in zip(seqs, modes)]
            return pp.bhi_encode(padded), self._scale(y)
        return pp.unlock_encode(pp.unlock_tokens(seqs, self.kw.get("max_width", 100))), self._scale(y)

    def _scale(self, y):
        return ((np.asarray(y) - self.stats["center"]) / self.stats["std"]).astype(np.float32).reshape(-1, 1)

    def unscale(self, p):
        if self.name == "autosome":
            return p
        return p * self.stats["std"] + self.stats["center"]

    # --- training -----------------------------------------------------------------------
    def loss_fn(self):
        return {"autosome": autosome_loss, "bhi": huber_loss, "unlockdna": unlock_loss}[self.name]

    def augment(self, model):
        if self.name == "bhi":
            return rc_double
        if self.name == "unlockdna" and getattr(model, "train_kind", "") == "expression+nucleotides":
            return make_masker(self.kw.get("mask_rate", 0.05))
        return None

    # --- inference ----------------------------------------------------------------------
    def predict(self, model, seqs, plasmid: str, batch_size: int = 256, device=None, log=None,
                chunk: int = 4096, *, precision: str) -> np.ndarray:
        """Expression predictions (N,) on the training scale of the DREAM data, at ``precision``;
        inputs are encoded ``chunk`` sequences at a time (memory set by the chunk, not by N)."""
        seqs = list(seqs)
        chunk = max(batch_size, chunk // batch_size * batch_size)
        parts = [self._predict_chunk(model, seqs[i : i + chunk], plasmid, batch_size, device, log, precision)
                 for i in range(0, len(seqs), chunk)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _predict_chunk(self, model, seqs, plasmid, batch_size, device, log, precision) -> np.ndarray:
        from regbench.predict.engine import predict

        kw = dict(batch_size=batch_size, device=device, precision=precision, progress=False, log=log)
        if self.name == "autosome":
            fwd, rc = pp.autosome_predict_inputs(seqs, plasmid, self.kw.get("seqsize", 150), float(self.kw.get("n_value", 0.0)))
            out = (predict(model, fwd, **kw) + predict(model, rc, **kw)) / 2
            return out[:, 0].astype(np.float64)
        if self.name == "bhi":
            base = pp.bhi_pad(seqs, 110, mode="right")
            shifts = self.kw.get("tta_shifts", [0])
            preds = [predict(model, pp.bhi_encode(pp.bhi_shifted(base, s)), rc=True, **kw) for s in shifts]
            out = np.mean(preds, axis=0)[:, 0].astype(np.float64)
            if self.kw.get("cdf_postprocess", False):
                from scipy.stats import norm

                return norm.cdf(out, loc=self.kw.get("cdf_mu", 0.06201), scale=1.0)
            return self.unscale(out)
        x = pp.unlock_encode(pp.unlock_tokens(seqs, self.kw.get("max_width", 100)))
        return self.unscale(predict(model, x, **kw)[:, 0].astype(np.float64))

    def input_spec(self) -> dict:
        """in_channels / input_length of models trained with this recipe."""
        return {
            "autosome": {"in_channels": 6, "input_length": self.kw.get("seqsize", 150)},
            "bhi": {"in_channels": 4, "input_length": 110},
            "unlockdna": {"in_channels": 6, "input_length": 2 * self.kw.get("max_width", 100)},
        }[self.name]


class BatchDataset(torch.utils.data.Dataset):
    """A Dataset whose items are encoded a batch at a time by ``batch(idx) -> (x, y)``, with
    ``targets(idx)`` (y alone, no encoding) and ``set_epoch``; ``x`` / ``y`` array views of it
    (:class:`BatchView`) serve :func:`regbench.train.trainer.fit`'s in-process batching, the
    Dataset itself DataLoader workers (:meth:`__getitems__` on whole batches)."""

    def __getitem__(self, i):
        x, y = self.batch([i])
        return x[0], y[0]

    def __getitems__(self, idx):
        x, y = self.batch(idx)
        return list(zip(x, y))


class RecipeData(BatchDataset):
    """One recipe's training or validation items over rows of a
    :class:`~regbench.studies.dream.store.SequenceStore`, encoded per batch.

    Items: ``len(rows)`` (x 2 for the Autosome recipe in "train" mode: item ``i + len(rows)`` is
    the reverse complement of item ``i``, as the eager ``autosome_train_arrays`` ordered them).
    Serves :func:`regbench.train.trainer.fit` two ways: ``(data.x, data.y)`` array views (the
    trainer's in-process batching, indices sorted per batch) or the Dataset itself
    (``num_workers`` > 0: a DataLoader whose workers call :meth:`__getitems__` on whole batches).
    ``set_epoch`` (called by the trainer) re-draws per-epoch augmentations (BHI padding)."""

    def __init__(self, store, rows, recipe: Recipe, plasmid: str, mode: str = "train", seed: int = 0):
        if mode not in ("train", "valid"):
            raise ValueError(f"RecipeData: mode must be 'train' or 'valid', got {mode!r}")
        self.store, self.recipe, self.plasmid, self.mode, self.seed = store, recipe, plasmid, mode, int(seed)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.double = mode == "train" and recipe.doubles_with_rc
        self.epoch = 0
        self.x, self.y = BatchView(self, 0), BatchView(self, 1)

    def __len__(self) -> int:
        return len(self.rows) * (2 if self.double else 1)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def batch(self, idx) -> tuple[np.ndarray, np.ndarray]:
        """(x (B, L, C) float32, y (B, 1) float32) of items ``idx``."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        n = len(self.rows)
        rows = self.rows[idx % n]
        rc = idx >= n
        seqs = self.store.seqs(rows)
        y = np.asarray(self.store.y[rows])
        return self.recipe.encode_batch(seqs, y, rows, self.mode, self.plasmid, rc=rc, epoch=self.epoch, seed=self.seed)

    def targets(self, idx) -> np.ndarray:
        """y (B, 1) float32 of items ``idx`` without encoding their sequences."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        y = np.asarray(self.store.y[self.rows[idx % len(self.rows)]])
        if self.recipe.name == "autosome":
            return y.astype(np.float32).reshape(-1, 1)
        return self.recipe._scale(y)

class BatchView:
    """``data.x`` / ``data.y`` of a :class:`BatchDataset`: array-like views (``len``, fancy
    indexing) for the trainer."""

    def __init__(self, data: BatchDataset, which: int):
        self.data, self.which = data, which

    def __len__(self) -> int:
        return len(self.data)

    def set_epoch(self, epoch: int) -> None:
        self.data.set_epoch(epoch)

    def __getitem__(self, idx):
        if self.which == 1:
            return self.data.targets(idx)
        return self.data.batch(idx)[0]
