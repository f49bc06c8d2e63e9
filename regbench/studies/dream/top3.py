"""The top-3 challenge models with their own architectures (specs/dream.md §4).

* ``legnet`` (Autosome.org, 1st): Autosome first (6 -> 256, k7) + 6 LegNet stages over
  [256, 128, 128, 64, 64, 64, 64] + mapper Conv1d(64, 18) + SiLU + average pool; score =
  sum softmax * bin. ``se="bilinear"`` (default) is the 2022 submission's bilinear
  squeeze-excitation (1,852,846 parameters, as ``SeqNN`` of ``autosome.org/code/model.py``
  built with tensorly-torch); ``se="simple"`` is the plain SE of the Prix Fixe port / optimized
  LegNet (1,725,122).
* ``bhi_deepgxp`` (BHI, 2nd): parallel convs 4 -> 2 x 256 (k 9/15) -> BiLSTM 320 -> convs 640 ->
  2 x 160 -> Dropout 0.5 -> flatten (320 x 110) -> 64 -> 64 -> 1.
* ``unlock_conformer`` (Unlock_DNA, 3rd; the Keras ``Regressor`` of ``mode_training.ipynb``):
  6-letter one-hot of the 200-token input -> 10-mer patch embedding (d) + positional + strand
  embeddings, 32 prepended projector tokens (``Dense(d)`` of zeros), 4 Keras-variant conformer
  layers (8 heads of ``key_dim`` = d), expression = mean of Dense(1) over the dropped-out
  projector outputs; nucleotide head Dense(6) for the masked-nucleotide loss. At d = 512:
  47,425,543 parameters, the Keras ``model.summary()`` total. In train mode it returns
  ``(N, 1 + L*6)`` = expression followed by the nucleotide logits
  (``train_kind="expression+nucleotides"``).

``scale`` shrinks the widths for the demo (1.0 = the published sizes).
"""

from __future__ import annotations

import torch
from torch import nn

from regbench.models import registry
from regbench.studies.dream.blocks_autosome import AutosomeCoreBlock, AutosomeFinalLayersBlock, AutosomeFirstLayersBlock
from regbench.studies.dream.blocks_bhi import BHICoreBlock, BHIFinalLayersBlock, BHIFirstLayersBlock
from regbench.studies.dream.blocks_unlockdna import ConformerSASwiGLULayer
from regbench.studies.dream.prixfixe import PrixFixeNet, initialize_weights


def _w(x: int, scale: float, mult: int = 2) -> int:
    return max(mult * 2, int(x * scale) // mult * mult)


@registry.register("legnet")
def legnet(in_channels: int = 6, input_length: int = 150, scale: float = 1.0, init: str = "autosome", se: str = "bilinear"):
    sizes = [_w(s, scale, 4) for s in (256, 128, 128, 64, 64, 64, 64)]
    first = AutosomeFirstLayersBlock(in_channels, sizes[0], input_length)
    core = AutosomeCoreBlock(sizes[0], sizes[-1], input_length, block_sizes=sizes[1:-1], se=se)
    final = AutosomeFinalLayersBlock(sizes[-1], input_length, final_activation=True)
    net = PrixFixeNet(first, core, final, input_length)
    if init == "autosome":
        initialize_weights(net)
    return net


@registry.register("bhi_deepgxp")
def bhi_deepgxp(in_channels: int = 4, input_length: int = 110, scale: float = 1.0):
    first = BHIFirstLayersBlock(in_channels, _w(512, scale), input_length)
    hid = _w(320, scale)
    core = BHICoreBlock(first.out_channels, hid, input_length, lstm_hidden=hid)
    final = BHIFinalLayersBlock(hid, input_length, hidden=_w(64, scale))
    return PrixFixeNet(first, core, final, input_length)


class UnlockConformer(nn.Module):
    """Unlock_DNA's Keras ``Regressor``: input ``(N, L, 6)`` (A, C, G, T, N, M; L = 2 x 100)."""

    train_kind = "expression+nucleotides"

    def __init__(self, input_length: int = 200, dim: int = 512, n_blocks: int = 4, num_heads: int = 8,
                 num_projectors: int = 32, kernel_size: int = 15, rate: float = 0.1, n_letters: int = 6,
                 kmer: int = 10, key_dim: int | None = None):
        super().__init__()
        self.input_length, self.output_bin_size, self.n_tracks = input_length, None, 1
        self.n_letters = n_letters
        # Dense on the 10-mer patches (extract_patches, stride 1, SAME) == Conv1d(k=10, 'same')
        self.patch = nn.Conv1d(n_letters, dim, kmer, padding="same")
        self.pos = nn.Embedding(input_length, dim)
        self.strand = nn.Embedding(2, dim)
        self.expression_embedding = nn.Linear(1, dim)  # applied to zeros: the projector tokens
        self.layers = nn.ModuleList([
            ConformerSASwiGLULayer(dim, kernel_size, rate, num_heads, variant="keras", key_dim=key_dim or dim)
            for _ in range(n_blocks)
        ])
        self.drop = nn.Dropout(rate)
        self.expr = nn.Linear(dim, 1)
        self.nucl = nn.Linear(dim, n_letters)
        self.num_projectors = num_projectors

    def forward(self, x):
        n, length, _ = x.shape
        h = self.patch(x.transpose(1, 2)).transpose(1, 2)
        pos = torch.arange(length, device=x.device)
        strand = (pos >= length // 2).long()
        h = h + self.pos(pos)[None] + self.strand(strand)[None]
        zeros = torch.zeros(n, self.num_projectors, 1, device=x.device, dtype=h.dtype)
        h = torch.cat([self.expression_embedding(zeros), h], dim=1)
        for layer in self.layers:
            h = layer(h)
        expression = self.expr(self.drop(h[:, : self.num_projectors])).mean(dim=1)
        if not self.training:
            return expression
        logits = self.nucl(h[:, self.num_projectors :])
        return torch.cat([expression, logits.reshape(n, -1)], dim=1)


@registry.register("unlock_conformer")
def unlock_conformer(input_length: int = 200, scale: float = 1.0, n_blocks: int = 4, num_heads: int = 8,
                     num_projectors: int = 32, kernel_size: int = 15, rate: float = 0.1):
    """``scale`` shrinks the embedding width d = 512 (and with it key_dim = d)."""
    dim = _w(512, scale, num_heads)
    return UnlockConformer(input_length, dim, n_blocks, num_heads, num_projectors, kernel_size, rate)
