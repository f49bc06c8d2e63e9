"""Unlock_DNA (Conformer) Prix Fixe blocks (``prixfixe/unlockdna``; specs/dream.md §3.2, §4.3).
``(N, C, L)`` in/out."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from regbench.studies.dream.prixfixe import CoreBlock, FinalLayersBlock, FirstLayersBlock


class UnlockDNAFirstLayersBlock(FirstLayersBlock):
    """10-mer patch embedding: Conv1d(in, out, 10, stride 1, same) (the team's Dense on 10-mer
    patches)."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int, patch: int = 10):
        super().__init__(in_channels, out_channels, seqsize)
        self.conv = nn.Conv1d(in_channels, out_channels, patch, padding="same")

    def forward(self, x):
        return self.conv(x)


class SwiGLUFeedForward(nn.Module):
    """LN -> Linear(d, 4d) -> SwiGLU (-> 2d) -> Dropout -> Linear(2d, d) -> Dropout."""

    def __init__(self, dim: int, mult: int = 4, rate: float = 0.1):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mult * dim)
        self.fc2 = nn.Linear(mult * dim // 2, dim)
        self.drop = nn.Dropout(rate)

    def forward(self, x):
        a, b = self.fc1(self.norm(x)).chunk(2, dim=-1)
        return self.drop(self.fc2(self.drop(F.silu(b) * a)))


class ConformerSASwiGLULayer(nn.Module):
    """x += FF1/2; x += conv module (LN, depthwise k, pointwise, ReLU, dropout); x = LN(x);
    x += MHA(x); x += FF2/2. Input/output (N, L, d)."""

    def __init__(self, dim: int, kernel_size: int = 15, rate: float = 0.1, num_heads: int = 4):
        super().__init__()
        self.ff1 = SwiGLUFeedForward(dim, rate=rate)
        self.ff2 = SwiGLUFeedForward(dim, rate=rate)
        self.conv_norm = nn.LayerNorm(dim)
        self.dw = nn.Conv1d(dim, dim, kernel_size, padding="same", groups=dim)
        self.pw = nn.Conv1d(dim, dim, 1)
        self.drop = nn.Dropout(rate)
        self.attn_norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, num_heads, dropout=rate, batch_first=True)

    def forward(self, x):
        x = x + 0.5 * self.ff1(x)
        c = self.conv_norm(x).transpose(1, 2)
        x = x + self.drop(F.relu(self.pw(self.dw(c)))).transpose(1, 2)
        x = self.attn_norm(x)
        x = x + self.attn(x, x, x, need_weights=False)[0]
        return x + 0.5 * self.ff2(x)


class UnlockDNACoreBlock(CoreBlock):
    """Learned positional embedding (seqsize) + ``n_blocks`` conformer layers. The PyTorch port
    hard-codes 4 attention heads (the ``num_heads=8`` argument of the notebooks is ignored there);
    ``num_heads`` here defaults to 4 accordingly."""

    def __init__(
        self, in_channels: int, out_channels: int, seqsize: int, n_blocks: int = 4, kernel_size: int = 15,
        rate: float = 0.1, num_heads: int = 4,
    ):
        super().__init__(in_channels, out_channels, seqsize)
        self.proj = nn.Identity() if in_channels == out_channels else nn.Conv1d(in_channels, out_channels, 1)
        self.pos = nn.Embedding(seqsize, out_channels)
        self.layers = nn.ModuleList(
            [ConformerSASwiGLULayer(out_channels, kernel_size, rate, num_heads) for _ in range(n_blocks)]
        )

    def forward(self, x):
        x = self.proj(x).transpose(1, 2)
        x = x + self.pos(torch.arange(x.shape[1], device=x.device))[None]
        for layer in self.layers:
            x = layer(x)
        return x.transpose(1, 2)


class UnlockDNAFinalLayersBlock(FinalLayersBlock):
    """Projector head: ``num_projectors`` learned tokens read the sequence by attention, then
    Dropout -> Linear(d, n_outputs) -> mean over projectors. (The team prepends the projector
    tokens to the conformer input; in a Prix Fixe grid the core may be any block, so the tokens
    read the core's output here.)"""

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1, num_projectors: int = 8, rate: float = 0.2, num_heads: int = 4):
        super().__init__(in_channels, seqsize, n_outputs)
        heads = num_heads if in_channels % num_heads == 0 else 1
        self.projectors = nn.Parameter(torch.randn(num_projectors, in_channels) * 0.02)
        self.attn = nn.MultiheadAttention(in_channels, heads, batch_first=True)
        self.drop = nn.Dropout(rate)
        self.dense = nn.Linear(in_channels, n_outputs)

    def expression(self, x):
        seq = x.transpose(1, 2)
        q = self.projectors[None].expand(seq.shape[0], -1, -1)
        p = self.attn(q, seq, seq, need_weights=False)[0] + q
        return self.dense(self.drop(p)).mean(dim=1)
