"""The Sasse et al. 2023 simple CNN (Extended Data Fig. 2; specs/personal.md §1.14).

Input: one-hot ``(N, L, 4)`` with L = 40,001 (TSS-centred) in the paper. Output ``(N, n_tracks)``
(mean log expression per gene: ``n_tracks = 1``); ``output_bin_size`` None.

    Conv1d(4, 900, k=10, valid) + ReLU -> AvgPool1d(900) -> flatten (900 x 44 = 39,600)
    -> Linear(39,600, 200) + ReLU -> Linear(200, 1)

Padding, strand handling and initialisation are not given by the paper: no padding (valid),
PyTorch default initialisation, channels-first flatten order.
"""

from __future__ import annotations

import torch
from torch import nn

from regbench.models.registry import register


class ExpressionCNN(nn.Module):
    def __init__(self, input_length=40_001, n_tracks=1, filters=900, kernel=10, pool=900, hidden=200):
        super().__init__()
        n_pos = (input_length - kernel + 1) // pool
        if n_pos < 1:
            raise ValueError(f"expression_cnn: input_length {input_length} too short for kernel {kernel} + pool {pool}")
        self.input_length = int(input_length)
        self.output_bin_size = None
        self.n_tracks = int(n_tracks)
        self.conv = nn.Conv1d(4, filters, kernel)
        self.pool = nn.AvgPool1d(pool)
        self.fc1 = nn.Linear(filters * n_pos, hidden)
        self.fc2 = nn.Linear(hidden, n_tracks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, 4) -> (N, n_tracks)."""
        h = self.pool(torch.relu(self.conv(x.transpose(1, 2))))
        return self.fc2(torch.relu(self.fc1(h.flatten(1))))


@register("expression_cnn")
def expression_cnn(input_length=40_001, n_tracks=1, filters=900, kernel=10, pool=900, hidden=200):
    """Sasse simple CNN: (N, L, 4) -> (N, n_tracks); defaults = the paper's 40-kb model."""
    return ExpressionCNN(input_length, n_tracks, filters, kernel, pool, hidden)
