"""Unlock_DNA (Conformer) blocks (specs/dream.md §3.2, §4.3). ``(N, C, L)`` in/out for the Prix
Fixe blocks, ``(N, L, d)`` inside the conformer layers.

Two code bases, two conformer layers (:class:`ConformerSASwiGLULayer`, ``variant=``):

* ``"prixfixe"`` — the PyTorch port in ``prixfixe/unlockdna/add_blocks.py`` used by the Prix Fixe
  grid and DREAM-Attn: ``x += FF1/2``; ``x1 = LN(x); x1 = x1 + conv(x1); x += x1`` (the port keeps
  LN(x) in the residual); ``x = LN(x)``; ``x += MHA(x)`` with ``nn.MultiheadAttention(d, 4)``
  (4 heads hard-coded in the port, head dim d / 4, no attention dropout); ``x += FF2/2``.
* ``"keras"`` — the team's TF 2.6 submission (``mode_training.ipynb``, the 47.4 M model):
  ``x += FF1/2``; ``x += Dropout(ReLU(SeparableConv1D(LN(x))))``; ``x = LN(x)``;
  ``x += MHA(x)`` with Keras ``MultiHeadAttention(num_heads, key_dim=d)`` (every head projects to
  ``key_dim`` = d dimensions: :class:`KerasMultiHeadAttention`); ``x += FF2/2``.

Both: FF = LN(eps 1e-6) -> Linear(d, 4d, no bias) -> SwiGLU (-> 2d) -> Dropout -> Linear(2d, d,
no bias) -> Dropout; depthwise conv without bias, pointwise with bias; LayerNorm eps 1e-6.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from regbench.studies.dream.prixfixe import CoreBlock, FinalLayersBlock, FirstLayersBlock

LN_EPS = 1e-6


class UnlockDNAFirstLayersBlock(FirstLayersBlock):
    """k-mer patch embedding + strand embedding (``prixfixe/unlockdna/first_layers_block.py``):
    ``Linear(in * kmer -> out)`` on every k-mer window (pad ``kmer//2 - 1`` left, ``kmer//2``
    right; written as the equivalent Conv1d(in, out, kmer, padding='same') for even ``kmer``) plus
    a learned strand embedding (first half of the positions 0, second half 1). The port's
    defaults (kmer 3, strides 2) give a window count and strand length that do not match the
    input (it only runs with an even kmer and strides 1), so kmer defaults to the team's 10."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int, kmer: int = 10):
        super().__init__(in_channels, out_channels, seqsize)
        if kmer % 2:
            raise ValueError(f"UnlockDNAFirstLayersBlock: kmer must be even (the port's padding), got {kmer}")
        self.conv = nn.Conv1d(in_channels, out_channels, kmer, padding="same")
        self.strand = nn.Embedding(2, out_channels)

    def forward(self, x):
        length = x.shape[2]
        strand = (torch.arange(length, device=x.device) >= length // 2).long()
        return self.conv(x) + self.strand(strand).T[None]


class SwiGLUFeedForward(nn.Module):
    """LN -> Linear(d, mult d) -> SwiGLU (-> mult d / 2) -> Dropout -> Linear(mult d / 2, d) -> Dropout."""

    def __init__(self, dim: int, mult: int = 4, rate: float = 0.1, bias: bool = False):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.fc1 = nn.Linear(dim, mult * dim, bias=bias)
        self.fc2 = nn.Linear(mult * dim // 2, dim, bias=bias)
        self.drop = nn.Dropout(rate)

    def forward(self, x):
        out, gate = self.fc1(self.norm(x)).chunk(2, dim=-1)
        return self.drop(self.fc2(self.drop(out * F.silu(gate))))


class KerasMultiHeadAttention(nn.Module):
    """Keras ``MultiHeadAttention(num_heads, key_dim)`` as self-attention on (N, L, d): query, key
    and value each project d -> num_heads x key_dim (with bias; value_dim = key_dim), scaled dot
    product per head (1 / sqrt(key_dim)), output projection num_heads x key_dim -> d (bias).
    Parameters: 4 d H K + 3 H K + d (8.40 M for d = K = 512, H = 8)."""

    def __init__(self, dim: int, num_heads: int, key_dim: int):
        super().__init__()
        self.num_heads, self.key_dim = num_heads, key_dim
        inner = num_heads * key_dim
        self.q = nn.Linear(dim, inner)
        self.k = nn.Linear(dim, inner)
        self.v = nn.Linear(dim, inner)
        self.out = nn.Linear(inner, dim)

    def forward(self, x):
        n, length, _ = x.shape

        def heads(t):
            return t.view(n, length, self.num_heads, self.key_dim).transpose(1, 2)

        h = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)))
        return self.out(h.transpose(1, 2).reshape(n, length, -1))


