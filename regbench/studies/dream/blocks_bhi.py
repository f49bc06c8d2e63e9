"""BHI (DeepGXP) Prix Fixe blocks (``prixfixe/bhi``; specs/dream.md §3.2, §4.2). ``(N, C, L)`` in/out."""

from __future__ import annotations

import torch
from torch import nn

from regbench.predict.device import run_fp32
from regbench.studies.dream.prixfixe import CoreBlock, FinalLayersBlock, FirstLayersBlock


class _ParallelConvs(nn.Module):
    """Parallel Conv1d(in, out/len(kernels), k, same) -> ReLU -> Dropout, concatenated."""

    def __init__(self, cin: int, cout: int, kernels=(9, 15), dropout: float = 0.2):
        super().__init__()
        per = cout // len(kernels)
        self.convs = nn.ModuleList(
            [nn.Sequential(nn.Conv1d(cin, per, k, padding="same"), nn.ReLU(), nn.Dropout(dropout)) for k in kernels]
        )

    def forward(self, x):
        return torch.cat([c(x) for c in self.convs], dim=1)


class BHIFirstLayersBlock(FirstLayersBlock):
    """Parallel convs k 9 / 15 (out/2 channels each), ReLU, MaxPool(1), Dropout 0.2."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int, kernels=(9, 15), dropout: float = 0.2):
        super().__init__(in_channels, out_channels, seqsize)
        self.block = _ParallelConvs(in_channels, out_channels, kernels, dropout)

    def forward(self, x):
        return self.block(x)


class BHICoreBlock(CoreBlock):
    """BiLSTM(in, hidden) -> 2*hidden channels -> parallel convs k 9/15 (out/2 each) + ReLU +
    Dropout 0.2 -> Dropout 0.5. The BiLSTM runs in fp32 under any autocast
    (:func:`regbench.predict.device.run_fp32`)."""

    def __init__(
        self, in_channels: int, out_channels: int, seqsize: int, lstm_hidden: int = 320, kernels=(9, 15),
        dropout1: float = 0.2, dropout2: float = 0.5,
    ):
        super().__init__(in_channels, out_channels, seqsize)
        self.lstm = nn.LSTM(in_channels, lstm_hidden, batch_first=True, bidirectional=True)
        self.convs = _ParallelConvs(2 * lstm_hidden, out_channels, kernels, dropout1)
        self.dropout = nn.Dropout(dropout2)

    def forward(self, x):
        # fp32 whatever the autocast: CUDA autocast would run the cuDNN LSTM in fp16
        h, _ = run_fp32(self.lstm, x.transpose(1, 2))
        return self.dropout(self.convs(h.transpose(1, 2)))


class BHIFinalLayersBlock(FinalLayersBlock):
    """DeepGXP head: flatten (C x L) -> Linear(., 64) -> ReLU -> Linear(64, 64) -> ReLU -> Linear(64, n)."""

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1, hidden: int = 64):
        super().__init__(in_channels, seqsize, n_outputs)
        self.mlp = nn.Sequential(
            nn.Flatten(), nn.Linear(in_channels * seqsize, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_outputs),
        )

    def expression(self, x):
        return self.mlp(x)
