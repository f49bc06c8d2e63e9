"""Team recipes = DataProcessor + Trainer settings (loss, augmentation, inference) of the top-3.

A recipe turns the training table into arrays for :func:`regbench.train.trainer.fit`, supplies
the loss (``loss_fn(pred, y)``) and the training-batch augmentation, and predicts expression on
the original scale for a list of DREAM sequences.

| recipe | inputs | loss | augmentation | inference |
|---|---|---|---|---|
| ``autosome`` | 150 bp, A,G,C,T + rev + singleton | KL(log_softmax(18 logits) , N(y+0.5, 0.5) bins), batchmean; MSE on the score for expression outputs | data doubled with reverse complements (rev = 1) | mean of forward (rev 0) and RC (rev 1), singleton 0 |
| ``bhi`` | 110 bp, A,C,G,T, vector padding | Huber(1) on (y - 11)/std, averaged over forward and RC (batch doubled with its RC) | RC doubling | forward+RC x shifts (-2..2 in vector context); optional normal-CDF post-processing |
| ``unlockdna`` | 200 tokens, A,C,G,T,N,M | MSE on z-scored y (+ masked-nucleotide CE on 5 % of non-N positions for models with a nucleotide head) | masking (nucleotide-head models) | as trained (the input already holds both strands) |

Extra configuration keys are documented in ``config/schemas/dream.schema.yaml`` (``recipe_kw``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from regbench.studies.dream import preprocess as pp
from regbench.studies.dream.data import is_singleton

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
    """MSE on the expression column; + cross-entropy on masked positions when the model returns
    nucleotide logits (train mode) and ``y`` carries the masked token ids (-1 = not masked)."""
    loss = F.mse_loss(pred[:, :1].float(), y[:, :1].float())
    if pred.shape[1] > 1 and y.shape[1] > 1:
        logits = pred[:, 1:].float().reshape(pred.shape[0], -1, n_letters)
        target = y[:, 1:].long()
        if (target >= 0).any():
            loss = loss + F.cross_entropy(logits.reshape(-1, n_letters), target.reshape(-1), ignore_index=-1)
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


@dataclass
class Recipe:
    """One team's data processing + training + inference. ``kw`` = recipe options."""

    name: str
    kw: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)  # target scaling fitted on the training data

    # --- data ---------------------------------------------------------------------------
    def train_arrays(self, seqs, y, plasmid: str, seed: int):
        y = np.asarray(y, dtype=np.float64)
        if self.name == "autosome":
            return pp.autosome_train_arrays(
                seqs, y, is_singleton(y), plasmid, self.kw.get("seqsize", 150), self.kw.get("use_rc", True)
            )
        if self.name == "bhi":
            self.stats = {"center": float(self.kw.get("center", 11.0)), "std": float(np.std(y)) or 1.0}
            rng = np.random.default_rng(seed)
            x = pp.bhi_encode(pp.bhi_pad(seqs, 110, rng, "random"))
            return x, self._scale(y)
        if self.name == "unlockdna":
            self.stats = {"center": float(np.mean(y)), "std": float(np.std(y)) or 1.0}
            return pp.unlock_encode(pp.unlock_tokens(seqs)), self._scale(y)
        raise ValueError(f"unknown recipe {self.name!r}; expected autosome, bhi or unlockdna")

    def valid_arrays(self, seqs, y, plasmid: str):
        """Validation arrays: inference-style inputs (Autosome: rev 0, singleton 0; BHI: right padding)."""
        y = np.asarray(y, dtype=np.float64)
        if self.name == "autosome":
            fwd, _ = pp.autosome_predict_inputs(seqs, plasmid, self.kw.get("seqsize", 150))
            return fwd, y.astype(np.float32).reshape(-1, 1)
        if self.name == "bhi":
            return pp.bhi_encode(pp.bhi_pad(seqs, 110, mode="right")), self._scale(y)
        return pp.unlock_encode(pp.unlock_tokens(seqs)), self._scale(y)

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
    def predict(self, model, seqs, plasmid: str, batch_size: int = 256, device=None, log=None, *,
                precision: str) -> np.ndarray:
        """Expression predictions (N,) on the training scale of the DREAM data, at ``precision``."""
        from regbench.predict.engine import predict

        kw = dict(batch_size=batch_size, device=device, precision=precision, progress=False, log=log)
        if self.name == "autosome":
            fwd, rc = pp.autosome_predict_inputs(seqs, plasmid, self.kw.get("seqsize", 150))
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
        x = pp.unlock_encode(pp.unlock_tokens(seqs))
        return self.unscale(predict(model, x, **kw)[:, 0].astype(np.float64))

    def input_spec(self) -> dict:
        """in_channels / input_length of models trained with this recipe."""
        return {
            "autosome": {"in_channels": 6, "input_length": self.kw.get("seqsize", 150)},
            "bhi": {"in_channels": 4, "input_length": 110},
            "unlockdna": {"in_channels": 6, "input_length": 200},
        }[self.name]
