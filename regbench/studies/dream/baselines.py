"""The follow-ups' published baselines, trained on the same splits as the DREAM models.

* ``deepstarr`` (de Almeida et al. 2022, Drosophila S2 STARR-seq; ``DeepSTARR_training.ipynb``
  of bernardo-de-almeida/DeepSTARR): 4 x [Conv1d (256 k7, 60 k3, 60 k5, 120 k3, 'same') -> BN ->
  ReLU -> MaxPool(2)] -> flatten -> 2 x [Dense(256) -> BN -> ReLU -> Dropout(0.4)] -> one
  Dense(1) per task (Dev, Hk). Keras defaults: BatchNorm momentum 0.99 (torch 0.01), eps 1e-3;
  Glorot-uniform weights, zero biases. Trained with Adam(lr 0.002), batch 128, MSE per task
  (weights 1, 1), up to 100 epochs, early stopping on the validation loss (patience 10,
  best weights restored). 249-bp one-hot input (A, C, G, T).
* ``mpra_legnet`` (Agarwal et al. 2023, human lentiMPRA; autosome-ru/human_legnet ``model.py``,
  ``core.py`` defaults): stem Conv(k11, 64)-BN-SiLU; 4 blocks, each a concatenated
  EfficientNet-like block (1x1 expand x4, depthwise k9, SE (reduction 4), 1x1 project; BN-SiLU
  after each) + Conv(k9)-BN-SiLU to [80, 96, 112, 128] channels + MaxPool(2); mapper BN ->
  Conv1d(128, 256, 1); average pool; head Linear(256, 256)-BN-SiLU-Linear(256, 1). Init as
  LegNet (Conv N(0, sqrt(2 / (k out))), Linear N(0, 0.001)). Trained with AdamW (max lr 0.01 /
  25, weight decay 0.1), OneCycle (pct 0.3, no momentum cycling) per step, batch 1024, 20 epochs,
  MSE, gradient clipping 1, best validation Pearson; random reverse complement and a shift of up
  to 21 bp into the vector as augmentation; test predictions averaged over both orientations.

Both take channels-last ``(N, L, 4)`` and return ``(N, n_outputs)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from regbench.models import registry


class DeepSTARR(nn.Module):
    def __init__(self, input_length: int = 249, in_channels: int = 4, n_outputs: int = 2,
                 filters=(256, 60, 60, 120), kernels=(7, 3, 5, 3), dense=(256, 256), dropout: float = 0.4):
        super().__init__()
        self.input_length, self.output_bin_size, self.n_tracks = input_length, None, n_outputs
        layers, c, length = [], in_channels, input_length
        for f, k in zip(filters, kernels):
            layers += [nn.Conv1d(c, f, k, padding="same"), nn.BatchNorm1d(f, momentum=0.01, eps=1e-3), nn.ReLU(), nn.MaxPool1d(2)]
            c, length = f, length // 2
        self.convs = nn.Sequential(*layers)
        fc, d = [], c * length
        for h in dense:
            fc += [nn.Linear(d, h), nn.BatchNorm1d(h, momentum=0.01, eps=1e-3), nn.ReLU(), nn.Dropout(dropout)]
            d = h
        self.dense = nn.Sequential(*fc)
        self.heads = nn.ModuleList([nn.Linear(d, 1) for _ in range(n_outputs)])
        for m in self.modules():  # Keras defaults
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.convs(x.transpose(1, 2))
        # Keras Flatten of (L, C) channels-last: position-major order
        h = self.dense(h.transpose(1, 2).reshape(h.shape[0], -1))
        return torch.cat([head(h) for head in self.heads], dim=1)


@registry.register("deepstarr")
def deepstarr(input_length: int = 249, in_channels: int = 4, n_outputs: int = 2):
    return DeepSTARR(input_length, in_channels, n_outputs)


def _conv_bn_silu(cin: int, cout: int, k: int, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv1d(cin, cout, k, padding="same", groups=groups, bias=False), nn.BatchNorm1d(cout), nn.SiLU()]


class _SE(nn.Module):
    def __init__(self, c: int, reduction: int = 4):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(c, c // reduction), nn.SiLU(), nn.Linear(c // reduction, c), nn.Sigmoid())

    def forward(self, x):
        return x * self.fc(x.mean(dim=2)).unsqueeze(-1)


class _MPRALegNetBlock(nn.Module):
    def __init__(self, cin: int, cout: int, ks: int, resize: int, pool: int):
        super().__init__()
        inner = cin * resize
        self.eff = nn.Sequential(
            *_conv_bn_silu(cin, inner, 1), *_conv_bn_silu(inner, inner, ks, groups=inner), _SE(inner, resize),
            *_conv_bn_silu(inner, cin, 1),
        )
        self.local = nn.Sequential(*_conv_bn_silu(2 * cin, cout, ks))
        self.pool = nn.MaxPool1d(pool) if pool != 1 else nn.Identity()

    def forward(self, x):
        return self.pool(self.local(torch.cat([self.eff(x), x], dim=1)))


class MPRALegNet(nn.Module):
    def __init__(self, input_length: int = 230, in_channels: int = 4, stem_ch: int = 64, stem_ks: int = 11, ef_ks: int = 9,
                 block_sizes=(80, 96, 112, 128), pool_sizes=(2, 2, 2, 2), resize_factor: int = 4):
        super().__init__()
        self.input_length, self.output_bin_size, self.n_tracks = input_length, None, 1
        self.stem = nn.Sequential(*_conv_bn_silu(in_channels, stem_ch, stem_ks))
        blocks, c = [], stem_ch
        for out, pool in zip(block_sizes, pool_sizes):
            blocks.append(_MPRALegNetBlock(c, out, ef_ks, resize_factor, pool))
            c = out
        self.main = nn.Sequential(*blocks)
        self.mapper = nn.Sequential(nn.BatchNorm1d(c), nn.Conv1d(c, 2 * c, 1))
        self.head = nn.Sequential(nn.Linear(2 * c, 2 * c), nn.BatchNorm1d(2 * c), nn.SiLU(), nn.Linear(2 * c, 1))
        for m in self.modules():  # LegNet's initialize_weights
            if isinstance(m, nn.Conv1d):
                m.weight.data.normal_(0, math.sqrt(2 / (m.kernel_size[0] * m.out_channels)))
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                m.weight.data.normal_(0, 0.001)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.mapper(self.main(self.stem(x.transpose(1, 2))))
        return self.head(h.mean(dim=2))


@registry.register("mpra_legnet")
def mpra_legnet(input_length: int = 230, in_channels: int = 4, n_outputs: int = 1):
    if n_outputs != 1:
        raise ValueError("mpra_legnet predicts one activity (n_outputs=1)")
    return MPRALegNet(input_length, in_channels)
