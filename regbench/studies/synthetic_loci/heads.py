"""The fine-tuning heads of finetune-enformer (``src/models/layers.py``, ``build_finetune``) in PyTorch.

``FinetuneEnformer(enformer, n_bins, key_size, value_size, num_heads, dropout)``:
``Sequential([enformer.trunk, Attention, Flatten, Dense(1, softplus)])``:

- trunk: the whole Enformer trunk (``enformer(x, return_only_embeddings=True)``: (N, bins, 2*dim));
  all its parameters train (full fine-tuning, spec §4); the original output heads are kept
  untouched inside ``self.enformer`` so :meth:`FinetuneEnformer.track_head` gives the fine-tuned
  trunk + original head (retained-performance check, spec §5);
- attention: bias-free q, k, v projections (trunc-normal init, std sqrt(2 / d_in)), ``q *= key_size**-0.5``,
  softmax over positions, dropout on the attention weights, output ``weights @ v`` with heads
  concatenated (N, bins, value_size * num_heads); no output projection, residual or positions;
- Flatten + Linear(bins * value_size * num_heads, 1) + softplus -> (N,) activity.

The Linear is tied to ``n_bins`` (= window / 128), i.e. to one input length, as in the paper.

Enformer loads go through :func:`load_base` -> :func:`regbench.predict.enformer.load_enformer`
(and :func:`load_finetuned` for a trained ``model.pt``). The study's windows are 25,600 bp = 200
bins, and enformer-pytorch's precomputed TF gamma positional features exist only for 1,536 bins,
so ``use_tf_gamma`` is forced False for any other length (the authors ran the TF model at 200
bins, which computes its gamma features for any length).

torch is imported lazily (study modules do not import torch at module level).
"""

from __future__ import annotations

from functools import lru_cache

HEAD_CONFIGS = {
    "SH64_64": {"key_size": 64, "value_size": 64, "num_heads": 1},
    "SH64_128": {"key_size": 64, "value_size": 128, "num_heads": 1},
    "MH64_64": {"key_size": 64, "value_size": 64, "num_heads": 4},
}


@lru_cache(maxsize=None)
def _classes():
    import torch
    import torch.nn.functional as F
    from torch import nn

    def _init(linear: nn.Linear) -> None:
        std = (2.0 / linear.in_features) ** 0.5
        nn.init.trunc_normal_(linear.weight, std=std, a=-2 * std, b=2 * std)

    class AttentionHead(nn.Module):
        """Multi-head attention pooling-free block of finetune-enformer (Attention / MultiHeadAttention)."""

        def __init__(self, d_in: int, key_size: int, value_size: int, num_heads: int = 1, dropout: float = 0.1):
            super().__init__()
            self.key_size, self.value_size, self.num_heads = key_size, value_size, num_heads
            self.q = nn.Linear(d_in, key_size * num_heads, bias=False)
            self.k = nn.Linear(d_in, key_size * num_heads, bias=False)
            self.v = nn.Linear(d_in, value_size * num_heads, bias=False)
            for lin in (self.q, self.k, self.v):
                _init(lin)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):  # x: (N, T, d_in) -> (N, T, value_size * num_heads)
            n, t, _ = x.shape
            h = self.num_heads
            q = self.q(x).view(n, t, h, self.key_size).transpose(1, 2) * self.key_size**-0.5
            k = self.k(x).view(n, t, h, self.key_size).transpose(1, 2)
            v = self.v(x).view(n, t, h, self.value_size).transpose(1, 2)
            w = self.dropout(torch.softmax(q @ k.transpose(-1, -2), dim=-1))
            return (w @ v).transpose(1, 2).reshape(n, t, h * self.value_size)

    class FinetuneEnformer(nn.Module):
        def __init__(self, enformer: nn.Module, n_bins: int, key_size: int = 64, value_size: int = 64, num_heads: int = 1, dropout: float = 0.1, freeze_batchnorm: bool = False):
            super().__init__()
            self.enformer = enformer
            self.freeze_batchnorm = bool(freeze_batchnorm)
            d_in = int(enformer.dim) * 2
            self.n_bins = int(n_bins)
            self.attention = AttentionHead(d_in, key_size, value_size, num_heads, dropout)
            self.dense = nn.Linear(self.n_bins * value_size * num_heads, 1)
            self.input_length = self.n_bins * 128
            self.output_bin_size = None
            self.n_tracks = 1
            for p in self.enformer._heads.parameters():  # original heads stay as they are
                p.requires_grad_(False)

        def train(self, mode: bool = True):
            """Training mode as in the paper (dropout + BatchNorm batch statistics); with
            ``freeze_batchnorm`` the trunk's BatchNorm layers stay in eval mode (running statistics
            frozen; an ablation the spec suggests for batches of near-identical windows)."""
            super().train(mode)
            if mode and self.freeze_batchnorm:
                for m in self.modules():
                    if isinstance(m, nn.modules.batchnorm._BatchNorm):
                        m.eval()
            return self

        def embeddings(self, x):
            return self.enformer(x, return_only_embeddings=True)

        def forward(self, x):  # (N, L, 4) -> (N,)
            return self.head_forward(self.embeddings(x))

        def head_forward(self, e):  # trunk embeddings (N, bins, d) -> (N,)
            if e.shape[1] != self.n_bins:
                raise ValueError(f"FinetuneEnformer: {e.shape[1]} trunk bins, head built for {self.n_bins} (input {self.input_length} bp)")
            a = self.attention(e).flatten(1)
            return F.softplus(self.dense(a)).squeeze(-1)

        def track_head(self, head: str = "mouse"):
            """(N, L, 4) -> (N, bins, tracks): fine-tuned trunk + the original ``head``."""
            from regbench.predict.enformer import EnformerHead

            return EnformerHead(self.enformer, head)

    return AttentionHead, FinetuneEnformer


def build_finetune(enformer, n_bins: int, key_size: int = 64, value_size: int = 64, num_heads: int = 1, dropout: float = 0.1, freeze_batchnorm: bool = False):
    """A :class:`FinetuneEnformer` around ``enformer`` (modified in place when trained)."""
    return _classes()[1](enformer, n_bins, key_size, value_size, num_heads, dropout, freeze_batchnorm)


def attention_head(d_in: int, key_size: int, value_size: int, num_heads: int = 1, dropout: float = 0.1):
    return _classes()[0](d_in, key_size, value_size, num_heads, dropout)


def study_tf_gamma(use_tf_gamma, window: int | None, log=None):
    """``use_tf_gamma`` for a ``window``-bp input: False unless the input has exactly 1,536 bins."""
    if window is not None and int(window) // 128 != 1536:
        if use_tf_gamma and log is not None:
            log.warning("use_tf_gamma=True needs 1,536 bins (196,608 bp); the %d-bp windows use computed gamma features", window)
        return False
    return use_tf_gamma


def load_base(source, use_tf_gamma=None, window: int | None = None):
    """The base Enformer (no output crop) through :func:`regbench.predict.enformer.load_enformer`."""
    from regbench.predict.enformer import load_enformer

    return load_enformer(source, use_tf_gamma=study_tf_gamma(use_tf_gamma, window), target_length=-1)


def load_finetuned(enformer_source, model_dir, head: dict, window: int, use_tf_gamma=None):
    """A FinetuneEnformer with the weights of ``model_dir/model.pt``."""
    from regbench.train.trainer import load_trained

    model = build_finetune(load_base(enformer_source, use_tf_gamma, window), window // 128, head["key_size"], head["value_size"], head["num_heads"], head.get("dropout", 0.1))
    return load_trained(model, model_dir)