class ConformerSASwiGLULayer(nn.Module):
    """One conformer layer on (N, L, d); ``variant`` "prixfixe" or "keras" (module docstring).
    ``key_dim`` (keras variant) defaults to ``dim``, as the team's ``key_dim=embedding_dim``."""

    def __init__(self, dim: int, kernel_size: int = 15, rate: float = 0.1, num_heads: int = 4,
                 variant: str = "prixfixe", key_dim: int | None = None):
        super().__init__()
        if variant not in ("prixfixe", "keras"):
            raise ValueError(f"ConformerSASwiGLULayer: variant must be 'prixfixe' or 'keras', got {variant!r}")
        self.variant = variant
        self.ff1 = SwiGLUFeedForward(dim, rate=rate)
        self.ff2 = SwiGLUFeedForward(dim, rate=rate)
        self.conv_norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.dw = nn.Conv1d(dim, dim, kernel_size, padding="same", groups=dim, bias=False)
        self.pw = nn.Conv1d(dim, dim, 1)
        self.drop = nn.Dropout(rate)
        self.attn_norm = nn.LayerNorm(dim, eps=LN_EPS)
        if variant == "keras":
            self.attn = KerasMultiHeadAttention(dim, num_heads, key_dim or dim)
        else:
            self.attn = nn.MultiheadAttention(dim, num_heads, batch_first=True)

    def forward(self, x):
        x = x + 0.5 * self.ff1(x)
        c = self.conv_norm(x)
        conv = self.drop(F.relu(self.pw(self.dw(c.transpose(1, 2))))).transpose(1, 2)
        x = x + (c + conv if self.variant == "prixfixe" else conv)
        x = self.attn_norm(x)
        if self.variant == "keras":
            x = x + self.attn(x)
        else:
            x = x + self.attn(x, x, x, need_weights=False)[0]
        return x + 0.5 * self.ff2(x)


class UnlockDNACoreBlock(CoreBlock):
    """Learned positional embedding (seqsize x out) + ``n_blocks`` conformer layers
    (``prixfixe/unlockdna/coreblock.py``). As in the port, the embedding is added to the input,
    so the block needs ``in_channels == out_channels``; ``num_heads`` defaults to the port's
    hard-coded 4 (the notebooks' ``num_heads=8`` is ignored there)."""

    def __init__(
        self, in_channels: int, out_channels: int, seqsize: int, n_blocks: int = 4, kernel_size: int = 15,
        rate: float = 0.1, num_heads: int = 4,
    ):
        super().__init__(in_channels, out_channels, seqsize)
        if in_channels != out_channels:
            raise ValueError(
                f"UnlockDNACoreBlock: in_channels ({in_channels}) must equal out_channels ({out_channels}): "
                "the positional embedding is added to the input (prixfixe/unlockdna/coreblock.py)"
            )
        self.pos = nn.Embedding(seqsize, out_channels)
        self.layers = nn.ModuleList(
            [ConformerSASwiGLULayer(out_channels, kernel_size, rate, num_heads, "prixfixe") for _ in range(n_blocks)]
        )

    def forward(self, x):
        x = x.transpose(1, 2)
        x = x + self.pos(torch.arange(x.shape[1], device=x.device))[None]
        for layer in self.layers:
            x = layer(x)
        return x.transpose(1, 2)


class UnlockDNAFinalLayersBlock(FinalLayersBlock):
    """``prixfixe/unlockdna/final_layers_block.py``: the first ``num_projectors`` positions of the
    core output -> Dropout(0.2) -> Linear(in, n_outputs) -> mean over those positions (the
    port reads the leading positions in place of the team's prepended projector tokens). Trained
    with MSE on y (the port's ``train_step``; its nucleotide head feeds only the Unlock trainer's
    masking loss, which the Prix Fixe grid's Autosome trainer does not use)."""

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1, num_projectors: int = 8, rate: float = 0.2):
        super().__init__(in_channels, seqsize, n_outputs)
        self.num_projectors = num_projectors
        self.drop = nn.Dropout(rate)
        self.dense = nn.Linear(in_channels, n_outputs)

    def expression(self, x):
        p = x[:, :, : self.num_projectors].transpose(1, 2)
        return self.dense(self.drop(p)).mean(dim=1)
