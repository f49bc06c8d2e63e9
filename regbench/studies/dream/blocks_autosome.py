"""Autosome.org (LegNet) Prix Fixe blocks (``prixfixe/autosome``; specs/dream.md §3.2, §4.1).

All blocks take and return ``(N, C, L)``; convolutions are bias-free with 'same' padding,
BatchNorm momentum 0.1, SiLU.

Squeeze-excitation: the Prix Fixe port (``prixfixe/autosome/add_blocks.SELayerSimple``, used by
``AutosomeCoreBlock``) has the plain SE; the 2022 submission (``dream_submissions/autosome.org/
code/model.py``) has the bilinear SE (:class:`SELayerBilinear`). ``se="simple"|"bilinear"``
selects one; the defaults follow each code base.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from regbench.studies.dream.prixfixe import CoreBlock, FinalLayersBlock, FirstLayersBlock


def _conv_bn(cin: int, cout: int, k: int, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(cin, cout, k, padding="same", groups=groups, bias=False),
        nn.BatchNorm1d(cout, momentum=0.1),
        nn.SiLU(),
    )


class AutosomeFirstLayersBlock(FirstLayersBlock):
    """Conv1d(in, out, k=7, bias=False) -> BN -> SiLU."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int, kernel_size: int = 7):
        super().__init__(in_channels, out_channels, seqsize)
        self.block = _conv_bn(in_channels, out_channels, kernel_size)

    def forward(self, x):
        return self.block(x)


class SELayerSimple(nn.Module):
    """Squeeze-excitation: mean over length -> Linear(oup, inp/r) SiLU -> Linear(inp/r, oup) Sigmoid."""

    def __init__(self, inp: int, oup: int, reduction: int = 4):
        super().__init__()
        hidden = max(1, inp // reduction)
        self.fc = nn.Sequential(nn.Linear(oup, hidden), nn.SiLU(), nn.Linear(hidden, oup), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x.mean(dim=2)).unsqueeze(-1)


def cp_rank(shape: tuple[int, ...], fraction: float) -> int:
    """CP rank keeping ``fraction`` of the full tensor's parameters: round(prod(shape) * fraction
    / sum(shape)) (tensorly ``validate_cp_rank(shape, rank=fraction, rounding="round")``), at
    least 1 (shrunken demo widths would round to 0)."""
    return max(1, int(np.round(np.prod(shape) * fraction / np.sum(shape))))


class CPBilinear(nn.Module):
    """LegNet's ``Bilinear(n, out, rank=0.5, bias=True)``: a tensor-regression layer on the outer
    product x x^T with a CP-factorised weight W (n, n, out) = sum_r w_r a_r (x) b_r (x) c_r, so

        y[:, o] = sum_r w_r (x . a_r)(x . b_r) c_r[o] + bias[o]

    (tensorly-torch ``TRL((n, n), out, factorization="cp", rank=0.5)`` on ``x @ x^T``, written out
    so regbench does not depend on tensorly). Parameters: weights (R,), factors (n, R), (n, R),
    (out, R), bias (out,). Init as the submission: ``normal_(std=0.00075)`` of the CP tensor
    (weights 1, factors N(0, (std / sqrt(R)) ** (1/3))), bias U(-1, 1) (TRL's init).
    Input (N, n) -> output (N, out)."""

    def __init__(self, n: int, out: int, rank: float = 0.5, bias: bool = True, std: float = 0.00075):
        super().__init__()
        self.rank = cp_rank((n, n, out), rank)
        self.weights = nn.Parameter(torch.ones(self.rank))
        f = (std / math.sqrt(self.rank)) ** (1 / 3)
        self.factor_a = nn.Parameter(torch.randn(n, self.rank) * f)
        self.factor_b = nn.Parameter(torch.randn(n, self.rank) * f)
        self.factor_c = nn.Parameter(torch.randn(out, self.rank) * f)
        self.bias = nn.Parameter(torch.empty(out).uniform_(-1, 1)) if bias else None

    def forward(self, x):
        z = (x @ self.factor_a) * (x @ self.factor_b) * self.weights  # (N, R)
        y = z @ self.factor_c.T
        return y + self.bias if self.bias is not None else y


class SELayerBilinear(nn.Module):
    """The 2022 submission's SE: mean over length -> Linear(oup, h) SiLU -> Linear(h, h) ->
    concat(itself, CPBilinear(h -> h/2)) -> SiLU -> Linear(h + h/2, oup) -> Sigmoid, with
    h = inp // reduction."""

    def __init__(self, inp: int, oup: int, reduction: int = 4):
        super().__init__()
        h = int(inp // reduction)
        self.fc1 = nn.Sequential(nn.Linear(oup, h), nn.SiLU(), nn.Linear(h, h))
        self.bilinear = CPBilinear(h, h // 2, rank=0.5, bias=True)
        self.fc2 = nn.Sequential(nn.SiLU(), nn.Linear(h + h // 2, oup), nn.Sigmoid())

    def forward(self, x):
        y = self.fc1(x.mean(dim=2))
        y = self.fc2(torch.cat([y, self.bilinear(y)], dim=1))
        return x * y.unsqueeze(-1)


SE_LAYERS = {"simple": SELayerSimple, "bilinear": SELayerBilinear}


class LegNetStage(nn.Module):
    """EffNetV2-like inverted residual (1x1 expand to r*sz, grouped k conv, SE, 1x1 project to
    prev), concatenated with its input (2*prev channels), resized by a k conv to ``sz``."""

    def __init__(self, prev: int, sz: int, ks: int = 7, resize_factor: int = 4, filter_per_group: int = 2,
                 se_reduction: int = 4, se: str = "simple"):
        super().__init__()
        if se not in SE_LAYERS:
            raise ValueError(f"LegNetStage: se must be one of {sorted(SE_LAYERS)}, got {se!r}")
        hid = sz * resize_factor
        groups = max(1, hid // filter_per_group)
        self.inv_res = nn.Sequential(
            _conv_bn(prev, hid, 1),
            _conv_bn(hid, hid, ks, groups=groups),
            SE_LAYERS[se](prev, hid, se_reduction),
            _conv_bn(hid, prev, 1),
        )
        self.resize = _conv_bn(2 * prev, sz, ks)

    def forward(self, x):
        return self.resize(torch.cat([x, self.inv_res(x)], dim=1))


class AutosomeCoreBlock(CoreBlock):
    """Stages over ``[in, *block_sizes, out]`` (default 128, 128, 64, 64, 64 -> 6 stages).
    ``se="simple"`` as the Prix Fixe port; ``"bilinear"`` as the 2022 LegNet submission."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        seqsize: int,
        block_sizes=(128, 128, 64, 64, 64),
        ks: int = 7,
        resize_factor: int = 4,
        filter_per_group: int = 2,
        se_reduction: int = 4,
        se: str = "simple",
    ):
        super().__init__(in_channels, out_channels, seqsize)
        sizes = [in_channels, *block_sizes, out_channels]
        self.stages = nn.Sequential(
            *[LegNetStage(p, s, ks, resize_factor, filter_per_group, se_reduction, se) for p, s in zip(sizes[:-1], sizes[1:])]
        )

    def forward(self, x):
        return self.stages(x)


class AutosomeFinalLayersBlock(FinalLayersBlock):
    """Conv1d(in, 18, 1) (bias) -> global average pool -> 18 bin logits (training output,
    ``train_kind="bins"``); expression = sum_i softmax_i * i (i = 0..17)."""

    train_kind = "bins"

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1, n_bins: int = 18, final_activation: bool = False):
        super().__init__(in_channels, seqsize, n_outputs)
        if n_outputs != 1:
            raise ValueError("AutosomeFinalLayersBlock predicts one expression value (n_outputs=1)")
        layers = [nn.Conv1d(in_channels, n_bins, 1)]
        if final_activation:  # the original LegNet has a SiLU after the mapper
            layers.append(nn.SiLU())
        self.mapper = nn.Sequential(*layers)
        self.register_buffer("bins", torch.arange(n_bins, dtype=torch.float32), persistent=False)

    def train_output(self, x):
        return self.mapper(x).mean(dim=2)

    def expression(self, x):
        p = torch.softmax(self.train_output(x).float(), dim=1)
        return (p * self.bins).sum(dim=1, keepdim=True)


class RegressionFinalLayersBlock(FinalLayersBlock):
    """Follow-up head (Drosophila / human notebooks): per output Conv1d(in, 256, 1) -> global
    average pool -> Linear(256, 1); trained with MSE."""

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1, hidden: int = 256):
        super().__init__(in_channels, seqsize, n_outputs)
        self.heads = nn.ModuleList(
            [nn.Sequential(nn.Conv1d(in_channels, hidden, 1)) for _ in range(n_outputs)]
        )
        self.linears = nn.ModuleList([nn.Linear(hidden, 1) for _ in range(n_outputs)])

    def expression(self, x):
        return torch.cat([lin(h(x).mean(dim=2)) for h, lin in zip(self.heads, self.linears)], dim=1)
